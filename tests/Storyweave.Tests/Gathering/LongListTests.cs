using System.Net;
using System.Text.RegularExpressions;
using Storyweave.Features.Consent;
using Storyweave.Features.Shared;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Gathering;

/// <summary>
/// The stories and storytellers lists at scale: 50 at a time with a box to find by name (a 1,000-story project listed
/// every story on one page, 318 KB; its 1,984 storytellers 521 KB).
/// </summary>
public sealed class LongListTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Stories_are_listed_fifty_a_page_oldest_first_and_found_by_title_or_storyteller_in_any_case()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var tag = App.Unique("t");
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var rowan = new Storyteller { ProjectId = projectId, Name = "Rowan Hale", CreatedAt = now };
            for (var i = 1; i <= ListPage.Size + 5; i++)
            {
                var story = new Story { ProjectId = projectId, Title = $"Story {i:D3} {tag}", CreatedAt = now, RecordedOn = new DateOnly(2026, 1, 1).AddDays(i) };
                if (i == 53) story.Storytellers.Add(new StoryStoryteller { Storyteller = rowan });
                db.Stories.Add(story);
            }
            return await db.SaveChangesAsync();
        });
        var pages = await App.SignInAsync(lead);
        async Task<string> PageAsync(string query) => WebUtility.HtmlDecode(await pages.GetStringAsync($"/projects/{projectId}/stories{query}"));
        static List<string> Titles(string html) => Regex.Matches(html, "<h2><a href=\"[^\"]+\">(Story \\d+) ").Select(m => m.Groups[1].Value).ToList();

        var html = await PageAsync("");
        Assert.Equal(Enumerable.Range(1, ListPage.Size).Select(i => $"Story {i:D3}"), Titles(html));
        Assert.Contains("Showing 1 to 50 of 55 stories, oldest recording first.", html, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 2", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/projects/{projectId}/stories?pageNumber=2\" rel=\"next\">Next 50</a>", html, StringComparison.Ordinal);

        html = await PageAsync("?pageNumber=2");
        Assert.Equal(["Story 051", "Story 052", "Story 053", "Story 054", "Story 055"], Titles(html));
        Assert.Contains("Showing 51 to 55 of 55 stories", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Next 50", html, StringComparison.Ordinal);
        // A page past the last shows the last; nonsense shows the first.
        Assert.Equal(Titles(html), Titles(await PageAsync("?pageNumber=9")));
        Assert.Equal("Story 001", Titles(await PageAsync("?pageNumber=abc"))[0]);

        // By a storyteller's name, in any case; by title; nothing found says so, with the way back.
        html = await PageAsync("?find=rowan");
        Assert.Equal(["Story 053"], Titles(html));
        Assert.Contains("1 story matches <q>rowan</q>.", html, StringComparison.Ordinal);
        html = await PageAsync("?find=STORY%2005");
        Assert.Equal(["Story 050", "Story 051", "Story 052", "Story 053", "Story 054", "Story 055"], Titles(html));
        html = await PageAsync("?find=nobody-has-this");
        Assert.Empty(Titles(html));
        Assert.Contains("No story matches <q>nobody-has-this</q>.", html, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/projects/{projectId}/stories\">Show all stories</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("No stories have been recorded yet.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storytellers_are_listed_fifty_a_page_by_name_with_their_consent_and_found_by_name()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            for (var i = 1; i <= ListPage.Size + 2; i++)
            {
                var person = new Storyteller { ProjectId = projectId, Name = $"Person {i:D2}", CreatedAt = now };
                db.Storytellers.Add(person);
                if (i == 51) db.ConsentRecords.Add(new ConsentRecord { ProjectId = projectId, Storyteller = person, Recording = true, Analysis = true, Method = ConsentMethod.PaperForm, GivenAt = now, RecordedAt = now });
            }
            return await db.SaveChangesAsync();
        });
        var pages = await App.SignInAsync(lead);
        async Task<string> PageAsync(string query) => WebUtility.HtmlDecode(await pages.GetStringAsync($"/projects/{projectId}/storytellers{query}"));
        static List<string> Names(string html) => Regex.Matches(html, "<h2><a href=\"[^\"]+\">(Person \\d+)</a>").Select(m => m.Groups[1].Value).ToList();

        var html = await PageAsync("");
        Assert.Equal(Enumerable.Range(1, ListPage.Size).Select(i => $"Person {i:D2}"), Names(html));
        Assert.Contains("52 people, showing 1 to 50 by name.", html, StringComparison.Ordinal);

        // The second page carries each person's own consent, read for the people shown.
        html = await PageAsync("?pageNumber=2");
        Assert.Equal(["Person 51", "Person 52"], Names(html));
        var cards = Regex.Matches(html, "<li class=\"card\">(.*?)</li>\\s*(?=<li class=\"card\">|</ul>)", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("Agreed to:", cards[0], StringComparison.Ordinal);
        Assert.Contains("No consent recorded yet.", cards[1], StringComparison.Ordinal);

        html = await PageAsync("?find=person%2005");
        Assert.Equal(["Person 05"], Names(html));
        Assert.Contains("1 person's name has <q>person 05</q> in it.", html, StringComparison.Ordinal);
        html = await PageAsync("?find=zz");
        Assert.Empty(Names(html));
        Assert.Contains("Nobody's name has <q>zz</q> in it.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Nobody has signed up to tell a story yet.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("card-list", html, StringComparison.Ordinal);
    }
}
