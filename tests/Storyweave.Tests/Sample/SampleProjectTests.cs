using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Reports;
using Storyweave.Features.Sample;

namespace Storyweave.Tests.Sample;

public sealed class SampleProjectTests(SampleAppFixture fixture) : IClassFixture<SampleAppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task An_admin_sees_the_made_up_sample_project_with_storytellers_and_stories()
    {
        var api = await App.ApiClientAsync(App.Admin!);
        var projects = (await api.GetFromJsonAsync<JsonArray>("/api/projects"))!;
        var sample = Assert.Single(projects, p => (bool)p!["isSample"]!)!;
        Assert.Contains("made-up", (string?)sample["name"], StringComparison.Ordinal);
        var id = (int)sample["id"]!;

        var storytellers = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/storytellers"))!;
        Assert.True(storytellers.Count >= 3);
        var stories = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/stories"))!;
        Assert.True(stories.Count >= 3);
        Assert.Contains(stories, s => ((JsonArray)s!["storytellerIds"]!).Count == 2); // one group story

        var story = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/stories/{(int)stories[0]!["id"]!}"))!;
        Assert.NotEmpty((JsonArray)story["cues"]!);

        var page = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}");
        Assert.Contains("made-up sample project", page, StringComparison.Ordinal);
    }

    private async Task<(HttpClient Api, int ProjectId, JsonArray Stories)> SampleAsync()
    {
        var api = await App.ApiClientAsync(App.Admin!);
        var id = await App.WithDbAsync(db => db.Projects.Where(p => p.IsSample).Select(p => p.Id).SingleAsync());
        var stories = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/stories"))!;
        return (api, id, stories);
    }

    private static int StoryId(JsonArray stories, string title) => (int)stories.Single(s => (string?)s!["title"] == title)!["id"]!;

    [Fact]
    public async Task Every_sample_story_has_a_finished_review_sheet_with_key_quotes_from_its_transcript()
    {
        var (api, id, stories) = await SampleAsync();
        var progress = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/review"))!;
        Assert.Equal(3, (int)progress["complete"]!);

        var compost = StoryId(stories, "The compost rota");
        var sheet = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/stories/{compost}/review"))!;
        Assert.Equal("Positive", (string?)sheet["experience"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)sheet["changesForOrganisations"]));
        var quotes = ((JsonArray)sheet["keyQuotes"]!).Select(q => q!).ToList();
        Assert.Equal(3, quotes.Count);
        // Each storyteller of the group story is quoted in their own words, anchored to the transcript.
        Assert.Contains(quotes, q => (string?)q["speaker"] == "Dev Fictional" && (string?)q["text"] == "Having my name on the rota meant someone was expecting me.");
        Assert.Contains(quotes, q => (string?)q["speaker"] == "Bram Sample");
        var story = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/stories/{compost}"))!;
        var plain = string.Join("\n", ((JsonArray)story["cues"]!).Select(c => (string)c!["text"]!));
        Assert.All(quotes, q => Assert.Equal((string?)q["text"], plain[(int)q["startOffset"]!..(int)q["endOffset"]!]));

        var page = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}/stories/{compost}/review");
        Assert.Contains("nobody was doing it all on their own", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_codebook_has_template_and_own_themes_with_sub_themes_linked_from_the_review_sheets()
    {
        var (api, id, stories) = await SampleAsync();
        var tree = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/codebook"))!.Select(t => t!).ToList();
        Assert.Contains(tree, t => (string?)t["name"] == "Trust" && (string?)t["origin"] == "template:benefits");
        var estate = Assert.Single(tree, t => (string?)t["name"] == "Life on the estate");
        Assert.Equal(["Being asked, not told", "A reason to get out of the house"], ((JsonArray)estate["children"]!).Select(c => (string?)c!["name"]));
        Assert.All(tree, t => Assert.Matches("^#[0-9a-f]{6}$", (string?)t["color"]));
        Assert.All(tree, t => Assert.False(string.IsNullOrWhiteSpace((string?)t["description"])));

        // The reporter's own words on a sheet are linked to codebook themes; one is left for the team to link.
        var bees = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/stories/{StoryId(stories, "Bees on the roof")}/review"))!;
        var noted = ((JsonArray)bees["notedThemes"]!).Select(n => n!).ToList();
        Assert.Equal(3, noted.Count);
        Assert.Single(noted, n => n["themeId"] is null);

        // The codebook's history says the seed made it, not an account that does not exist.
        var page = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}/codebook");
        Assert.Contains("Working through disagreements", page, StringComparison.Ordinal);
        Assert.Contains("by Storyweave", page, StringComparison.Ordinal);
        Assert.DoesNotContain("a removed account", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_sample_story_has_coded_passages_and_the_team_left_memos()
    {
        var (api, id, stories) = await SampleAsync();
        foreach (var story in stories)
        {
            var passages = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/stories/{(int)story!["id"]!}/passages"))!;
            Assert.True(passages.Count >= 3, $"{story["title"]} has {passages.Count} coded passages");
        }
        var compost = StoryId(stories, "The compost rota");
        var group = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/stories/{compost}/passages"))!.Select(p => p!).ToList();
        Assert.Equal(["Bram Sample", "Dev Fictional"], group.Select(p => (string)p["speaker"]!).Distinct().Order());
        var dev = Assert.Single(group, p => (string?)p["speaker"] == "Dev Fictional");
        Assert.Equal("Having my name on the rota meant someone was expecting me.", (string?)dev["snippet"]);
        // Coded by the team, then linked to the workshop's theme for its group when the board was converted.
        Assert.Equal(["A reason to get out of the house", "Collective action and connections", "Sharing the work"], ((JsonArray)dev["themes"]!).Select(t => (string?)t!["name"]).Order());
        Assert.Equal(1, (int)dev["memoCount"]!);

        var memos = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/memos?targetType=passage&targetId={(int)dev["id"]!}"))!;
        Assert.Contains("not quoted", (string?)memos[0]!["text"], StringComparison.Ordinal);
        var counts = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/theme-counts"))!;
        var trust = Assert.Single(counts, c => (string?)c!["name"] == "Trust")!;
        Assert.Equal(4, (int)trust["passages"]!);

        var page = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}/stories/{compost}/coding");
        Assert.Contains("Covering for each other", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_workshop_is_finished_locked_with_credited_guests_and_votes_and_turned_into_themes()
    {
        var (api, id, _) = await SampleAsync();
        var workshop = Assert.Single((await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/workshops"))!)!;
        Assert.Equal(SampleProject.WorkshopTitle, (string?)workshop["title"]);
        Assert.True((bool)workshop["isLocked"]!);
        Assert.True((bool)workshop["isConverted"]!);
        var wid = (int)workshop["id"]!;

        var board = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/workshops/{wid}/board"))!;
        Assert.True((bool)board["votesRevealed"]!);
        var clusters = ((JsonArray)board["clusters"]!).Select(c => c!).ToList();
        Assert.Equal(["Being listened to", "Sharing the work", "Deciding together"], clusters.Select(c => (string?)c["name"]));
        Assert.Equal([4, 3, 2], clusters.Select(c => (int)c["votes"]!));
        var cards = ((JsonArray)board["cards"]!).Select(c => c!).ToList();
        Assert.Contains(cards, c => (string?)c["kind"] == "KeyQuote");
        Assert.Contains(cards, c => (string?)c["kind"] == "Note");
        // No words twice on the board: passages holding a key quote's words were left off.
        var texts = cards.Where(c => (string?)c["kind"] != "Note").Select(c => (string)c["text"]!).ToList();
        Assert.DoesNotContain(texts, t => texts.Any(o => o != t && o.Contains(t, StringComparison.Ordinal)));
        Assert.All(cards, c => Assert.NotNull(c["clusterId"]));
        Assert.All(cards, c => Assert.True((bool)c["available"]!));

        var provenance = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/workshops/{wid}/provenance"))!;
        Assert.Equal(["Ada Example", "Eli Pretend", "Fran Madeup"], ((JsonArray)provenance["participants"]!).Select(p => (string?)p));

        // Converted: a parent theme named after the workshop, a theme per group, with passages linked.
        var tree = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/codebook"))!.Select(t => t!).ToList();
        var parent = Assert.Single(tree, t => (string?)t["name"] == SampleProject.WorkshopTitle);
        Assert.Equal($"workshop:{wid}", (string?)parent["origin"]);
        var fromWorkshop = ((JsonArray)parent["children"]!).Select(c => c!).ToList();
        Assert.Equal(["Being listened to", "Sharing the work", "Deciding together"], fromWorkshop.Select(c => (string?)c["name"]));
        Assert.All(fromWorkshop, t => Assert.True((int)t["passages"]! >= 3));
        Assert.Contains("Small wins first", (string?)fromWorkshop[0]["description"], StringComparison.Ordinal);

        // Guests have no account; the activity log names them as the board credits them.
        var activity = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}/activity");
        Assert.Contains("Eli Pretend (workshop guest)", activity, StringComparison.Ordinal);
        Assert.DoesNotContain("A removed account", activity, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_report_has_its_texts_and_quotes_per_theme_within_consent_and_an_html_file_made_in_the_background()
    {
        var (api, id, _) = await SampleAsync();
        var summary = Assert.Single((await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/reports"))!)!;
        Assert.Equal(SampleProject.ReportTitle, (string?)summary["title"]);
        var rid = (int)summary["id"]!;
        var report = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/reports/{rid}"))!;
        var sections = ((JsonArray)report["sections"]!).Select(s => s!).ToList();
        foreach (var heading in new[] { "Introduction", "Making sense of the stories", "Challenges", "Value for all", "Conditions", "Conclusion and recommendations" })
            Assert.False(string.IsNullOrWhiteSpace((string?)sections.Single(s => (string?)s["title"] == heading)["body"]), heading);
        var themes = ((JsonArray)report["themes"]!).Select(t => t!).ToList();
        var quoted = themes.Where(t => ((JsonArray)t["quotes"]!).Count > 0).Select(t => (string?)t["name"]).ToList();
        Assert.Contains("Trust", quoted);
        Assert.Contains(SampleProject.WorkshopTitle, quoted);
        var quotes = themes.SelectMany(t => ((JsonArray)t["quotes"]!).Select(q => q!)).ToList();
        Assert.All(quotes, q => Assert.True((bool)q["included"]!));
        Assert.Equal(quotes.Count, quotes.Select(q => (string?)q["text"]).Distinct().Count());
        // Dev agreed to analysis but not to quotes: his words are never picked.
        Assert.DoesNotContain(quotes, q => ((string?)q["text"])!.Contains("Having my name on the rota", StringComparison.Ordinal));

        var file = Assert.Single((await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/reports/{rid}/files"))!)!;
        Assert.Equal("Html", (string?)file["format"]);
        var ready = await TestApp.WaitForReportFileAsync(api, id, (int)file["id"]!);
        Assert.Equal(OutputStatus.Ready, ready.Status);
        var html = await api.GetStringAsync(ready.DownloadUrl);
        Assert.Contains("Small things done together", html, StringComparison.Ordinal);

        var page = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}/reports/{rid}");
        Assert.Contains("the first time I felt like my opinion counted", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_findings_show_figures_and_search_finds_its_words()
    {
        var (api, id, stories) = await SampleAsync();
        var findings = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/findings"))!;
        Assert.Equal(4, (int?)findings["whoTold"]!["storytellers"]!["value"]);
        var rows = ((JsonArray)findings["themes"]!["themes"]!).Select(r => r!).ToList();
        var trust = Assert.Single(rows, r => (string?)r["name"] == "Trust");
        Assert.Equal(4, (int)trust["passages"]!);
        Assert.Equal(3, (int?)trust["stories"]!["value"]);
        Assert.Equal(2, (int?)findings["themes"]!["experience"]!["positive"]!["value"]);
        Assert.Equal(1, (int?)findings["themes"]!["experience"]!["mixed"]!["value"]);
        var page = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}/findings");
        Assert.Contains("Working through disagreements", page, StringComparison.Ordinal);

        var found = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/search?q=compost"))!;
        Assert.Contains(((JsonArray)found["results"]!), r => (int)r!["storyId"]! == StoryId(stories, "The compost rota"));
        var beehives = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/search?q=beehives"))!;
        Assert.True((int)beehives["total"]! >= 1);
    }

    [Fact]
    public async Task The_sample_is_seeded_once_even_if_it_is_archived_later()
    {
        var again = await App.WithServiceAsync<SampleProject, bool>(s => s.SeedIfFirstRunAsync());
        Assert.False(again);
        Assert.Equal(1, await App.WithDbAsync(db => db.Projects.CountAsync(p => p.IsSample)));
    }

    [Fact]
    public async Task No_sample_is_created_when_asked_not_to()
    {
        await using var bare = await TestApp.StartAsync(seedSample: false);
        Assert.Equal(0, await bare.WithDbAsync(db => db.Projects.CountAsync()));
    }
}
