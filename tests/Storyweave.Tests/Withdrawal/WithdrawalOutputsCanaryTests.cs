using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Reports;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Withdrawal;

/// <summary>The canary carried through every output: reports, clips, the export ZIP, the public site, a static site and findings.</summary>
public sealed partial class WithdrawalTests
{
    private sealed record CanaryOutputs(int ReportId, Dictionary<ReportFormat, int> Files, int PlaylistId, int PersonClipId, int StayingClipId);

    /// <summary>
    /// The canary story is quoted in a report made in all four formats, clipped, put on a published playlist,
    /// published (story, playlist, report files), exported as a clip ZIP and as a static site, and counted in
    /// findings. After a full withdrawal the marker is in none of them, nor in a new static site; the report
    /// files are out of date and regenerate without it; the staying storyteller's quote, clip and story remain.
    /// </summary>
    [Fact]
    public async Task Canary_a_full_withdrawal_reaches_reports_clips_exports_the_public_site_a_new_static_site_and_findings()
    {
        var c = await CanaryAsync();
        var outputs = await CanaryOutputsAsync(c);
        var anonymous = App.AnonymousClient();
        var sites = Path.Combine(Path.GetTempPath(), "storyweave-canary-sites", Guid.NewGuid().ToString("N"));
        try
        {
            // ---- Before: the marker is in every output (so each check below can fail). ----
            foreach (var (format, fileId) in outputs.Files)
            {
                var text = await ReportTextAsync(c, fileId, format);
                Assert.True(text.Contains(c.Marker, StringComparison.Ordinal), $"The {format} report does not quote the canary.");
                Assert.True(text.Contains(c.Other, StringComparison.Ordinal), $"The {format} report does not quote the staying storyteller.");
            }
            Assert.Contains(c.Marker, await c.Api.GetStringAsync($"/api/projects/{c.ProjectId}/clips/{outputs.PersonClipId}/captions"), StringComparison.Ordinal);
            var hits = ScanDataFolder(c.Marker);
            Assert.Contains(hits, h => h.Contains($"{Path.DirectorySeparatorChar}outputs{Path.DirectorySeparatorChar}{c.ProjectId}{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            Assert.Contains(hits, h => h.Contains($"{Path.DirectorySeparatorChar}clips{Path.DirectorySeparatorChar}{c.ProjectId}{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            Assert.NotEmpty(ZipEntriesHolding(await ExportPlaylistAsync(c, outputs), c.Marker));
            foreach (var url in PublicPages(c, outputs))
                Assert.True((await anonymous.GetStringAsync(url)).Contains(c.Marker, StringComparison.Ordinal), $"{url} does not show the canary.");
            var oldSite = await PublishStaticSiteAsync(Path.Combine(sites, "before"));
            Assert.NotEmpty(ScanFolder(oldSite, c.Marker));
            var findingsBefore = await FindingsAsync(c);
            Assert.All(findingsBefore.Texts, t => Assert.Contains(c.Marker, t, StringComparison.Ordinal));
            Assert.Contains("Waiting: 2", findingsBefore.Svg, StringComparison.Ordinal);
            await AssertCanaryIsEverywhereAsync(c);

            var outcome = await WithdrawCanaryAsync(c);
            Assert.Equal(outputs.Files.Count, outcome.ReportFilesOutOfDate);

            // ---- After: reports are out of date (410) and not public; regenerated, they keep only the staying person's quote. ----
            foreach (var (format, fileId) in outputs.Files)
            {
                var download = await c.Api.GetAsync($"/api/projects/{c.ProjectId}/report-files/{fileId}/content");
                Assert.True(download.StatusCode == HttpStatusCode.Gone, $"{format}: {(int)download.StatusCode}");
                Assert.Contains("withdrawn", await download.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{c.ProjectId}/reports/{fileId}")).StatusCode);
            }
            foreach (var (format, fileId) in outputs.Files)
            {
                var regenerated = await c.Api.PostAsync($"/api/projects/{c.ProjectId}/report-files/{fileId}/regenerate", null);
                Assert.Equal(HttpStatusCode.Accepted, regenerated.StatusCode);
                var queued = (await regenerated.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(TestApp.JsonOptions))!;
                var file = await TestApp.WaitForReportFileAsync(c.Api, c.ProjectId, queued.Id);
                Assert.True(file.Status == OutputStatus.Ready, $"{format} failed: {file.Error}");
                var text = await ReportTextAsync(c, file.Id, format);
                Assert.DoesNotContain(c.Marker, text, StringComparison.Ordinal);
                Assert.True(text.Contains(c.Other, StringComparison.Ordinal), $"The regenerated {format} report lost the staying storyteller's quote.");
            }

            // Clips: theirs is gone, the staying person's plays with its captions; the export ZIP holds only that.
            var playlist = (await c.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{c.ProjectId}/playlists/{outputs.PlaylistId}"))!;
            Assert.Equal([outputs.StayingClipId], playlist["clips"]!.AsArray().Select(x => (int)x!["id"]!));
            Assert.Equal(HttpStatusCode.NotFound, (await c.Api.GetAsync($"/api/projects/{c.ProjectId}/clips/{outputs.PersonClipId}/content")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await c.Api.GetAsync($"/api/projects/{c.ProjectId}/clips/{outputs.StayingClipId}/content")).StatusCode);
            Assert.Contains(c.Other, await c.Api.GetStringAsync($"/api/projects/{c.ProjectId}/clips/{outputs.StayingClipId}/captions"), StringComparison.Ordinal);
            var export = await ExportPlaylistAsync(c, outputs);
            Assert.Empty(ZipEntriesHolding(export, c.Marker));
            Assert.NotEmpty(ZipEntriesHolding(export, c.Other));

            // The public site: their story is gone, the group story and playlist show only the staying person.
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{c.ProjectId}/{c.SoloId}")).StatusCode);
            foreach (var url in PublicPages(c, outputs).Where(u => u != $"/stories/{c.ProjectId}/{c.SoloId}").Concat([$"/stories/{c.ProjectId}/playlists/{outputs.PlaylistId}/clips/{outputs.StayingClipId}/captions"]))
            {
                var response = await anonymous.GetAsync(url);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}");
                Assert.DoesNotContain(c.Marker, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            Assert.Contains(c.Other, await anonymous.GetStringAsync($"/stories/{c.ProjectId}/{c.GroupId}"), StringComparison.Ordinal);

            // A static site written now holds no trace; it still has the staying person's story.
            var newSite = await PublishStaticSiteAsync(Path.Combine(sites, "after"));
            Assert.Empty(ScanFolder(newSite, c.Marker));
            Assert.NotEmpty(ScanFolder(newSite, c.Other));

            // Findings: their words are gone and they are no longer counted, in the page, the API and both chart formats.
            var findingsAfter = await FindingsAsync(c);
            Assert.All(findingsAfter.Texts, t => Assert.DoesNotContain(c.Marker, t, StringComparison.Ordinal));
            Assert.All(findingsAfter.Texts, t => Assert.Contains(c.Other, t, StringComparison.Ordinal));
            Assert.Contains("Waiting: 1", findingsAfter.Svg, StringComparison.Ordinal);
            Assert.NotEqual(findingsBefore.Png, findingsAfter.Png);

            // And the whole of the existing check: pages, API, board, the data folder's bytes.
            await AssertNoTraceAsync(c, outcome);
        }
        finally
        {
            if (Directory.Exists(sites)) Directory.Delete(sites, recursive: true);
        }
    }

    /// <summary>Everyone agrees to every use; a report quoting both, in four formats; two clips; all published; findings show words.</summary>
    private async Task<CanaryOutputs> CanaryOutputsAsync(Canary c)
    {
        foreach (var tellerId in new[] { c.PersonId, c.StayingId })
        {
            var recorded = await App.WithServiceAsync<ConsentService, Storyweave.Features.Accounts.Result<ConsentRecord>>(s => s.RecordAsync(c.ProjectId, tellerId,
                new ConsentService.ConsentInput(true, true, true, true, true, CreditStyle.Named, CreditStyle.Named, CreditStyle.Named, null, null,
                    ConsentMethod.PaperForm, null, null, "canary form", null, "Agreed to every use"), c.Lead.Id));
            Assert.True(recorded.Succeeded, string.Join("; ", recorded.Errors));
        }
        var passages = await App.WithDbAsync(db => db.Passages.Where(p => p.ProjectId == c.ProjectId).OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset)
            .Select(p => new { p.Id, p.StoryId, p.Speaker }).ToListAsync());
        var personPassage = passages.First(p => p.StoryId == c.SoloId).Id;
        var groupPersonPassage = passages.First(p => p.StoryId == c.GroupId && p.Speaker == "Withdrawing Person").Id;
        var stayingPassage = passages.First(p => p.StoryId == c.GroupId && p.Speaker == "Staying Person").Id;

        // A report quoting them (alone and in the group) and the staying person, made in every format.
        var created = await c.Api.PostAsJsonAsync($"/api/projects/{c.ProjectId}/reports", new { kind = "Full", title = "What the canary told us" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var reportId = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(TestApp.JsonOptions))!.Id;
        foreach (var passageId in new[] { personPassage, groupPersonPassage, stayingPassage })
        {
            var added = await c.Api.PostAsJsonAsync($"/api/projects/{c.ProjectId}/reports/{reportId}/themes/{c.ThemeId}/quotes", new { passageId });
            Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        }
        var files = new Dictionary<ReportFormat, int>();
        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            var response = await c.Api.PostAsJsonAsync($"/api/projects/{c.ProjectId}/reports/{reportId}/files", new { format = format.ToString() });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var file = await TestApp.WaitForReportFileAsync(c.Api, c.ProjectId, (await response.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(TestApp.JsonOptions))!.Id);
            Assert.True(file.Status == OutputStatus.Ready, $"{format} failed: {file.Error}");
            files[format] = file.Id;
        }
        Assert.Equal(4, files.Count);

        // Clips cut by the clip worker: one of their words, one of the staying person's (from the group recording).
        var playlist = await c.Api.PostAsJsonAsync($"/api/projects/{c.ProjectId}/playlists", new { title = "Waiting rooms", description = "Two voices." });
        Assert.Equal(HttpStatusCode.Created, playlist.StatusCode);
        var playlistId = (int)(await playlist.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var personClip = await AddReadyClipAsync(c, playlistId, personPassage, $"My secret word is {c.Marker}"); // titled with the quote, as people often do
        var stayingClip = await AddReadyClipAsync(c, playlistId, stayingPassage, "I stay");

        // Published: both stories, the playlist and every report file.
        foreach (var storyId in new[] { c.SoloId, c.GroupId })
        {
            var published = await c.Api.PostAsync($"/api/projects/{c.ProjectId}/stories/{storyId}/publish", null);
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
            Assert.Contains("\"visible\":true", await published.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await c.Api.PostAsync($"/api/projects/{c.ProjectId}/playlists/{playlistId}/publish", null)).StatusCode);
        foreach (var fileId in files.Values)
            Assert.Equal(HttpStatusCode.NoContent, (await c.Api.PostAsync($"/api/projects/{c.ProjectId}/report-files/{fileId}/publish", null)).StatusCode);

        // Findings show verbatim self-descriptions per facet value (no small-numbers guard in this project).
        var threshold = await c.Api.PutAsJsonAsync($"/api/projects/{c.ProjectId}/findings/small-numbers", new { threshold = 0 });
        Assert.Equal(HttpStatusCode.OK, threshold.StatusCode);
        await App.WithDbAsync(async db =>
        {
            foreach (var id in new[] { c.PersonId, c.StayingId })
                db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = id, Kind = FacetKind.OtherLivedExperience, Value = "Waiting lists", AddedAt = DateTime.UtcNow });
            (await db.Storytellers.SingleAsync(s => s.Id == c.StayingId)).SelfDescription = $"I am {c.Other} and I stay.";
            return await db.SaveChangesAsync();
        });
        return new CanaryOutputs(reportId, files, playlistId, personClip, stayingClip);
    }

    private static async Task<int> AddReadyClipAsync(Canary c, int playlistId, int passageId, string title)
    {
        var response = await c.Api.PostAsJsonAsync($"/api/projects/{c.ProjectId}/playlists/{playlistId}/clips", new { passageId, title });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var clipId = (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var playlist = (await c.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{c.ProjectId}/playlists/{playlistId}"))!;
            var clip = playlist["clips"]!.AsArray().Select(x => x!.AsObject()).Single(x => (int)x["id"]! == clipId);
            var status = (string)clip["status"]!;
            if (status == "Ready") return clipId;
            Assert.True(status != "Failed" && DateTime.UtcNow < deadline, $"Clip {clipId} is {status}: {clip.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    private static async Task<string> ReportTextAsync(Canary c, int fileId, ReportFormat format)
    {
        var response = await c.Api.GetAsync($"/api/projects/{c.ProjectId}/report-files/{fileId}/content");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{format}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await TestApp.ReportTextAsync(format, await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task<byte[]> ExportPlaylistAsync(Canary c, CanaryOutputs outputs)
    {
        var response = await c.Api.GetAsync($"/api/projects/{c.ProjectId}/playlists/{outputs.PlaylistId}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The public pages the canary is on before the withdrawal (the solo story is one of them).</summary>
    private static IEnumerable<string> PublicPages(Canary c, CanaryOutputs outputs) =>
    [
        $"/stories/{c.ProjectId}/{c.SoloId}",
        $"/stories/{c.ProjectId}/{c.GroupId}",
        $"/stories/{c.ProjectId}/playlists/{outputs.PlaylistId}",
        $"/stories/{c.ProjectId}/reports/{outputs.Files[ReportFormat.Markdown]}",
        $"/stories/{c.ProjectId}/reports/{outputs.Files[ReportFormat.Html]}",
    ];

    /// <summary>Runs <c>storyweave publish --out</c> into a fresh folder, as an operator does; returns the folder.</summary>
    private async Task<string> PublishStaticSiteAsync(string folder)
    {
        var run = await CliRunner.RunAsync(["publish", "--out", folder, .. CliRunner.InstanceArgs(App.Options)]);
        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        return folder;
    }

    private sealed record Findings(string[] Texts, string Svg, byte[] Png);

    /// <summary>The findings page and API (what people read), the themes chart as SVG (its counts in words) and PNG.</summary>
    private static async Task<Findings> FindingsAsync(Canary c)
    {
        var page = WebUtility.HtmlDecode(await c.Page.GetStringAsync($"/projects/{c.ProjectId}/findings"));
        var api = Regex.Unescape(await c.Api.GetStringAsync($"/api/projects/{c.ProjectId}/findings"));
        var svg = WebUtility.HtmlDecode(await c.Page.GetStringAsync($"/projects/{c.ProjectId}/findings/charts/themes.svg"));
        var png = await c.Page.GetByteArrayAsync($"/projects/{c.ProjectId}/findings/charts/themes.png");
        return new Findings([page, api], svg, png);
    }
}
