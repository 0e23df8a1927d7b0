using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Transcription;

/// <summary>Draft job ids waiting to run. In memory: the database (Status Queued) is the record of what is owed.</summary>
public sealed class DraftQueue
{
    private readonly Channel<int> _channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly JobMetrics _metrics;

    public DraftQueue(JobMetrics metrics) => _metrics = metrics;

    public void Enqueue(int jobId)
    {
        if (_channel.Writer.TryWrite(jobId)) _metrics.Queued(JobMetrics.Drafts);
    }

    public ChannelReader<int> Reader => _channel.Reader;
}

/// <summary>
/// The queue plumbing only, as for renditions and clips: one draft at a time (speech recognition takes
/// a whole core or more, and two cores are shared with everyone), each run by <see cref="DraftRunner"/>
/// in a scope of its own. Rows left Queued or Running by a stop are queued again at start-up.
/// </summary>
public sealed class DraftWorker(IServiceScopeFactory scopes, DraftQueue queue, JobMetrics metrics, ILogger<DraftWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await RequeueUnfinishedAsync(stoppingToken);
        await foreach (var id in queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var job = metrics.Start(JobMetrics.Drafts);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<DraftRunner>().RunAsync(id, null, stoppingToken);
                job.Finish(await OutcomeAsync(id));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                job.Finish(JobMetrics.Cancelled);
                return;
            }
            catch (Exception e)
            {
                // The runner records its own failures; this is only reached if the database itself failed.
                logger.LogError(e, "Draft job {JobId} could not be run", id);
            }
        }
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

    public async Task RequeueUnfinishedAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        await db.DraftJobs.Where(j => j.Status == DraftStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, DraftStatus.Queued).SetProperty(j => j.Progress, 0.0), ct);
        var ids = await db.DraftJobs.Where(j => j.Status == DraftStatus.Queued).OrderBy(j => j.Id).Select(j => j.Id).ToListAsync(ct);
        foreach (var id in ids) queue.Enqueue(id);
        if (ids.Count > 0) logger.LogInformation("Queued {Count} unfinished transcript draft(s)", ids.Count);
    }
}
