using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Transcription;

/// <summary>
/// Runs one <see cref="DraftJob"/> row: a job of the engine (<see cref="BackgroundJobs"/>), one draft at a time per node
/// (speech recognition takes a whole core or more, and two cores are shared with everyone). The drafting itself is
/// <see cref="DraftRunner"/>, in a scope of its own; the command line calls the runner directly and does not use the
/// engine. A draft whose node stopped is run again by the engine, which takes over the Running row; the transcript is
/// only written at the very end, against the version the draft started from, so a second run never writes it twice.
/// </summary>
public sealed class DraftRunJob(IServiceScopeFactory scopes, JobMetrics metrics, IEnumerable<IJobRunObserver> observers, ILogger<DraftRunJob> logger)
    : RowJob(JobMetrics.Drafts, metrics, observers, logger)
{
    /// <summary>Queues the draft (its row must be <see cref="DraftStatus.Queued"/>, committed).</summary>
    public static Task EnqueueAsync(BackgroundJobs jobs, int draftJobId, CancellationToken ct = default) =>
        jobs.EnqueueAsync<DraftRunJob>(JobMetrics.Drafts, draftJobId, ct);

    protected override async Task<string> RunAsync(int rowId, bool recovering, CancellationToken ct)
    {
        await using (var scope = scopes.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<DraftRunner>().RunAsync(rowId, null, recovering, token => ClaimedAsync(rowId, token), ct);
        return await OutcomeAsync(rowId);
    }

    /// <summary>Only reached if the database itself failed: the runner records its own failures.</summary>
    protected override async Task FailAsync(int rowId, Exception e)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        await db.DraftJobs.Where(j => j.Id == rowId && j.Status == DraftStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, DraftStatus.Failed).SetProperty(j => j.Error, DraftRunner.FailedMessage)
                .SetProperty(j => j.Progress, 0.0).SetProperty(j => j.CompletedAt, DateTime.UtcNow), CancellationToken.None);
    }

    /// <summary>How the job ended, for <see cref="JobMetrics"/>: read from the row it was for.</summary>
    private async Task<string> OutcomeAsync(int id)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var status = await db.DraftJobs.Where(j => j.Id == id).Select(j => (DraftStatus?)j.Status).FirstOrDefaultAsync(CancellationToken.None);
        return status is DraftStatus.Written or DraftStatus.KeptAside ? JobMetrics.Succeeded
            : status == DraftStatus.Failed ? JobMetrics.Failed : JobMetrics.Dropped;
    }
}

/// <summary>
/// Drafts owed a job at start (<see cref="BackgroundJobsStartup"/>). A Running draft with no job in the engine was left
/// by a version before the engine or by a command-line run that was killed: it is queued again and made by the app.
/// </summary>
public sealed class DraftJobRows : IJobRows
{
    public string Kind => JobMetrics.Drafts;

    public Task<List<int>> QueuedAsync(StoryweaveDb db, CancellationToken ct) =>
        db.DraftJobs.Where(j => j.Status == DraftStatus.Queued).OrderBy(j => j.Id).Select(j => j.Id).ToListAsync(ct);

    public Task<List<int>> RunningAsync(StoryweaveDb db, CancellationToken ct) =>
        db.DraftJobs.Where(j => j.Status == DraftStatus.Running).OrderBy(j => j.Id).Select(j => j.Id).ToListAsync(ct);

    public Task RequeueAsync(StoryweaveDb db, int rowId, CancellationToken ct) =>
        db.DraftJobs.Where(j => j.Id == rowId && j.Status == DraftStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, DraftStatus.Queued).SetProperty(j => j.Progress, 0.0), ct);

    public Task EnqueueAsync(BackgroundJobs jobs, int rowId, CancellationToken ct) => DraftRunJob.EnqueueAsync(jobs, rowId, ct);
}
