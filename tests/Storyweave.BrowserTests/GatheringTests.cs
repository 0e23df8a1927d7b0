using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.BrowserTests;

/// <summary>Stage 1 in a real browser: a phone user signs up by keyboard alone; a curator sees them and records consent.</summary>
public sealed class GatheringTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>Presses Tab until the element has focus: how a keyboard user gets there.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 80; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException("Could not reach the element with the Tab key.");
    }

    /// <summary>
    /// A sign-up that comes back with a problem, on a phone: the summary is the first thing on the screen, focused
    /// (so a screen reader reads it), the page title says "Error:", and its link takes focus to the field to fix.
    /// Before, the summary sat ~700 px down above the form and the page opened at the top with focus nowhere.
    /// </summary>
    [Fact]
    public async Task A_sign_up_problem_on_a_phone_is_shown_focused_at_the_top_and_links_to_its_field()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Errors on phones");
        await app.PublishCallOutAsync(projectId, admin);
        var slug = await app.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => p.Slug).SingleAsync());

        await using var phone = await fixture.NewContextAsync(360, 740);
        var page = await phone.NewPageAsync();
        await page.GotoAsync($"/join/{slug}");
        await page.GetByLabel("Your name").FillAsync("Sam Rivers");
        await page.GetByLabel("Email", new() { Exact = true }).CheckAsync(); // contact by email, but no address given
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();

        var summary = page.Locator(".error-summary");
        await Assertions.Expect(summary).ToContainTextAsync("You chose to be contacted by email: enter your email address.");
        await Assertions.Expect(summary).ToBeFocusedAsync();
        await Assertions.Expect(summary).ToBeInViewportAsync();
        Assert.StartsWith("Error: ", await page.TitleAsync());
        var box = (await summary.BoundingBoxAsync())!;
        Assert.True(box.Y < 740, $"The summary starts {box.Y} px down the page, below a phone's first screen.");
        Assert.Equal("Sam Rivers", await page.GetByLabel("Your name").InputValueAsync()); // nothing typed is lost

        await summary.GetByRole(AriaRole.Link, new() { Name = "You chose to be contacted by email: enter your email address." }).ClickAsync();
        await Assertions.Expect(page.GetByLabel(new Regex("^Email address"))).ToBeFocusedAsync();
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_phone_user_signs_up_by_keyboard_and_a_curator_records_a_consent_change()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Journeys through care");
        await app.PublishCallOutAsync(projectId, admin);
        var slug = await app.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => p.Slug).SingleAsync());

        // The storyteller, on a 360 px phone, keyboard only.
        await using (var phone = await fixture.NewContextAsync(360, 740))
        {
            var page = await phone.NewPageAsync();
            var response = await page.GotoAsync($"/join/{slug}");
            Assert.Equal(200, response!.Status);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);

            // Submitting empty first: the browser's own required check keeps focus on the name.
            await TabToAsync(page, page.GetByLabel("Your name"));
            await page.Keyboard.TypeAsync("Jordan Keys");
            await page.Keyboard.PressAsync("Tab"); // into the contact radio group
            await Assertions.Expect(page.GetByLabel("Email", new() { Exact = true })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Space");
            await TabToAsync(page, page.GetByLabel(new Regex("^Email address")));
            await page.Keyboard.TypeAsync("jordan@example.org");
            await TabToAsync(page, page.GetByLabel("Research", new() { Exact = true }));
            await page.Keyboard.PressAsync("Space");
            await TabToAsync(page, page.GetByLabel("A person with lived experience"));
            await page.Keyboard.PressAsync("Space");
            await TabToAsync(page, page.GetByLabel("Describe yourself in any way you choose."));
            await page.Keyboard.TypeAsync("Care leaver, musician, stubborn optimist.");
            await TabToAsync(page, page.GetByLabel(new Regex("^Being recorded")));
            await page.Keyboard.PressAsync("Space");
            await TabToAsync(page, page.GetByLabel(new Regex("^Use in analysis")));
            await page.Keyboard.PressAsync("Space");
            await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }));
            await page.Keyboard.PressAsync("Enter");

            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Thank you, Jordan Keys");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "What happens next" })).ToBeVisibleAsync();
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
        }

        // The curator sees the sign-up and records a consent change.
        await using var desk = await fixture.NewContextAsync();
        var curator = await desk.NewPageAsync();
        await fixture.SignInAsync(curator, admin.Email, admin.Password);
        await curator.GotoAsync($"/projects/{projectId}/storytellers");
        await fixture.AssertAccessibleAsync(curator);
        await curator.GetByRole(AriaRole.Link, new() { Name = "Jordan Keys" }).ClickAsync();
        await Assertions.Expect(curator.GetByText("Care leaver, musician, stubborn optimist.")).ToBeVisibleAsync();
        await Assertions.Expect(curator.GetByText("Research", new() { Exact = true })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(curator);

        await curator.GetByRole(AriaRole.Link, new() { Name = "Record a consent change" }).ClickAsync();
        await fixture.AssertAccessibleAsync(curator);
        await curator.GetByLabel(new Regex("^Quotes in reports")).CheckAsync();
        await curator.Locator("#CreditInReports-Pseudonym").CheckAsync();
        await curator.GetByLabel(new Regex("^Made-up name")).FillAsync("Jay");
        await curator.GetByLabel("Said out loud in the recording").CheckAsync();
        await curator.GetByLabel(new Regex("at what time in the recording")).FillAsync("2:30");
        await curator.GetByLabel(new Regex("^Note")).FillAsync("Agreed to quotes on the call.");
        await curator.GetByRole(AriaRole.Button, new() { Name = "Save this consent" }).ClickAsync();

        var rows = curator.Locator("table.consent-history tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("Quotes in reports");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("Said out loud in the recording at 2:30");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("Online form");
        await Assertions.Expect(rows.Nth(1)).Not.ToContainTextAsync("Quotes in reports");
        await fixture.AssertAccessibleAsync(curator);

        // The other gathering pages pass axe too.
        var tellerId = await app.WithDbAsync(db => db.Storytellers.Where(s => s.ProjectId == projectId).Select(s => s.Id).SingleAsync());
        foreach (var url in new[] { $"/projects/{projectId}/call-out", $"/projects/{projectId}/storytellers/new", $"/projects/{projectId}/sessions/new",
                     $"/projects/{projectId}/storytellers/{tellerId}/facets", $"/projects/{projectId}/storytellers/{tellerId}/answers", $"/projects/{projectId}/stories" })
        {
            var r = await curator.GotoAsync(url);
            Assert.Equal(200, r!.Status);
            await fixture.AssertAccessibleAsync(curator);
        }
    }

    /// <summary>
    /// The stories and storytellers lists of a large project, 50 at a time with a box to find by name (at 1,000 stories
    /// they listed everything: 318 KB and 521 KB). Found by keyboard alone, at 1280 and 360 px, with axe.
    /// </summary>
    [Fact]
    public async Task The_stories_and_storytellers_of_a_large_project_are_shown_fifty_at_a_time_and_found_by_name()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "A large project");
        await app.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            for (var i = 1; i <= Storyweave.Features.Shared.ListPage.Size + 5; i++)
            {
                var person = new Storyweave.Features.Storytellers.Storyteller { ProjectId = projectId, Name = i == 53 ? "Rowan Hale" : $"Person {i:D2}", CreatedAt = now };
                var story = new Storyweave.Features.Stories.Story { ProjectId = projectId, Title = $"Story {i:D3}", CreatedAt = now, RecordedOn = new DateOnly(2026, 1, 1).AddDays(i) };
                story.Storytellers.Add(new Storyweave.Features.Stories.StoryStoryteller { Storyteller = person });
                db.Stories.Add(story);
            }
            return await db.SaveChangesAsync();
        });

        foreach (var width in new[] { 1280, 360 })
        {
            await using var context = await fixture.NewContextAsync(width, 800);
            var page = await context.NewPageAsync();
            await fixture.SignInAsync(page, admin.Email, admin.Password);
            await page.GotoAsync($"/projects/{projectId}/stories");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Showing 1 to 50 of 55 stories, oldest recording first.");
            await Assertions.Expect(page.Locator(".card-list > li")).ToHaveCountAsync(50);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);

            // The next page by keyboard, then a storyteller's story found by their name.
            var next = page.GetByRole(AriaRole.Link, new() { Name = "Next 50" });
            await next.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.GetByText("Page 2 of 2")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator(".card-list > li")).ToHaveCountAsync(5);
            var find = page.GetByLabel("Find stories by title or storyteller");
            await find.FillAsync("rowan");
            await find.PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 story matches");
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Story 053" })).ToBeVisibleAsync();
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(shots);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"stories-found-{width}.png"), FullPage = false });

            await page.GotoAsync($"/projects/{projectId}/storytellers");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("55 people, showing 1 to 50 by name.");
            await fixture.AssertAccessibleAsync(page);
            var findPeople = page.GetByLabel("Find storytellers by name");
            await findPeople.FillAsync("nobody here");
            await findPeople.PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Nobody's name has");
            await page.GetByRole(AriaRole.Link, new() { Name = "Show everyone" }).FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator(".card-list > li")).ToHaveCountAsync(50);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"storytellers-page-{width}.png"), FullPage = false });
        }
    }
}
