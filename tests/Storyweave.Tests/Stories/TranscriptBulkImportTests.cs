using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Stories;

/// <summary>Bringing in a folder of transcripts at once: one story per file, nothing half-imported, no consent assumed.</summary>
public sealed class TranscriptBulkImportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private const string Zoom = """
        WEBVTT

        1
        00:00:01.000 --> 00:00:04.000
        Interviewer: What happened when you left the ward?

        2
        00:00:05.000 --> 00:00:12.000
        Ada Quill: The peer worker met me at the gate with a flask of tea.
        """;

    private const string Group = """
        Reporter: Tell me about the group.
        Bo: We met on Tuesdays in the library.
        Cy: The librarian let us stay after closing.
        """;

    private const string Plain = "I kept a diary of the months in the hostel and the kindness of strangers.";

    private static MultipartFormDataContent Files(params (string Name, string Text)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, text) in files)
        {
            var part = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
            part.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(part, "files", name);
        }
        return form;
    }

    private async Task<(int ProjectId, TestApp.TestUser Lead, HttpClient Api)> ProjectAsync()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        return (projectId, lead, await App.ApiClientAsync(lead));
    }

    private static async Task<JsonObject> SearchAsync(HttpClient api, int projectId, string q) =>
        (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/search?q={Uri.EscapeDataString(q)}"))!;

    [Fact]
    public async Task A_folder_of_transcripts_becomes_one_story_each_with_speakers_and_no_consent_until_recorded()
    {
        var (projectId, _, api) = await ProjectAsync();
        var response = await api.PostAsync($"/api/projects/{projectId}/stories/import",
            Files(("2019/ada-quill.vtt", Zoom), ("tuesday group.txt", Group), ("diary.txt", Plain)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var stories = body["stories"]!.AsArray();
        Assert.Equal(["ada-quill", "tuesday group", "diary"], stories.Select(s => (string)s!["title"]!));
        Assert.Equal([2, 3, 1], stories.Select(s => (int)s!["lines"]!));
        Assert.Equal(["Ada Quill"], stories[0]!["storytellers"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["Interviewer"], stories[0]!["reporterLabels"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["Bo", "Cy"], stories[1]!["storytellers"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["Storyteller of \u201cdiary\u201d"], stories[2]!["storytellers"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("has any consent recorded", (string)body["consent"]!, StringComparison.Ordinal);

        // The lines are there, in order, with their times and speakers, and the speakers are linked.
        var adaStory = (int)stories[0]!["storyId"]!;
        var transcript = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{adaStory}"))!;
        var cues = transcript["cues"]!.AsArray();
        Assert.Equal("The peer worker met me at the gate with a flask of tea.", (string)cues[1]!["text"]!);
        Assert.Equal(5.0, (double)cues[1]!["start"]!);
        var ada = await App.WithDbAsync(db => db.Storytellers.SingleAsync(s => s.ProjectId == projectId && s.Name == "Ada Quill"));
        Assert.Equal(EntryMethod.ImportedFromTranscripts, ada.EntryMethod);
        var labels = await App.WithDbAsync(db => db.SpeakerLabels.Where(l => l.StoryId == adaStory).OrderBy(l => l.Label).ToListAsync());
        Assert.Equal([("Ada Quill", (int?)ada.Id, false), ("Interviewer", null, true)], labels.Select(l => (l.Label, l.StorytellerId, l.IsReporter)));

        // Nobody has consent: their words are not found.
        Assert.Equal(0, (int)(await SearchAsync(api, projectId, "flask"))["total"]!);

        // Once Ada's consent to analysis is recorded, her story is found, opening at the right line.
        var consent = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{ada.Id}/consent", new
        {
            recording = true,
            analysis = true,
            quotes = false,
            clips = false,
            publishStory = false,
            creditInReports = "Anonymous",
            creditInClips = "Anonymous",
            creditOnPublicSite = "Anonymous",
            method = "RecordedVerbally",
            verbalAtSeconds = 3.0,
        });
        Assert.True(consent.StatusCode == HttpStatusCode.Created, await consent.Content.ReadAsStringAsync());
        var found = await SearchAsync(api, projectId, "flask");
        Assert.Equal(1, (int)found["total"]!);
        var hit = found["results"]!.AsArray()[0]!;
        Assert.Equal(adaStory, (int)hit["storyId"]!);
        Assert.Equal("What happened when you left the ward?".Length + 1, (int)hit["startOffset"]!);
        Assert.Equal(0, (int)(await SearchAsync(api, projectId, "librarian"))["total"]!);

        Assert.Equal(3, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == projectId && e.Action == "transcript.imported")));
        Assert.Equal(1, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == projectId && e.Action == "stories.imported")));
    }

    /// <summary>
    /// Lines are written many to a statement (Data/BulkInsert): a transcript of 123 lines and one of 3 in one import
    /// fill two whole statements and part of a third, and every line arrives in its place with its own words, speaker,
    /// times and offset, and is found by search (its index entry written in the same transaction).
    /// </summary>
    [Fact]
    public async Task Every_line_of_a_long_transcript_arrives_in_order_and_is_found_by_search()
    {
        var (projectId, _, api) = await ProjectAsync();
        var vtt = new StringBuilder("WEBVTT\n\n");
        var expected = new List<(string Speaker, string Text, double Start, double End)>();
        for (var i = 0; i < 123; i++)
        {
            var speaker = i % 2 == 0 ? "Interviewer" : "Ada Quill";
            var text = i == 77 ? "Then the quokka on the ferry waved back at me." : $"Line {i} of the long story, in the words said then.";
            var start = i * 2.5;
            expected.Add((speaker, text, start, start + 2.0));
            vtt.Append(CultureInfo.InvariantCulture, $"{TimeSpan.FromSeconds(start):hh\\:mm\\:ss\\.fff} --> {TimeSpan.FromSeconds(start + 2.0):hh\\:mm\\:ss\\.fff}\n{speaker}: {text}\n\n");
        }
        var response = await api.PostAsync($"/api/projects/{projectId}/stories/import", Files(("tuesday group.txt", Group), ("long walk.vtt", vtt.ToString())));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stories = (await response.Content.ReadFromJsonAsync<JsonObject>())!["stories"]!.AsArray();
        Assert.Equal([3, 123], stories.Select(s => (int)s!["lines"]!));
        var (groupId, longId) = ((int)stories[0]!["storyId"]!, (int)stories[1]!["storyId"]!);

        var lines = await App.WithDbAsync(db => db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == longId).OrderBy(c => c.Position).ToListAsync());
        Assert.Equal(expected, lines.Select(l => (l.Speaker, l.Text, l.StartSeconds!.Value, l.EndSeconds!.Value)));
        Assert.Equal(Enumerable.Range(0, 123), lines.Select(l => l.Position));
        Assert.Equal(expected.Select((_, i) => expected.Take(i).Sum(e => e.Text.Length + 1)), lines.Select(l => l.StartOffset));
        Assert.All(lines, l => Assert.False(l.IsDraft));
        Assert.Equal(["We met on Tuesdays in the library."], await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == groupId && c.Position == 1).Select(c => c.Text).ToListAsync()));

        var ada = await App.WithDbAsync(db => db.Storytellers.SingleAsync(s => s.ProjectId == projectId && s.Name == "Ada Quill"));
        var consent = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{ada.Id}/consent", new
        {
            recording = true,
            analysis = true,
            quotes = false,
            clips = false,
            publishStory = false,
            creditInReports = "Anonymous",
            creditInClips = "Anonymous",
            creditOnPublicSite = "Anonymous",
            method = "RecordedVerbally",
            verbalAtSeconds = 3.0,
        });
        Assert.True(consent.StatusCode == HttpStatusCode.Created, await consent.Content.ReadAsStringAsync());
        var found = await SearchAsync(api, projectId, "\"quokka on the ferry\"");
        Assert.Equal(1, (int)found["total"]!);
        Assert.Equal(lines[77].StartOffset, (int)found["results"]!.AsArray()[0]!["startOffset"]!);
        Assert.Equal(1, (int)(await SearchAsync(api, projectId, "\"Line 121 of\""))["total"]!);
    }

    [Fact]
    public async Task One_unreadable_file_stops_the_whole_import_and_names_the_file()
    {
        var (projectId, _, api) = await ProjectAsync();
        var response = await api.PostAsync($"/api/projects/{projectId}/stories/import",
            Files(("good.txt", Plain), ("broken.vtt", "WEBVTT\n\n00:00:09.000 --> 00:00:01.000\nBackwards.\n"), ("empty.txt", "")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("broken.vtt", text, StringComparison.Ordinal);
        Assert.Contains("empty.txt: the file is empty", text, StringComparison.Ordinal);
        Assert.DoesNotContain("good.txt", text, StringComparison.Ordinal);
        Assert.Equal(0, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));
        Assert.Equal(0, await App.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == projectId)));

        var notMultipart = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/import", new { files = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, notMultipart.StatusCode);
        Assert.Contains("multipart/form-data", await notMultipart.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var none = await api.PostAsync($"/api/projects/{projectId}/stories/import", new MultipartFormDataContent { { new StringContent("x"), "other" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, none.StatusCode);
        Assert.Contains("No files were sent", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_file_after_many_good_ones_keeps_nothing_names_every_bad_file_and_the_good_ones_come_in_after()
    {
        // The files are written ten at a time while the later ones are still being read: the first bad file comes
        // after two tens were already written in the request's transaction, so this proves they are rolled back.
        var (projectId, _, api) = await ProjectAsync();
        var good = Enumerable.Range(1, 35).Select(i => ($"interview-{i:D2}.txt", $"Reporter: What happened in week {i}?\nBo {i}: We planted the garden in week {i}.\n")).ToList();
        var sent = good.Take(23)
            .Append(("backwards.vtt", "WEBVTT\n\n00:00:09.000 --> 00:00:01.000\nBackwards.\n"))
            .Concat(good.Skip(23).Take(7))
            .Append(("blank.txt", "   \n\n  \n"))
            .Concat(good.Skip(30)).ToArray();
        var refused = await api.PostAsync($"/api/projects/{projectId}/stories/import", Files(sent));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var text = await refused.Content.ReadAsStringAsync();
        Assert.Contains("backwards.vtt", text, StringComparison.Ordinal);
        Assert.Contains("blank.txt", text, StringComparison.Ordinal);
        Assert.DoesNotContain("interview-", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("backwards.vtt", StringComparison.Ordinal) < text.IndexOf("blank.txt", StringComparison.Ordinal), text);
        Assert.Equal(0, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));
        Assert.Equal(0, await App.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == projectId)));
        Assert.Equal(0, await App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.Story!.ProjectId == projectId)));
        Assert.Equal(0, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == projectId && e.Action.EndsWith(".imported"))));
        Assert.Equal(0, (int)(await SearchAsync(api, projectId, "planted"))["total"]!);

        var accepted = await api.PostAsync($"/api/projects/{projectId}/stories/import", Files([.. good]));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var made = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!["stories"]!.AsArray();
        Assert.Equal(good.Select(g => g.Item1[..^4]), made.Select(s => (string)s!["title"]!));
        Assert.Equal(35, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));
        Assert.Equal(70, await App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.Story!.ProjectId == projectId)));
        var week30 = (int)made[29]!["storyId"]!;
        Assert.Equal(["Bo 30"], await App.WithDbAsync(db => db.StoryStorytellers.Where(l => l.StoryId == week30).Select(l => l.Storyteller!.Name).ToListAsync()));
        Assert.Equal(35, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == projectId && e.Action == "transcript.imported")));
    }

    [Fact]
    public async Task A_story_already_brought_in_is_refused_or_left_out_when_asked()
    {
        var (projectId, _, api) = await ProjectAsync();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync($"/api/projects/{projectId}/stories/import", Files(("diary.txt", Plain)))).StatusCode);

        var again = await api.PostAsync($"/api/projects/{projectId}/stories/import", Files(("diary.txt", Plain), ("group.txt", Group)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Contains("already has a story called \u201cdiary\u201d", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var twiceInOne = await api.PostAsync($"/api/projects/{projectId}/stories/import", Files(("a/group.txt", Group), ("b/group.vtt", Zoom)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, twiceInOne.StatusCode);
        Assert.Equal(1, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));

        var skipping = await api.PostAsync($"/api/projects/{projectId}/stories/import?skipExisting=true", Files(("diary.txt", Plain), ("group.txt", Group)));
        Assert.Equal(HttpStatusCode.Created, skipping.StatusCode);
        var body = (await skipping.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["group"], body["stories"]!.AsArray().Select(s => (string)s!["title"]!));
        Assert.Equal(["diary.txt"], body["skipped"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(2, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));
    }

    [Fact]
    public async Task Only_a_lead_brings_in_transcripts_and_the_page_does_it_too()
    {
        var (projectId, lead, _) = await ProjectAsync();
        var reporter = await App.CreateUserAsync(name: "Cam Reporter");
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var asReporter = await (await App.ApiClientAsync(reporter)).PostAsync($"/api/projects/{projectId}/stories/import", Files(("diary.txt", Plain)));
        Assert.Equal(HttpStatusCode.Forbidden, asReporter.StatusCode);
        var reporterPage = await (await App.SignInAsync(reporter)).GetAsync($"/projects/{projectId}/stories/import");
        Assert.Equal(HttpStatusCode.Redirect, reporterPage.StatusCode);
        Assert.Contains("/account/denied", reporterPage.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var browser = await App.SignInAsync(lead);
        var page = await browser.GetStringAsync($"/projects/{projectId}/stories/import");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var form = Files(("morning.vtt", Zoom), ("evening.txt", Group));
        form.Add(new StringContent(token), "__RequestVerificationToken");
        var posted = await browser.PostAsync($"/projects/{projectId}/stories/import", form);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var html = await posted.Content.ReadAsStringAsync();
        Assert.Contains("Brought in 2 stories", html, StringComparison.Ordinal);
        Assert.Contains(">morning</a>", html, StringComparison.Ordinal);
        Assert.Contains("Bo, Cy", html, StringComparison.Ordinal);

        var bad = Files(("bad.vtt", "WEBVTT\n\n00:00:09.000 --> 00:00:01.000\nBackwards.\n"));
        bad.Add(new StringContent(token), "__RequestVerificationToken");
        var refused = await (await browser.PostAsync($"/projects/{projectId}/stories/import", bad)).Content.ReadAsStringAsync();
        Assert.Contains("bad.vtt", refused, StringComparison.Ordinal);
        Assert.Contains("error-summary", refused, StringComparison.Ordinal);
        Assert.Equal(2, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));
    }
}
