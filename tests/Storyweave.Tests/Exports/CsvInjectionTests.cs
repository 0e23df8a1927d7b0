using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Exports;

/// <summary>
/// Every CSV Storyweave writes — the data exports and the clip playlist's clips.csv — neutralises text that a
/// spreadsheet would run as a formula, whoever typed it (a storyteller on the public sign-up page, a reporter,
/// an analyst): no cell starts with = + - @, a tab or a carriage return.
/// </summary>
public sealed class CsvInjectionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static readonly char[] Dangerous = ['=', '+', '-', '@', '\t', '\r'];

    [Fact]
    public async Task Formulas_planted_in_every_free_text_field_are_text_in_every_csv()
    {
        var lead = await App.CreateUserAsync(name: "=Lead HYPERLINK");
        var projectId = await App.CreateProjectAsync(lead);
        const string name = "=HYPERLINK(\"http://evil.example\",\"x\")";
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"), "One two three four five six.");
        var story = await App.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller(name, true)],
        [
            new TranscriptService.CueInput(0, 1.5, name, "=1+1 is what I said"),
            new TranscriptService.CueInput(1.5, 3, name, "+cmd|' /C calc'!A0"),
        ], wav);
        var tellerId = story.StorytellerIds[0];
        await App.WithDbAsync(async db =>
        {
            var teller = await db.Storytellers.SingleAsync(s => s.Id == tellerId);
            teller.SelfDescription = "\tTabbed start";
            teller.Email = "@mail@example.org";
            teller.AccessNeeds = "-2+3";
            db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = tellerId, Kind = FacetKind.AgeBand, Value = "\rCR start", AddedAt = DateTime.UtcNow });
            (await db.Stories.SingleAsync(s => s.Id == story.StoryId)).Title = "-Story title";
            foreach (var theme in await db.Themes.Where(t => t.ProjectId == projectId).ToListAsync()) theme.Name = "@Theme " + theme.Id;
            return await db.SaveChangesAsync();
        });
        var api = await App.ApiClientAsync(lead);
        var playlist = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "=Playlist", description = "" });
        var playlistId = (int)(await playlist.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var clip = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists/{playlistId}/clips",
            new { passageId = story.PassageIds[0], title = "+Clip title", description = "@Clip description" });
        Assert.Equal(HttpStatusCode.Created, clip.StatusCode);
        var clipId = (int)(await clip.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        for (var i = 0; (string?)(await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/playlists/{playlistId}"))!["clips"]![0]!["status"] != "Ready"; i++)
        {
            Assert.True(i < 450, "The clip was not cut.");
            await Task.Delay(200);
        }

        var files = new Dictionary<string, byte[]>();
        foreach (var slug in new[] { "coded-passages", "storytellers", "storytellers-with-contact-details", "findings" })
            files[slug] = await ExportFiles.DownloadAsync(api, projectId, slug, "csv");
        using (var zip = new ZipArchive(new MemoryStream(await api.GetByteArrayAsync($"/api/projects/{projectId}/playlists/{playlistId}/export"))))
        {
            using var entry = new MemoryStream();
            await using (var s = await zip.GetEntry("clips.csv")!.OpenAsync()) await s.CopyToAsync(entry);
            files["clips.csv"] = entry.ToArray();
        }

        var planted = new[] { "HYPERLINK", "1+1 is what I said", "cmd|", "Tabbed start", "mail@example.org", "2+3", "CR start", "Story title", "Theme ", "Clip title", "Clip description" };
        foreach (var (file, bytes) in files)
        {
            var cells = Cells(bytes);
            Assert.All(cells, c => Assert.False(c.Length > 0 && Dangerous.Contains(c[0]), $"{file}: the cell \"{c}\" would run as a formula."));
            foreach (var text in planted.Where(p => cells.Any(c => c.Contains(p, StringComparison.Ordinal))))
                Assert.All(cells.Where(c => c.Contains(text, StringComparison.Ordinal) && c.TrimStart('\'').Length > 0 && Dangerous.Contains(c.TrimStart('\'')[0])),
                    c => Assert.StartsWith("'", c, StringComparison.Ordinal));
        }
        // Each planted text reached at least one CSV, so the check above was not empty.
        Assert.All(planted, p => Assert.Contains(files.Values, b => Cells(b).Any(c => c.Contains(p, StringComparison.Ordinal))));
    }

    private static List<string> Cells(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null });
        var cells = new List<string>();
        while (csv.Read())
            for (var i = 0; csv.TryGetField<string>(i, out var field); i++) cells.Add(field ?? "");
        return cells;
    }
}
