using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Stories;

namespace Storyweave.BrowserTests;

/// <summary>Sense-making in a real browser: build a codebook from a template, change it, undo by keyboard; review sheet pages.</summary>
public sealed class CodebookTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>Presses Tab until the element has focus: how a keyboard user gets there.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException("Could not reach the element with the Tab key.");
    }

    [Fact]
    public async Task An_analyst_applies_a_template_adds_a_sub_theme_merges_and_undoes_by_keyboard_on_accessible_pages()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Value of co-production");
        var (storyId, _) = await app.CreateStoryAsync(projectId);
        await app.WithDbAsync(async db =>
        {
            db.TranscriptCues.AddRange(
                new TranscriptCue { StoryId = storyId, Position = 0, Speaker = "Reporter", Text = "What difference did it make?", StartSeconds = 0, EndSeconds = 4 },
                new TranscriptCue { StoryId = storyId, Position = 1, Speaker = "Storyteller", Text = "It gave me a purpose, it gave me confidence, it allowed me to network.", StartSeconds = 4, EndSeconds = 11 });
            return await db.SaveChangesAsync();
        });

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, admin.Email, admin.Password);

        var codebook = $"/projects/{projectId}/codebook";
        await page.GotoAsync(codebook);
        await fixture.AssertAccessibleAsync(page);

        // A template, through the page.
        await page.GetByLabel(new Regex("^Five areas of co-production")).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add these themes" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Added 5 themes");
        var tree = page.Locator("ul.theme-tree");
        foreach (var name in new[] { "Design", "Decision-making", "Delivery", "Research", "Voice" })
            await Assertions.Expect(tree.GetByRole(AriaRole.Link, new() { Name = name, Exact = true })).ToBeVisibleAsync();

        // A sub-theme under "Research".
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Peer research");
        await page.GetByLabel("Inside").SelectOptionAsync(new SelectOptionValue { Label = "Research" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add theme" }).ClickAsync();
        await Assertions.Expect(tree.Locator("li", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "Research", Exact = true }) })
            .GetByRole(AriaRole.Link, new() { Name = "Peer research" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);

        // Merge "Voice" into "Decision-making" on the theme's own page.
        await tree.GetByRole(AriaRole.Link, new() { Name = "Voice", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Voice");
        await fixture.AssertAccessibleAsync(page);
        await page.GetByLabel(new Regex("^Merge .Voice. into")).SelectOptionAsync(new SelectOptionValue { Label = "Decision-making" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Merge", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Decision-making");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Merged");

        await page.GotoAsync(codebook);
        await Assertions.Expect(tree.GetByRole(AriaRole.Link, new() { Name = "Voice", Exact = true })).ToHaveCountAsync(0);

        // Undo with the keyboard alone.
        var undo = page.GetByRole(AriaRole.Button, new() { Name = "Undo" });
        await Assertions.Expect(undo).ToHaveCountAsync(1);
        await page.Locator("body").FocusAsync();
        await TabToAsync(page, undo);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Undone");
        await Assertions.Expect(tree.GetByRole(AriaRole.Link, new() { Name = "Voice", Exact = true })).ToBeVisibleAsync();
        Assert.Equal(5, await app.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == projectId && t.ParentId == null && t.DeletedAt == null)));
        await fixture.AssertAccessibleAsync(page);

        // A review sheet with a theme and a key quote, then the list of review sheets.
        await page.GotoAsync($"/projects/{projectId}/stories/{storyId}/review");
        await fixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Add a key quote from this line").SelectOptionAsync(new SelectOptionValue { Index = 2 });
        await page.GetByLabel(new Regex("^Only these words")).FillAsync("it gave me confidence");
        await page.GetByLabel("Ideas").FillAsync("Purpose and confidence grow together.");
        await page.GetByLabel("Decision-making").CheckAsync();
        await page.GetByLabel("Positive").CheckAsync();
        await page.GetByLabel("Yes").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save review sheet" }).ClickAsync();
        await Assertions.Expect(page.Locator("p.notice[role='status']")).ToContainTextAsync("Review sheet saved");
        await Assertions.Expect(page.Locator("#key-quote-list blockquote")).ToHaveTextAsync("it gave me confidence");
        await fixture.AssertAccessibleAsync(page);

        await page.GotoAsync($"/projects/{projectId}/review");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("1 of 1 story reviewed");
        await fixture.AssertAccessibleAsync(page);

        // On a 360 px phone nothing scrolls sideways.
        var themeId = await app.WithDbAsync(db => db.Themes.Where(t => t.ProjectId == projectId && t.Name == "Research").Select(t => t.Id).SingleAsync());
        await using var phone = await fixture.NewContextAsync(360, 740);
        var small = await phone.NewPageAsync();
        await fixture.SignInAsync(small, admin.Email, admin.Password);
        foreach (var url in new[] { codebook, $"{codebook}/{themeId}", $"/projects/{projectId}/stories/{storyId}/review", $"/projects/{projectId}/review" })
        {
            var response = await small.GotoAsync(url);
            Assert.Equal(200, response!.Status);
            await BrowserFixture.AssertNoHorizontalScrollAsync(small);
            await fixture.AssertAccessibleAsync(small);
        }
    }

    /// <summary>
    /// A theme with 120 passages (10 of them from a storyteller who withdrew consent to analysis): the theme page shows 50 at a
    /// time; the paging links are reached and followed by keyboard; a split from page 2 without saying where the other
    /// passages go shows a focused error summary and loses nothing, then works. Accessible at 1280 and 360 px.
    /// </summary>
    [Fact]
    public async Task A_theme_with_many_passages_is_paged_and_split_from_the_second_page_by_keyboard()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Many passages");
        var themeId = await app.CreateThemeAsync(projectId, "Feeling at home");
        foreach (var (count, withheld) in new[] { (60, false), (10, true), (50, false) })
        {
            var (storyId, tellers) = await app.CreateStoryAsync(projectId);
            if (withheld) await app.WithdrawAnalysisConsentAsync(projectId, tellers[0]);
            await app.WithDbAsync(async db =>
            {
                db.Set<Storyweave.Features.Coding.CodedPassage>().AddRange(Enumerable.Range(0, count).Select(i => new Storyweave.Features.Coding.CodedPassage
                {
                    ProjectId = projectId,
                    StoryId = storyId,
                    StartOffset = i * 40,
                    EndOffset = i * 40 + 30,
                    Snippet = withheld ? $"Private words {i}" : $"We finally felt we belonged there, time {i}",
                    CreatedAt = DateTime.UtcNow,
                    Themes = [new Storyweave.Features.Coding.PassageTheme { ThemeId = themeId, CodedAt = DateTime.UtcNow }],
                }));
                return await db.SaveChangesAsync();
            });
        }
        var shots = Path.Combine(Path.GetTempPath(), "pages-shots");
        Directory.CreateDirectory(shots);

        foreach (var (width, height) in new[] { (360, 740), (1280, 900) })
        {
            await using var context = await fixture.NewContextAsync(width, height);
            var page = await context.NewPageAsync();
            await fixture.SignInAsync(page, admin.Email, admin.Password);
            await page.GotoAsync($"/projects/{projectId}/codebook/{themeId}");
            var shown = page.Locator("#passages-shown");
            await Assertions.Expect(shown).ToHaveTextAsync("Passages 1–50 of 120");
            await Assertions.Expect(page.Locator("table.split-table tbody tr")).ToHaveCountAsync(50);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);

            // To page 2 with the keyboard alone.
            var next = page.GetByRole(AriaRole.Link, new() { Name = "Next 50 passages" });
            await page.Locator("body").FocusAsync();
            await TabToAsync(page, next);
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(shown).ToHaveTextAsync("Passages 51–100 of 120");
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Previous 50 passages" })).ToBeVisibleAsync();
            var table = page.Locator("table.split-table");
            await Assertions.Expect(table).ToContainTextAsync("(hidden: no consent to analysis)");
            await Assertions.Expect(table).Not.ToContainTextAsync("Private words");
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            await page.Locator("#split-title").ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"theme-page2-{width}.png"), FullPage = false });
            if (width != 1280) continue;

            // Split from page 2: the first passage shown goes to "Here", the rest must be placed.
            await page.GetByRole(AriaRole.Textbox, new() { Name = "New theme 1", Exact = true }).FillAsync("Here");
            await page.GetByRole(AriaRole.Textbox, new() { Name = "New theme 2", Exact = true }).FillAsync("There");
            await page.Locator("table.split-table tbody tr").First.Locator("input[type=checkbox]").First.CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Split", Exact = true }).ClickAsync();
            var summary = page.Locator(".error-summary");
            await Assertions.Expect(summary).ToContainTextAsync("Choose where the passages you did not tick go");
            await Assertions.Expect(summary).ToBeFocusedAsync();
            await Assertions.Expect(shown).ToHaveTextAsync("Passages 51–100 of 120");
            await fixture.AssertAccessibleAsync(page);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "theme-split-error-1280.png"), FullPage = false });
            Assert.Equal(120, await app.WithDbAsync(db => db.Set<Storyweave.Features.Coding.PassageTheme>().CountAsync(x => x.ThemeId == themeId)));

            await page.GetByRole(AriaRole.Textbox, new() { Name = "New theme 1", Exact = true }).FillAsync("Here");
            await page.GetByRole(AriaRole.Textbox, new() { Name = "New theme 2", Exact = true }).FillAsync("There");
            await page.Locator("table.split-table tbody tr").First.Locator("input[type=checkbox]").First.CheckAsync();
            await page.GetByLabel("To new theme 2").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Split", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Split into 2 themes");
            var counts = await app.WithDbAsync(async db => (
                await db.Set<Storyweave.Features.Coding.PassageTheme>().CountAsync(x => x.Theme!.ProjectId == projectId && x.Theme.Name == "Here"),
                await db.Set<Storyweave.Features.Coding.PassageTheme>().CountAsync(x => x.Theme!.ProjectId == projectId && x.Theme.Name == "There")));
            Assert.Equal((1, 119), counts);
        }
    }

    /// <summary>
    /// A codebook from another program, on a phone: choose the file, read what would change (focus and view move to
    /// it), add, and the themes are there; the download link gives a .qdc. Accessible throughout.
    /// </summary>
    [Fact]
    public async Task A_lead_brings_in_a_codebook_file_on_a_phone_after_reading_the_preview()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Codebook from elsewhere");
        await using var phone = await fixture.NewContextAsync(360, 740);
        var page = await phone.NewPageAsync();
        await fixture.SignInAsync(page, admin.Email, admin.Password);
        await page.GotoAsync($"/projects/{projectId}/codebook");

        // Nothing chosen: a specific message, focused.
        await page.GetByRole(AriaRole.Button, new() { Name = "Show what would change" }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("Choose the codebook file to bring in");
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();

        const string qdc = "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"NVivo 14\"><Codes>"
            + "<Code guid=\"6F9619FF-8B86-D011-B42D-00C04FC964FF\" name=\"Being heard\" isCodable=\"true\" color=\"#cc6677\"><Description>Times someone listened.</Description>"
            + "<Code guid=\"7F9619FF-8B86-D011-B42D-00C04FC964FF\" name=\"By services\" isCodable=\"true\"/></Code></Codes></CodeBook>";
        await page.GetByLabel("Codebook file").SetInputFilesAsync(new FilePayload { Name = "nvivo.qdc", MimeType = "application/xml", Buffer = System.Text.Encoding.UTF8.GetBytes(qdc) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show what would change" }).ClickAsync();
        var preview = page.Locator("#import-preview");
        await Assertions.Expect(preview).ToContainTextAsync("What bringing in \u201cNVivo 14\u201d would do");
        await Assertions.Expect(preview).ToContainTextAsync("2 new themes will be added");
        await Assertions.Expect(preview).ToBeInViewportAsync();
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Add these 2 themes" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Brought in 2 themes from \u201cNVivo 14\u201d");
        var tree = page.Locator("ul.theme-tree");
        await Assertions.Expect(tree.GetByRole(AriaRole.Link, new() { Name = "Being heard", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(tree.GetByRole(AriaRole.Link, new() { Name = "By services", Exact = true })).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download the codebook as a REFI-QDA file (.qdc)" }).ClickAsync());
        Assert.EndsWith("-codebook.qdc", download.SuggestedFilename, StringComparison.Ordinal);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }
}
