using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Storyweave.Features.Reports;
using Storyweave.Hosting;

namespace Storyweave.Tests.Hosting;

/// <summary>
/// The one background job engine with two app nodes on one database (issue #16 point 2, decision 0010): a job queued
/// on one node runs exactly once whichever node takes it; a node starting leaves another node's running job alone;
/// a job whose node dies part-way is finished by the other node, with one output file.
/// </summary>
public sealed class JobEngineTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    [Fact]
    public async Task Report_files_queued_on_node_A_are_each_made_exactly_once_when_both_nodes_run_jobs()
    {
        var observer = new ClaimObserver(holdFirst: false);
        await using var nodeA = await StartObservedAsync(observer);
        // Several nodes need PostgreSQL (Quartz does not cluster on SQLite): on SQLite the one node makes each file once.
        await using var second = nodeA.Options.UsesPostgres ? await nodeA.StartSecondNodeAsync() : null;
        var nodeB = second ?? nodeA;
        var (onA, projectId, reportId) = await ReportOnAsync(nodeA);
        var onB = nodeB.ApiClient(await nodeA.CreateTokenAsync(nodeA.Admin!));

        var queued = new List<ReportEndpoints.FileDto>();
        foreach (var format in new[] { "Html", "Markdown", "Docx" }) queued.Add(await QueueAsync(onA, projectId, reportId, format));
        // Followed on node B: the row is the record of progress, whichever node does the work.
        foreach (var file in queued) Assert.Equal(OutputStatus.Ready, (await TestApp.WaitForReportFileAsync(onB, projectId, file.Id)).Status);

        Assert.Equal(queued.Select(f => f.Id).Order(), observer.Claims.Order());
        var onDisk = Directory.GetFiles(Path.Combine(nodeA.DataDir, "outputs", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var stored = await nodeA.WithDbAsync(db => db.ReportFiles.Where(f => f.ReportId == reportId).Select(f => f.StoredName).ToListAsync());
        Assert.Equal(stored.Order(), onDisk.Select(Path.GetFileName).Order());
        foreach (var file in queued)
        {
            var download = await onB.GetAsync($"/api/projects/{projectId}/report-files/{file.Id}/content");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.NotEmpty(await download.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Starting_node_B_leaves_alone_a_report_node_A_is_making()
    {
        // Two nodes with jobs need PostgreSQL (a clustered job store); SQLite runs one node, and the test
        // below covers what it does with a job cut off part-way.
        if (!TestApp.ProviderName.Equals("postgresql", StringComparison.Ordinal)) return;
        var observer = new ClaimObserver(holdFirst: true);
        await using var nodeA = await StartObservedAsync(observer);
        var (onA, projectId, reportId) = await ReportOnAsync(nodeA);
        var queued = await QueueAsync(onA, projectId, reportId, "Html");
        await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));

        await using var nodeB = await nodeA.StartSecondNodeAsync();
        var row = await nodeA.WithDbAsync(db => db.ReportFiles.AsNoTracking().SingleAsync(f => f.Id == queued.Id));
        Assert.Equal(OutputStatus.Running, row.Status);
        Assert.True(row.Progress > 0);
        // Longer than a dead node is given: node A is alive (it checks in), so node B does not take its job over.
        await Task.Delay(BackgroundJobs.CheckinInterval + BackgroundJobs.CheckinMisfireThreshold + TimeSpan.FromSeconds(3));
        Assert.Equal([queued.Id], observer.Claims);

        observer.Release.SetResult();
        Assert.Equal(OutputStatus.Ready, (await TestApp.WaitForReportFileAsync(onA, projectId, queued.Id)).Status);
        Assert.Equal([queued.Id], observer.Claims);
        Assert.Single(Directory.GetFiles(Path.Combine(nodeA.DataDir, "outputs", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task A_report_whose_node_dies_part_way_is_finished_by_node_B_with_one_file()
    {
        var observer = new ClaimObserver(holdFirst: true);
        var nodeA = await StartObservedAsync(observer);
        TestApp? nodeB = null;
        try
        {
            var finishedOnA = new ConcurrentQueue<string>();
            using var listener = ListenForFinishedJobs(nodeA, finishedOnA);
            var (onA, projectId, reportId) = await ReportOnAsync(nodeA);
            var queued = await QueueAsync(onA, projectId, reportId, "Html");
            await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));

            // Node A's scheduler vanishes as with kill -9: it stops checking in and its job neither ends nor hands back.
            var schedulerA = await nodeA.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            await schedulerA.Shutdown(waitForJobsToComplete: false);
            // PostgreSQL: another node takes the job over. SQLite (one node): the app started again runs it.
            var postgres = nodeA.Options.UsesPostgres;
            nodeB = postgres ? await nodeA.StartSecondNodeAsync() : await nodeA.StartAgainAsync();

            var onB = nodeB.ApiClient(await nodeB.CreateTokenAsync(nodeA.Admin!));
            var made = await TestApp.WaitForReportFileAsync(onB, projectId, queued.Id);
            Assert.Equal(OutputStatus.Ready, made.Status);
            Assert.Equal([queued.Id, queued.Id], observer.Claims);
            var row = await nodeB.WithDbAsync(db => db.ReportFiles.AsNoTracking().SingleAsync(f => f.Id == queued.Id));
            var outputs = Path.Combine(nodeB.DataDir, "outputs", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(row.StoredName, Path.GetFileName(Assert.Single(Directory.GetFiles(outputs))));

            // Node A's run, given up for dead, goes on to the end (on PostgreSQL its app is still up): it must
            // neither leave a second file nor replace or fail node B's.
            observer.Release.SetResult();
            if (postgres)
            {
                for (var i = 0; i < 600 && finishedOnA.IsEmpty; i++) await Task.Delay(100);
                Assert.Equal([JobMetrics.Dropped], finishedOnA);
                row = await nodeB.WithDbAsync(db => db.ReportFiles.AsNoTracking().SingleAsync(f => f.Id == queued.Id));
                Assert.Equal(OutputStatus.Ready, row.Status);
                Assert.Equal(row.StoredName, Path.GetFileName(Assert.Single(Directory.GetFiles(outputs))));
            }
            var download = await onB.GetAsync($"/api/projects/{projectId}/report-files/{queued.Id}/content");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        }
        finally
        {
            observer.Release.TrySetResult();
            if (nodeB is not null && nodeA.Options.UsesPostgres) await nodeB.DisposeAsync();
            await (nodeA.Options.UsesPostgres || nodeB is null ? nodeA : nodeB).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_report_cut_off_by_a_stop_is_made_once_after_the_next_start()
    {
        var observer = new ClaimObserver(holdFirst: true, honourCancellation: true);
        var app = await StartObservedAsync(observer);
        try
        {
            var (api, projectId, reportId) = await ReportOnAsync(app);
            var queued = await QueueAsync(api, projectId, reportId, "Markdown");
            await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));

            // A stop asks the running job to stop and hands it back; the row stays Running, not failed.
            app = await app.StartAgainAsync();
            var made = await TestApp.WaitForReportFileAsync(app.ApiClient(await app.CreateTokenAsync(app.Admin!)), projectId, queued.Id);
            Assert.Equal(OutputStatus.Ready, made.Status);
            Assert.Equal([queued.Id, queued.Id], observer.Claims);
            Assert.Single(Directory.GetFiles(Path.Combine(app.DataDir, "outputs", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_rendition_cut_off_by_a_stop_is_made_once_after_the_next_start()
    {
        using var folder = new TestMedia.Folder();
        var flac = await TestMedia.ConvertAsync(await TestMedia.SpeechAsync(folder.File("speech.wav")), folder.File("speech.flac"));
        var observer = new ClaimObserver(holdFirst: true, honourCancellation: true);
        var app = await StartObservedAsync(observer);
        try
        {
            var (lead, projectId, storyId, api) = await LeadWithStoryAsync(app);
            int mediaId;
            using (var content = TestMedia.FileContent(flac, "speech.flac"))
            {
                var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
                Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
                mediaId = (int)(await upload.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            }
            await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));

            // A stop asks the running job to stop and hands it back; the row stays Running, not failed.
            app = await app.StartAgainAsync();
            api = await app.ApiClientAsync(lead);
            var media = await PollAsync(api, $"/api/projects/{projectId}/media/{mediaId}", "renditionStatus", m => (string)m["renditionStatus"]! is "Ready" or "Failed", TimeSpan.FromMinutes(1));
            Assert.Equal("Ready", (string?)media["renditionStatus"]);
            Assert.Equal([mediaId, mediaId], observer.Claims);
            var stored = await app.WithDbAsync(db => db.MediaFiles.Where(m => m.Id == mediaId).Select(m => m.RenditionStoredName).SingleAsync());
            var renditions = Directory.GetFiles(Path.Combine(app.Options.MediaDir, projectId.ToString(System.Globalization.CultureInfo.InvariantCulture)), "*.m4a");
            Assert.Equal(stored, Path.GetFileName(Assert.Single(renditions)));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_draft_cut_off_by_a_stop_is_written_once_after_the_next_start()
    {
        var observer = new ClaimObserver(holdFirst: true, honourCancellation: true);
        var app = await StartObservedAsync(observer);
        try
        {
            var (lead, projectId, storyId, api) = await LeadWithStoryAsync(app);
            using (var folder = new TestMedia.Folder())
            {
                var (path, _) = await Transcription.DraftSpeech.MakeAsync(folder, Transcription.DraftTests.Sentences);
                using var content = TestMedia.FileContent(path, "interview.wav", "audio/wav");
                var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
                Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
            }
            var started = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/draft", new { engine = "pocketsphinx" });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var url = started.Headers.Location!.OriginalString;
            var jobId = (int)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));
            var baseVersion = await app.WithDbAsync(db => db.DraftJobs.Where(j => j.Id == jobId).Select(j => j.BaseVersion).SingleAsync());

            // A stop asks the running draft to stop and hands it back; the row stays Running, the transcript untouched.
            app = await app.StartAgainAsync();
            api = await app.ApiClientAsync(lead);
            var draft = await PollAsync(api, url, "status", d => (bool)d["finished"]!, TimeSpan.FromMinutes(5));
            Assert.True((string)draft["status"]! == "Written", (string?)draft["message"]);
            Assert.Equal([jobId, jobId], observer.Claims);
            // Written once: the transcript moved on by exactly one version from the one the draft started from.
            Assert.Equal(baseVersion + 1, await app.WithDbAsync(db => db.Stories.Where(x => x.Id == storyId).Select(x => x.TranscriptVersion).SingleAsync()));
            Assert.Equal((int)draft["lines"]!, await app.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == storyId)));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_project_import_cut_off_by_a_stop_is_reported_failed_after_the_next_start_and_not_run_again()
    {
        var observer = new ClaimObserver(holdFirst: true, honourCancellation: true);
        var app = await StartObservedAsync(observer);
        try
        {
            var (lead, projectId, _, api) = await LeadWithStoryAsync(app, withStory: false);
            var file = Interop.QdpxImportTests.NvivoFile(Guid.NewGuid().ToString("N")[..6]);
            var response = await api.PostAsync($"/api/projects/{projectId}/imports/project.qdpx?name=big.qdpx&background=true", new ByteArrayContent(file));
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var statusUrl = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["statusUrl"]!;
            await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));

            // A stop cuts the import off (its transaction never commits). Run again, it could import the file twice if its
            // node were only slow, so the engine's recovery run reports it failed: "choose the file again".
            app = await app.StartAgainAsync();
            api = await app.ApiClientAsync(lead);
            var job = await PollAsync(api, statusUrl, "status", j => (string)j["status"]! is "Succeeded" or "Failed", TimeSpan.FromMinutes(1));
            Assert.Equal("Failed", (string)job["status"]!);
            Assert.Equal([Storyweave.Features.Interop.QdpxImportJob.InterruptedMessage], job["errors"]!.AsArray().Select(e => (string)e!));
            Assert.Single(observer.Claims);
            Assert.Equal(0, await app.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));
            var scratch = Path.Combine(app.DataDir, "tmp", $"project-{projectId}");
            Assert.False(Directory.Exists(scratch) && Directory.EnumerateDirectories(scratch, "qdpx-upload-*").Any());
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static Task<TestApp> StartObservedAsync(ClaimObserver observer) =>
        TestApp.StartAsync(configureBuilder: b => b.Services.AddSingleton<IJobRunObserver>(observer));

    /// <summary>A project lead with a project, a story in it (unless withStory is false) and an API client.</summary>
    private static async Task<(TestApp.TestUser Lead, int ProjectId, int StoryId, HttpClient Api)> LeadWithStoryAsync(TestApp app, bool withStory = true)
    {
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var storyId = withStory ? (await app.CreateStoryAsync(projectId)).StoryId : 0;
        return (lead, projectId, storyId, await app.ApiClientAsync(lead));
    }

    /// <summary>Reads <paramref name="url"/> every 100 ms until <paramref name="done"/>; fails after <paramref name="limit"/> saying what the field still was.</summary>
    private static async Task<JsonObject> PollAsync(HttpClient api, string url, string field, Func<JsonObject, bool> done, TimeSpan limit)
    {
        for (var i = 0; ; i++)
        {
            var answer = (await api.GetFromJsonAsync<JsonObject>(url))!;
            if (done(answer)) return answer;
            Assert.True(i * 100 < limit.TotalMilliseconds, $"{url}: {field} was still {answer[field]} after {limit}.");
            await Task.Delay(100);
        }
    }

    private static async Task<(HttpClient Api, int ProjectId, int ReportId)> ReportOnAsync(TestApp app)
    {
        var api = await app.ApiClientAsync(app.Admin!);
        var projectId = await app.CreateProjectAsync(app.Admin!);
        await app.CreateReportScenarioAsync(projectId, app.Admin!);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Made once" });
        created.EnsureSuccessStatusCode();
        var report = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        return (api, projectId, report.Id);
    }

    private static async Task<ReportEndpoints.FileDto> QueueAsync(HttpClient api, int projectId, int reportId, string format)
    {
        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/files", new { format });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!;
    }

    private static MeterListener ListenForFinishedJobs(TestApp app, ConcurrentQueue<string> outcomes)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == JobMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "storyweave.jobs.finished")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "storyweave.job.outcome") outcomes.Enqueue((string)tag.Value!);
        });
        listener.Start();
        return listener;
    }

    /// <summary>
    /// Sees every claim of a row by a job on either node (both nodes get this one instance). With holdFirst, the first
    /// job to claim its row stops there until released, paying no attention to cancellation, as a node that hangs or
    /// is killed does not notice anything (or, with honourCancellation, until the node stops).
    /// </summary>
    private sealed class ClaimObserver(bool holdFirst, bool honourCancellation = false) : IJobRunObserver
    {
        private int _count;

        public ConcurrentQueue<int> Claims { get; } = new();

        public TaskCompletionSource FirstClaim { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task ClaimedAsync(string kind, int rowId, CancellationToken ct)
        {
            Claims.Enqueue(rowId);
            if (!holdFirst || Interlocked.Increment(ref _count) != 1) return;
            FirstClaim.SetResult();
            await (honourCancellation ? Release.Task.WaitAsync(ct) : Release.Task);
        }
    }
}
