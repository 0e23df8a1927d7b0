using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Gathering;

public sealed class SessionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Storytellers_stories_and_sessions_are_counted_separately()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var ids = new List<int>();
        for (var i = 0; i < 5; i++) ids.Add(await App.CreateStorytellerAsync(projectId, lead, $"Teller {i}"));
        var api = await App.ApiClientAsync(lead);

        var solo = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "On my own", date = "2026-03-01", mode = "Online", reporterUserId = lead.Id, storytellerIds = new[] { ids[0] } });
        Assert.Equal(HttpStatusCode.Created, solo.StatusCode);
        var group = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "Round the table", date = "2026-03-02", mode = "InPerson", storytellerIds = ids.Skip(1).Take(3).ToArray() });
        Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        var storyId = (int)(await group.Content.ReadFromJsonAsync<JsonObject>())!["storyId"]!;

        var counts = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/counts"))!;
        Assert.Equal(5, (int)counts["storytellers"]!);
        Assert.Equal(2, (int)counts["stories"]!);
        Assert.Equal(2, (int)counts["sessions"]!);
        Assert.Equal(1, (int)counts["oneToOneSessions"]!);
        Assert.Equal(1, (int)counts["groupSessions"]!);

        // A group story belongs to every storyteller in it.
        var story = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}"))!;
        Assert.Equal(3, ((JsonArray)story["storytellers"]!).Count);
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories");
        Assert.Contains("2 stories from 2 sessions (1 one-to-one, 1 in groups) with 5 storytellers", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "Choose the storyteller")]
    [InlineData(10, "at most 9 storytellers; you chose 10")]
    public async Task Session_size_is_validated(int size, string expected)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var ids = new List<int>();
        for (var i = 0; i < size; i++) ids.Add(await App.CreateStorytellerAsync(projectId, lead, $"T{i}"));
        var response = await (await App.ApiClientAsync(lead)).PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "Too big", date = "2026-03-01", mode = "Online", storytellerIds = ids });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await App.WithDbAsync(db => db.Sessions.CountAsync(s => s.ProjectId == projectId)));
    }

    [Fact]
    public async Task A_storyteller_from_another_project_cannot_join_a_session()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var otherProject = await App.CreateProjectAsync(lead);
        var stranger = await App.CreateStorytellerAsync(otherProject, lead);
        var response = await (await App.ApiClientAsync(lead)).PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "X", date = "2026-03-01", mode = "Online", storytellerIds = new[] { stranger } });
        Assert.Contains("not part of this project", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reporter_records_a_session_through_the_page()
    {
        var lead = await App.CreateUserAsync();
        var reporter = await App.CreateUserAsync(name: "Rory Reporter");
        var projectId = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Nia");
        var client = await App.SignInAsync(reporter);
        var response = await TestApp.PostFormAsync(client, $"/projects/{projectId}/sessions/new", new()
        {
            ["Title"] = "Nia's story",
            ["Date"] = "2026-04-01",
            ["Mode"] = "InPerson",
            ["ReporterUserId"] = reporter.Id,
            ["StorytellerIds"] = teller.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var story = await client.GetStringAsync(response.Headers.Location!.OriginalString);
        Assert.Contains("Nia&#x27;s story", story, StringComparison.Ordinal);
        Assert.Contains("in person, with Rory Reporter", story, StringComparison.Ordinal);
    }
}

public sealed class StoryCopyTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Stories_from_an_earlier_project_come_with_transcript_storytellers_and_consent_history()
    {
        var lead = await App.CreateUserAsync();
        var earlier = await App.CreateProjectAsync(lead, "Co-Pro Stories 2020");
        var now = await App.CreateProjectAsync(lead, "Value of Co-Production 2022");
        var teller = await App.CreateStorytellerAsync(earlier, lead, "Frankie Earlier", quotes: true);
        var api = await App.ApiClientAsync(lead);
        await api.PostAsJsonAsync($"/api/projects/{earlier}/storytellers/{teller}/consent", new
        {
            recording = true,
            analysis = true,
            quotes = true,
            clips = true,
            creditInReports = "Named",
            creditInClips = "Named",
            creditOnPublicSite = "Anonymous",
            method = "PaperForm",
            paperFormReference = "box 3",
        });
        var created = await api.PostAsJsonAsync($"/api/projects/{earlier}/sessions", new { title = "Early days", date = "2020-05-01", mode = "Online", storytellerIds = new[] { teller } });
        var storyId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["storyId"]!;
        await App.WithDbAsync(async db =>
        {
            db.TranscriptCues.Add(new Storyweave.Features.Stories.TranscriptCue { StoryId = storyId, Position = 0, StartSeconds = 1, EndSeconds = 4, Speaker = "Frankie Earlier", Text = "It started in a church hall." });
            db.TranscriptCues.Add(new Storyweave.Features.Stories.TranscriptCue { StoryId = storyId, Position = 1, StartSeconds = 4, EndSeconds = 9, Speaker = "Frankie Earlier", Text = "Then the quarrymen came.", StartOffset = 29 });
            db.SpeakerLabels.Add(new Storyweave.Features.Stories.SpeakerLabel { StoryId = storyId, Label = "Frankie Earlier", StorytellerId = teller });
            return await db.SaveChangesAsync();
        });

        var copy = await api.PostAsJsonAsync($"/api/projects/{now}/stories/copy", new { sourceProjectId = earlier, storyIds = new[] { storyId } });
        Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
        var newStoryId = (int)(await copy.Content.ReadFromJsonAsync<JsonObject>())!["storyIds"]![0]!;

        var story = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{now}/stories/{newStoryId}"))!;
        Assert.Equal(storyId, (int)story["copiedFromStoryId"]!);
        Assert.Contains("Co-Pro Stories 2020", (string?)story["copyNote"], StringComparison.Ordinal);
        Assert.Equal("It started in a church hall.", (string?)story["cues"]![0]!["text"]);
        Assert.Equal("Then the quarrymen came.", (string?)story["cues"]![1]!["text"]);
        // The copied lines are in the new project's search, once (the copy's lines go in bulk, with the index's trigger).
        var found = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{now}/search?q=quarrymen"))!;
        Assert.Equal(1, (int)found["total"]!);
        var newTeller = (int)story["storytellers"]![0]!["id"]!;
        Assert.NotEqual(teller, newTeller);
        Assert.Equal(newTeller, (int)story["speakers"]![0]!["storytellerId"]!);

        var history = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{now}/storytellers/{newTeller}/consent"))!;
        Assert.Equal(2, history.Count);
        Assert.Equal("PaperForm", (string?)history[0]!["method"]);
        Assert.Contains("Copied from the project", (string?)history[0]!["note"], StringComparison.Ordinal);
        Assert.True(await App.WithServiceAsync<Storyweave.Features.Consent.ConsentPolicy, bool>(async p => (await p.DecideAsync(newTeller, Storyweave.Features.Consent.ConsentUse.Clips)).Allowed));

        // Counts: a copied story adds a story and a storyteller but no session here.
        var counts = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{now}/counts"))!;
        Assert.Equal(1, (int)counts["stories"]!);
        Assert.Equal(0, (int)counts["sessions"]!);
        Assert.Equal(1, (int)counts["storytellers"]!);

        // Copying the same person's other story again reuses the copied storyteller.
        var again = await api.PostAsJsonAsync($"/api/projects/{now}/stories/copy", new { sourceProjectId = earlier, storyIds = new[] { storyId } });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, await App.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == now)));
    }

    [Fact]
    public async Task Nobody_can_copy_from_a_project_they_cannot_see()
    {
        var lead = await App.CreateUserAsync();
        var other = await App.CreateUserAsync();
        var theirs = await App.CreateProjectAsync(other);
        var mine = await App.CreateProjectAsync(lead);
        var response = await (await App.ApiClientAsync(lead)).PostAsJsonAsync($"/api/projects/{mine}/stories/copy", new { sourceProjectId = theirs, storyIds = new[] { 1 } });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
