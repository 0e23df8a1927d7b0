using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Coding;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Exports;

/// <summary>
/// Issue 14 point 2, recordings: a story with a recording is an <c>AudioSource</c>/<c>VideoSource</c> whose
/// <c>Transcript</c> holds the same permitted, redacted text as a text source, with sync points from the line times and
/// audio selections for coded passages; the recording itself goes into the file only when everyone heard may leave,
/// silenced where redacted words are spoken, and the file says what was left out.
/// </summary>
public sealed class QdpxMediaExportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static readonly XNamespace Q = "urn:QDA-XML:project:1.0";

    private static string SchemaPath => Path.Combine(AppContext.BaseDirectory, "Codebook", "RefiQda", "Project-mrt2019.xsd");

    /// <summary>The downloaded file: project.qde (checked against the schema) and every entry's bytes.</summary>
    public sealed record Qdpx(XDocument Project, IReadOnlyDictionary<string, byte[]> Entries)
    {
        public XElement Root => Project.Root!;

        public byte[] Internal(string path) => Entries["sources/" + path["internal://".Length..]];

        public string Text(XElement withPlainTextPath) => new UTF8Encoding(false).GetString(Internal((string)withPlainTextPath.Attribute("plainTextPath")!));
    }

    public static async Task<Qdpx> DownloadAsync(HttpClient client, int projectId)
    {
        var response = await client.GetAsync($"/api/projects/{projectId}/exports/project.qdpx");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var bytes = new MemoryStream();
            await using (var stream = entry.Open()) await stream.CopyToAsync(bytes);
            entries[entry.FullName] = bytes.ToArray();
        }
        var project = XDocument.Parse(Encoding.UTF8.GetString(entries["project.qde"]));
        var schemas = new XmlSchemaSet();
        using (var reader = XmlReader.Create(SchemaPath)) schemas.Add(Q.NamespaceName, reader);
        var problems = new List<string>();
        project.Validate(schemas, (_, e) => problems.Add(e.Message));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return new Qdpx(project, entries);
    }

    /// <summary>Characters (code points) from start to end, as a QDA program counts REFI-QDA positions.</summary>
    private static string Span(string text, int start, int end) => string.Concat(text.EnumerateRunes().Skip(start).Take(end - start).Select(r => r.ToString()));

    /// <summary>A story told by the tellers, with these lines, a spoken MP3 uploaded, and passages coded straight in the database.</summary>
    public static async Task<(int StoryId, List<int> People, List<int> Passages)> StoryWithRecordingAsync(TestApp app, int projectId, TestApp.TestUser lead, HttpClient api,
        IReadOnlyList<TestApp.Teller> tellers, IReadOnlyList<TranscriptService.CueInput> cues, IReadOnlyList<(int Start, int End, int ThemeId)> passages)
    {
        var (storyId, people) = await app.CreateCodingStoryAsync(projectId, lead, tellers, cues);
        await TestApp.UploadRecordingAsync(api, projectId, storyId);
        var ids = await app.WithDbAsync(async db =>
        {
            var lines = await db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync();
            var text = string.Join("\n", lines.Select(c => c.Text));
            var made = new List<CodedPassage>();
            foreach (var (start, end, themeId) in passages)
            {
                var at = 0;
                var covered = new List<TranscriptCue>();
                foreach (var line in lines)
                {
                    if (at < end && at + line.Text.Length > start) covered.Add(line);
                    at += line.Text.Length + 1;
                }
                var passage = new CodedPassage
                {
                    ProjectId = projectId,
                    StoryId = storyId,
                    StartOffset = start,
                    EndOffset = end,
                    Snippet = text[start..end],
                    StartSeconds = covered[0].StartSeconds,
                    EndSeconds = covered[^1].EndSeconds,
                    Speaker = covered[0].Speaker,
                    CoderUserId = lead.Id,
                    CreatedAt = DateTime.UtcNow,
                };
                passage.Themes.Add(new PassageTheme { ThemeId = themeId, CoderUserId = lead.Id, CodedAt = DateTime.UtcNow });
                db.Passages.Add(passage);
                made.Add(passage);
            }
            await db.SaveChangesAsync();
            return made.Select(p => p.Id).ToList();
        });
        return (storyId, people, ids);
    }

    [Fact]
    public async Task Story_with_a_recording_is_an_audio_source_with_its_transcript_sync_points_timed_selections_and_the_file_as_uploaded()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var themeId = await App.CreateThemeAsync(projectId, "Waiting");
        var line0 = "We waited months for a reply.";
        var line1 = "Nobody called us back \U0001F60A at all.";
        var line2 = "What helped?";
        var (storyId, _, _) = await StoryWithRecordingAsync(App, projectId, lead, api, [new TestApp.Teller("Kay")],
        [
            new TranscriptService.CueInput(0, 2.5, "Kay", line0),
            new TranscriptService.CueInput(2.5, 5, "Kay", line1),
            new TranscriptService.CueInput(5.25, 7, "Reporter", line2),
        ],
        [
            (0, line0.Length, themeId), // a whole line
            (line0.Length + 1 + "Nobody ".Length, line0.Length + 1 + "Nobody called us back".Length, themeId), // words inside a line
        ]);

        var file = await DownloadAsync(api, projectId);
        var root = file.Root;
        Assert.Empty(root.Descendants(Q + "TextSource"));
        var source = Assert.Single(root.Element(Q + "Sources")!.Elements(Q + "AudioSource"));

        // The recording, byte for byte as uploaded, beside the transcript.
        var (sha, stored) = await App.WithDbAsync(db => db.MediaFiles.Where(m => m.StoryId == storyId).Select(m => new { m.Sha256, m.StoredName }).SingleAsync().ContinueWith(t => (t.Result.Sha256, t.Result.StoredName)));
        var path = (string)source.Attribute("path")!;
        Assert.EndsWith(".mp3", path, StringComparison.Ordinal);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(file.Internal(path))));
        Assert.Contains("The recording as uploaded.", (string)source.Element(Q + "Description")!, StringComparison.Ordinal);

        // The transcript: the same text as a text source, a sync point at each line's start and end.
        var transcript = Assert.Single(source.Elements(Q + "Transcript"));
        var text = file.Text(transcript);
        Assert.Equal($"{line0}\n{line1}\n{line2}", text);
        var points = transcript.Elements(Q + "SyncPoint").ToDictionary(p => (string)p.Attribute("guid")!, p => ((int)p.Attribute("position")!, (long?)p.Attribute("timeStamp")));
        int Chars(string s) => s.EnumerateRunes().Count();
        var line1Start = Chars(line0) + 1;
        var line2Start = line1Start + Chars(line1) + 1;
        foreach (var expected in new[] { (0, 0L), (Chars(line0), 2500L), (line1Start, 2500L), (line1Start + Chars(line1), 5000L), (line2Start, 5250L), (line2Start + Chars(line2), 7000L) })
            Assert.Contains(expected, points.Values.Select(p => (p.Item1, p.Item2 ?? -1)));

        // Coded passages as audio selections with a coding each: the whole line at the line's times; the words inside a
        // line at times between, where sync points of their own give back exactly those words.
        var selections = source.Elements(Q + "AudioSelection").Select(s => ((long)s.Attribute("begin")!, (long)s.Attribute("end")!)).ToList();
        Assert.Equal(2, selections.Count);
        Assert.Contains((0L, 2500L), selections);
        var inside = Assert.Single(selections, s => s != (0L, 2500L));
        Assert.True(inside.Item1 > 2500 && inside.Item2 < 5000 && inside.Item1 < inside.Item2, $"{inside}");
        var from = points.Values.Where(p => p.Item2 == inside.Item1).Max(p => p.Item1);
        var to = points.Values.Where(p => p.Item2 == inside.Item2).Min(p => p.Item1);
        Assert.Equal("called us back", Span(text, from, to));
        Assert.All(source.Elements(Q + "AudioSelection"), s => Assert.Single(s.Elements(Q + "Coding")));

        Assert.Contains("1 story has a recording, written as audio or video sources with the transcript and its times; 1 recording is included.",
            (string)root.Element(Q + "Description")!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recording_is_silenced_where_redacted_words_are_spoken_and_left_out_when_not_everyone_heard_may_leave()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var themeId = await App.CreateThemeAsync(projectId, "Help");
        var tag = Guid.NewGuid().ToString("N")[..6];
        await StoryWithRecordingAsync(App, projectId, lead, api, [new TestApp.Teller($"Ann{tag}")],
        [
            new TranscriptService.CueInput(0, 3, $"Ann{tag}", "We waited months for a reply."),
            new TranscriptService.CueInput(3, 6, $"Ann{tag}", "Then Bernadette called us back."),
            new TranscriptService.CueInput(6, 9, $"Ann{tag}", "The support group gave me my confidence back."),
        ], [(0, 10, themeId)]);
        // A group story in which Rob has not agreed: his story's text leaves without his turns, its recording not at all.
        await StoryWithRecordingAsync(App, projectId, lead, api, [new TestApp.Teller($"Ada{tag}"), new TestApp.Teller($"Rob{tag}", Analysis: false)],
        [
            new TranscriptService.CueInput(0, 3, $"Rob{tag}", "Rob's words."),
            new TranscriptService.CueInput(3, 6, $"Ada{tag}", "Ada's words."),
        ], []);
        var rule = await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = "Bernadette", replacement = "[nurse]" });
        Assert.True(rule.IsSuccessStatusCode, await rule.Content.ReadAsStringAsync());

        var file = await DownloadAsync(api, projectId);
        var sources = file.Root.Element(Q + "Sources")!.Elements(Q + "AudioSource").ToList();
        Assert.Equal(2, sources.Count);

        // Ann's recording: a copy with the line that says the redacted name silent, the rest still heard.
        var ann = Assert.Single(sources, s => file.Text(s.Element(Q + "Transcript")!).Contains("[nurse]", StringComparison.Ordinal));
        Assert.DoesNotContain("Bernadette", file.Text(ann.Element(Q + "Transcript")!), StringComparison.Ordinal);
        Assert.Contains("redacted words silenced", (string)ann.Element(Q + "Description")!, StringComparison.Ordinal);
        using var folder = new TestMedia.Folder();
        var copy = folder.File("ann.mp3");
        await File.WriteAllBytesAsync(copy, file.Internal((string)ann.Attribute("path")!));
        Assert.True(await TestMedia.MaxVolumeAsync(copy, 3.1, 2.8) < -60, "The line with the redacted name is silent.");
        Assert.True(await TestMedia.MaxVolumeAsync(copy, 6.1, 2.8) > -30, "The next line is still heard.");

        // The group story: transcript (Ada's turn only) and times, but no recording, and the file says why.
        var group = Assert.Single(sources, s => s != ann);
        Assert.Null(group.Attribute("path"));
        Assert.Equal("Ada's words.", file.Text(group.Element(Q + "Transcript")!));
        Assert.Contains("not everyone heard in it may leave the project", (string)group.Element(Q + "Description")!, StringComparison.Ordinal);
        Assert.Equal(1 + 2 + 0, file.Entries.Count(e => e.Key.StartsWith("sources/", StringComparison.Ordinal) && e.Key.EndsWith(".txt", StringComparison.Ordinal)) + file.Entries.Count(e => e.Key.EndsWith(".mp3", StringComparison.Ordinal)));
        var description = (string)file.Root.Element(Q + "Description")!;
        Assert.Contains("2 stories have recordings, written as audio or video sources with the transcript and its times; 1 recording is included (1 with the lines that hold redacted words silenced).", description, StringComparison.Ordinal);
        Assert.Contains("1 recording is not included because not everyone heard in it may leave the project.", description, StringComparison.Ordinal);
    }
}
