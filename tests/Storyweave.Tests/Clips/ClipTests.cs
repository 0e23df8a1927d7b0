using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Clips;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Clips;

/// <summary>Clip playlists through HTTP with real recordings (espeak-ng speech), ffmpeg cuts and ffprobe checks.</summary>
public sealed class ClipTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private const string Sentence = "This is Sam. I want to tell you about the kitchen table, and the people who sat around it.";

    // Cue times are ours (the words need not line up with them): clips are cut by the times.
    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0.0, 1.5, "Sam Teller", "This is Sam."),
        new(1.5, 4.0, "Sam Teller", "I want to tell you about the kitchen table,"),
        new(4.0, 5.5, "Jo Other", "and the people who sat around it."),
    ];

    private sealed record Setup(TestApp.TestUser Lead, HttpClient Api, int ProjectId, TestApp.ClipStory Story, int PlaylistId);

    private async Task<Setup> NewAsync(string recording, bool joClips = true, CreditStyle samCredit = CreditStyle.Named)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var story = await App.CreateClipStoryAsync(projectId, lead,
            [new TestApp.ClipTeller("Sam Teller", true, samCredit, "Bee Keeper"), new TestApp.ClipTeller("Jo Other", joClips, CreditStyle.Anonymous)], Cues, recording);
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "Kitchen tables", description = "Where we meet." });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var playlistId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        return new Setup(lead, api, projectId, story, playlistId);
    }

    private static async Task<HttpResponseMessage> AddClipAsync(Setup s, object body) =>
        await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/clips", body);

    private static async Task<int> AddReadyClipAsync(Setup s, object body)
    {
        var response = await AddClipAsync(s, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        var clip = await WaitForClipAsync(s, id);
        Assert.True((string)clip["status"]! == "Ready", clip.ToJsonString());
        return id;
    }

    private static async Task<JsonObject> PlaylistAsync(Setup s) =>
        (await s.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}"))!;

    private static async Task<JsonObject> WaitForClipAsync(Setup s, int clipId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var clip = (await PlaylistAsync(s))["clips"]!.AsArray().Select(c => c!.AsObject()).Single(c => (int)c["id"]! == clipId);
            var status = (string)clip["status"]!;
            if (status is "Ready" or "Failed") return clip;
            Assert.True(DateTime.UtcNow < deadline, $"Clip {clipId} was still {status} after 90 seconds.");
            await Task.Delay(200);
        }
    }

    private static async Task<double> DownloadedDurationAsync(Setup s, int clipId, TestMedia.Folder folder, string extension)
    {
        var bytes = await s.Api.GetByteArrayAsync($"/api/projects/{s.ProjectId}/clips/{clipId}/content");
        var path = folder.File($"clip-{clipId}{extension}");
        await File.WriteAllBytesAsync(path, bytes);
        return (await TestMedia.ProbeAsync(path)).Duration;
    }

    private static async Task<List<string>> ErrorsAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray().Select(e => (string)e!["message"]!).ToList();

    private string ClipsDir(int projectId) => Path.Combine(App.DataDir, "clips", projectId.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_clip_of_a_passage_lasts_as_long_as_the_passage_and_its_captions_have_the_passages_words()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("kitchen.wav"), Sentence);
        var s = await NewAsync(wav);

        var clipId = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[1], title = "The kitchen table", description = "Sam on where people met." });

        var clip = (await PlaylistAsync(s))["clips"]!.AsArray().Single()!.AsObject();
        Assert.Equal("copy", (string)clip["cutMethod"]!); // PCM WAV is cut by stream copy
        Assert.Equal("Sam Teller", (string)clip["credit"]!);
        Assert.InRange(await DownloadedDurationAsync(s, clipId, folder, ".wav"), 2.5 - 0.2, 2.5 + 0.2);

        var vtt = await s.Api.GetStringAsync($"/api/projects/{s.ProjectId}/clips/{clipId}/captions");
        Assert.StartsWith("WEBVTT", vtt, StringComparison.Ordinal);
        // 43 characters: two lines of a reading cue (CaptionCues).
        Assert.Contains("00:00:00.000 --> 00:00:02.500\n<v Sam Teller>I want to tell you\nabout the kitchen table,", vtt, StringComparison.Ordinal);
        Assert.DoesNotContain("This is Sam.", vtt, StringComparison.Ordinal);
        Assert.DoesNotContain("people who sat", vtt, StringComparison.Ordinal);

        // On disk: the cut and its captions (which name nobody) under clips/{projectId}/ with generated names.
        var files = Directory.GetFiles(ClipsDir(s.ProjectId)).Select(Path.GetFileName).ToList();
        Assert.Equal(2, files.Count);
        Assert.All(files, f => Assert.Matches("^[0-9a-f]{32}\\.(wav|vtt)$", f!));
        var stored = await File.ReadAllTextAsync(Directory.GetFiles(ClipsDir(s.ProjectId), "*.vtt").Single());
        Assert.Contains("I want to tell you\nabout the kitchen table,", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("<v ", stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mkv", "", false, 1, "re-encode", ".m4a")]   // FLAC in Matroska: browsers cannot play it, so AAC
    [InlineData("mp4", "0", false, 0, "copy", ".mp4")]       // H.264 without B-frames, starting on the first keyframe
    [InlineData("mp4", "0", false, 1, "re-encode", ".mp4")]  // starts between keyframes
    [InlineData("mp4", "3", false, 0, "re-encode", ".mp4")]  // B-frames: a copied cut would end late
    [InlineData("mp4", "0", true, 0, "re-encode", ".mp4")]   // captions burned in
    public async Task Clips_are_copied_where_the_cut_allows_and_re_encoded_otherwise_and_last_as_long_as_the_passage(
        string container, string bFrames, bool burn, int cue, string method, string extension)
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"), Sentence);
        var recording = container == "mkv"
            ? await TestMedia.ConvertAsync(wav, folder.File("speech.mkv"), "-c:a", "flac")
            : await TestMedia.VideoAsync(wav, folder.File("speech.mp4"), "-c:v", "libx264", "-bf", bFrames, "-pix_fmt", "yuv420p", "-c:a", "aac");
        var s = await NewAsync(recording);

        var clipId = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[cue], title = "A clip", burnCaptions = burn });

        var clip = (await PlaylistAsync(s))["clips"]!.AsArray().Single()!.AsObject();
        Assert.Equal(method, (string)clip["cutMethod"]!);
        var expected = Cues[cue].End!.Value - Cues[cue].Start!.Value;
        Assert.InRange(await DownloadedDurationAsync(s, clipId, folder, extension), expected - 0.2, expected + 0.2);
        // The words, whichever way the reading cues wrap them.
        var captions = await s.Api.GetStringAsync($"/api/projects/{s.ProjectId}/clips/{clipId}/captions");
        Assert.Contains(Cues[cue].Text!, captions.ReplaceLineEndings(" "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_and_end_can_be_adjusted_and_the_clip_is_cut_again()
    {
        using var folder = new TestMedia.Folder();
        var s = await NewAsync(await TestMedia.SpeechAsync(folder.File("kitchen.wav"), Sentence), samCredit: CreditStyle.Pseudonym);
        var clipId = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[1], start = 1.0, end = 3.0, title = "Adjusted" });
        Assert.InRange(await DownloadedDurationAsync(s, clipId, folder, ".wav"), 1.8, 2.2);

        var edit = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/clips/{clipId}", new { start = 0.5, end = 4.0, title = "Longer", description = "" });
        Assert.Equal(HttpStatusCode.NoContent, edit.StatusCode);
        Assert.Equal("Ready", (string)(await WaitForClipAsync(s, clipId))["status"]!);
        Assert.InRange(await DownloadedDurationAsync(s, clipId, folder, ".wav"), 3.3, 3.7);

        // Cues are cut to the clip and shifted to its start; a pseudonym is the voice's name.
        var vtt = await s.Api.GetStringAsync($"/api/projects/{s.ProjectId}/clips/{clipId}/captions");
        Assert.Contains("00:00:00.000 --> 00:00:01.000\n<v Bee Keeper>This is Sam.", vtt, StringComparison.Ordinal);
        Assert.Contains("00:00:01.000 --> 00:00:03.500\n<v Bee Keeper>I want to tell you", vtt, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(ClipsDir(s.ProjectId), "*.wav")); // the first cut was deleted

        var bad = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/clips/{clipId}", new { start = 3.0, end = 2.0, title = "", burnCaptions = true });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var errors = await ErrorsAsync(bad);
        Assert.Contains("The end must be after the start.", errors);
        Assert.Contains("Give the clip a title.", errors);
        Assert.Contains(errors, e => e.StartsWith("Captions can only be burned into a video", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_storyteller_without_clips_consent_cannot_be_clipped_and_is_not_offered()
    {
        using var folder = new TestMedia.Folder();
        var s = await NewAsync(await TestMedia.SpeechAsync(folder.File("kitchen.wav"), Sentence), joClips: false);

        // Jo's own turn, and a stretch that runs into Jo's turn: refused with the reason.
        var jo = await AddClipAsync(s, new { passageId = s.Story.PassageIds[2], title = "Jo's words" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, jo.StatusCode);
        var message = Assert.Single(await ErrorsAsync(jo));
        Assert.Contains("Everyone whose words are in a clip must agree to clips in playlists", message, StringComparison.Ordinal);
        Assert.Contains("Jo Other: The storyteller has not agreed to: clips in playlists.", message, StringComparison.Ordinal);
        var across = await AddClipAsync(s, new { passageId = s.Story.PassageIds[1], start = 2.0, end = 4.5, title = "Into Jo's turn" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, across.StatusCode);
        Assert.Equal(0, await App.WithDbAsync(db => db.Clips.CountAsync(c => c.ProjectId == s.ProjectId)));

        // Only Sam's passages are offered; Jo's is counted, not shown.
        var sources = (await s.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{s.ProjectId}/clip-sources"))!;
        Assert.Equal([s.Story.PassageIds[0], s.Story.PassageIds[1]], sources["sources"]!.AsArray().Select(x => (int)x!["id"]!).Order().ToArray());
        Assert.Equal(1, (int)sources["notAllowed"]!);

        // The clip editor page refuses too, in plain words, without a form.
        var page = await App.SignInAsync(s.Lead);
        var html = await page.GetStringAsync($"/projects/{s.ProjectId}/playlists/{s.PlaylistId}/clips?passageId={s.Story.PassageIds[2]}");
        Assert.Contains("This clip is not allowed", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Make the clip</button>", html, StringComparison.Ordinal);

        // An embargo holds clips back too.
        var embargoed = await App.CreateClipStoryAsync(s.ProjectId, s.Lead,
            [new TestApp.ClipTeller("Em Bargo", true, EmbargoUntil: DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30))], Cues[..1], folder.File("kitchen.wav"));
        var held = await AddClipAsync(s, new { passageId = embargoed.PassageIds[0], title = "Too early" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, held.StatusCode);
        Assert.Contains("Embargoed until", Assert.Single(await ErrorsAsync(held)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consent_change_stops_the_clip_being_served_and_exported_and_deletes_its_files()
    {
        using var folder = new TestMedia.Folder();
        var s = await NewAsync(await TestMedia.SpeechAsync(folder.File("kitchen.wav"), Sentence));
        var samClip = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[1], title = "Sam" });
        var joClip = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[2], title = "Jo" });
        Assert.Equal(4, Directory.GetFiles(ClipsDir(s.ProjectId)).Length);

        await App.RecordClipsConsentAsync(s.ProjectId, s.Story.StorytellerIds[0], s.Lead, clips: false);

        var content = await s.Api.GetAsync($"/api/projects/{s.ProjectId}/clips/{samClip}/content");
        Assert.Equal(HttpStatusCode.Gone, content.StatusCode);
        Assert.StartsWith("Not allowed any more.", Assert.Single(await ErrorsAsync(content)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, (await s.Api.GetAsync($"/api/projects/{s.ProjectId}/clips/{samClip}/captions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Api.GetAsync($"/api/projects/{s.ProjectId}/clips/{joClip}/content")).StatusCode);

        var clips = (await PlaylistAsync(s))["clips"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(["Not allowed any more", "Ready"], clips.Select(c => (string)c["state"]!).ToArray());
        Assert.Null(clips[0]["contentUrl"]);
        Assert.Equal(2, Directory.GetFiles(ClipsDir(s.ProjectId)).Length); // Sam's cut and captions are gone
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "clip.removed" && e.ObjectId == samClip.ToString(CultureInfo.InvariantCulture))));

        var page = await (await App.SignInAsync(s.Lead)).GetStringAsync($"/projects/{s.ProjectId}/playlists/{s.PlaylistId}");
        Assert.Contains("Not allowed any more", page, StringComparison.Ordinal);

        var zip = await ExportAsync(s);
        Assert.Equal(["01-jo.wav", "01-jo.vtt", "01-jo.srt", "clips.csv"], zip.Entries.Select(e => e.FullName).ToArray());
        Assert.DoesNotContain("Sam", CsvOf(zip), StringComparison.Ordinal);

        // Saying yes again allows the clip to be cut again.
        await App.RecordClipsConsentAsync(s.ProjectId, s.Story.StorytellerIds[0], s.Lead, clips: true);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/clips/{samClip}", new { title = "Sam" })).StatusCode);
        Assert.Equal("Ready", (string)(await WaitForClipAsync(s, samClip))["status"]!);
    }

    [Fact]
    public async Task The_export_zip_has_every_clip_its_captions_and_a_csv_listing_them_in_order_and_is_recorded()
    {
        using var folder = new TestMedia.Folder();
        var s = await NewAsync(await TestMedia.SpeechAsync(folder.File("kitchen.wav"), Sentence), samCredit: CreditStyle.FirstNameOnly);
        var first = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[0], title = "Hello, I'm Sam", description = "An introduction, \"in brief\"." });
        var second = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[2], title = "The people", description = "" });
        var third = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[1], title = "Kitchen table" });

        // Move the last clip up twice: it becomes the first.
        foreach (var _ in new[] { 1, 2 })
            Assert.Equal(HttpStatusCode.NoContent, (await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/clips/{third}/move", new { direction = "up" })).StatusCode);
        var badMove = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/clips/{third}/move", new { direction = "sideways" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badMove.StatusCode);

        var zip = await ExportAsync(s);
        Assert.Equal(["01-kitchen-table.wav", "01-kitchen-table.vtt", "01-kitchen-table.srt", "02-hello-i-m-sam.wav", "02-hello-i-m-sam.vtt", "02-hello-i-m-sam.srt",
            "03-the-people.wav", "03-the-people.vtt", "03-the-people.srt", "clips.csv"],
            zip.Entries.Select(e => e.FullName).ToArray());
        var lines = CsvOf(zip).TrimEnd().Split("\r\n");
        Assert.Equal("order,file_name,captions_file,captions_file_srt,title,description,credit", lines[0]);
        Assert.Equal("1,01-kitchen-table.wav,01-kitchen-table.vtt,01-kitchen-table.srt,Kitchen table,,Sam", lines[1]);
        Assert.Equal("2,02-hello-i-m-sam.wav,02-hello-i-m-sam.vtt,02-hello-i-m-sam.srt,\"Hello, I'm Sam\",\"An introduction, \"\"in brief\"\".\",Sam", lines[2]);
        Assert.Equal("3,03-the-people.wav,03-the-people.vtt,03-the-people.srt,The people,,Anonymous storyteller", lines[3]);
        Assert.Equal(4, lines.Length);
        // Jo is anonymous: the captions carry no name for Jo's voice.
        var joCaptions = await new StreamReader(zip.GetEntry("03-the-people.vtt")!.Open()).ReadToEndAsync();
        Assert.Contains("and the people who sat around it.", joCaptions, StringComparison.Ordinal);
        Assert.DoesNotContain("<v", joCaptions, StringComparison.Ordinal);
        using var media = zip.GetEntry("01-kitchen-table.wav")!.Open();
        var exported = folder.File("exported.wav");
        await using (var file = File.Create(exported)) await media.CopyToAsync(file);
        Assert.InRange((await TestMedia.ProbeAsync(exported)).Duration, 2.3, 2.7);

        var log = await App.WithDbAsync(db => db.AccessLog.Where(a => a.ProjectId == s.ProjectId).ToListAsync());
        var entry = Assert.Single(log);
        Assert.Equal(("exported", "playlist", s.PlaylistId.ToString(CultureInfo.InvariantCulture), s.Lead.Id), (entry.Action, entry.TargetType, entry.TargetId, entry.UserId));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "playlist.exported")));

        // Analysts make clips but do not export them (Project.Publish); viewers only watch.
        var analyst = await App.CreateUserAsync();
        await App.AddMemberAsync(s.ProjectId, analyst, ProjectRole.Analyst);
        var analystApi = await App.ApiClientAsync(analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analystApi.GetAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await analystApi.PostAsJsonAsync($"/api/projects/{s.ProjectId}/playlists", new { title = "Analyst's" })).StatusCode);
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(s.ProjectId, viewer, ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PostAsJsonAsync($"/api/projects/{s.ProjectId}/playlists", new { title = "Viewer's" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync($"/api/projects/{s.ProjectId}/clips/{first}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.DeleteAsync($"/api/projects/{s.ProjectId}/clips/{second}")).StatusCode);

        // The playlist page plays the first clip with a captions track.
        var html = await (await App.SignInAsync(viewer)).GetStringAsync($"/projects/{s.ProjectId}/playlists/{s.PlaylistId}");
        Assert.Contains($"src=\"/api/projects/{s.ProjectId}/clips/{third}/content\"", html, StringComparison.Ordinal);
        Assert.Contains($"<track kind=\"captions\" src=\"/api/projects/{s.ProjectId}/clips/{third}/captions\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Move up", html, StringComparison.Ordinal);
    }

    private static async Task<ZipArchive> ExportAsync(Setup s)
    {
        var response = await s.Api.GetAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        return new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
    }

    private static string CsvOf(ZipArchive zip)
    {
        using var reader = new StreamReader(zip.GetEntry("clips.csv")!.Open());
        return reader.ReadToEnd();
    }
}

/// <summary>The captions and cut rules as tables.</summary>
public sealed class ClipRuleTests
{
    [Fact]
    public void Captions_are_cut_to_the_clip_shifted_to_its_start_escaped_and_named_only_when_allowed()
    {
        ClipCaptions.Line[] lines =
        [
            new(0, 2, "A", "Before"),
            new(9, 12, "A", "Starts before <the> clip & runs in"),
            new(12, 14, "B", "Inside"),
            new(14, 30, "A", "Runs past the end"),
            new(null, null, "A", "No times"),
            new(19.98, 25, "A", "A sliver"),
        ];
        // "Runs past the end" stops where "A sliver" starts (cues never overlap); the sliver itself is
        // too short to read inside the clip and is left out.
        var vtt = ClipCaptions.Build(lines, 10, 20, label => label == "A" ? "Ada" : null);
        Assert.Equal(
            "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n<v Ada>Starts before &lt;the&gt; clip &amp; runs in\n" +
            "\n2\n00:00:02.000 --> 00:00:04.000\nInside\n" +
            "\n3\n00:00:04.000 --> 00:00:09.980\n<v Ada>Runs past the end\n", vtt);
    }

    [Theory]
    [InlineData(false, "wav", "pcm_s16le", "", true, false, null, "copy", ".wav")]
    [InlineData(false, "mp3", "mp3", "", true, false, null, "copy", ".mp3")]
    [InlineData(false, "m4a", "aac", "", true, false, null, "copy", ".m4a")]
    [InlineData(false, "ogg", "opus", "", true, false, null, "re-encode", ".m4a")]
    [InlineData(false, "mkv", "flac", "", false, false, null, "re-encode", ".m4a")]
    [InlineData(true, "mp4", "aac", "h264", true, false, 10.01, "copy", ".mp4")]
    [InlineData(true, "mp4", "aac", "h264", true, false, 9.5, "re-encode", ".mp4")]
    [InlineData(true, "mp4", "aac", "h264", true, true, 10.0, "re-encode", ".mp4")]
    [InlineData(true, "webm", "opus", "vp9", true, false, 10.0, "re-encode", ".mp4")]
    public void The_cut_is_copied_only_where_it_starts_cleanly(bool video, string container, string audio, string videoCodec, bool webPlayable, bool burn,
        double? keyframe, string method, string extension)
    {
        var media = new Storyweave.Features.Media.MediaFile
        {
            OriginalFileName = "x",
            StoredName = "x",
            HasVideo = video,
            Container = container,
            AudioCodec = audio,
            VideoCodec = videoCodec,
            OriginalIsWebPlayable = webPlayable,
            DurationSeconds = 60,
        };
        var plan = ClipCutPlan.Choose(media, 10, 15, burn, keyframe);
        Assert.Equal((method, extension), (plan.Method, plan.Extension));
        if (method == "copy" && video) Assert.Equal(keyframe, plan.Start); // moved onto the keyframe
    }
}
