using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.Tests.Gathering;

public sealed class TranscriptSaveTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private async Task<(int ProjectId, int StoryId, int TellerId, HttpClient Api, TestApp.TestUser Lead)> StoryAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Dana Example");
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "Dana's story", date = "2026-02-02", mode = "Online", storytellerIds = new[] { teller } });
        return (projectId, (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["storyId"]!, teller, api, lead);
    }

    [Fact]
    public async Task Saving_bumps_the_version_maps_known_speakers_and_a_stale_save_is_a_conflict_that_loses_nothing()
    {
        var (projectId, storyId, tellerId, api, _) = await StoryAsync();
        var first = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript", new
        {
            version = 0,
            cues = new object[]
            {
                new { start = 0.0, end = 4.0, speaker = "Reporter", text = "What brought you here?" },
                new { start = 4.0, end = 9.5, speaker = "Dana", text = "A leaflet in the library." },
            },
        });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, (int)(await first.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);

        var story = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}"))!;
        var speakers = (JsonArray)story["speakers"]!;
        Assert.Equal(tellerId, (int?)speakers.Single(s => (string?)s!["label"] == "Dana")!["storytellerId"]);
        Assert.True((bool)speakers.Single(s => (string?)s!["label"] == "Reporter")!["isReporter"]!);

        // A second editor still on version 0 is refused and told; the first editor's words stay.
        var stale = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript", new
        {
            version = 0,
            cues = new object[] { new { start = 0.0, end = 4.0, speaker = "Reporter", text = "Overwritten?" } },
        });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var conflict = (await stale.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, (int)conflict["version"]!);
        Assert.Contains("Someone else saved this transcript", (string?)conflict["message"], StringComparison.Ordinal);
        Assert.Equal("A leaflet in the library.", (string?)conflict["current"]![1]!["text"]);
        Assert.Equal(2, await App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == storyId)));
    }

    [Fact]
    public async Task Two_saves_racing_on_the_same_version_leave_exactly_one_winner()
    {
        var (projectId, storyId, _, api, lead) = await StoryAsync();
        var other = await App.ApiClientAsync(lead);
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? api : other).PutAsJsonAsync(
            $"/api/projects/{projectId}/stories/{storyId}/transcript",
            new { version = 0, cues = new object[] { new { start = 0.0, end = 1.0, speaker = "Dana", text = $"Edit {i}" } } })));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(5, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, await App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == storyId)));
    }

    [Fact]
    public async Task Speaker_labels_can_be_mapped_only_to_the_session_storytellers()
    {
        var (projectId, storyId, tellerId, api, lead) = await StoryAsync();
        await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript", new { version = 0, cues = new object[] { new { start = 0.0, speaker = "Speaker 1", text = "Hello." } } });
        var stranger = await App.CreateStorytellerAsync(projectId, lead, "Not In This Session");
        var wrong = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/speakers", new[] { new { label = "Speaker 1", storytellerId = (int?)stranger, isReporter = false } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        var right = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/speakers", new[] { new { label = "Speaker 1", storytellerId = (int?)tellerId, isReporter = false } });
        Assert.Equal(HttpStatusCode.NoContent, right.StatusCode);
        Assert.Equal(tellerId, await App.WithDbAsync(db => db.SpeakerLabels.Where(l => l.StoryId == storyId).Select(l => l.StorytellerId).SingleAsync()));
    }

    [Fact]
    public async Task The_editor_form_without_javascript_saves_and_reports_a_conflict_with_both_versions()
    {
        var (projectId, storyId, _, api, lead) = await StoryAsync();
        await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript", new { version = 0, cues = new object[] { new { start = 3.0, speaker = "Dana", text = "First words." } } });
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/stories/{storyId}/transcript/edit";
        var html = await client.GetStringAsync(page);
        Assert.Contains("First words.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"0:03.0\"", html, StringComparison.Ordinal); // times to a tenth of a second

        var saved = await TestApp.PostFormAsync(client, page, new() { ["Version"] = "1", ["Cues[0].Start"] = "0:04", ["Cues[0].Speaker"] = "Dana", ["Cues[0].Text"] = "Corrected words." });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var stale = await TestApp.PostFormAsync(client, page, new() { ["Version"] = "1", ["Cues[0].Start"] = "0:04", ["Cues[0].Speaker"] = "Dana", ["Cues[0].Text"] = "My late edit." });
        var body = await stale.Content.ReadAsStringAsync();
        Assert.Contains("Someone else saved this transcript", body, StringComparison.Ordinal);
        Assert.Contains("My late edit.", body, StringComparison.Ordinal);       // my words are still in the form
        Assert.Contains("Corrected words.", body, StringComparison.Ordinal);    // theirs are shown beside
        Assert.Equal("Corrected words.", await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId).Select(c => c.Text).SingleAsync()));
        Assert.Equal(4.0, await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId).Select(c => c.StartSeconds).SingleAsync()));
    }

    [Fact]
    public async Task The_editor_player_has_captions_from_the_saved_transcript_for_the_team_only()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var recording = Path.Combine(App.DataDir, App.Unique("rec") + ".wav");
        await File.WriteAllBytesAsync(recording, [.. "RIFF"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        var story = await App.CreatePublicStoryAsync(projectId, "Editor story", [new("Dana Example")], "kitchen", published: false, recording);
        var api = await App.ApiClientAsync(lead);
        var saved = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{story.Id}/transcript", new
        {
            version = 1,
            cues = new object[]
            {
                new { start = 0.0, end = 2.5, speaker = "Reporter", text = "What brought you here?" },
                new { start = 2.5, speaker = "Dana Example", text = "A leaflet & a <friend>." },
            },
        });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var captionsUrl = $"/api/projects/{projectId}/stories/{story.Id}/transcript/captions";

        var response = await api.GetAsync(captionsUrl);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/vtt", response.Content.Headers.ContentType?.MediaType);
        // The last line has no end: it shows for five seconds.
        Assert.Equal("""
            WEBVTT

            1
            00:00:00.000 --> 00:00:02.500
            <v Reporter>What brought you here?

            2
            00:00:02.500 --> 00:00:07.500
            <v Dana Example>A leaflet &amp; a &lt;friend&gt;.

            """.ReplaceLineEndings("\n"), await response.Content.ReadAsStringAsync());
        var editor = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories/{story.Id}/transcript/edit");
        Assert.Contains($"<track kind=\"captions\" src=\"{captionsUrl}\" srclang=\"en\" label=\"English\" default>", editor, StringComparison.Ordinal);

        // Team only, like the editor: a viewer and another project's lead are refused, a story from another project is not found.
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, viewer, Storyweave.Features.Projects.ProjectRole.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.ApiClientAsync(viewer)).GetAsync(captionsUrl)).StatusCode);
        var otherLead = await App.CreateUserAsync();
        var otherProject = await App.CreateProjectAsync(otherLead);
        var otherApi = await App.ApiClientAsync(otherLead);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherApi.GetAsync(captionsUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.GetAsync($"/api/projects/{otherProject}/stories/{story.Id}/transcript/captions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.AnonymousClient().GetAsync(captionsUrl)).StatusCode);
    }
}
