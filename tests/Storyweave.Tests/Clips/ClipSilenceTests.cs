using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Clips;
using Storyweave.Features.Consent;
using Storyweave.Features.Media;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Clips;

/// <summary>
/// Silencing redacted words in clips, and what a redaction rule change does to outputs made before it,
/// through HTTP with a real recording (espeak-ng speech), ffmpeg cuts and ffmpeg's volumedetect.
/// </summary>
public sealed class ClipSilenceTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    // espeak-ng says the first sentence in about 0–2.2 s and the second in about 2.5–4.5 s.
    private const string Speech = "My brother Marcus came every week to see me. That kept me going through the long winter.";

    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0.0, 2.4, "Tess Walker", "My brother Marcus came every week to see me."),
        new(2.4, 4.8, "Tess Walker", "That kept me going through the long winter."),
    ];

    private sealed record Setup(TestApp.TestUser Lead, HttpClient Api, int ProjectId, TestApp.ClipStory Story, int PlaylistId, TestMedia.Folder Folder) : IDisposable
    {
        public void Dispose()
        {
            Api.Dispose();
            Folder.Dispose();
        }
    }

    private async Task<Setup> NewAsync(string format = "wav", TranscriptService.CueInput[]? cues = null)
    {
        var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("marcus.wav"), Speech);
        wav = format switch
        {
            "wav" => wav,
            "mp3" => await TestMedia.ConvertAsync(wav, folder.File("marcus.mp3"), "-c:a", "libmp3lame"),
            "m4a" => await TestMedia.ConvertAsync(wav, folder.File("marcus.m4a"), "-c:a", "aac"),
            "mp4" => await TestMedia.VideoAsync(wav, folder.File("marcus.mp4"), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var story = await App.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller("Tess Walker", true, CreditStyle.Named)], cues ?? Cues, wav);
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "Visits", description = "" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var playlistId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        return new Setup(lead, api, projectId, story, playlistId, folder);
    }

    private static async Task<int> AddClipAsync(Setup s, bool silence)
    {
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/clips",
            new { passageId = s.Story.PassageIds[0], start = 0.0, end = 4.8, title = silence ? "Silenced" : "As said", description = "", silenceRedactedWords = silence });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
    }

    private static async Task<JsonObject> ClipAsync(Setup s, int clipId) =>
        (await s.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}"))!["clips"]!.AsArray()
            .Select(c => c!.AsObject()).Single(c => (int)c["id"]! == clipId);

    private static async Task<JsonObject> ReadyAsync(Setup s, int clipId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var clip = await ClipAsync(s, clipId);
            var status = (string)clip["status"]!;
            if (status == "Ready") return clip;
            Assert.True(status != "Failed", clip.ToJsonString());
            Assert.True(DateTime.UtcNow < deadline, $"Clip {clipId} was still {status} after 90 seconds.");
            await Task.Delay(200);
        }
    }

    private Task<string?> StoredNameAsync(int clipId) => App.WithDbAsync(db => db.Clips.Where(c => c.Id == clipId).Select(c => c.StoredName).SingleAsync());

    /// <summary>The loudest moment of the downloaded clip between <paramref name="start"/> and start + <paramref name="length"/>, in dB.</summary>
    private static async Task<double> MaxVolumeAsync(Setup s, int clipId, double start, double length)
    {
        var bytes = await s.Api.GetByteArrayAsync($"/api/projects/{s.ProjectId}/clips/{clipId}/content");
        var path = s.Folder.File($"clip-{clipId}-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, bytes);
        return await TestMedia.MaxVolumeAsync(path, start, length);
    }

    private static async Task AddRuleAsync(Setup s, string term)
    {
        var rule = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/redaction/rules", new { term, replacement = "[name]" });
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
    }

    [Fact]
    public async Task With_silencing_on_the_line_with_a_hidden_word_is_silent_and_the_rest_is_heard_and_without_it_the_word_is_heard()
    {
        using var s = await NewAsync();
        await AddRuleAsync(s, "Marcus");

        var silenced = await AddClipAsync(s, silence: true);
        var plain = await AddClipAsync(s, silence: false);
        var silencedClip = await ReadyAsync(s, silenced);
        var plainClip = await ReadyAsync(s, plain);

        Assert.True((bool)silencedClip["silenceRedactedWords"]!);
        Assert.False((bool)plainClip["silenceRedactedWords"]!);
        Assert.Equal("re-encode", (string)silencedClip["cutMethod"]!); // the sound goes through a filter: never a stream copy
        Assert.Equal("copy", (string)plainClip["cutMethod"]!);         // the same WAV without silencing is copied

        var hidden = await MaxVolumeAsync(s, silenced, 0.2, 1.6);
        var rest = await MaxVolumeAsync(s, silenced, 2.7, 1.6);
        var heard = await MaxVolumeAsync(s, plain, 0.2, 1.6);
        Assert.True(hidden < -60, $"The line with \u201cMarcus\u201d should be silent (max {hidden} dB).");
        Assert.True(rest > -40, $"The next line should still be heard (max {rest} dB).");
        Assert.True(heard > -40, $"Without silencing the line should be heard (max {heard} dB).");

        var events = await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == s.ProjectId && e.Action == "clip.created" && e.ObjectId == silenced.ToString(CultureInfo.InvariantCulture))
            .Select(e => e.Detail).ToListAsync());
        Assert.Equal([ClipService.SilenceOnDetail], events);
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("mp3")]
    [InlineData("m4a")]
    [InlineData("mp4")]
    public async Task Every_sample_of_a_line_with_a_hidden_word_and_its_margin_is_silent_in_the_clip(string format)
    {
        // espeak-ng speaks without a pause from 0 to 2.2 s, so the line with "Marcus" starts in the middle of speech,
        // where muting whole audio frames (as Storyweave once did) leaves the start of the line audible.
        using var s = await NewAsync(format,
        [
            new(0.0, 0.9, "Tess Walker", "My brother"),
            new(0.9, 2.4, "Tess Walker", "Marcus came every week to see me."),
            new(2.4, 4.8, "Tess Walker", "That kept me going through the long winter."),
        ]);
        await AddRuleAsync(s, "Marcus");
        // The clip starts at 0.5 s, so the line is at 0.4–1.9 s of the clip.
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/clips",
            new { passageId = s.Story.PassageIds[1], start = 0.5, end = 4.8, title = "Silenced", description = "", silenceRedactedWords = true });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var clipId = (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        await ReadyAsync(s, clipId);

        var path = s.Folder.File($"clip-{clipId}");
        await File.WriteAllBytesAsync(path, await s.Api.GetByteArrayAsync($"/api/projects/{s.ProjectId}/clips/{clipId}/content"));
        var pcm = await TestMedia.DecodeAsync(path);
        var (from, to) = (0.4 - AudioSilencer.Margin, 1.9 + AudioSilencer.Margin);
        var sound = pcm.FirstAbove(from, to, AudioSilencer.SilentBelow);
        Assert.True(sound is null, $"{format}: a sample at {sound:0.0000} s of the clip, in the line with the hidden word ({from:0.00}–{to:0.00} s), is not silent (loudest {pcm.Loudest(from, to)}).");
        Assert.True(pcm.Loudest(0.0, 0.2) > 0.1f, $"{format}: the words before the line should still be heard.");
        Assert.True(pcm.Loudest(2.2, 3.8) > 0.1f, $"{format}: the next line should still be heard.");
        if (format == "mp4") Assert.Equal("h264", (await TestMedia.ProbeAsync(path)).VideoCodec);
    }

    [Fact]
    public async Task The_option_round_trips_in_the_clip_editor_and_changing_it_cuts_the_clip_again()
    {
        using var s = await NewAsync();
        await AddRuleAsync(s, "Marcus");
        var clipId = await AddClipAsync(s, silence: false);
        await ReadyAsync(s, clipId);
        var firstCut = await StoredNameAsync(clipId);
        using var browser = await App.SignInAsync(s.Lead);
        var page = $"/projects/{s.ProjectId}/playlists/{s.PlaylistId}/clips/{clipId}";

        var html = await browser.GetStringAsync(page);
        Assert.Matches("<input type=\"checkbox\" id=\"clip-silence\" name=\"SilenceRedactedWords\" value=\"true\" aria-describedby=\"clip-silence-hint\">", html);
        Assert.Contains("the whole line is silenced", html, StringComparison.Ordinal);

        var saved = await TestApp.PostFormAsync(browser, page, new()
        {
            ["Start"] = "0:00",
            ["End"] = "0:04.8",
            ["Title"] = "As said",
            ["Description"] = "",
            ["SilenceRedactedWords"] = "true",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var clip = await ReadyAsync(s, clipId);
        Assert.True((bool)clip["silenceRedactedWords"]!);
        Assert.Equal("re-encode", (string)clip["cutMethod"]!);
        Assert.NotEqual(firstCut, await StoredNameAsync(clipId));
        Assert.True(await MaxVolumeAsync(s, clipId, 0.2, 1.6) < -60);
        Assert.Matches("id=\"clip-silence\" name=\"SilenceRedactedWords\" value=\"true\" checked=\"checked\"", await browser.GetStringAsync(page));
        Assert.Contains("Re-encoded, hidden words silenced", await browser.GetStringAsync($"/projects/{s.ProjectId}/playlists/{s.PlaylistId}"), StringComparison.Ordinal);

        // Unticked (the browser sends nothing): off again, cut again, and heard.
        var off = await TestApp.PostFormAsync(browser, page, new() { ["Start"] = "0:00", ["End"] = "0:04.8", ["Title"] = "As said", ["Description"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, off.StatusCode);
        clip = await ReadyAsync(s, clipId);
        Assert.False((bool)clip["silenceRedactedWords"]!);
        Assert.True(await MaxVolumeAsync(s, clipId, 0.2, 1.6) > -40);

        // The API leaves the setting alone when it is not sent.
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/clips/{clipId}", new { silenceRedactedWords = true, title = "As said" })).StatusCode);
        Assert.True((bool)(await ReadyAsync(s, clipId))["silenceRedactedWords"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/clips/{clipId}", new { title = "Renamed" })).StatusCode);
        Assert.True((bool)(await ClipAsync(s, clipId))["silenceRedactedWords"]!);

        var details = await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == s.ProjectId && e.Action == "clip.updated" && e.ObjectId == clipId.ToString(CultureInfo.InvariantCulture))
            .OrderBy(e => e.Id).Select(e => e.Detail).ToListAsync());
        Assert.Equal(["recut; " + ClipService.SilenceOnDetail, "recut; " + ClipService.SilenceOffDetail, "recut; " + ClipService.SilenceOnDetail, null], details);
    }

    [Fact]
    public async Task A_rule_change_makes_report_files_out_of_date_and_cuts_the_clips_it_changes_again()
    {
        using var s = await NewAsync();
        var themeId = await App.WithDbAsync(db => db.PassageThemes.Where(pt => pt.PassageId == s.Story.PassageIds[0]).Select(pt => pt.ThemeId).SingleAsync());
        var created = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports", new { kind = "Full", title = "Visits" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var reportId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var quote = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/themes/{themeId}/quotes", new { passageId = s.Story.PassageIds[0] });
        Assert.True(quote.IsSuccessStatusCode, await quote.Content.ReadAsStringAsync());
        var queued = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/files", new { format = "Html" });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var file = await TestApp.WaitForReportFileAsync(s.Api, s.ProjectId, (await queued.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!.Id);
        Assert.Equal(OutputStatus.Ready, file.Status);
        var download = file.DownloadUrl!;
        Assert.Contains("Marcus", await s.Api.GetStringAsync(download), StringComparison.Ordinal);

        var clipId = await AddClipAsync(s, silence: true);
        await ReadyAsync(s, clipId);
        var firstCut = await StoredNameAsync(clipId);
        Assert.True(await MaxVolumeAsync(s, clipId, 0.2, 1.6) > -40, "With no rule yet there is nothing to silence.");

        await AddRuleAsync(s, "Marcus");

        // The report file: out of date at once, 410 with the reason, and made again on request.
        var gone = await s.Api.GetAsync(download);
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        var reason = (string)(await gone.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["message"]!;
        Assert.Equal(ReportStaleness.RedactionChanged, reason);
        Assert.Contains("a redaction rule changed after it was made", reason, StringComparison.Ordinal);
        var listed = (await s.Api.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{s.ProjectId}/report-files/{file.Id}", Json))!;
        Assert.True(listed.OutOfDate);
        Assert.Null(listed.DownloadUrl);
        var again = await s.Api.PostAsync($"/api/projects/{s.ProjectId}/report-files/{file.Id}/regenerate", null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var remade = await TestApp.WaitForReportFileAsync(s.Api, s.ProjectId, file.Id);
        Assert.Equal(OutputStatus.Ready, remade.Status);
        var text = await s.Api.GetStringAsync(remade.DownloadUrl!);
        Assert.Contains("My brother [name] came every week", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Marcus", text, StringComparison.Ordinal);

        // The clip: cut again with the rule, so its captions hide the name and the line is silent.
        await ReadyAsync(s, clipId);
        Assert.NotEqual(firstCut, await StoredNameAsync(clipId));
        Assert.True(await MaxVolumeAsync(s, clipId, 0.2, 1.6) < -60);
        Assert.True(await MaxVolumeAsync(s, clipId, 2.7, 1.6) > -40);
        var stored = await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(App.DataDir, "clips", s.ProjectId.ToString(CultureInfo.InvariantCulture)), "*.vtt").Single());
        Assert.Contains("My brother [name] came every week", stored.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.Equal(1, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == s.ProjectId && e.Action == "clip.updated" && e.Detail == ClipRedactionRecut.Detail)));
        Assert.Equal(1, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == s.ProjectId && e.Action == "report-file.out-of-date")));

        // A rule for a word the clip does not contain leaves the clip alone.
        var secondCut = await StoredNameAsync(clipId);
        await AddRuleAsync(s, "Winterbottom");
        Assert.Equal("Ready", (string)(await ClipAsync(s, clipId))["status"]!);
        Assert.Equal(secondCut, await StoredNameAsync(clipId));

        // Deleting the rule cuts it again: the name is heard and shown once more.
        var rules = (await s.Api.GetFromJsonAsync<JsonArray>($"/api/projects/{s.ProjectId}/redaction/rules"))!;
        var marcus = (int)rules.Single(r => (string)r!["term"]! == "Marcus")!["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/redaction/rules/{marcus}")).StatusCode);
        await ReadyAsync(s, clipId);
        Assert.NotEqual(secondCut, await StoredNameAsync(clipId));
        Assert.True(await MaxVolumeAsync(s, clipId, 0.2, 1.6) > -40);
    }
}
