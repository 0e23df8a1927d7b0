using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Media;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Tests.Withdrawal;

/// <summary>
/// The canary carried through every output (reports, clips, the export ZIP, the public site, a static site and findings)
/// and through a crash in the middle of each background job.
/// </summary>
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

    /// <summary>
    /// The canary through a kill -9 in the middle of each job kind. The real binary (<c>storyweave serve</c>) is started on
    /// an instance that owes a clip cut (captions burned into a video), a web rendition and a PDF report, all holding the
    /// withdrawing person's words or voice, and is killed (SIGKILL, with its ffmpeg and Chromium) while all three are under
    /// way. What the crash leaves in <c>tmp/</c> is checked to be there, and to hold the marker; the app is started again:
    /// the leftovers are overwritten and gone before any job runs, the jobs run again and leave nothing; after a full
    /// withdrawal the marker is in no file of the data folder and <c>tmp/</c> is empty.
    /// </summary>
    [Fact]
    public async Task Canary_a_kill_9_in_the_middle_of_a_clip_cut_a_rendition_and_a_report_leaves_nothing_after_a_restart_and_a_withdrawal()
    {
        _own = await TestApp.StartAsync();
        try
        {
            var w = await CrashWorldAsync();
            var tmp = App.Options.TempDir;
            await App.StopKeepingDataAsync();

            // ---- The real binary takes the owed jobs up at once; it is killed while all three are under way. ----
            // A job can finish in the moment between being seen under way and the kill; then the scenario is run
            // again (the next start erases what the kill left), up to three times.
            Dictionary<string, string> left = [];
            for (var attempt = 1; ; attempt++)
            {
                await OweAllJobsAsync(w);
                left = await KillInTheMiddleAsync(w);
                foreach (var (job, folder) in left) output.WriteLine($"attempt {attempt}: {job} left {folder}: {(Directory.Exists(folder) ? string.Join(", ", Directory.GetFiles(folder).Select(Path.GetFileName)) : "(gone)")}");
                if (left.Count == 3 && ScanFolder(tmp, w.Marker).Any(hit => hit.EndsWith(".vtt", StringComparison.Ordinal)) && left.Values.All(Directory.Exists)) break;
                Assert.True(attempt < 3, "Three times a job finished just before the kill.");
            }
            Assert.Contains(ScanFolder(tmp, w.Marker), hit => hit.EndsWith(".vtt", StringComparison.Ordinal)); // the cut's captions: their words
            var planted = left.Values.SelectMany(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories)).Where(f => new FileInfo(f) is { Length: > 0, LinkTarget: null }).ToList();
            Assert.NotEmpty(planted);
            // Handles kept open on what was left show whether the bytes were overwritten, not just unlinked.
            var handles = planted.Select(f => new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)).ToList();
            try
            {
                // ---- Start again: the leftovers are erased before any worker starts. ----
                _own = await App.StartAgainAsync();
                Assert.All(left.Values, folder => Assert.False(Directory.Exists(folder), $"{folder} survived the restart."));
                foreach (var handle in handles)
                {
                    var bytes = new byte[handle.Length];
                    await handle.ReadExactlyAsync(bytes);
                    Assert.True(bytes.All(b => b == 0), $"{handle.Name} was deleted without being overwritten.");
                }
            }
            finally
            {
                foreach (var handle in handles) await handle.DisposeAsync();
            }

            // The jobs were queued again and finish; nothing stays in tmp/ after them.
            await WaitForJobsAsync(w);
            // A job marks itself done a moment before its scratch folder is erased (in its finally block).
            for (var i = 0; i < 300 && TestApp.ScratchFiles(tmp).Length > 0; i++) await Task.Delay(100);
            Assert.Empty(TestApp.ScratchFiles(tmp));
            Assert.NotEmpty(ScanDataFolder(w.Marker)); // the scan sees them before the withdrawal

            // ---- The withdrawal: nothing of them anywhere in the data folder, tmp/ empty. ----
            var api = await App.ApiClientAsync(w.Lead); // the restarted app listens on a new port
            var response = await api.PostAsJsonAsync($"/api/projects/{w.ProjectId}/storytellers/{w.Story.StorytellerIds[0]}/withdrawal/entirely", new { confirm = true });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var outcome = (await response.Content.ReadFromJsonAsync<WithdrawalService.Outcome>(TestApp.JsonOptions))!;
            Assert.Equal(1, outcome.RecordingsSilenced);
            await WaitForRenditionAsync(w.Story.MediaId); // made again from the silenced original
            for (var i = 0; i < 300 && TestApp.ScratchFiles(tmp).Length > 0; i++) await Task.Delay(100);
            Assert.Empty(TestApp.ScratchFiles(tmp));
            Assert.Empty(ScanDataFolder(w.Marker));
            if (TestApp.PostgresServer is null) Assert.NotEmpty(ScanDataFolder(w.Other));
        }
        finally
        {
            await _own.DisposeAsync();
            _own = null;
        }
    }

    private sealed record CrashWorld(int ProjectId, TestApp.TestUser Lead, HttpClient Api, string Marker, string Other, TestApp.ClipStory Story, int ClipId, int ReportFileId);

    /// <summary>A group video (not playable in browsers as it is, so it gets a rendition) with a clip and a PDF report of the withdrawing person's words.</summary>
    private async Task<CrashWorld> CrashWorldAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var marker = "canary" + Guid.NewGuid().ToString("N")[..12] + "7";
        var other = "keeper" + Guid.NewGuid().ToString("N")[..12] + "7";

        // A minute of picture and speech (H.264 and FLAC in Matroska), so each job runs for seconds.
        using var folder = new TestMedia.Folder();
        var speech = await TestMedia.SpeechAsync(folder.File("speech.wav"), "My secret word is canary. I waited months for help. And I stay.");
        var video = folder.File("group.mkv");
        await TestMedia.RunFfmpegAsync(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-stream_loop", "-1", "-i", speech, "-t", "60",
            "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "flac", video]);
        var story = await App.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller("Withdrawing Person", true), new TestApp.ClipTeller("Staying Person", true)],
        [
            new TranscriptService.CueInput(0, 40, "Withdrawing Person", $"My secret word is {marker} and I waited months for help."),
            new TranscriptService.CueInput(40, 60, "Staying Person", $"I stay, and my word is {other}."),
        ], video);
        await WaitForRenditionAsync(story.MediaId);

        var themeId = await App.WithDbAsync(db => db.PassageThemes.Where(pt => pt.PassageId == story.PassageIds[0]).Select(pt => pt.ThemeId).SingleAsync());
        var report = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Waiting" });
        var reportId = (await report.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(TestApp.JsonOptions))!.Id;
        var quoted = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/themes/{themeId}/quotes", new { passageId = story.PassageIds[0] });
        Assert.True(quoted.IsSuccessStatusCode, await quoted.Content.ReadAsStringAsync());
        var queued = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/files", new { format = "Pdf" });
        var file = await TestApp.WaitForReportFileAsync(api, projectId, (await queued.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(TestApp.JsonOptions))!.Id);
        Assert.True(file.Status == OutputStatus.Ready, file.Error);

        var playlist = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "Waiting", description = "" });
        var playlistId = (int)(await playlist.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var clip = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists/{playlistId}/clips",
            new { passageId = story.PassageIds[0], start = 0.0, end = 40.0, title = "Waiting", description = "", burnCaptions = true });
        Assert.True(clip.StatusCode == HttpStatusCode.Created, await clip.Content.ReadAsStringAsync());
        var clipId = (int)(await clip.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        var w = new CrashWorld(projectId, lead, api, marker, other, story, clipId, file.Id);
        await WaitForJobsAsync(w);
        return w;
    }

    /// <summary>
    /// The state just after a clip, a rendition and a report file were asked for (as a new upload, an edited clip and a
    /// "make again" leave it): queued, with no file yet. Written while the app is stopped, so only the next process runs them.
    /// </summary>
    private async Task OweAllJobsAsync(CrashWorld w)
    {
        await App.WithDbAsync(async db =>
        {
            var media = await db.MediaFiles.SingleAsync(m => m.Id == w.Story.MediaId);
            if (media.RenditionStoredName is { } rendition) File.Delete(Path.Combine(App.DataDir, "media", $"{w.ProjectId}", rendition));
            (media.RenditionStoredName, media.RenditionStatus, media.RenditionProgress) = (null, RenditionStatus.Queued, 0);
            var clip = await db.Clips.SingleAsync(c => c.Id == w.ClipId);
            foreach (var name in new[] { clip.StoredName, clip.CaptionsStoredName }.OfType<string>())
                File.Delete(Path.Combine(App.DataDir, "clips", $"{w.ProjectId}", name));
            (clip.StoredName, clip.CaptionsStoredName, clip.Status, clip.Progress) = (null, null, OutputStatus.Queued, 0);
            var file = await db.ReportFiles.SingleAsync(f => f.Id == w.ReportFileId);
            if (file.StoredName is { } report) File.Delete(Path.Combine(App.DataDir, "outputs", $"{w.ProjectId}", report));
            (file.StoredName, file.Status, file.Progress) = (null, OutputStatus.Queued, 0);
            return await db.SaveChangesAsync();
        });
    }

    /// <summary>Starts <c>storyweave serve</c> on the instance and kills it (SIGKILL, whole process tree) once each job has files in its scratch folder.</summary>
    private async Task<Dictionary<string, string>> KillInTheMiddleAsync(CrashWorld w)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        // Each process has its own scratch folder (tmp/node-…/); the project's scratch is looked for in all of them.
        var project = $"project-{w.ProjectId}";
        var story = Path.Combine(project, $"story-{w.Story.StoryId}");
        using var server = Process.Start(CliRunner.StartInfo(["serve", .. CliRunner.InstanceArgs(App.Options), "--urls", $"http://127.0.0.1:{port}", "--no-sample"],
            new Dictionary<string, string?> { ["STORYWEAVE_LOG_LEVEL"] = "Information" }))!;
        server.StandardInput.Close();
        var stdout = server.StandardOutput.ReadToEndAsync();
        var stderr = server.StandardError.ReadToEndAsync();
        var seen = new Dictionary<string, string>();
        var everSeen = new HashSet<string>();
        DateTime? idleSince = null;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        try
        {
            while (true)
            {
                seen.Clear();
                if (Busy(story, "clip-", d => d.Any(f => f.EndsWith(".vtt", StringComparison.Ordinal)) && d.Any(f => Path.GetFileName(f).StartsWith("cut.", StringComparison.Ordinal))) is { } clip) seen["clip"] = clip;
                if (Busy(story, "rendition-", d => d.Any(f => new FileInfo(f).Length > 0)) is { } rendition) seen["rendition"] = rendition;
                // The report's scratch folder is made before Chromium starts (its home folder is in it); a cold Chromium
                // can take seconds to write its first file, so the folder's existence is what shows the job under way.
                if (Busy(project, "report-", _ => true) is { } report) seen["report"] = report;
                if (seen.Count == 3) break;
                everSeen.UnionWith(seen.Keys);
                if (server.HasExited) Assert.Fail($"The server stopped by itself: {await stderr}");
                // Every job came and went without all three overlapping: the caller runs the scenario again.
                idleSince = everSeen.Count == 3 && seen.Count == 0 ? idleSince ?? DateTime.UtcNow : null;
                if (idleSince is { } idle && DateTime.UtcNow - idle > TimeSpan.FromSeconds(3))
                {
                    output.WriteLine("The three jobs ran one after another this time; running the scenario again.");
                    seen.Clear();
                    break;
                }
                if (DateTime.UtcNow >= deadline)
                {
                    server.Kill(entireProcessTree: true);
                    var said = await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(5));
                    Assert.Fail($"The three jobs were never under way at once (seen at some point: {string.Join(", ", everSeen)}). The server said:\n{said[0]}\n{said[1]}");
                }
                await Task.Delay(10);
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true); // SIGKILL on Linux: no shutdown code, no finally blocks, ffmpeg and Chromium go too
            await server.WaitForExitAsync();
        }
        // Not awaited to the end: a helper Chromium started (its crash handler) may outlive the kill and hold the pipes open.
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
        return seen;

        // A job folder (name prefix) whose files so far satisfy the test; folders come and go while we look.
        string? Busy(string under, string prefix, Func<string[], bool> test)
        {
            try
            {
                return TestApp.ScratchFoldersFor(App.Options.TempDir, under).Where(Directory.Exists)
                    .SelectMany(parent => Directory.GetDirectories(parent, prefix + "*"))
                    .FirstOrDefault(d => test(Directory.GetFiles(d, "*", SearchOption.AllDirectories)));
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
            {
                return null;
            }
        }
    }

    private async Task WaitForJobsAsync(CrashWorld w)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var (clip, file, media) = await App.WithDbAsync(async db => (
                await db.Clips.AsNoTracking().SingleAsync(c => c.Id == w.ClipId),
                await db.ReportFiles.AsNoTracking().SingleAsync(f => f.Id == w.ReportFileId),
                await db.MediaFiles.AsNoTracking().SingleAsync(m => m.Id == w.Story.MediaId)));
            Assert.True(clip.Status != OutputStatus.Failed, clip.Error);
            Assert.True(file.Status != OutputStatus.Failed, file.Error);
            Assert.True(media.RenditionStatus != RenditionStatus.Failed, media.RenditionError);
            if (clip.Status == OutputStatus.Ready && file.Status == OutputStatus.Ready && media.RenditionStatus == RenditionStatus.Ready) return;
            Assert.True(DateTime.UtcNow < deadline, $"Jobs not finished after 3 minutes: clip {clip.Status}, report {file.Status}, rendition {media.RenditionStatus}.");
            await Task.Delay(200);
        }
    }

    private async Task WaitForRenditionAsync(int mediaId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var media = await App.WithDbAsync(db => db.MediaFiles.AsNoTracking().SingleAsync(m => m.Id == mediaId));
            if (media.RenditionStatus == RenditionStatus.Ready) return;
            Assert.True(media.RenditionStatus != RenditionStatus.Failed, media.RenditionError);
            Assert.True(DateTime.UtcNow < deadline, $"The rendition was still {media.RenditionStatus} after 3 minutes.");
            await Task.Delay(200);
        }
    }
}
