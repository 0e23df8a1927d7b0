using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Reports;

/// <summary>
/// Generates one report file (a job of the engine, <see cref="BackgroundJobs"/>; one report at a time per node):
/// builds the <see cref="ReportContent"/> with consent applied, writes it in the requested format into the project's
/// job scratch space (<see cref="JobScratch"/>, erased however the job ends; Chromium's profile for a PDF lives there
/// too), moves it to outputs/{projectId}/ and records the consent basis it was built from. Progress is saved on the
/// row as it goes. A run whose node stopped is run again by another node, which takes over the Running row.
/// </summary>
public sealed class ReportJob(IServiceScopeFactory scopes, JobMetrics metrics, ReportStorage storage, JobScratch scratch,
    IEnumerable<IJobRunObserver> observers, ILogger<ReportJob> logger) : RowJob(JobMetrics.Reports, metrics, observers, logger)
{
    public const string FailedMessage = "Storyweave could not make this file. Try again; if it fails again, ask your administrator to check the server log.";

    public static Task EnqueueAsync(BackgroundJobs jobs, int fileId, CancellationToken ct = default) =>
        jobs.EnqueueAsync<ReportJob>(JobMetrics.Reports, fileId, ct);

    protected override async Task<string> RunAsync(int rowId, bool recovering, CancellationToken ct) =>
        await GenerateAsync(rowId, recovering, ct) ? JobMetrics.Succeeded : JobMetrics.Dropped;

    protected override Task FailAsync(int rowId, Exception e) => FailAsync(rowId, e is ChromiumMissingException ? e.Message : FailedMessage);

    /// <summary>Makes the file; false when there was nothing to do or the result was not wanted any more.</summary>
    private async Task<bool> GenerateAsync(int fileId, bool recovering, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        // Queued → Running; a recovery (the node that ran it stopped) takes over a Running row.
        var claimed = await db.ReportFiles.Where(f => f.Id == fileId && (f.Status == OutputStatus.Queued || (recovering && f.Status == OutputStatus.Running)))
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Status, OutputStatus.Running).SetProperty(f => f.Progress, 0.05)
                .SetProperty(f => f.ProgressText, "Gathering the report's content and checking consent").SetProperty(f => f.Error, ""), ct);
        if (claimed == 0) return false;
        await ClaimedAsync(fileId, ct);
        var file = await db.ReportFiles.AsNoTracking().SingleAsync(f => f.Id == fileId, ct);
        // Read before the content: an edit made meanwhile then counts as not in this file (safe), never the reverse.
        var contentVersion = await db.Reports.Where(r => r.Id == file.ReportId).Select(r => r.ContentVersion).FirstOrDefaultAsync(ct);

        var content = await scope.ServiceProvider.GetRequiredService<ReportContentBuilder>().BuildAsync(file.ReportId, ct);
        if (content is null) return false; // the report was deleted meanwhile (and its files with it)
        await ProgressAsync(db, fileId, 0.4, $"Writing the {ReportStorage.Label(file.Format)} file", ct);

        using var work = scratch.ForProject(file.ProjectId, "report");
        var temp = work.File("report" + ReportStorage.Extension(file.Format));
        switch (file.Format)
        {
            case ReportFormat.Docx:
                // System.IO.Packaging needs a readable, seekable stream while it writes the package.
                using (var buffer = new MemoryStream())
                {
                    DocxReportWriter.Write(content, buffer);
                    await File.WriteAllBytesAsync(temp, buffer.ToArray(), ct);
                }
                break;
            case ReportFormat.Html:
                await File.WriteAllTextAsync(temp, HtmlReportWriter.Write(content), ct);
                break;
            case ReportFormat.Markdown:
                await File.WriteAllTextAsync(temp, MarkdownReportWriter.Write(content), ct);
                break;
            case ReportFormat.Pdf:
                await ProgressAsync(db, fileId, 0.5, "Printing the PDF with Chromium", ct);
                await scope.ServiceProvider.GetRequiredService<PdfReportWriter>().WriteAsync(content, temp, work.Path, ct);
                break;
        }
        await ProgressAsync(db, fileId, 0.9, "Saving the file", ct);
        var storedName = Guid.NewGuid().ToString("N") + ReportStorage.Extension(file.Format);
        var size = new FileInfo(temp).Length;
        var final = storage.MoveIntoPlace(temp, file.ProjectId, storedName);
        var basis = JsonSerializer.Serialize(content.Basis);
        var now = clock.GetUtcNow().UtcDateTime;
        // Only while still Running and with no file yet: a run that was given up for dead and finished anyway
        // after another run had saved its file leaves that file alone and erases its own.
        var updated = await db.ReportFiles.Where(f => f.Id == fileId && f.Status == OutputStatus.Running && f.StoredName == null)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.StoredName, storedName).SetProperty(f => f.SizeBytes, size)
                .SetProperty(f => f.ConsentBasis, basis).SetProperty(f => f.Status, OutputStatus.Ready)
                .SetProperty(f => f.Progress, 1.0).SetProperty(f => f.ProgressText, "Ready")
                .SetProperty(f => f.CompletedAt, now).SetProperty(f => f.OutOfDateAt, (DateTime?)null).SetProperty(f => f.OutOfDateReason, "")
                .SetProperty(f => f.ContentVersion, contentVersion), CancellationToken.None);
        if (updated == 0)
        {
            FileErasure.EraseFile(final);
            return false;
        }
        await ReportService.SupersedeEarlierAsync(db, clock, fileId, CancellationToken.None);
        // Consent may have changed while the file was being written: check this file at once.
        await scope.ServiceProvider.GetRequiredService<ReportStaleness>().CheckAsync(file.ProjectId, CancellationToken.None);
        return true;
    }

    private static async Task ProgressAsync(StoryweaveDb db, int fileId, double progress, string text, CancellationToken ct) =>
        await db.ReportFiles.Where(f => f.Id == fileId).ExecuteUpdateAsync(s => s.SetProperty(f => f.Progress, progress).SetProperty(f => f.ProgressText, text), ct);

    private async Task FailAsync(int fileId, string message)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            // Never over a ready file: a run given up for dead that fails later leaves the other run's file alone.
            await db.ReportFiles.Where(f => f.Id == fileId && f.Status != OutputStatus.Ready)
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.Status, OutputStatus.Failed).SetProperty(f => f.Error, message).SetProperty(f => f.ProgressText, "Failed"));
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record the failure of report file {FileId}", fileId);
        }
    }
}

/// <summary>Report files owed a job at start (<see cref="BackgroundJobsStartup"/>).</summary>
public sealed class ReportJobRows : IJobRows
{
    public string Kind => JobMetrics.Reports;

    public Task<List<int>> QueuedAsync(StoryweaveDb db, CancellationToken ct) =>
        db.ReportFiles.Where(f => f.Status == OutputStatus.Queued).OrderBy(f => f.Id).Select(f => f.Id).ToListAsync(ct);

    public Task<List<int>> RunningAsync(StoryweaveDb db, CancellationToken ct) =>
        db.ReportFiles.Where(f => f.Status == OutputStatus.Running).OrderBy(f => f.Id).Select(f => f.Id).ToListAsync(ct);

    public Task RequeueAsync(StoryweaveDb db, int rowId, CancellationToken ct) =>
        db.ReportFiles.Where(f => f.Id == rowId && f.Status == OutputStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Status, OutputStatus.Queued).SetProperty(f => f.Progress, 0.0), ct);

    public Task EnqueueAsync(BackgroundJobs jobs, int rowId, CancellationToken ct) => ReportJob.EnqueueAsync(jobs, rowId, ct);
}
