using System.Text.RegularExpressions;

namespace Storyweave.BrowserTests;

/// <summary>The report pages in a real browser: order quotes by keyboard, make an HTML file, and check that file with axe-core.</summary>
public sealed class ReportTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException("Could not reach the element with the Tab key.");
    }

    [Fact]
    public async Task A_curator_orders_quotes_by_keyboard_makes_an_html_file_and_the_file_passes_axe()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Reports in the browser");
        var (themes, _, pseudo, anon, noQuotes) = await app.CreateReportScenarioAsync(projectId, admin);

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email address").FillAsync(admin.Email);
        await page.GetByLabel("Password").FillAsync(admin.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.GotoAsync($"/projects/{projectId}/reports");
        await fixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Title").FillAsync("Browser report");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start the report" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Browser report");

        // Pick both quotes of the second theme, then the no-quotes storyteller's passage for the third.
        foreach (var (themeName, words) in new[] { (themes[1].Name, pseudo.Words), (themes[1].Name, anon.Words), (themes[2].Name, noQuotes.Words) })
        {
            var details = page.Locator("details", new() { Has = page.GetByText($"Choose quotes for {themeName}") });
            await details.Locator("summary").ClickAsync();
            await details.Locator("li", new() { HasText = words }).GetByRole(AriaRole.Button).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Added the quote.");
        }
        await Assertions.Expect(page.Locator(".withheld", new() { HasText = "has not agreed to: quotes in reports" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);

        // Move the second quote up with the keyboard only.
        var list = page.Locator($"ol[aria-label='Quotes chosen for {themes[1].Name}']");
        var up = page.GetByRole(AriaRole.Button, new() { Name = $"move quote 2 of {themes[1].Name} up" });
        if (await up.CountAsync() != 1) Assert.Fail("No single Up button. Page:\n" + await page.Locator("main").InnerHTMLAsync());
        await TabToAsync(page, up);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Moved the quote up.");
        await Assertions.Expect(list.Locator("> li").First).ToContainTextAsync(anon.Words);

        // Make the HTML file; the page follows its progress and offers the download when ready.
        await page.GetByLabel("Make a file").SelectOptionAsync(new SelectOptionValue { Label = "Web page (HTML)" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Make the file" }).ClickAsync();
        var download = page.GetByRole(AriaRole.Link, new() { Name = "Download Web page (HTML)" });
        await Assertions.Expect(download).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await fixture.AssertAccessibleAsync(page);

        var href = await download.GetAttributeAsync("href");
        var response = await page.APIRequest.GetAsync(href!);
        Assert.Equal(200, response.Status);
        var html = await response.TextAsync();
        Assert.DoesNotContain(noQuotes.Words, html);

        // The generated file on its own, as a reader opens it.
        var filePage = await context.NewPageAsync();
        await filePage.SetContentAsync(html);
        await Assertions.Expect(filePage.Locator("html")).ToHaveAttributeAsync("lang", "en-GB");
        await Assertions.Expect(filePage.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Browser report");
        await Assertions.Expect(filePage.GetByRole(AriaRole.Heading, new() { Name = themes[1].Name, Exact = true })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(filePage);
        await filePage.SetViewportSizeAsync(360, 740);
        await BrowserFixture.AssertNoHorizontalScrollAsync(filePage);
        Assert.Matches(new Regex("<table>\\s*<caption id=\"t1\">"), html);
    }
}
