using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Media;
using Storyweave.Features.Stories;
using Storyweave.Tests.Exports;

namespace Storyweave.Tests.Interop;

/// <summary>
/// Issue 14 point 3, recordings: an audio/video source with a transcript comes in as a story whose lines carry the sync
/// points' times, with its recording checked as an upload is, and its timed selections as coded passages; a Storyweave
/// export with a recording comes back the same (texts, line times, codes, spans); a bad or missing recording is named
/// and nothing is imported.
/// </summary>
public sealed class QdpxMediaImportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static string Url(int projectId, bool preview) => $"/api/projects/{projectId}/imports/project.qdpx?name=exported.qdpx{(preview ? "&preview=true" : "")}";

    private static async Task<JsonObject> PostAsync(HttpClient api, int projectId, byte[] file, bool preview, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await api.PostAsync(Url(projectId, preview), new ByteArrayContent(file));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static List<string> Errors(JsonObject problem) => problem["errors"]!.AsArray().Select(e => (string)e!["message"]!).ToList();

    /// <summary>The project's stories as (title, lines with times, recording hash, coded spans with theme names and times).</summary>
    private Task<List<(string Title, List<(string Text, double? Start, double? End)> Lines, string? Sha256, List<(string Words, string Theme, double? Start, double? End)> Spans)>> ContentAsync(int projectId) =>
        App.WithDbAsync(async db =>
        {
            var result = new List<(string, List<(string, double?, double?)>, string?, List<(string, string, double?, double?)>)>();
            foreach (var story in await db.Stories.Where(s => s.ProjectId == projectId).OrderBy(s => s.Title).ToListAsync())
            {
                var lines = (await db.TranscriptCues.Where(c => c.StoryId == story.Id).OrderBy(c => c.Position).ToListAsync())
                    .Select(c => (c.Text, c.StartSeconds, c.EndSeconds)).ToList();
                var text = string.Join("\n", lines.Select(l => l.Text));
                var sha = await db.MediaFiles.Where(m => m.StoryId == story.Id).Select(m => m.Sha256).SingleOrDefaultAsync();
                var spans = (await db.PassageThemes.Where(t => t.Passage!.StoryId == story.Id)
                        .Select(t => new { t.Passage!.StartOffset, t.Passage.EndOffset, t.Theme!.Name, t.Passage.StartSeconds, t.Passage.EndSeconds }).ToListAsync())
                    .Select(p => (text[p.StartOffset..p.EndOffset], p.Name, p.StartSeconds, p.EndSeconds)).Order().ToList();
                result.Add((story.Title, lines, sha, spans));
            }
            return result;
        });

    private async Task<(TestApp.TestUser Lead, HttpClient Api, int ProjectId, byte[] File)> ExportedAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var waiting = await App.CreateThemeAsync(projectId, "Waiting");
        var help = await App.CreateThemeAsync(projectId, "Help");
        string[] lines = ["We waited months for a reply.", "Nobody called us back \U0001F60A at all.", "The support group gave me my confidence back."];
        var second = lines[0].Length + 1;
        var third = second + lines[1].Length + 1;
        await QdpxMediaExportTests.StoryWithRecordingAsync(App, projectId, lead, api, [new TestApp.Teller("Kay")],
        [
            new TranscriptService.CueInput(0, 2.5, "Kay", lines[0]),
            new TranscriptService.CueInput(2.5, 5, "Kay", lines[1]),
            new TranscriptService.CueInput(5.25, 9, "Kay", lines[2]),
        ],
        [
            (0, lines[0].Length, waiting), // a whole line
            (second + "Nobody ".Length, second + "Nobody called us back".Length, waiting), // words inside a line
            (second + "Nobody called us back \U0001F60A ".Length, third + "The support group".Length, help), // across a line break
        ]);
        var response = await api.GetAsync($"/api/projects/{projectId}/exports/project.qdpx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (lead, api, projectId, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Storyweave_export_with_a_recording_comes_back_with_the_same_texts_line_times_codes_spans_and_recording()
    {
        var (_, _, sourceProject, file) = await ExportedAsync();
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);

        var preview = await PostAsync(api, projectId, file, preview: true);
        Assert.Equal((1, 1, 3), ((int)preview["stories"]!, (int)preview["recordings"]!, (int)preview["codedPassages"]!));
        Assert.Empty(preview["skipped"]!.AsArray());
        Assert.Equal(0, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));

        var done = await PostAsync(api, projectId, file, preview: false);
        Assert.True((bool)done["imported"]!);
        var before = Assert.Single(await ContentAsync(sourceProject));
        var after = Assert.Single(await ContentAsync(projectId));
        Assert.Equal(before.Lines, after.Lines);
        Assert.Equal(before.Sha256, after.Sha256);
        Assert.NotNull(after.Sha256);
        Assert.Equal(before.Spans, after.Spans);
        Assert.Equal(["We waited months for a reply.", "at all.\nThe support group", "called us back"], after.Spans.Select(s => s.Words).Distinct().Order(StringComparer.Ordinal));

        // The recording is a real file of the story, as an upload's, and plays through the media API.
        var storyId = (int)done["storiesMade"]![0]!["id"]!;
        var media = await App.WithDbAsync(db => db.MediaFiles.SingleAsync(m => m.StoryId == storyId));
        Assert.True(File.Exists(Path.Combine(App.DataDir, "media", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), media.StoredName)));
        Assert.Equal(("mp3", true), (media.AudioCodec, media.DurationSeconds > 5));

        // Nobody imported has consent: the storyteller has no consent record.
        var tellers = await App.WithDbAsync(db => db.StoryStorytellers.Where(x => x.StoryId == storyId).Select(x => x.StorytellerId).ToListAsync());
        Assert.Single(tellers);
        Assert.False(await App.WithDbAsync(db => db.ConsentRecords.AnyAsync(c => tellers.Contains(c.StorytellerId))));
    }

    [Fact]
    public async Task A_bad_or_missing_recording_is_named_and_nothing_is_imported()
    {
        var (_, _, _, file) = await ExportedAsync();
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);

        byte[] Rewrite(Func<ZipArchiveEntry, byte[]?> change)
        {
            using var input = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
            using var buffer = new MemoryStream();
            using (var output = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var entry in input.Entries)
                {
                    using var bytes = new MemoryStream();
                    using (var s = entry.Open()) s.CopyTo(bytes);
                    var content = entry.FullName.EndsWith(".mp3", StringComparison.Ordinal) ? change(entry) : bytes.ToArray();
                    if (content is null) continue;
                    using var target = output.CreateEntry(entry.FullName).Open();
                    target.Write(content);
                }
            }
            return buffer.ToArray();
        }

        // Words where the recording should be: refused as an upload would be, naming the source and the entry.
        var notSound = Rewrite(_ => "These are only words, not a recording."u8.ToArray());
        foreach (var preview in new[] { true, false })
        {
            var refused = Errors(await PostAsync(api, projectId, notSound, preview, HttpStatusCode.UnprocessableEntity));
            var message = Assert.Single(refused);
            Assert.StartsWith("The recording of \u201c", message, StringComparison.Ordinal);
            Assert.Contains(".mp3) cannot be brought in: " + MediaUploader.NotARecordingMessage, message, StringComparison.Ordinal);
        }

        // A ZIP where the recording should be: named as an archive (never unpacked).
        var nested = Rewrite(e =>
        {
            using var inner = new MemoryStream();
            using (var zip = new ZipArchive(inner, ZipArchiveMode.Create, leaveOpen: true)) zip.CreateEntry("a.txt");
            return inner.ToArray();
        });
        Assert.Contains("ZIP", Assert.Single(Errors(await PostAsync(api, projectId, nested, preview: false, HttpStatusCode.UnprocessableEntity))), StringComparison.Ordinal);

        // The recording named in project.qde but not in the file.
        var missing = Rewrite(_ => null);
        Assert.Matches("^The recording of \u201c.+\u201d is missing: project.qde names \u201cinternal://.+\\.mp3\u201d, but there is no sources/.+\\.mp3 in the file\\.$",
            Assert.Single(Errors(await PostAsync(api, projectId, missing, preview: false, HttpStatusCode.UnprocessableEntity))));

        // Nothing came in: no story, storyteller, theme or recording, and no file left in the project's media folder.
        Assert.Equal((0, 0, 0, 0), await App.WithDbAsync(async db => (
            await db.Stories.CountAsync(s => s.ProjectId == projectId), await db.Storytellers.CountAsync(s => s.ProjectId == projectId),
            await db.Themes.CountAsync(t => t.ProjectId == projectId), await db.MediaFiles.CountAsync(m => m.ProjectId == projectId))));
        var folder = Path.Combine(App.DataDir, "media", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(!Directory.Exists(folder) || !Directory.EnumerateFiles(folder).Any());

        // The good file still imports afterwards (the refusals left nothing behind that would block it).
        await PostAsync(api, projectId, file, preview: false);
        Assert.Equal(1, await App.WithDbAsync(db => db.MediaFiles.CountAsync(m => m.ProjectId == projectId)));
    }
}
