using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Clips;

/// <summary>
/// Captions people can read (issue #14 point 4), through HTTP on the real database: the sample's long
/// turns become cues of at most 2 lines of 42 characters and 7 s, the SRT file holds the same cues as
/// the WebVTT file, redacted words stay out of both (a story or clip with a withdrawn person has no
/// captions at all: PublicSiteTests and ClipTests), and the upload ZIP
/// carries both files.
/// </summary>
public sealed partial class CaptionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    // Like the sample project's turns: 15–25 s each, 90–160 characters, several sentences.
    private static readonly (double Start, double End, string Speaker, string Text)[] SampleLike =
    [
        (0, 8, "Reporter", "Can you tell me about a time working together on the garden made a difference to you?"),
        (8, 30, "Cleo Placeholder", "Honestly, I came in thinking I was there to manage it. Budgets, risk forms. The tenants taught me more about running a project than any training did."),
        (30, 52, "Cleo Placeholder", "When we argued about the beehives it was hard. But we sorted it out at the table, with everyone there, and the decision stuck because it was ours."),
        (52, 73, "Reporter", "For me it was a reason to get up on a Tuesday. I'd been ill for a long time. Having my name on the rota meant someone was expecting me."),
        // One word longer than a caption line, said slowly: it gets a line (and the time) to itself.
        (73, 85, "Cleo Placeholder", "Pneumonoultramicroscopicsilicovolcanoconiosis, they called it."),
    ];

    public sealed record Cue(int Number, string Start, string End, IReadOnlyList<string> Lines)
    {
        public double Seconds => Parse(End) - Parse(Start);

        private static double Parse(string time) =>
            TimeSpan.ParseExact(time.Replace(',', '.'), @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture).TotalSeconds;

        public double StartSeconds => Parse(Start);
        public double EndSeconds => Parse(End);
    }

    [Fact]
    public async Task Story_captions_split_long_turns_into_readable_cues_and_the_srt_matches_the_webvtt_cue_for_cue()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Cleo Placeholder")],
            SampleLike.Select(l => new TranscriptService.CueInput(l.Start, l.End, l.Speaker, l.Text)).ToList());
        var api = await App.ApiClientAsync(lead);

        var vttResponse = await api.GetAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/captions");
        Assert.Equal(HttpStatusCode.OK, vttResponse.StatusCode);
        var srtResponse = await api.GetAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/captions.srt");
        Assert.Equal(HttpStatusCode.OK, srtResponse.StatusCode);
        Assert.Equal("application/x-subrip", srtResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", srtResponse.Content.Headers.ContentType?.CharSet);
        Assert.Equal($"story-{storyId}.srt", srtResponse.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        var vtt = ParseVtt(await vttResponse.Content.ReadAsStringAsync());
        var srt = ParseSrt(await srtResponse.Content.ReadAsStringAsync());
        AssertReadable(vtt);
        AssertSame(vtt, srt);
        // Every word is still there, in order, once.
        Assert.Equal(string.Join(' ', SampleLike.Select(l => l.Text)), string.Join(' ', vtt.SelectMany(c => c.Lines)));
        // The long word has a line (and more than 7 s) to itself; the sentence before it ends a cue.
        Assert.Contains(vtt, c => c.Lines is ["Pneumonoultramicroscopicsilicovolcanoconiosis,"]);
        Assert.Contains(vtt, c => c.Lines[^1].EndsWith("training did.", StringComparison.Ordinal));
        // Before: 4 of these 5 turns were one cue each of more than 84 characters.
        Assert.True(vtt.Count >= 12, $"{vtt.Count} cues");

        // The speaker's label stays on every cue of their turn (team captions name speakers as saved).
        var raw = await api.GetStringAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/captions");
        Assert.Equal(vtt.Count, Regex.Count(raw, "<v (Reporter|Cleo Placeholder)>"));

        // The team's captions are for the team only.
        var anonymous = await App.AnonymousClient().GetAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/captions.srt");
        Assert.True(anonymous.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Redirect, anonymous.StatusCode.ToString());
    }

    [Fact]
    public async Task Public_story_captions_in_both_formats_hide_redacted_words_and_go_when_the_story_is_unpublished()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var secret = App.Unique("Marcus");
        var recording = Path.Combine(App.DataDir, App.Unique("rec") + ".wav");
        await File.WriteAllBytesAsync(recording, [.. "RIFF"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        var story = await App.CreatePublicStoryAsync(projectId, "Bees on the roof", [new("Cleo Placeholder")], "bees", published: true, recording);
        await App.WithDbAsync(async db =>
        {
            db.TranscriptCues.RemoveRange(db.TranscriptCues.Where(c => c.StoryId == story.Id));
            var position = 0;
            foreach (var (start, end, speaker, text) in SampleLike)
            {
                // The secret name sits inside a long turn, where a cue may be cut around it.
                var words = speaker == "Cleo Placeholder" ? text.Replace("the tenants", $"the tenants and {secret}", StringComparison.OrdinalIgnoreCase) : text;
                db.TranscriptCues.Add(new TranscriptCue { StoryId = story.Id, Position = position++, StartSeconds = start, EndSeconds = end, Speaker = speaker, Text = words });
            }
            return await db.SaveChangesAsync();
        });
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = secret, replacement = "[name]" })).StatusCode);

        var anonymous = App.AnonymousClient();
        var vttText = await anonymous.GetStringAsync($"/stories/{projectId}/{story.Id}/captions");
        var srtResponse = await anonymous.GetAsync($"/stories/{projectId}/{story.Id}/captions.srt");
        Assert.Equal(HttpStatusCode.OK, srtResponse.StatusCode);
        Assert.Equal("no-store", srtResponse.Headers.CacheControl?.ToString());
        var srtText = await srtResponse.Content.ReadAsStringAsync();

        var vtt = ParseVtt(vttText);
        var srt = ParseSrt(srtText);
        AssertReadable(vtt);
        AssertSame(vtt, srt);
        Assert.Contains(vtt, c => string.Join(' ', c.Lines).Contains("[name]", StringComparison.Ordinal));
        // Not in any cue, nor split over two lines of one (the rule applies before the words are laid out).
        foreach (var cue in vtt.Concat(srt))
            Assert.DoesNotContain(secret, string.Join(' ', cue.Lines), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(secret, vttText + srtText, StringComparison.OrdinalIgnoreCase);

        // The page offers both files to download.
        var page = await anonymous.GetStringAsync($"/stories/{projectId}/{story.Id}");
        Assert.Contains($"href=\"/stories/{projectId}/{story.Id}/captions.srt\" download", page, StringComparison.Ordinal);

        // Once the story is no longer published, neither file is there for anyone.
        await App.WithDbAsync(db => db.Stories.Where(s => s.Id == story.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.PublishedAt, (DateTime?)null)));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{projectId}/{story.Id}/captions.srt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{projectId}/{story.Id}/captions")).StatusCode);
        var leadSite = await App.SignInAsync(lead);
        Assert.Equal(HttpStatusCode.NotFound, (await leadSite.GetAsync($"/stories/{projectId}/{story.Id}/captions.srt")).StatusCode);
    }

    [Fact]
    public async Task A_clips_captions_and_the_upload_zip_have_the_same_readable_cues_as_webvtt_and_srt_without_the_redacted_word()
    {
        using var folder = new TestMedia.Folder();
        var recording = folder.File("tone.wav");
        await TestMedia.RunFfmpegAsync(["-f", "lavfi", "-i", "sine=frequency=440:duration=90", "-c:a", "pcm_s16le", recording]);
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var secret = App.Unique("Marcus");
        var cues = SampleLike.Select(l => new TranscriptService.CueInput(l.Start, l.End, l.Speaker,
            l.Text.Replace("the tenants", $"the tenants and {secret}", StringComparison.OrdinalIgnoreCase))).ToList();
        var story = await App.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller("Cleo Placeholder", true), new TestApp.ClipTeller("Reporter", true)], cues, recording);
        var api = await App.ApiClientAsync(lead);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = secret, replacement = "[name]" })).StatusCode);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "Garden" });
        var playlistId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        // From inside the first turn (a clip starting mid-line) to the end of the third.
        var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists/{playlistId}/clips",
            new { passageId = story.PassageIds[1], start = 4.0, end = 52.0, title = "Beehives", burnCaptions = false });
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        var clipId = (int)(await added.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        await WaitReadyAsync(api, projectId, playlistId, clipId);

        var vttText = await api.GetStringAsync($"/api/projects/{projectId}/clips/{clipId}/captions");
        var srtResponse = await api.GetAsync($"/api/projects/{projectId}/clips/{clipId}/captions.srt");
        Assert.Equal(HttpStatusCode.OK, srtResponse.StatusCode);
        Assert.Equal($"clip-{clipId}.srt", srtResponse.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var srtText = await srtResponse.Content.ReadAsStringAsync();
        var vtt = ParseVtt(vttText);
        var srt = ParseSrt(srtText);
        AssertReadable(vtt);
        AssertSame(vtt, srt);
        Assert.Equal("00:00:00.000", vtt[0].Start);
        Assert.Equal("00:00:48.000", vtt[^1].End);
        Assert.Contains(vtt, c => string.Join(' ', c.Lines).Contains("[name]", StringComparison.Ordinal));
        Assert.DoesNotContain(secret, vttText + srtText, StringComparison.OrdinalIgnoreCase);

        // The captions kept with the cut (the ones burned in when asked) show the same cues, without names.
        var stored = ParseVtt(await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(App.DataDir, "clips", projectId.ToString(CultureInfo.InvariantCulture)), "*.vtt").Single()));
        AssertSame(vtt, stored);

        // The upload ZIP: both files for the clip, listed in clips.csv, the same cues as served.
        var export = await api.GetAsync($"/api/projects/{projectId}/playlists/{playlistId}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        using var zip = new ZipArchive(await export.Content.ReadAsStreamAsync(), ZipArchiveMode.Read);
        Assert.Equal(["01-beehives.wav", "01-beehives.vtt", "01-beehives.srt", "clips.csv"], zip.Entries.Select(e => e.FullName).ToArray());
        string Entry(string name) => new StreamReader(zip.GetEntry(name)!.Open()).ReadToEnd();
        var zipVtt = Entry("01-beehives.vtt");
        var zipSrt = Entry("01-beehives.srt");
        Assert.Equal(srtText, zipSrt);
        AssertSame(ParseVtt(zipVtt), ParseSrt(zipSrt));
        Assert.DoesNotContain(secret, zipVtt + zipSrt + Entry("clips.csv"), StringComparison.OrdinalIgnoreCase);
        var csv = Entry("clips.csv").TrimEnd().Split("\r\n");
        Assert.StartsWith("order,file_name,captions_file,captions_file_srt,", csv[0], StringComparison.Ordinal);
        Assert.StartsWith("1,01-beehives.wav,01-beehives.vtt,01-beehives.srt,", csv[1], StringComparison.Ordinal);

        // The playlist page offers the .srt beside the .vtt.
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/playlists/{playlistId}");
        Assert.Contains($"href=\"/api/projects/{projectId}/clips/{clipId}/captions.srt\"", page, StringComparison.Ordinal);
    }

    private static async Task WaitReadyAsync(HttpClient api, int projectId, int playlistId, int clipId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var playlist = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/playlists/{playlistId}"))!;
            var clip = playlist["clips"]!.AsArray().Select(c => c!.AsObject()).Single(c => (int)c["id"]! == clipId);
            var status = (string)clip["status"]!;
            if (status == "Ready") return;
            Assert.True(status != "Failed", clip.ToJsonString());
            Assert.True(DateTime.UtcNow < deadline, $"Clip {clipId} was still {status} after 90 seconds.");
            await Task.Delay(200);
        }
    }

    /// <summary>Every cue: at most 2 lines of at most 42 characters (a longer single word alone on its line), at most 7 s unless it is one word; in order, never overlapping.</summary>
    private static void AssertReadable(List<Cue> cues)
    {
        Assert.NotEmpty(cues);
        foreach (var cue in cues)
        {
            var text = string.Join(" / ", cue.Lines);
            Assert.InRange(cue.Lines.Count, 1, 2);
            foreach (var line in cue.Lines)
                Assert.True(line.Length <= 42 || !line.Contains(' ', StringComparison.Ordinal), $"Line of {line.Length} characters: {text}");
            Assert.True(cue.Seconds <= 7.0005 || cue.Lines.Sum(l => l.Split(' ').Length) == 1, $"Cue of {cue.Seconds} s: {text}");
            Assert.True(cue.Seconds > 0, text);
        }
        foreach (var (a, b) in cues.Zip(cues.Skip(1)))
            Assert.True(b.StartSeconds >= a.EndSeconds - 0.0005, $"{a.End} overlaps {b.Start}");
    }

    /// <summary>The same cues in the same order: times to the millisecond and the same lines.</summary>
    private static void AssertSame(List<Cue> expected, List<Cue> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.Start.Replace(',', '.'), a.Start.Replace(',', '.'));
            Assert.Equal(e.End.Replace(',', '.'), a.End.Replace(',', '.'));
            Assert.Equal(e.Lines, a.Lines);
        }
    }

    private static List<Cue> ParseVtt(string text)
    {
        Assert.StartsWith("WEBVTT\n\n", text, StringComparison.Ordinal);
        var blocks = text["WEBVTT\n\n".Length..].TrimEnd('\n').Split("\n\n");
        return blocks.Select((block, i) =>
        {
            var lines = block.Split('\n');
            Assert.Equal((i + 1).ToString(CultureInfo.InvariantCulture), lines[0]);
            var m = VttTime().Match(lines[1]);
            Assert.True(m.Success, lines[1]);
            var words = lines[2..].Select(l => Voice().Replace(l, "").Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal)).ToList();
            return new Cue(i + 1, m.Groups[1].Value, m.Groups[2].Value, words);
        }).ToList();
    }

    /// <summary>SRT as players read it: CRLF line ends only, numbered from 1, hh:mm:ss,mmm times, a blank line after each cue.</summary>
    private static List<Cue> ParseSrt(string text)
    {
        Assert.DoesNotMatch("(?<!\r)\n", text);
        Assert.EndsWith("\r\n\r\n", text, StringComparison.Ordinal);
        var blocks = text[..^4].Split("\r\n\r\n");
        return blocks.Select((block, i) =>
        {
            var lines = block.Split("\r\n");
            Assert.Equal((i + 1).ToString(CultureInfo.InvariantCulture), lines[0]);
            var m = SrtTime().Match(lines[1]);
            Assert.True(m.Success, lines[1]);
            Assert.All(lines[2..], l => Assert.NotEmpty(l));
            return new Cue(i + 1, m.Groups[1].Value, m.Groups[2].Value, lines[2..]);
        }).ToList();
    }

    [GeneratedRegex(@"^(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\d{2}:\d{2}:\d{2}\.\d{3})$")]
    private static partial Regex VttTime();

    [GeneratedRegex(@"^(\d{2}:\d{2}:\d{2},\d{3}) --> (\d{2}:\d{2}:\d{2},\d{3})$")]
    private static partial Regex SrtTime();

    [GeneratedRegex(@"^<v [^>]*>")]
    private static partial Regex Voice();
}
