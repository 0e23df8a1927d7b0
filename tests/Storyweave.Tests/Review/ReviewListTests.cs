using System.Net;
using System.Text.RegularExpressions;
using Storyweave.Features.Review;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Review;

/// <summary>
/// The review sheets list at scale: 50 stories at a time by title, found by title or storyteller and narrowed to the
/// sheets not started, in progress or complete (a 1,000-story project listed every story on one page, 289 KB).
/// </summary>
public sealed class ReviewListTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Review_sheets_are_listed_fifty_a_page_by_title_and_found_by_status_title_or_storyteller()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        // 60 stories: 1–5 with a complete sheet, 6–7 with one in progress, 8–60 with none; Rowan told story 58.
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var rowan = new Storyteller { ProjectId = projectId, Name = "Rowan Hale", CreatedAt = now };
            for (var i = 60; i >= 1; i--)
            {
                var story = new Story { ProjectId = projectId, Title = $"Story {i:D3}", CreatedAt = now };
                if (i == 58) story.Storytellers.Add(new StoryStoryteller { Storyteller = rowan });
                db.Stories.Add(story);
                if (i <= 7) db.ReviewSheets.Add(new ReviewSheet { Story = story, ProjectId = projectId, IsComplete = i <= 5, UpdatedAt = new DateTime(2026, 3, i, 12, 0, 0, DateTimeKind.Utc) });
            }
            return await db.SaveChangesAsync();
        });
        var pages = await App.SignInAsync(lead);
        async Task<string> PageAsync(string query) => WebUtility.HtmlDecode(await pages.GetStringAsync($"/projects/{projectId}/review{query}"));
        static List<string> Titles(string html) => Regex.Matches(html, "<th scope=\"row\">\\s*<a href=\"[^\"]+\">(Story \\d+)</a>").Select(m => m.Groups[1].Value).ToList();
        static List<string> Statuses(string html) => Regex.Matches(html, "</th>\\s*<td>([^<]+)</td>").Select(m => m.Groups[1].Value).ToList();

        var html = await PageAsync("");
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"Story {i:D3}"), Titles(html));
        Assert.Equal(["Complete", "Complete", "Complete", "Complete", "Complete", "In progress", "In progress", "Not started"], Statuses(html)[..8]);
        Assert.Contains("5 of 60 stories reviewed</strong>; 2 in progress.", html, StringComparison.Ordinal);
        Assert.Contains("Showing 1 to 50 of 60 stories, by title.", html, StringComparison.Ordinal);
        Assert.Contains("3 Mar 2026", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/projects/{projectId}/review?pageNumber=2\" rel=\"next\">Next 50</a>", html, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(51, 10).Select(i => $"Story {i:D3}"), Titles(await PageAsync("?pageNumber=2")));

        // Not started: 53 stories over two pages, the next page's address keeping the choice.
        html = await PageAsync("?status=not-started");
        Assert.Equal(Enumerable.Range(8, 50).Select(i => $"Story {i:D3}"), Titles(html));
        Assert.Contains("53 stories not started, showing 1 to 50.", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"not-started\" selected=\"selected\">Not started</option>", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/projects/{projectId}/review?status=not-started&pageNumber=2\" rel=\"next\"", html, StringComparison.Ordinal);
        Assert.Equal(["Story 058", "Story 059", "Story 060"], Titles(await PageAsync("?status=not-started&pageNumber=2")));
        // The summary still counts the whole project.
        Assert.Contains("5 of 60 stories reviewed", html, StringComparison.Ordinal);

        html = await PageAsync("?status=in-progress");
        Assert.Equal(["Story 006", "Story 007"], Titles(html));
        Assert.Contains("2 stories in progress.", html, StringComparison.Ordinal);

        // Status and words together; a storyteller's name in any case; nothing found says so, with the way back.
        html = await PageAsync("?status=complete&find=story%20005");
        Assert.Equal(["Story 005"], Titles(html));
        Assert.Contains("1 story with a complete sheet matches <q>story 005</q>.", html, StringComparison.Ordinal);
        html = await PageAsync("?find=ROWAN");
        Assert.Equal(["Story 058"], Titles(html));
        Assert.Contains("1 story matches <q>ROWAN</q>.", html, StringComparison.Ordinal);
        html = await PageAsync("?status=complete&find=rowan");
        Assert.Empty(Titles(html));
        Assert.Contains("No stories with a complete sheet match <q>rowan</q>.", html, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/projects/{projectId}/review\">Show every story</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("There are no stories yet.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<table>", html, StringComparison.Ordinal);

        // The form sent with every field at its default (every story, an empty or blank box) is the plain list.
        html = await PageAsync("?status=&find=%20");
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"Story {i:D3}"), Titles(html));
        Assert.Contains("Showing 1 to 50 of 60 stories, by title.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Show every story", html, StringComparison.Ordinal);

        // A status nobody offered shows every story; a page past the last shows the last.
        Assert.Equal(Titles(await PageAsync("")), Titles(await PageAsync("?status=bogus")));
        Assert.Equal(Enumerable.Range(51, 10).Select(i => $"Story {i:D3}"), Titles(await PageAsync("?pageNumber=99")));

        // The API still gives every story.
        using var api = await App.ApiClientAsync(lead);
        var all = await api.GetStringAsync($"/api/projects/{projectId}/review");
        Assert.Equal(60, Regex.Count(all, "\"storyId\""));
    }

    [Fact]
    public async Task A_project_without_stories_says_so_and_offers_no_search()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var pages = await App.SignInAsync(lead);
        var html = WebUtility.HtmlDecode(await pages.GetStringAsync($"/projects/{projectId}/review"));
        Assert.Contains("There are no stories yet.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("role=\"search\"", html, StringComparison.Ordinal);
    }
}
