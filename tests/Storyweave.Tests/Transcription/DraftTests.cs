using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Stories;
using Storyweave.Features.Transcription;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Tests.Transcription;

/// <summary>
/// Automatic first drafts, end to end: real speech made with espeak-ng, recognised by ffmpeg's asr
/// filter with Debian's pocketsphinx-en-us model, through the API, the worker and the real database.
/// Recognition of synthetic speech is rough, so the tests ask for known words, not exact text.
/// </summary>
public sealed class DraftTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    /// <summary>The sentences of the test recording, each followed by a pause, and words pocketsphinx reliably hears in them.</summary>
    internal static readonly string[] Sentences =
    [
        "The garden was full of tomatoes.",
        "My mother worked at the hospital.",
        "We had a small dog called Pepper.",
        "On Sundays we went to the market.",
        "I remember the smell of bread in the morning.",
    ];

    internal static readonly string[] KnownWords = ["garden", "mother", "hospital", "market", "morning"];

    private sealed record Setup(TestApp.TestUser Lead, HttpClient Api, int ProjectId, int StoryId, List<int> Tellers);

    private async Task<Setup> NewStoryAsync(int storytellers = 1, bool recordingConsent = true)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, tellers) = await App.CreateStoryAsync(projectId, storytellers, recordingConsent);
        return new Setup(lead, await App.ApiClientAsync(lead), projectId, storyId, tellers);
    }

    private static string DraftUrl(Setup s) => $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/transcript/draft";

    private static async Task<List<(double Start, double End)>> UploadSpeechAsync(Setup s)
    {
        using var folder = new TestMedia.Folder();
        var (path, spans) = await DraftSpeech.MakeAsync(folder, Sentences);
        using var content = TestMedia.FileContent(path, "interview.wav", "audio/wav");
        var upload = await s.Api.PostAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/media", content);
        Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        return spans;
    }

    private static async Task<(JsonObject Final, List<(string Status, double Progress)> Seen)> WaitForDraftAsync(HttpClient api, string url)
    {
        var seen = new List<(string, double)>();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var draft = (await api.GetFromJsonAsync<JsonObject>(url))!;
            seen.Add(((string)draft["status"]!, (double)draft["progress"]!));
            if ((bool)draft["finished"]!) return (draft, seen);
            Assert.True(DateTime.UtcNow < deadline, $"The draft was still {draft["status"]} after 5 minutes.");
            await Task.Delay(100);
        }
    }

    private Task<List<TranscriptCue>> CuesAsync(int storyId) =>
        App.WithDbAsync(db => db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync());

    [Fact]
    public async Task Pocketsphinx_draft_of_espeak_speech_writes_one_timed_line_per_phrase_with_known_words()
    {
        var s = await NewStoryAsync();
        var spans = await UploadSpeechAsync(s);

        var started = await s.Api.PostAsJsonAsync(DraftUrl(s), new { engine = "pocketsphinx" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = (await started.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False((bool)job["finished"]!);
        var (final, seen) = await WaitForDraftAsync(s.Api, started.Headers.Location!.OriginalString);

        Assert.True((string)final["status"]! == "Written", (string?)final["message"]);
        Assert.StartsWith("Automatic draft — check every line.", (string)final["message"]!, StringComparison.Ordinal);
        // Progress over HTTP: it was seen under way, never went backwards, and ends complete.
        Assert.Contains(seen, x => x.Status is "Queued" or "Running");
        var running = seen.Where(x => x.Status == "Running").Select(x => x.Progress).ToList();
        Assert.Equal(running.Order().ToList(), running);
        Assert.All(running, p => Assert.InRange(p, 0, 1));
        Assert.Equal(1.0, (double)final["progress"]!);

        var story = await App.WithDbAsync(db => db.Stories.AsNoTracking().SingleAsync(x => x.Id == s.StoryId));
        Assert.Equal("draft-pocketsphinx", story.TranscriptFormat);
        var cues = await CuesAsync(s.StoryId);
        Assert.Equal((int)final["lines"]!, cues.Count);
        // One line per pause-separated sentence, not one giant line.
        Assert.InRange(cues.Count, Sentences.Length - 1, Sentences.Length + 2);
        var text = string.Join(" ", cues.Select(c => c.Text)).ToLowerInvariant();
        var heard = KnownWords.Where(w => text.Contains(w, StringComparison.Ordinal)).ToList();
        Assert.True(heard.Count >= 3, $"Expected at least 3 of {string.Join(", ", KnownWords)} in: {text}");
        Assert.All(cues, c => Assert.Equal("", c.Speaker));
        // Times checked against the recording: every line lies on speech, and each sentence's start is
        // found within half a second by a line starting there.
        Assert.All(cues, c =>
        {
            Assert.NotNull(c.StartSeconds);
            Assert.NotNull(c.EndSeconds);
            Assert.True(c.EndSeconds > c.StartSeconds, $"{c.StartSeconds}–{c.EndSeconds}");
            Assert.Contains(spans, sp => c.StartSeconds < sp.End + 0.3 && c.EndSeconds > sp.Start - 0.3);
        });
        foreach (var sp in spans)
            Assert.Contains(cues, c => Math.Abs(c.StartSeconds!.Value - sp.Start) < 0.5);
        Assert.True(cues.Zip(cues.Skip(1)).All(p => p.First.StartSeconds <= p.Second.StartSeconds), "lines in time order");

        // Scratch files are gone, and the story page says what the lines are.
        var storyScratch = Path.Combine(App.ScratchRoot, $"project-{s.ProjectId}", $"story-{s.StoryId}");
        Assert.Empty(Directory.Exists(storyScratch) ? Directory.GetFiles(storyScratch, "*", SearchOption.AllDirectories) : []);
        var page = await (await App.SignInAsync(s.Lead)).GetStringAsync($"/projects/{s.ProjectId}/stories/{s.StoryId}");
        Assert.Contains("Automatic draft — check every line", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_story_with_a_transcript_is_not_drafted_without_replace_and_nothing_changes()
    {
        var s = await NewStoryAsync();
        await UploadSpeechAsync(s);
        await App.WithServiceAsync<TranscriptService, bool>(async t =>
            (await t.SaveAsync(s.ProjectId, s.StoryId, [new(1, 2, "Sam", "Words a person typed.")], null, "typed", s.Lead.Id)).Saved);

        var refused = await s.Api.PostAsJsonAsync(DraftUrl(s), new { engine = "pocketsphinx" });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Replace the current transcript", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await App.WithDbAsync(db => db.DraftJobs.CountAsync(j => j.StoryId == s.StoryId)));
        Assert.Equal(["Words a person typed."], (await CuesAsync(s.StoryId)).Select(c => c.Text));

        // The page form says the same.
        var browser = await App.SignInAsync(s.Lead);
        var pageUrl = $"/projects/{s.ProjectId}/stories/{s.StoryId}/transcript/draft";
        var response = await TestApp.PostFormAsync(browser, pageUrl, new() { ["engine"] = "pocketsphinx" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("already has a transcript (1 line)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await App.WithDbAsync(db => db.DraftJobs.CountAsync(j => j.StoryId == s.StoryId)));
    }

    [Fact]
    public async Task A_transcript_edited_while_the_draft_runs_is_kept_and_the_draft_waits_for_a_choice()
    {
        var s = await NewStoryAsync();
        await UploadSpeechAsync(s);
        await App.WithServiceAsync<TranscriptService, bool>(async t =>
            (await t.SaveAsync(s.ProjectId, s.StoryId, [new(1, 2, "Sam", "First typed words.")], null, "typed", s.Lead.Id)).Saved);

        // The job is recorded (with the version it starts from) but not queued, so the edit certainly
        // lands between the request and the end of the draft.
        var jobId = await App.WithServiceAsync<DraftService, int>(async d =>
            (await d.StartAsync(s.ProjectId, s.StoryId, "pocketsphinx", replace: true, s.Lead.Id, enqueue: false)).Job!.Id);
        var version = await App.WithDbAsync(db => db.Stories.Where(x => x.Id == s.StoryId).Select(x => x.TranscriptVersion).SingleAsync());
        var edit = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/transcript",
            new { version, cues = new[] { new { start = 1.0, end = 2.0, speaker = "Sam", text = "Edited while the draft was made." } } });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);

        await using (var scope = App.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<DraftRunner>().RunAsync(jobId);

        var draft = (await s.Api.GetFromJsonAsync<JsonObject>($"{DraftUrl(s)}/{jobId}"))!;
        Assert.Equal("KeptAside", (string)draft["status"]!);
        Assert.Equal(["Edited while the draft was made."], (await CuesAsync(s.StoryId)).Select(c => c.Text));
        var browser = await App.SignInAsync(s.Lead);
        var page = await browser.GetStringAsync($"/projects/{s.ProjectId}/stories/{s.StoryId}/transcript/draft");
        Assert.Contains("Replace the transcript with the draft", page, StringComparison.Ordinal);
        Assert.Contains("Discard the draft", page, StringComparison.Ordinal);

        var applied = await s.Api.PostAsync($"{DraftUrl(s)}/{jobId}/apply", null);
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        var cues = await CuesAsync(s.StoryId);
        Assert.Equal((int)draft["lines"]!, cues.Count);
        Assert.DoesNotContain(cues, c => c.Text.Contains("Edited while", StringComparison.Ordinal));
        var job = await App.WithDbAsync(db => db.DraftJobs.AsNoTracking().SingleAsync(j => j.Id == jobId));
        Assert.Equal((DraftStatus.Written, (string?)null), (job.Status, job.ResultJson));
        Assert.Equal(HttpStatusCode.Conflict, (await s.Api.PostAsync($"{DraftUrl(s)}/{jobId}/discard", null)).StatusCode);
    }

    [Fact]
    public async Task Discarding_a_kept_aside_draft_deletes_its_text_and_leaves_the_transcript()
    {
        var s = await NewStoryAsync();
        await App.WithServiceAsync<TranscriptService, bool>(async t =>
            (await t.SaveAsync(s.ProjectId, s.StoryId, [new(1, 2, "Sam", "Kept words.")], null, "typed", s.Lead.Id)).Saved);
        var jobId = await KeptAsideJobAsync(s, "secret draft words");

        var discarded = await s.Api.PostAsync($"{DraftUrl(s)}/{jobId}/discard", null);

        Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
        var job = await App.WithDbAsync(db => db.DraftJobs.AsNoTracking().SingleAsync(j => j.Id == jobId));
        Assert.Equal((DraftStatus.Discarded, (string?)null), (job.Status, job.ResultJson));
        Assert.Equal(["Kept words."], (await CuesAsync(s.StoryId)).Select(c => c.Text));
    }

    private Task<int> KeptAsideJobAsync(Setup s, string words) => App.WithDbAsync(async db =>
    {
        var job = new DraftJob
        {
            ProjectId = s.ProjectId,
            StoryId = s.StoryId,
            Engine = DraftEngines.Pocketsphinx,
            Status = DraftStatus.KeptAside,
            ResultJson = System.Text.Json.JsonSerializer.Serialize(new[] { new DraftLine(0, 1, words) }),
            LineCount = 1,
            CreatedAt = DateTime.UtcNow,
        };
        db.DraftJobs.Add(job);
        await db.SaveChangesAsync();
        return job.Id;
    });

    [Fact]
    public async Task A_full_withdrawal_removes_kept_aside_drafts_of_solo_and_group_stories()
    {
        var solo = await NewStoryAsync();
        var soloJob = await KeptAsideJobAsync(solo, "solo draft words");
        var group = await NewStoryAsync(storytellers: 2);
        var groupJob = await KeptAsideJobAsync(group, "group draft words");

        await App.WithServiceAsync<WithdrawalService, bool>(async w =>
            (await w.WithdrawEntirelyAsync(solo.ProjectId, solo.Tellers[0], WithdrawalActor.Lead(solo.Lead.Id))).Succeeded);
        await App.WithServiceAsync<WithdrawalService, bool>(async w =>
            (await w.WithdrawEntirelyAsync(group.ProjectId, group.Tellers[0], WithdrawalActor.Lead(group.Lead.Id))).Succeeded);

        Assert.False(await App.WithDbAsync(db => db.DraftJobs.AnyAsync(j => j.Id == soloJob || j.Id == groupJob)));
        Assert.True(await App.WithDbAsync(db => db.Stories.AnyAsync(x => x.Id == group.StoryId)), "the group story itself stays");
    }

    [Fact]
    public async Task Without_recording_consent_or_a_recording_no_draft_is_started()
    {
        var noRecording = await NewStoryAsync();
        var refused = await noRecording.Api.PostAsJsonAsync(DraftUrl(noRecording), new { engine = "pocketsphinx" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("no recording", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var s = await NewStoryAsync();
        await UploadSpeechAsync(s);
        await App.WithServiceAsync<WithdrawalService, bool>(async w => (await w.WithdrawFromUseAsync(s.ProjectId, s.Tellers[0],
            [Storyweave.Features.Consent.ConsentUse.Recording], WithdrawalActor.Lead(s.Lead.Id), "phone call")).Succeeded);
        var noConsent = await s.Api.PostAsJsonAsync(DraftUrl(s), new { engine = "pocketsphinx" });
        Assert.Equal(HttpStatusCode.Forbidden, noConsent.StatusCode);
        Assert.Contains("being recorded", await noConsent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whisper_problems_are_named_before_anything_starts()
    {
        using var folder = new TestMedia.Folder();
        var html = folder.File("ggml-base.en.bin");
        await File.WriteAllTextAsync(html, "<!DOCTYPE html><html><body>Not found</body></html>");
        string?[] paths = [null, folder.File("missing.bin"), folder.Path, html];
        string[] expected = ["not set up", "does not exist", "names a folder", "not a ggml Whisper model"];
        foreach (var (path, words) in paths.Zip(expected))
            Assert.Contains(words, WhisperEngine.ModelProblem(path), StringComparison.Ordinal);

        // Over HTTP, on an instance whose Whisper model is not a model.
        await using var app = await TestApp.StartAsync(configure: o => o with { WhisperModelPath = html });
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var (storyId, _) = await app.CreateStoryAsync(projectId);
        using var api = await app.ApiClientAsync(lead);
        var refused = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/draft", new { engine = "whisper" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("is not a ggml Whisper model", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unknown = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/draft", new { engine = "dragon" });
        Assert.Contains("no speech engine called", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The page offers both engines and says why Whisper cannot be chosen.
        var page = await (await app.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories/{storyId}/transcript/draft");
        Assert.Contains("Upload the recording", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_pocketsphinx_model_is_named_with_the_package_to_install()
    {
        await using var app = await TestApp.StartAsync(configure: o => o with { PocketsphinxModelDir = "/nonexistent/pocketsphinx/en-us" });
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var (storyId, _) = await app.CreateStoryAsync(projectId);
        using var api = await app.ApiClientAsync(lead);

        var refused = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/draft", new { });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("sudo apt-get install pocketsphinx-en-us", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_transcribe_verb_prints_progress_and_writes_the_draft_or_explains_a_refusal()
    {
        var s = await NewStoryAsync();
        await UploadSpeechAsync(s);
        List<string> Args(params string[] extra) =>
            ["transcribe", "--project", s.ProjectId.ToString(CultureInfo.InvariantCulture), "--story", s.StoryId.ToString(CultureInfo.InvariantCulture),
                .. extra, .. CliRunner.InstanceArgs(App.Options)];

        var run = await CliRunner.RunAsync(Args("--engine", "pocketsphinx"), timeoutSeconds: 600);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("with pocketsphinx", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("  100%", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("It is an automatic draft: check every line", run.Stdout, StringComparison.Ordinal);
        var cues = await CuesAsync(s.StoryId);
        Assert.InRange(cues.Count, Sentences.Length - 1, Sentences.Length + 2);
        Assert.Equal("draft-pocketsphinx", await App.WithDbAsync(db => db.Stories.Where(x => x.Id == s.StoryId).Select(x => x.TranscriptFormat).SingleAsync()));

        var again = await CliRunner.RunAsync(Args());
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already has a transcript", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(cues.Count, (await CuesAsync(s.StoryId)).Count);
    }
}

/// <summary>A recording of sentences spoken by espeak-ng with a pause after each, and where each sentence lies in it.</summary>
internal static class DraftSpeech
{
    public const double LeadIn = 0.5;
    public const double Pause = 1.0;

    public static async Task<(string Path, List<(double Start, double End)> Spans)> MakeAsync(TestMedia.Folder folder, IReadOnlyList<string> sentences)
    {
        var parts = new List<string>();
        var spans = new List<(double, double)>();
        var at = LeadIn;
        for (var i = 0; i < sentences.Count; i++)
        {
            var wav = folder.File($"part{i}.wav");
            await Espeak(wav, sentences[i]);
            var speech = await SpeechBoundsAsync(wav);
            spans.Add((at + speech.Start, at + speech.End));
            at += (await TestMedia.ProbeAsync(wav)).Duration + Pause;
            parts.Add(wav);
        }
        var output = folder.File("interview.wav");
        var inputs = parts.SelectMany(p => new[] { "-i", p }).ToList();
        var chain = string.Concat(parts.Select((_, i) => string.Create(CultureInfo.InvariantCulture,
            $"[{i}:a]aresample=16000,{(i == 0 ? $"adelay={LeadIn * 1000:0}," : "")}apad=pad_dur={Pause}[p{i}];")));
        var concat = string.Concat(parts.Select((_, i) => $"[p{i}]")) + $"concat=n={parts.Count}:v=0:a=1[out]";
        await Run("ffmpeg", ["-v", "error", "-nostdin", "-y", .. inputs, "-filter_complex", chain + concat, "-map", "[out]", "-ac", "1", "-c:a", "pcm_s16le", output]);
        return (output, spans);
    }

    private static Task Espeak(string path, string sentence) => Run("espeak-ng", ["-v", "en-us", "-s", "140", "-w", path, sentence]);

    /// <summary>Where the voice starts and ends inside one sentence's file (espeak adds a little quiet around it).</summary>
    private static async Task<(double Start, double End)> SpeechBoundsAsync(string wav)
    {
        var duration = (await TestMedia.ProbeAsync(wav)).Duration;
        var (_, _, stderr) = await Storyweave.Features.Media.MediaProbe.RunAsync("ffmpeg",
            ["-hide_banner", "-nostdin", "-i", wav, "-af", "silencedetect=noise=-35dB:d=0.05", "-f", "null", "-"], TimeSpan.FromMinutes(1), CancellationToken.None);
        double start = 0, end = duration;
        foreach (var line in stderr.Split('\n'))
        {
            var i = line.IndexOf("silence_end: ", StringComparison.Ordinal);
            if (i >= 0 && start == 0 && double.TryParse(line[(i + 13)..].Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var e) && e < 0.5) start = e;
            var j = line.IndexOf("silence_start: ", StringComparison.Ordinal);
            if (j >= 0 && double.TryParse(line[(j + 15)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var st) && st > duration - 0.5) end = st;
        }
        return (start, end);
    }

    private static async Task Run(string tool, IEnumerable<string> args)
    {
        var (exit, _, stderr) = await Storyweave.Features.Media.MediaProbe.RunAsync(tool, args, TimeSpan.FromMinutes(2), CancellationToken.None);
        if (exit != 0) throw new InvalidOperationException($"{tool} failed: {stderr}");
    }
}
