using Microsoft.EntityFrameworkCore;

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
        // A rule, so the redaction page shows its table, edit forms and check results.
        await fixture.App.WithDbAsync(async db =>
        {
            if (!db.RedactionRules.Any(r => r.ProjectId == sampleId))
            {
                db.RedactionRules.Add(new Storyweave.Features.Redaction.RedactionRule { ProjectId = sampleId, Term = "Layout Testname", Replacement = "[name]", CreatedAt = DateTime.UtcNow });
                await db.SaveChangesAsync();
            }
            return 0;
        });
        var playlistId = await fixture.App.WithDbAsync(async db =>
        {
            var playlist = new Storyweave.Features.Clips.Playlist { ProjectId = sampleId, Title = "Layout playlist", CreatedAt = DateTime.UtcNow };
            db.Playlists.Add(playlist);
            await db.SaveChangesAsync();
            return playlist.Id;
        });
        var adminId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Users.First(u => u.IsAdmin).Id));
        var reportId = await fixture.App.WithServiceAsync<Storyweave.Features.Reports.ReportService, int>(async r =>
            (await r.CreateAsync(sampleId, Storyweave.Features.Reports.ReportKind.Overview, "Layout overview", adminId)).Value!.Id);
        var storytellerId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Storytellers.Where(s => s.ProjectId == sampleId).Min(s => s.Id)));
        foreach (var url in new[]
                 {
                     "/", "/projects", "/projects/new", $"/projects/{sampleId}", $"/projects/{sampleId}/storytellers", $"/projects/{sampleId}/stories",
                     $"/projects/{sampleId}/stories/{storyId}", $"/projects/{sampleId}/members", $"/projects/{sampleId}/settings",
                     $"/projects/{sampleId}/activity", $"/projects/{sampleId}/audit", "/admin/users", "/account/password", "/account/tokens", "/projects/999999",
                     $"/projects/{sampleId}/search?q=garden", $"/projects/{sampleId}/codebook", $"/projects/{sampleId}/review", $"/projects/{sampleId}/workshops",
                     $"/projects/{sampleId}/stories/{storyId}/coding", $"/projects/{sampleId}/stories/{storyId}/transcript/speakers", $"/projects/{sampleId}/stories/{storyId}/transcript/import", $"/projects/{sampleId}/call-out",
                     $"/projects/{sampleId}/findings", $"/projects/{sampleId}/findings/small-numbers",
                     $"/projects/{sampleId}/redaction?runCheck=true",
                     $"/projects/{sampleId}/playlists", $"/projects/{sampleId}/playlists/{playlistId}", $"/projects/{sampleId}/playlists/{playlistId}/add",
                     $"/projects/{sampleId}/reports", $"/projects/{sampleId}/reports/{reportId}", $"/projects/{sampleId}/exports",
                     $"/projects/{sampleId}/storytellers/{storytellerId}", $"/projects/{sampleId}/storytellers/{storytellerId}/link", $"/projects/{sampleId}/storytellers/{storytellerId}/answers", $"/projects/{sampleId}/storyteller-requests", $"/projects/{sampleId}/storytellers/{storytellerId}/withdraw", $"/projects/{sampleId}/team-notes",
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
        var context = await fixture.WatchCspAsync(await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUrl,
            ViewportSize = new ViewportSize { Width = 640, Height = 400 },
            DeviceScaleFactor = 2,
        }));
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
        var sampleId = await fixture.App.WithDbAsync(db => Task.FromResult(db.Projects.Single(p => p.IsSample).Id));
        // Nothing of the sample is public until an administrator publishes it: publish one story, as they would.
        var storyId = await fixture.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.SingleAsync(s => s.ProjectId == sampleId && s.Title == "Tomatoes and trust");
            story.PublishedAt ??= DateTime.UtcNow;
            await db.SaveChangesAsync();
            return story.Id;
        });
        foreach (var url in new[]
                 {
                     "/", "/account/sign-in", "/account/denied", "/no-such-page", "/me/left", "/me/no-such-link", "/me",
                     "/stories", $"/stories/{sampleId}", $"/stories/{sampleId}/{storyId}", $"/stories/{sampleId}/{storyId}?q=tomatoes",
                 })

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

    [Fact]
    public async Task The_policy_blocks_inline_script_and_style_and_every_violation_fails_the_test()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync("/account/sign-in");
        Assert.DoesNotContain("unsafe-inline", response!.Headers["content-security-policy"], StringComparison.Ordinal);
        fixture.AssertNoCspViolations();

        // What an injected script or style attribute would do: neither runs, and both are reported.
        var ran = await page.EvaluateAsync<bool>(@"() => new Promise(resolve => {
            window.__ran = false;
            const s = document.createElement('script');
            s.textContent = 'window.__ran = true';
            document.body.appendChild(s);
            const d = document.createElement('div');
            d.setAttribute('style', 'color: red');
            document.body.appendChild(d);
            setTimeout(() => resolve(window.__ran), 200);
        })");
        Assert.False(ran);
        for (var i = 0; i < 20; i++) await page.WaitForTimeoutAsync(50);
        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(fixture.AssertNoCspViolations);
        Assert.Contains("script-src", failure.Message, StringComparison.Ordinal);
        Assert.Contains("style-src", failure.Message, StringComparison.Ordinal);
        fixture.AssertNoCspViolations(); // reported once, then cleared
    }

    [Fact]
    public async Task The_please_wait_page_after_too_many_sign_ins_passes_axe_and_says_how_long_to_wait()
    {
        await using var app = await TestApp.StartAsync(configure: o => o with { SignInAttemptsPerMinute = 1 });
        await using var context = await fixture.WatchCspAsync(await fixture.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 360, Height = 740 } }));
        var page = await context.NewPageAsync();
        IResponse? last = null;
        for (var i = 0; i < 2; i++)
        {
            await page.GotoAsync("/account/sign-in");
            await page.GetByLabel("Email address").FillAsync("someone@example.org");
            await page.GetByLabel("Password").FillAsync("not the password");
            last = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(),
                r => r.Request.Method == "POST");
        }
        Assert.Equal(429, last!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Please wait a moment");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Please wait");
        var folder = Environment.GetEnvironmentVariable("STORYWEAVE_SCREENSHOTS") is { Length: > 0 } f ? f : Path.Combine(Path.GetTempPath(), "storyweave-screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "sign-in-please-wait-360.png"), FullPage = true });
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }
}
