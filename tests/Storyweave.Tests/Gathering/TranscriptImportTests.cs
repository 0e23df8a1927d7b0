using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.Tests.Gathering;

public sealed class TranscriptImportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Transcripts", "Samples", name);

    private async Task<(int ProjectId, int StoryId, int Benna, HttpClient Api, TestApp.TestUser Lead)> StoryAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var benna = await App.CreateStorytellerAsync(projectId, lead, "Benna Strake");
        var jo = await App.CreateStorytellerAsync(projectId, lead, "Jo Pellam");
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "The quillary", date = "2026-02-02", mode = "InPerson", storytellerIds = new[] { benna, jo } });
        return (projectId, (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["storyId"]!, benna, api, lead);
    }

    private static MultipartFormDataContent File(string sample)
    {
        var content = new MultipartFormDataContent();
        content.Add(new ByteArrayContent(System.IO.File.ReadAllBytes(Sample(sample))), "file", sample);
        return content;
    }

    [Fact]
    public async Task A_zoom_vtt_imports_into_the_story_with_times_and_speakers_matched_to_the_session()
    {
        var (projectId, storyId, benna, api, _) = await StoryAsync();
        var response = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", File("zoom.vtt"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("vtt", (string?)body["format"]);

        var story = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}"))!;
        var cues = (JsonArray)story["cues"]!;
        Assert.Equal(1.5, (double)cues[0]!["start"]!);
        Assert.Equal("Tavi Quorrel", (string?)cues[0]!["speaker"]);
        Assert.Equal("Thanks for sitting down with me today.", (string?)cues[0]!["text"]);
        var speakers = (JsonArray)story["speakers"]!;
        Assert.Equal(benna, (int?)speakers.Single(s => (string?)s!["label"] == "Benna Strake")!["storytellerId"]);
        Assert.Null((int?)speakers.Single(s => (string?)s!["label"] == "Tavi Quorrel")!["storytellerId"]);
        Assert.Equal("vtt", (string?)story["transcriptFormat"]);

        // A second import does not silently replace the first.
        var again = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", File("interview.srt"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already has a transcript", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var replaced = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import?replace=true", File("interview.srt"));
        Assert.Equal(HttpStatusCode.Created, replaced.StatusCode);
        Assert.Equal("srt", await App.WithDbAsync(db => db.Stories.Where(s => s.Id == storyId).Select(s => s.TranscriptFormat).SingleAsync()));
    }

    private static MultipartFormDataContent Text(string name, string text)
    {
        var content = new MultipartFormDataContent();
        content.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text)), "file", name);
        return content;
    }

    private static string Lines(int count, string marker) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"Benna Strake: the harbour at dusk, {marker}{i:D4} and the gulls\n"));

    private static async Task<int> FoundAsync(HttpClient api, int projectId, string word)
    {
        var response = await api.GetAsync($"/api/projects/{projectId}/search?q={word}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["total"]!;
    }

    [Fact]
    public async Task A_long_transcript_comes_in_whole_and_in_order_and_replacing_it_leaves_only_its_new_lines_in_search()
    {
        // More lines than one bulk statement takes (Data/BulkInsert), so the lines are written in several.
        var (projectId, storyId, _, api, _) = await StoryAsync();
        var imported = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", Text("long.txt", Lines(3500, "kestrel")));
        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);

        var cues = (JsonArray)(await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}"))!["cues"]!;
        Assert.Equal(3500, cues.Count);
        Assert.Equal("the harbour at dusk, kestrel0000 and the gulls", (string?)cues[0]!["text"]);
        Assert.Equal("the harbour at dusk, kestrel3499 and the gulls", (string?)cues[3499]!["text"]);
        Assert.Equal(1, await FoundAsync(api, projectId, "kestrel0000"));
        Assert.Equal(1, await FoundAsync(api, projectId, "kestrel3499"));

        var replaced = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import?replace=true", Text("long.txt", Lines(3200, "plover")));
        Assert.Equal(HttpStatusCode.Created, replaced.StatusCode);
        Assert.Equal(0, await FoundAsync(api, projectId, "kestrel3499"));
        Assert.Equal(0, await FoundAsync(api, projectId, "kestrel0000"));
        Assert.Equal(1, await FoundAsync(api, projectId, "plover3199"));

        // Every line in its place, each starting where the one before it ends (search links point there).
        var rows = await App.WithDbAsync(db => db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position)
            .Select(c => new { c.Position, c.StartOffset, c.Text }).ToListAsync());
        Assert.Equal(Enumerable.Range(0, 3200), rows.Select(r => r.Position));
        var offset = 0;
        foreach (var row in rows)
        {
            Assert.Equal(offset, row.StartOffset);
            offset += row.Text.Length + 1;
        }
        Assert.Equal("the harbour at dusk, plover1234 and the gulls", rows[1234].Text);
    }

    [Fact]
    public async Task A_malformed_file_names_the_line_and_leaves_the_story_unchanged()
    {
        var (projectId, storyId, _, api, _) = await StoryAsync();
        var response = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", File("bad-time.vtt"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (JsonArray)(await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!;
        Assert.Equal(8, (int?)errors[0]!["line"]); // the timing line of cue 2
        Assert.Equal(0, await App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == storyId)));
    }

    [Fact]
    public async Task The_import_page_then_the_speakers_page_link_a_label_to_the_reporter()
    {
        var (projectId, storyId, _, _, lead) = await StoryAsync();
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/stories/{storyId}/transcript/import";
        var html = await client.GetStringAsync(page);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var form = File("timestamped-headers.txt");
        form.Add(new StringContent(WebUtility.HtmlDecode(token)), "__RequestVerificationToken");
        var imported = await client.PostAsync(page, form);
        Assert.Equal(HttpStatusCode.Redirect, imported.StatusCode);
        var speakersUrl = imported.Headers.Location!.OriginalString;
        var speakersPage = await client.GetStringAsync(speakersUrl);
        Assert.Contains("Who is speaking?", speakersPage, StringComparison.Ordinal);

        var labels = await App.WithDbAsync(db => db.SpeakerLabels.Where(l => l.StoryId == storyId).Select(l => l.Label).ToListAsync());
        Assert.NotEmpty(labels);
        var fields = labels.ToDictionary(l => $"who[{l}]", _ => "reporter");
        var saved = await TestApp.PostFormAsync(client, speakersUrl, fields, $"/projects/{projectId}/stories/{storyId}/transcript/speakers");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.True(await App.WithDbAsync(db => db.SpeakerLabels.Where(l => l.StoryId == storyId).AllAsync(l => l.IsReporter)));
    }

    [Fact]
    public async Task Turns_of_a_storyteller_without_analysis_consent_are_not_shown_on_the_story_page()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var yes = await App.CreateStorytellerAsync(projectId, lead, "Benna Strake");
        var no = await App.CreateStorytellerAsync(projectId, lead, "Tavi Quorrel", analysis: false);
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "Pair", date = "2026-02-02", mode = "Online", storytellerIds = new[] { yes, no } });
        var storyId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["storyId"]!;
        await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", File("zoom.vtt"));
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories/{storyId}");
        Assert.DoesNotContain("Thanks for sitting down with me today.", page, StringComparison.Ordinal); // Tavi's turn
        Assert.Contains("has not agreed to use in analysis", page, StringComparison.Ordinal);
        Assert.Contains("That one is my grandmother.", page, StringComparison.Ordinal); // Benna's turn
    }
}
