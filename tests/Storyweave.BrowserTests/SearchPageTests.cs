using Storyweave.Features.Search;

namespace Storyweave.BrowserTests;

/// <summary>
/// A word found in more lines than search lists (issue #17): the page says "more than", says that only the best are
/// listed and what to do, and the last page is reached by keyboard; at 1280 px and 360 px, with axe.
/// </summary>
public sealed class SearchPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_word_in_more_lines_than_are_listed_says_so_plainly_and_the_last_page_is_reached_by_keyboard()
    {
        var app = fixture.App;
        var lead = await app.CreateAdminAsync(); // an administrator, so the app is past its first-run setup
        var projectId = await app.CreateProjectAsync(lead);
        var teller = await app.CreateStorytellerAsync(projectId, lead, "Rowan Hale");
        var lines = Enumerable.Range(1, SearchService.MaxCandidates + 10).Select(i => ("Rowan", $"Day {i}: down at the harbour again, watching the boats come in."))
            .ToArray();
        await app.CreateStoryWithTranscriptAsync(projectId, lead, [teller], lines);

        foreach (var width in new[] { 1280, 360 })
        {
            await using var context = await fixture.NewContextAsync(width, 800);
            var page = await context.NewPageAsync();
            await fixture.SignInAsync(page, lead.Email, lead.Password);
            await page.GotoAsync($"/projects/{projectId}/search");
            await page.GetByLabel("Words to find").FillAsync("harbour");
            await page.GetByLabel("Words to find").PressAsync("Enter");

            var status = page.GetByRole(AriaRole.Status);
            await Assertions.Expect(status).ToContainTextAsync("Showing 1 to 20 of more than 200 results for");
            await Assertions.Expect(status).ToContainTextAsync("Only the best 200 matches are listed: to find others, add a word or choose a filter.");
            await Assertions.Expect(page.GetByText("Page 1 of 10")).ToBeVisibleAsync();
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(shots);
            await page.GetByRole(AriaRole.Heading, new() { Name = "Results" }).EvaluateAsync("h => h.scrollIntoView()");
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"search-capped-{width}.png"), FullPage = false });

            // Page by page with the keyboard: focus "Next 20" and press Enter until the tenth page, which has no "Next 20".
            for (var n = 2; n <= 10; n++)
            {
                var next = page.GetByRole(AriaRole.Link, new() { Name = "Next 20" });
                await next.FocusAsync();
                await page.Keyboard.PressAsync("Enter");
                await Assertions.Expect(page.GetByText($"Page {n} of 10")).ToBeVisibleAsync();
            }
            await Assertions.Expect(status).ToContainTextAsync("Showing 181 to 200 of more than 200 results");
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next 20" })).ToHaveCountAsync(0);
            await fixture.AssertAccessibleAsync(page);
        }
    }

    [Fact]
    public async Task Past_sixty_speakers_said_by_is_typed_and_a_name_nobody_has_offers_close_names_to_search_with()
    {
        var app = fixture.App;
        var lead = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var teller = await app.CreateStorytellerAsync(projectId, lead, "Ash Green");
        var lines = Enumerable.Range(1, SearchModel.SpeakerListLimit).Select(i => ($"Speaker {i:D2}", $"Line {i} about the harbour."))
            .Prepend(("Ash", "The harbour was cold.")).ToArray();
        await app.CreateStoryWithTranscriptAsync(projectId, lead, [teller], lines);

        foreach (var width in new[] { 1280, 360 })
        {
            await using var context = await fixture.NewContextAsync(width, 800);
            var page = await context.NewPageAsync();
            await fixture.SignInAsync(page, lead.Email, lead.Password);
            await page.GotoAsync($"/projects/{projectId}/search");
            await Assertions.Expect(page.GetByText("61 people speak in these stories")).ToBeVisibleAsync();
            await page.GetByLabel("Words to find").FillAsync("harbour");
            await page.GetByLabel("said by").FillAsync("speaker 07");
            await page.GetByLabel("said by").PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Showing 1 to 1 of 1 results");
            await Assertions.Expect(page.GetByText("said by Speaker 07")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByLabel("said by")).ToHaveValueAsync("Speaker 07");
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);

            // A name nobody has: said plainly where the results would be, with names that contain the words.
            await page.GetByLabel("said by").FillAsync("aker 1");
            await page.GetByLabel("said by").PressAsync("Enter");
            var alert = page.GetByRole(AriaRole.Alert);
            await Assertions.Expect(alert).ToContainTextAsync("Nobody called \u201caker 1\u201d speaks in the stories you can search.");
            await Assertions.Expect(page.GetByLabel("said by")).ToHaveAttributeAsync("aria-invalid", "true");
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(shots);
            await alert.EvaluateAsync("a => a.scrollIntoView()");
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"search-speaker-unknown-{width}.png"), FullPage = false });

            // The first name offered, by keyboard.
            var offered = page.GetByRole(AriaRole.Link, new() { Name = "Search what Speaker 10 said" });
            await offered.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Showing 1 to 1 of 1 results");
            await Assertions.Expect(page.GetByText("said by Speaker 10")).ToBeVisibleAsync();
        }
    }
}
