using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.BrowserTests;

/// <summary>The review sheet in a real browser: key quotes picked in place (no reload, focus kept, announced) and themes in the reporter's own words.</summary>
public sealed class ReviewSheetTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Key_quotes_are_added_and_removed_in_place_and_themes_noted_in_own_words_without_a_codebook()
    {
        var app = fixture.App;
        await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lee Lead");
        var reporter = await app.CreateUserAsync(name: "Rae Reporter");
        var projectId = await app.CreateProjectAsync(lead);
        await app.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var (storyId, _) = await app.CreateCodingStoryAsync(projectId, lead, [new("Dana"), new("Eli", Analysis: false)],
        [
            new TranscriptService.CueInput(0, 4, "Reporter", "What brought you here?"),
            new TranscriptService.CueInput(4, 9.5, "Dana", "A leaflet in the library."),
            new TranscriptService.CueInput(9.5, 15, "Eli", "I still come every week."),
            new TranscriptService.CueInput(15, 20, "Dana", "Then the group became my second family."),
        ]);

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, reporter.Email, reporter.Password);
        await page.GotoAsync($"/projects/{projectId}/stories/{storyId}/review");
        await page.EvaluateAsync("() => { window.__storyweaveStillHere = 'yes'; }");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };
        // Typed but not saved yet: picking quotes must neither lose it nor save it.
        await page.GetByLabel("Ideas").FillAsync("Belonging came up again and again.");

        var line = page.GetByLabel("Add a key quote from this line");
        var announcer = page.Locator("#key-quote-announcer");
        Assert.DoesNotContain("I still come every week.", await line.InnerTextAsync(), StringComparison.Ordinal);
        await line.SelectOptionAsync(new SelectOptionValue { Label = "0:15 Dana: Then the group became my second family." });
        await page.GetByLabel("Only these words").FillAsync("my second family");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add key quote" }).ClickAsync();
        await Assertions.Expect(announcer).ToHaveTextAsync("Key quote added: “my second family”. 1 key quote.");
        await Assertions.Expect(line).ToBeFocusedAsync();
        await Assertions.Expect(page.GetByLabel("Only these words")).ToHaveValueAsync("");
        await line.SelectOptionAsync(new SelectOptionValue { Label = "0:04 Dana: A leaflet in the library." });
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(announcer).ToHaveTextAsync("Key quote added: “A leaflet in the library.”. 2 key quotes.");
        var quotes = page.Locator("#key-quote-list blockquote");
        await Assertions.Expect(quotes).ToHaveTextAsync(["my second family", "A leaflet in the library."]);

        // The same words twice: refused with a reason, and focus goes to it.
        await line.SelectOptionAsync(new SelectOptionValue { Label = "0:04 Dana: A leaflet in the library." });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add key quote" }).ClickAsync();
        await Assertions.Expect(page.Locator("#key-quote-list .error-summary")).ToBeFocusedAsync();
        await Assertions.Expect(announcer).ToHaveTextAsync("Not changed: Those words are already a key quote on this sheet.");
        await fixture.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove key quote 1: “my second family”" }).ClickAsync();
        await Assertions.Expect(announcer).ToHaveTextAsync("Key quote removed. 1 key quote.");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Remove key quote 1: “A leaflet in the library.”" })).ToBeFocusedAsync();
        await Assertions.Expect(quotes).ToHaveTextAsync(["A leaflet in the library."]);
        await Assertions.Expect(page.GetByLabel("Ideas")).ToHaveValueAsync("Belonging came up again and again.");
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.__storyweaveStillHere"));
        Assert.Equal(0, navigations);
        var sheet = await app.WithDbAsync(db => db.ReviewSheets.Include(r => r.KeyQuotes).SingleAsync(r => r.StoryId == storyId));
        Assert.Equal("", sheet.Ideas);
        Assert.Equal(["A leaflet in the library."], sheet.KeyQuotes.Select(q => q.Text));

        // No codebook yet: a theme in the reporter's own words, saved with the sheet.
        await Assertions.Expect(page.GetByText("The codebook has no themes yet. Note the themes you hear in your own words below")).ToBeVisibleAsync();
        await page.GetByLabel("Add a theme in your own words").FillAsync("A second family");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save review sheet" }).ClickAsync();
        await Assertions.Expect(page.Locator("p.notice[role='status']")).ToHaveTextAsync("Review sheet saved.");
        await Assertions.Expect(page.GetByLabel("Theme 1 in your own words")).ToHaveValueAsync("A second family");
        await Assertions.Expect(page.Locator("#key-quote-list blockquote")).ToHaveTextAsync(["A leaflet in the library."]);
        await Assertions.Expect(page.GetByLabel("Ideas")).ToHaveValueAsync("Belonging came up again and again.");
        await fixture.AssertAccessibleAsync(page);
        await page.SetViewportSizeAsync(360, 740);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
    }

    [Fact]
    public async Task The_review_sheets_of_a_large_project_are_shown_fifty_at_a_time_and_narrowed_to_those_not_started()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "A large project to review");
        await app.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            for (var i = 1; i <= Storyweave.Features.Shared.ListPage.Size + 5; i++)
            {
                var story = new Story { ProjectId = projectId, Title = $"Story {i:D3}", CreatedAt = now };
                db.Stories.Add(story);
                if (i <= 3) db.ReviewSheets.Add(new Storyweave.Features.Review.ReviewSheet { Story = story, ProjectId = projectId, IsComplete = true, UpdatedAt = now });
            }
            return await db.SaveChangesAsync();
        });

        foreach (var width in new[] { 1280, 360 })
        {
            await using var context = await fixture.NewContextAsync(width, 800);
            var page = await context.NewPageAsync();
            await fixture.SignInAsync(page, admin.Email, admin.Password);
            await page.GotoAsync($"/projects/{projectId}/review");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Showing 1 to 50 of 55 stories, by title.");
            await Assertions.Expect(page.Locator("tbody > tr")).ToHaveCountAsync(50);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);

            // By keyboard alone: choose "Not started", then submit from the box.
            var show = page.GetByLabel("Show", new() { Exact = true });
            await show.FocusAsync();
            await show.SelectOptionAsync("not-started");
            var find = page.GetByLabel("Find stories by title or storyteller");
            await find.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("52 stories not started, showing 1 to 50.");
            await Assertions.Expect(page.Locator("tbody > tr").First).ToContainTextAsync("Story 004");
            var next = page.GetByRole(AriaRole.Link, new() { Name = "Next 50" });
            await next.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator("tbody > tr")).ToHaveCountAsync(2);
            await Assertions.Expect(page.GetByLabel("Show", new() { Exact = true })).ToHaveValueAsync("not-started");
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(shots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"review-list-{width}.png"), FullPage = false });
        }
    }
}
