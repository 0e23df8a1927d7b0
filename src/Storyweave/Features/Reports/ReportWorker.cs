using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Reports;

/// <summary>Report file ids waiting to be generated. In memory: the database is the record of what is owed.</summary>
public sealed class ReportQueue
{
    private readonly Channel<int> _channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly JobMetrics _metrics;

    public ReportQueue(JobMetrics metrics) => _metrics = metrics;

    public void Enqueue(int fileId)
    {
        if (_channel.Writer.TryWrite(fileId)) _metrics.Queued(JobMetrics.Reports);
    }

    public ChannelReader<int> Reader => _channel.Reader;
}

/// <summary>
/// Generates report files one at a time (two cores are shared with everyone): builds the
/// <see cref="ReportContent"/> with consent applied, writes it in the requested format into the project's
/// job scratch space (<see cref="JobScratch"/>, erased however the job ends; Chromium's profile for a PDF
/// lives there too), moves it to outputs/{projectId}/ and records the consent basis it was built from.
/// Progress is saved on the row as it goes. Rows left Queued or Running when the app stopped are queued again.
/// </summary>
public sealed class ReportWorker(IServiceScopeFactory scopes, ReportQueue queue, JobMetrics metrics, ReportStorage storage, JobScratch scratch, ILogger<ReportWorker> logger) : BackgroundService
{
    public const string FailedMessage = "Storyweave could not make this file. Try again; if it fails again, ask your administrator to check the server log.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await RequeueUnfinishedAsync(stoppingToken);
        await foreach (var id in queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var job = metrics.Start(JobMetrics.Reports);
            try
            {
                await GenerateAsync(id, stoppingToken);
                job.Finish(await OutcomeAsync(id));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                job.Finish(JobMetrics.Cancelled);
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Generating report file {FileId} failed", id);
                await FailAsync(id, e is ChromiumMissingException ? e.Message : FailedMessage);
            }
        }
    }

    /// <summary>How the job ended, for <see cref="JobMetrics"/>: read from the row it was for.</summary>
    private async Task<string> OutcomeAsync(int id)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var status = await db.ReportFiles.Where(f => f.Id == id).Select(f => (OutputStatus?)f.Status).FirstOrDefaultAsync(CancellationToken.None);
        return status == OutputStatus.Ready ? JobMetrics.Succeeded : status == OutputStatus.Failed ? JobMetrics.Failed : JobMetrics.Dropped;
    }

    public async Task RequeueUnfinishedAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        await db.ReportFiles.Where(f => f.Status == OutputStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Status, OutputStatus.Queued).SetProperty(f => f.Progress, 0.0), ct);
        var ids = await db.ReportFiles.Where(f => f.Status == OutputStatus.Queued).OrderBy(f => f.Id).Select(f => f.Id).ToListAsync(ct);
        foreach (var id in ids) queue.Enqueue(id);
    }

    private async Task GenerateAsync(int fileId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var claimed = await db.ReportFiles.Where(f => f.Id == fileId && f.Status == OutputStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Status, OutputStatus.Running).SetProperty(f => f.Progress, 0.05)
                .SetProperty(f => f.ProgressText, "Gathering the report's content and checking consent").SetProperty(f => f.Error, ""), ct);
        if (claimed == 0) return;
        var file = await db.ReportFiles.AsNoTracking().SingleAsync(f => f.Id == fileId, ct);
        // Read before the content: an edit made meanwhile then counts as not in this file (safe), never the reverse.
        var contentVersion = await db.Reports.Where(r => r.Id == file.ReportId).Select(r => r.ContentVersion).FirstOrDefaultAsync(ct);

        var content = await scope.ServiceProvider.GetRequiredService<ReportContentBuilder>().BuildAsync(file.ReportId, ct);
        if (content is null) return; // the report was deleted meanwhile (and its files with it)
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
        var updated = await db.ReportFiles.Where(f => f.Id == fileId && f.Status == OutputStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.StoredName, storedName).SetProperty(f => f.SizeBytes, size)
                .SetProperty(f => f.ConsentBasis, basis).SetProperty(f => f.Status, OutputStatus.Ready)
                .SetProperty(f => f.Progress, 1.0).SetProperty(f => f.ProgressText, "Ready")
                .SetProperty(f => f.CompletedAt, now).SetProperty(f => f.OutOfDateAt, (DateTime?)null).SetProperty(f => f.OutOfDateReason, "")
                .SetProperty(f => f.ContentVersion, contentVersion), CancellationToken.None);
        if (updated == 0)
        {
            FileErasure.EraseFile(final);
            return;
        }
        await ReportService.SupersedeEarlierAsync(db, clock, fileId, CancellationToken.None);
        // Consent may have changed while the file was being written: check this file at once.
        await scope.ServiceProvider.GetRequiredService<ReportStaleness>().CheckAsync(file.ProjectId, CancellationToken.None);
    }

    private static async Task ProgressAsync(StoryweaveDb db, int fileId, double progress, string text, CancellationToken ct) =>
        await db.ReportFiles.Where(f => f.Id == fileId).ExecuteUpdateAsync(s => s.SetProperty(f => f.Progress, progress).SetProperty(f => f.ProgressText, text), ct);

    private async Task FailAsync(int fileId, string message)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            await db.ReportFiles.Where(f => f.Id == fileId)
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.Status, OutputStatus.Failed).SetProperty(f => f.Error, message).SetProperty(f => f.ProgressText, "Failed"));
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record the failure of report file {FileId}", fileId);
        }
    }
}
