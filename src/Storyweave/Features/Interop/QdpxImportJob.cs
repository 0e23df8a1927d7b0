using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Data;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Features.Interop;

/// <summary>
/// One project-file import run in the background (<see cref="QdpxImportRunJob"/>, on the job engine), and how it went. The
/// row is what survives a restart: an import is one transaction, so a job whose node stopped in the middle left nothing,
/// and it is marked failed with <see cref="InterruptedMessage"/> (not run again: see <see cref="QdpxImportRunJob"/>). Progress while running is kept in memory
/// on the node running it and, on PostgreSQL, saved on the row for the other nodes (<see cref="QdpxImportProgress"/>): on SQLite
/// nothing else may write while the import's transaction is open.
/// <para>No names or text of the imported people: the result holds counts and the ids of the stories and storytellers
/// made (their current titles and names are looked up when shown, so a later withdrawal or deletion shows through).</para>
/// </summary>
public class QdpxImportJob
{
    public const string InterruptedMessage =
        "The import was interrupted because Storyweave stopped or restarted while it was running. Nothing of it was kept: choose the file again to import it.";

    public int Id { get; set; }
    public int ProjectId { get; set; }
    public QdpxImportStatus Status { get; set; }

    /// <summary>The waiting upload (<see cref="QdpxUploads"/>), erased when the job ends.</summary>
    public required string UploadToken { get; set; }

    /// <summary>The uploaded file's name, for display only.</summary>
    public required string FileName { get; set; }

    public string? RequestedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>Why it failed, one problem a line, in words for the person who asked.</summary>
    public string Error { get; set; } = "";

    /// <summary>When it succeeded: <see cref="QdpxImportJobs.Result"/> as JSON (counts and ids only).</summary>
    public string? ResultJson { get; set; }

    /// <summary>While running, on PostgreSQL: how far it is (0–1), as last saved by the node running it (<see cref="QdpxImportProgress"/>).</summary>
    public double Progress { get; set; }

    /// <summary>While running, on PostgreSQL: what it is doing, in words (no names), as last saved; empty until then.</summary>
    public string ProgressStage { get; set; } = "";
}

public enum QdpxImportStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

public sealed class QdpxImportJobConfiguration : IEntityTypeConfiguration<QdpxImportJob>
{
    public void Configure(EntityTypeBuilder<QdpxImportJob> builder)
    {
        builder.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(x => x.UploadToken).HasMaxLength(32);
        builder.Property(x => x.FileName).HasMaxLength(260);
        builder.Property(x => x.RequestedByUserId).HasMaxLength(450);
        builder.Property(x => x.Error).HasMaxLength(8000);
        builder.Property(x => x.ProgressStage).HasMaxLength(200);
        builder.HasIndex(x => new { x.ProjectId, x.Status });
        builder.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// How far each running import is (0–1) and what it is doing. Kept in memory on the node running it, and on PostgreSQL
/// (where several nodes may serve the progress page) also written to the job's row (<see cref="QdpxImportJob.Progress"/>,
/// <see cref="QdpxImportJob.ProgressStage"/>) from a connection of its own, since the import's own transaction holds
/// what it imports until the end: at most one write in flight per job, and at most one every <see cref="SaveEvery"/>
/// unless the stage changes. On SQLite (one node) memory is enough, and a write would wait for the import's
/// transaction, which holds the database's one write lock.
/// </summary>
public sealed class QdpxImportProgress(IServiceScopeFactory scopes, StoryweaveOptions options, ILogger<QdpxImportProgress> logger)
{
    public static readonly TimeSpan SaveEvery = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<int, Live> _jobs = new();

    private sealed class Live
    {
        public (double Fraction, string Stage) Latest;
        public string? SavedStage;
        public long SavedAt;
        public Task Saving = Task.CompletedTask;
    }

    public void Set(int jobId, double fraction, string stage)
    {
        var live = _jobs.GetOrAdd(jobId, _ => new Live());
        lock (live)
        {
            live.Latest = (Math.Clamp(fraction, 0, 1), stage);
            if (!options.UsesPostgres || !live.Saving.IsCompleted) return;
            if (live.SavedStage == stage && System.Diagnostics.Stopwatch.GetElapsedTime(live.SavedAt) < SaveEvery) return;
            live.SavedStage = stage;
            live.SavedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            var latest = live.Latest.Fraction;
            live.Saving = Task.Run(() => SaveAsync(jobId, latest, stage));
        }
    }

    public (double Fraction, string Stage)? Of(int jobId) => _jobs.TryGetValue(jobId, out var live) ? live.Latest : null;

    /// <summary>Forgets the job once it has ended (its row then says how it ended).</summary>
    public void Remove(int jobId) => _jobs.TryRemove(jobId, out _);

    private async Task SaveAsync(int jobId, double fraction, string stage)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            await db.QdpxImportJobs.Where(j => j.Id == jobId && j.Status == QdpxImportStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, fraction).SetProperty(j => j.ProgressStage, stage));
        }
        catch (Exception e)
        {
            // Progress is only shown: the import goes on, and the next step tries again.
            logger.LogWarning(e, "Could not save the progress of project-file import {JobId}", jobId);
        }
    }
}

/// <summary>
/// Starting a project-file import in the background and reading how it is going, for the page and the API. The file
/// has been read and checked in the request (so a bad file is answered at once); the job reads it again, with every
/// check, and imports it in one transaction (<see cref="QdpxProjectImport.ImportAsync"/>).
/// </summary>
public sealed class QdpxImportJobs(StoryweaveDb db, BackgroundJobs jobs, QdpxImportProgress progress, TimeProvider clock)
{
    /// <summary>What a finished import made: counts and ids only (see <see cref="QdpxImportJob"/>).</summary>
    public sealed record Result(string ProjectName, string Origin, int CodesNew, int CodesMatched, int Stories, int CodedPassages, int Storytellers,
        int StorytellersNamedAfterSource, int Memos, int QuestionsNew, IReadOnlyList<string> Skipped, IReadOnlyList<int> StoryIds, IReadOnlyList<int> StorytellerIds, int Recordings);

    /// <summary>A job as the page and the API show it.</summary>
    public sealed record View(int Id, QdpxImportStatus Status, double Progress, string Stage, IReadOnlyList<string> Errors, QdpxProjectImport.Summary? Summary);

    public async Task<int> StartAsync(int projectId, string uploadToken, string fileName, string userId, CancellationToken ct)
    {
        var job = new QdpxImportJob { ProjectId = projectId, UploadToken = uploadToken, FileName = fileName, RequestedByUserId = userId, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.QdpxImportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, userId, "project.qdpx-import-started", "qdpx-import", job.Id);
        await db.SaveChangesAsync(ct);
        await QdpxImportRunJob.EnqueueAsync(jobs, job.Id, CancellationToken.None);
        return job.Id;
    }

    /// <summary>The job in this project, or null.</summary>
    public async Task<View?> FindAsync(int projectId, int jobId, CancellationToken ct)
    {
        var job = await db.QdpxImportJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId && j.ProjectId == projectId, ct);
        if (job is null) return null;
        // This node's memory if it runs the import (the freshest), else what the node running it saved on the row.
        var live = progress.Of(job.Id) ?? (job.ProgressStage.Length > 0 ? (job.Progress, job.ProgressStage) : null);
        var (fraction, stage) = job.Status switch
        {
            QdpxImportStatus.Queued => (0.0, "Waiting to start"),
            QdpxImportStatus.Running => live ?? (0.0, "Starting"),
            QdpxImportStatus.Succeeded => (1.0, "Finished"),
            _ => (0.0, "Stopped"),
        };
        QdpxProjectImport.Summary? summary = null;
        if (job.Status == QdpxImportStatus.Succeeded && job.ResultJson is { } json && JsonSerializer.Deserialize<Result>(json) is { } r)
        {
            // Current titles and names: what was deleted or withdrawn since is not shown.
            var stories = await db.Stories.AsNoTracking().Where(s => r.StoryIds.Contains(s.Id) && s.ProjectId == projectId).Select(s => new { s.Id, s.Title }).ToListAsync(ct);
            var tellers = await db.Storytellers.AsNoTracking().Where(s => r.StorytellerIds.Contains(s.Id) && s.ProjectId == projectId && s.WithdrawnAt == null).Select(s => new { s.Id, s.Name }).ToListAsync(ct);
            summary = new QdpxProjectImport.Summary(r.ProjectName, r.Origin, r.CodesNew, r.CodesMatched, r.Stories, r.CodedPassages, r.Storytellers, r.StorytellersNamedAfterSource,
                r.Memos, r.QuestionsNew, r.Skipped, stories.OrderBy(s => s.Id).Select(s => (s.Id, s.Title)).ToList(), tellers.OrderBy(t => t.Id).Select(t => (t.Id, t.Name)).ToList(), r.Recordings);
        }
        var errors = job.Status == QdpxImportStatus.Failed ? job.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
        return new View(job.Id, job.Status, fraction, stage, errors, summary);
    }

    public static Result ToResult(QdpxProjectImport.Summary s) =>
        new(s.ProjectName, s.Origin, s.CodesNew, s.CodesMatched, s.Stories, s.CodedPassages, s.Storytellers, s.StorytellersNamedAfterSource, s.Memos, s.QuestionsNew,
            s.Skipped, s.StoriesMade.Select(x => x.Id).ToList(), s.StorytellersMade.Select(x => x.Id).ToList(), s.Recordings);
}

/// <summary>
/// Runs one project-file import: a job of the engine (<see cref="BackgroundJobs"/>), one import at a time per node, in a
/// scope of its own. An import is not run again when its node stopped part-way (a stop, a crash, or a node given up for
/// dead): its transaction never committed, its upload is in that node's scratch space (erased at the node's start), and a
/// node given up for dead that is in fact still importing would import the file twice. The engine's recovery run therefore
/// marks the import failed with <see cref="QdpxImportJob.InterruptedMessage"/> ("choose the file again"), and a run that
/// does finish records what it imported even if it was marked failed meanwhile. A node starting leaves other nodes'
/// running imports alone.
/// </summary>
public sealed class QdpxImportRunJob(IServiceScopeFactory scopes, QdpxImportProgress progress, QdpxUploads uploads, TimeProvider clock, JobMetrics metrics,
    IEnumerable<IJobRunObserver> observers, ILogger<QdpxImportRunJob> logger) : RowJob(JobMetrics.ProjectImports, metrics, observers, logger)
{
    /// <summary>Queues the import (its row must be <see cref="QdpxImportStatus.Queued"/>, committed).</summary>
    public static Task EnqueueAsync(BackgroundJobs jobs, int jobId, CancellationToken ct = default) =>
        jobs.EnqueueAsync<QdpxImportRunJob>(JobMetrics.ProjectImports, jobId, ct);

    protected override async Task<string> RunAsync(int rowId, bool recovering, CancellationToken ct)
    {
        if (recovering)
        {
            await FailInterruptedAsync(rowId, ct);
            return JobMetrics.Failed;
        }
        return await ImportAsync(rowId, ct);
    }

    protected override async Task FailAsync(int rowId, Exception e)
    {
        // The job's row could not be read or written (the database went away).
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        await db.QdpxImportJobs.Where(j => j.Id == rowId && j.Status == QdpxImportStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, QdpxImportStatus.Failed).SetProperty(j => j.Error, QdpxImportJob.InterruptedMessage)
                .SetProperty(j => j.FinishedAt, clock.GetUtcNow().UtcDateTime), CancellationToken.None);
        progress.Remove(rowId);
    }

    /// <summary>Marks an import whose node stopped part-way as failed (only if it is still Running) and erases its upload.</summary>
    private async Task FailInterruptedAsync(int jobId, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var job = await db.QdpxImportJobs.SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || job.Status is not (QdpxImportStatus.Running or QdpxImportStatus.Queued)) return;
        job.Status = QdpxImportStatus.Failed;
        job.Error = QdpxImportJob.InterruptedMessage;
        job.FinishedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        uploads.Erase(job.ProjectId, job.UploadToken);
        logger.LogWarning("Marked project-file import {JobId}, interrupted by a stop, as failed.", jobId);
    }

    private async Task<string> ImportAsync(int jobId, CancellationToken ct)
    {
        QdpxImportJob? job;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            job = await db.QdpxImportJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
            if (job is null) return JobMetrics.Dropped;
            var claimed = await db.QdpxImportJobs.Where(j => j.Id == jobId && j.Status == QdpxImportStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, QdpxImportStatus.Running).SetProperty(j => j.StartedAt, clock.GetUtcNow().UtcDateTime), ct);
            if (claimed == 0) return JobMetrics.Dropped;
        }
        await ClaimedAsync(jobId, ct);
        progress.Set(jobId, 0, "Reading the file");
        IReadOnlyList<string> errors = [];
        QdpxProjectImport.Summary? summary = null;
        try
        {
            using var scope = scopes.CreateScope();
            var path = uploads.PathOf(job.ProjectId, job.UploadToken);
            if (path is null)
            {
                errors = ["The project file to import was lost on the way (it is kept for a day, and not after a restart). Choose the file again."];
            }
            else
            {
                var read = QdpxProjectFile.Read(path, job.FileName);
                if (!read.Succeeded) errors = read.Errors;
                else
                {
                    var importer = scope.ServiceProvider.GetRequiredService<QdpxProjectImport>();
                    var result = await importer.ImportAsync(job.ProjectId, read.Value!, job.FileName, job.RequestedByUserId ?? "", path,
                        (fraction, stage) => progress.Set(jobId, fraction, stage), ct);
                    if (result is null) errors = ["This project no longer exists."];
                    else if (!result.Succeeded) errors = result.Errors;
                    else summary = result.Value;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the transaction was not committed; the engine's recovery run marks the job failed.
            progress.Remove(jobId);
            throw;
        }
        catch (Exception e)
        {
            var reference = Guid.NewGuid().ToString("N")[..8];
            logger.LogError(e, "Project-file import {JobId} failed (reference {Reference})", jobId, reference);
            errors = [$"Something went wrong while importing (reference {reference}). Nothing of the file was kept; try again, and tell your administrator the reference if it happens again."];
        }
        finally
        {
            uploads.Erase(job.ProjectId, job.UploadToken);
        }

        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            // Whatever the row says now: a run that finished after it was given up for dead (and marked failed) did import.
            var row = await db.QdpxImportJobs.SingleAsync(j => j.Id == jobId, CancellationToken.None);
            row.FinishedAt = clock.GetUtcNow().UtcDateTime;
            if (summary is not null)
            {
                row.Status = QdpxImportStatus.Succeeded;
                row.Error = "";
                row.ResultJson = JsonSerializer.Serialize(QdpxImportJobs.ToResult(summary));
            }
            else
            {
                row.Status = QdpxImportStatus.Failed;
                row.Error = string.Join('\n', errors.Select(e => e.ReplaceLineEndings(" ")));
                if (row.Error.Length > 8000) row.Error = row.Error[..7999] + "\u2026";
            }
            await db.SaveChangesAsync(CancellationToken.None);
        }
        progress.Remove(jobId);
        return summary is not null ? JobMetrics.Succeeded : JobMetrics.Failed;
    }
}

/// <summary>
/// Imports owed a job at start (<see cref="BackgroundJobsStartup"/>): a Queued one with no job is queued (its upload may
/// be gone: it then fails with "choose the file again"); a Running one with no job anywhere (left by a version before the
/// engine, or a restore) is marked failed with <see cref="QdpxImportJob.InterruptedMessage"/> by the job it is given.
/// </summary>
public sealed class QdpxImportJobRows(QdpxUploads uploads, TimeProvider clock) : IJobRows
{
    public string Kind => JobMetrics.ProjectImports;

    public Task<List<int>> QueuedAsync(StoryweaveDb db, CancellationToken ct) =>
        db.QdpxImportJobs.Where(j => j.Status == QdpxImportStatus.Queued).OrderBy(j => j.Id).Select(j => j.Id).ToListAsync(ct);

    public Task<List<int>> RunningAsync(StoryweaveDb db, CancellationToken ct) =>
        db.QdpxImportJobs.Where(j => j.Status == QdpxImportStatus.Running).OrderBy(j => j.Id).Select(j => j.Id).ToListAsync(ct);

    /// <summary>An import is not run again from the start (see <see cref="QdpxImportRunJob"/>): it is marked failed here.</summary>
    public async Task RequeueAsync(StoryweaveDb db, int rowId, CancellationToken ct)
    {
        var job = await db.QdpxImportJobs.SingleOrDefaultAsync(j => j.Id == rowId && j.Status == QdpxImportStatus.Running, ct);
        if (job is null) return;
        job.Status = QdpxImportStatus.Failed;
        job.Error = QdpxImportJob.InterruptedMessage;
        job.FinishedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        uploads.Erase(job.ProjectId, job.UploadToken);
    }

    /// <summary>A row <see cref="RequeueAsync"/> marked failed gets a job too, which finds nothing to do.</summary>
    public Task EnqueueAsync(BackgroundJobs jobs, int rowId, CancellationToken ct) => QdpxImportRunJob.EnqueueAsync(jobs, rowId, ct);
}
