using System.Net.Http.Json;
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
        await fixture.SignInAsync(page, admin.Email, admin.Password);

        await page.GotoAsync($"/projects/{projectId}/reports");
        await fixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Title").FillAsync("Browser report");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start the report" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Browser report");

        // Pick both quotes of the second theme, then the no-quotes storyteller's passage for the third: in place, the picker stays open.
        var announcer = page.Locator("#quote-announcer");
        foreach (var (themeName, words, count) in new[] { (themes[1].Name, pseudo.Words, 1), (themes[1].Name, anon.Words, 2), (themes[2].Name, noQuotes.Words, 1) })
        {
            var details = page.Locator("details", new() { Has = page.GetByText($"Choose quotes for {themeName}") });
            if (await details.GetAttributeAsync("open") is null) await details.Locator("summary").ClickAsync();
            await details.Locator("li", new() { HasText = words }).GetByRole(AriaRole.Button).ClickAsync();
            await Assertions.Expect(announcer).ToHaveTextAsync($"Added the quote to {themeName}. {count} {(count == 1 ? "quote" : "quotes")} chosen.");
        }
        await Assertions.Expect(page.Locator(".withheld", new() { HasText = "has not agreed to: quotes in reports" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);

        // Move the second quote up with the keyboard only.
        var list = page.Locator($"ol[aria-label='Quotes chosen for {themes[1].Name}']");
        var up = page.GetByRole(AriaRole.Button, new() { Name = $"move quote 2 of {themes[1].Name} up" });
        if (await up.CountAsync() != 1) Assert.Fail("No single Up button. Page:\n" + await page.Locator("main").InnerHTMLAsync());
        await TabToAsync(page, up);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(announcer).ToHaveTextAsync("Moved the quote up.");
        await Assertions.Expect(list.Locator("> li").First).ToContainTextAsync(anon.Words);
        // Focus stays on the quote that moved: now first, so on its Down button.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"move quote 1 of {themes[1].Name} down" })).ToBeFocusedAsync();

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

    [Fact]
    public async Task Twelve_quotes_are_picked_in_place_without_a_reload_with_focus_kept_each_change_announced_and_files_marked()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Quotes in place");
        var (themes, _, pseudo, _, _) = await app.CreateReportScenarioAsync(projectId, admin);
        var theme = themes[1];
        // Ten more passages of the pseudonymous storyteller's story, coded with the second theme: twelve to pick.
        await app.WithDbAsync(async db =>
        {
            var story = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Passages, p => p.Id == pseudo.PassageId);
            for (var i = 0; i < 10; i++)
            {
                db.Passages.Add(new Storyweave.Features.Coding.CodedPassage
                {
                    ProjectId = projectId,
                    StoryId = story.StoryId,
                    StartOffset = 0,
                    EndOffset = 5,
                    Snippet = $"Extra words number {i}",
                    Speaker = "Teller",
                    CreatedAt = DateTime.UtcNow,
                    Themes = [new Storyweave.Features.Coding.PassageTheme { ThemeId = theme.Id, CodedAt = DateTime.UtcNow }],
                });
            }
            return await db.SaveChangesAsync();
        });

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, admin.Email, admin.Password);
        await page.GotoAsync($"/projects/{projectId}/reports");
        await page.GetByLabel("Title").FillAsync("Twelve quotes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start the report" }).ClickAsync();
        // A file first (its page reloads itself when the file is ready), so an edit has a file to mark.
        await page.GetByLabel("Make a file").SelectOptionAsync(new SelectOptionValue { Label = "Markdown" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Make the file" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download Markdown" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#files-behind")).ToHaveCountAsync(0);

        // From here on the page must never load again.
        await page.EvaluateAsync("() => { window.__storyweaveStillHere = 'yes'; }");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };

        var details = page.Locator("details.quote-picker", new() { Has = page.GetByText($"Choose quotes for {theme.Name}") });
        await details.Locator("summary").ClickAsync();
        await Assertions.Expect(details.Locator("summary")).ToHaveTextAsync($"Choose quotes for {theme.Name} (12 available)");
        await details.GetByRole(AriaRole.Button).First.FocusAsync();
        var announcer = page.Locator("#quote-announcer");
        for (var n = 1; n <= 12; n++)
        {
            // Focus is kept on the next quote's Add button, so Enter alone picks the next one.
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(announcer).ToHaveTextAsync($"Added the quote to {theme.Name}. {n} {(n == 1 ? "quote" : "quotes")} chosen.");
            details = page.Locator("details.quote-picker", new() { Has = page.GetByText($"Choose quotes for {theme.Name}") });
            await Assertions.Expect(details).ToHaveAttributeAsync("open", new Regex(".*"));
        }
        await Assertions.Expect(details.Locator("summary")).ToBeFocusedAsync();
        await Assertions.Expect(details).ToContainTextAsync("No more coded passages or key quotes for this theme.");
        var list = page.Locator($"ol[aria-label='Quotes chosen for {theme.Name}']");
        await Assertions.Expect(list.Locator("> li")).ToHaveCountAsync(12);
        // The files section was replaced too: the file no longer matches the report.
        await Assertions.Expect(page.Locator("#files-behind")).ToContainTextAsync("made before your latest changes");
        await Assertions.Expect(page.Locator("#report-files tr[data-state='behind']")).ToHaveCountAsync(1);

        // Remove the third quote: the next one's Remove button gets focus.
        var fourth = await list.Locator("> li").Nth(3).Locator("blockquote").InnerTextAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Remove quote 3 of {theme.Name}" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(announcer).ToHaveTextAsync($"Removed the quote from {theme.Name}. 11 quotes chosen.");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Remove quote 3 of {theme.Name}" })).ToBeFocusedAsync();
        await Assertions.Expect(list.Locator("> li").Nth(2).Locator("blockquote")).ToHaveTextAsync(fourth);
        await fixture.AssertAccessibleAsync(page);

        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.__storyweaveStillHere"));
        Assert.Equal(0, navigations);
        Assert.Equal(11, await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.ReportQuotes, q => q.ThemeId == theme.Id)));

        await page.SetViewportSizeAsync(360, 740);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
    }

    private static readonly string[] SubThemeWords = ["First words of the sub theme", "Second words of the sub theme"];

    [Fact]
    public async Task At_360_px_a_curator_orders_sub_theme_quotes_by_keyboard_and_uses_a_quote_for_a_related_theme_with_a_note()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Quotes at any depth");
        var (themes, named, _, _, _) = await app.CreateReportScenarioAsync(projectId, admin);
        var (alpha, beta) = (themes[0], themes[1]);
        var sub = await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Themes, t => t.ParentId == alpha.Id));
        // Two more passages of the named storyteller's story, coded with the sub-theme.
        var subPassages = await app.WithDbAsync(async db =>
        {
            var storyId = (await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Passages, p => p.Id == named.PassageId)).StoryId;
            var rows = SubThemeWords.Select(w => new Storyweave.Features.Coding.CodedPassage
            {
                ProjectId = projectId,
                StoryId = storyId,
                StartOffset = 0,
                EndOffset = 5,
                Snippet = w,
                Speaker = "Teller",
                CreatedAt = DateTime.UtcNow,
                Themes = [new Storyweave.Features.Coding.PassageTheme { ThemeId = sub.Id, CodedAt = DateTime.UtcNow }],
            }).ToList();
            db.Passages.AddRange(rows);
            await db.SaveChangesAsync();
            return rows.Select(r => r.Id).ToList();
        });
        var api = await app.ApiClientAsync(admin);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Depth report" });
        var reportId = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<int>();
        foreach (var (themeId, passageId) in new[] { (sub.Id, subPassages[0]), (sub.Id, subPassages[1]), (alpha.Id, named.PassageId) })
            Assert.True((await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/themes/{themeId}/quotes", new { passageId })).IsSuccessStatusCode);

        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, admin.Email, admin.Password);
        await page.GotoAsync($"/projects/{projectId}/reports/{reportId}");
        // The sub-theme has its own section, a level below its main theme.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 4, Name = sub.Name })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);

        // Move the sub-theme's second quote up with the keyboard only.
        var announcer = page.Locator("#quote-announcer");
        var up = page.GetByRole(AriaRole.Button, new() { Name = $"move quote 2 of {sub.Name} up" });
        await TabToAsync(page, up);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(announcer).ToHaveTextAsync("Moved the quote up.");
        var list = page.Locator($"ol[aria-label='Quotes chosen for {sub.Name}']");
        await Assertions.Expect(list.Locator("> li").First).ToContainTextAsync("Second words of the sub theme");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"move quote 1 of {sub.Name} down" })).ToBeFocusedAsync();

        // Use the quote chosen for Alpha to illustrate Beta, with a note, by keyboard.
        var related = page.Locator("#theme-section-" + beta.Id + " details.related-picker");
        await TabToAsync(page, related.Locator("summary"));
        await page.Keyboard.PressAsync("Enter");
        var item = related.Locator("li", new() { HasText = named.Words });
        await item.GetByLabel($"Why it fits {beta.Name}").FocusAsync();
        await page.Keyboard.TypeAsync("It shows trust growing between neighbours.");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(announcer).ToHaveTextAsync($"Added the quote to {beta.Name}. 1 quote chosen.");
        var betaList = page.Locator($"ol[aria-label='Quotes chosen for {beta.Name}']");
        await Assertions.Expect(betaList.Locator("> li")).ToContainTextAsync(named.Words);
        await Assertions.Expect(betaList.Locator("> li")).ToContainTextAsync("Your note, shown with the quote: It shows trust growing between neighbours.");
        await Assertions.Expect(betaList.Locator("> li").Last).ToBeFocusedAsync();
        await fixture.AssertAccessibleAsync(page);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
    }

    /// <summary>
    /// The outline editor, without a mouse: start an overview, add a writing section at the end, move it up, and the
    /// outline and the HTML file's headings follow; name a partner organisation, which the file credits; axe-clean at
    /// 1280 and 360 px, nothing wider than the screen.
    /// </summary>
    [Fact]
    public async Task A_curator_adds_and_moves_an_outline_section_and_the_file_follows_the_new_order()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Outline in the browser");
        await app.CreateReportScenarioAsync(projectId, admin);

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, admin.Email, admin.Password);

        await page.GotoAsync($"/projects/{projectId}/reports");
        await page.GetByLabel("Title").FillAsync("Outline overview");
        await page.Locator("#kind-overview").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Start the report" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Outline overview");

        var outline = page.Locator("ol.outline").First;
        var before = await outline.Locator(":scope > li > p.outline-row strong").AllInnerTextsAsync();
        Assert.True(before.Count >= 2, "The overview template starts with sections: " + string.Join(" | ", before));

        // Add a writing section at the end (the form's defaults: Writing, at the end).
        await page.Locator("#add-heading").FillAsync("Our thanks");
        await page.Locator("#add-body").FillAsync("We thank **every storyteller**.\n\n- the peer researchers\n- the partners");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add section" }).ClickAsync();
        var rows = outline.Locator(":scope > li > p.outline-row strong");
        await Assertions.Expect(rows.Last).ToHaveTextAsync("Our thanks");
        await fixture.AssertAccessibleAsync(page);

        // Move it up by keyboard: focus its Up button and press Enter.
        var up = page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex(@"^Up\s*:\s*Our thanks$") });
        if (await up.CountAsync() != 1) Assert.Fail("No single Up button. Item:\n" + await outline.Locator(":scope > li").Last.InnerHTMLAsync());
        await up.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(rows.Nth(before.Count - 1)).ToHaveTextAsync("Our thanks");
        var after = await rows.AllInnerTextsAsync();
        Assert.Equal([.. before.Take(before.Count - 1), "Our thanks", before[^1]], after);

        // Name a partner organisation for the credits.
        await page.GetByLabel("Organisation's name").FillAsync("Fairshare Fund");
        await page.GetByLabel("What they did").FillAsync("Funded by");
        await page.GetByLabel("Web address (optional)").FillAsync("https://fund.example.org/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add partner" }).ClickAsync();
        await Assertions.Expect(page.Locator("ul.partner-list li")).ToContainTextAsync("Funded by Fairshare Fund");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Remove Fairshare Fund" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "report-partners-1280.png"), FullPage = true });

        await page.SetViewportSizeAsync(360, 740);
        await fixture.AssertAccessibleAsync(page);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "The report page is wider than a 360 px screen.");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "report-outline-360.png"), FullPage = true });
        await page.SetViewportSizeAsync(1280, 900);

        // The HTML file has the writing, formatted, before the last section's heading.
        await page.GetByLabel("Make a file").SelectOptionAsync(new SelectOptionValue { Label = "Web page (HTML)" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Make the file" }).ClickAsync();
        var download = page.GetByRole(AriaRole.Link, new() { Name = "Download Web page (HTML)" });
        await Assertions.Expect(download).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var html = await (await page.APIRequest.GetAsync((await download.GetAttributeAsync("href"))!)).TextAsync();
        Assert.Contains("<strong>every storyteller</strong>", html);
        Assert.Contains("<li>the peer researchers</li>", html);
        Assert.Contains("<li>Funded by <a href=\"https://fund.example.org/\">Fairshare Fund</a></li>", html);
        var thanks = html.IndexOf(">Our thanks<", StringComparison.Ordinal);
        var last = html.IndexOf(">" + System.Net.WebUtility.HtmlEncode(before[^1]) + "<", StringComparison.Ordinal);
        Assert.True(thanks > 0 && (last < 0 || thanks < last), $"'Our thanks' ({thanks}) comes before '{before[^1]}' ({last}) in the file.");
    }
}
