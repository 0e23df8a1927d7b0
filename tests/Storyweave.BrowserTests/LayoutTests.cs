namespace Storyweave.BrowserTests;

/// <summary>The shell on a phone and by keyboard, with a signed-in team member.</summary>
public sealed class LayoutTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private async Task<IPage> SignedInPhoneAsync(IBrowserContext context)
    {
        var app = fixture.App;
        var user = await app.CreateUserAsync(isAdmin: true, name: "Phone Person");
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        // Keyboard only: Tab from the top of the page, type, Enter.
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        for (var i = 0; i < 10 && !await page.GetByLabel("Email address").EvaluateAsync<bool>("e => e === document.activeElement"); i++)
            await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByLabel("Email address")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(user.Email);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(user.Password);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Projects");
        return page;
    }

    [Fact]
    public async Task At_360px_every_page_fits_without_sideways_scrolling_and_passes_axe()
    {
        // Make sure setup is done so pages render normally.
        if (!await fixture.App.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.IsAdmin))))
            await fixture.App.CreateAdminAsync();
        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await SignedInPhoneAsync(context);
        var sampleId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Projects.Single(p => p.IsSample).Id));
        var storyId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Stories.Where(s => s.ProjectId == sampleId).Min(s => s.Id)));
        var storytellerId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Storytellers.Where(s => s.ProjectId == sampleId).Min(s => s.Id)));
        foreach (var url in new[]
                 {
                     "/", "/projects", "/projects/new", $"/projects/{sampleId}", $"/projects/{sampleId}/storytellers", $"/projects/{sampleId}/stories",
                     $"/projects/{sampleId}/stories/{storyId}", $"/projects/{sampleId}/members", $"/projects/{sampleId}/settings",
                     $"/projects/{sampleId}/activity", "/admin/users", "/account/password", "/account/tokens", "/projects/999999",
                     $"/projects/{sampleId}/search?q=garden", $"/projects/{sampleId}/codebook", $"/projects/{sampleId}/review", $"/projects/{sampleId}/workshops",
                     $"/projects/{sampleId}/stories/{storyId}/coding", $"/projects/{sampleId}/call-out",
                     $"/projects/{sampleId}/findings", $"/projects/{sampleId}/findings/small-numbers",
                     $"/projects/{sampleId}/storytellers/{storytellerId}", $"/projects/{sampleId}/storytellers/{storytellerId}/link", $"/projects/{sampleId}/storyteller-requests",
                 })
        {
            var response = await page.GotoAsync(url);
            Assert.Equal(url == "/projects/999999" ? 404 : 200, response!.Status);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
        }
    }

    [Fact]
    public async Task At_200_percent_zoom_the_project_pages_still_fit()
    {
        if (!await fixture.App.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.IsAdmin))))
            await fixture.App.CreateAdminAsync();
        // 200% zoom of a 1280x800 screen is a 640x400 CSS-pixel viewport at device scale 2.
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUrl,
            ViewportSize = new ViewportSize { Width = 640, Height = 400 },
            DeviceScaleFactor = 2,
        });
        await using var _ = context;
        var page = await SignedInPhoneAsync(context);
        var sampleId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Projects.Single(p => p.IsSample).Id));
        foreach (var url in new[] { "/projects", $"/projects/{sampleId}", $"/projects/{sampleId}/members", "/admin/users" })
        {
            await page.GotoAsync(url);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        }
    }

    [Fact]
    public async Task Anonymous_pages_pass_axe_and_the_focus_is_always_visible()
    {
        if (!await fixture.App.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.IsAdmin))))
            await fixture.App.CreateAdminAsync();
        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await context.NewPageAsync();
        foreach (var url in new[] { "/", "/account/sign-in", "/account/denied", "/no-such-page", "/me/left", "/me/no-such-link", "/me" })
        {
            var response = await page.GotoAsync(url);
            Assert.Equal(url switch { "/no-such-page" or "/me/no-such-link" => 404, "/me" => 401, _ => 200 }, response!.Status);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
        }
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email address").FocusAsync();
        var outline = await page.GetByLabel("Email address").EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle");
        Assert.Equal("solid", outline);
    }
}
