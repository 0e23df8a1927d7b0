using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Quartz;
using Storyweave.Data;

namespace Storyweave.Hosting;

/// <summary>
/// The one background job engine (docs/decisions/0010-job-engine.md): Quartz.NET with its clustered ADO job store in
/// the app's own database (tables <c>qrtz_*</c>, created by our migrations). On PostgreSQL every node runs a
/// scheduler in one cluster; a job queued on one node is run by whichever node takes it first, and a job whose node
/// died is run again by a live node once that node has missed its check-ins (<see cref="CheckinInterval"/> +
/// <see cref="CheckinMisfireThreshold"/>). On SQLite (one node) the store is not clustered: a job cut off by a crash
/// or a stop is run again when the app starts.
/// <para>
/// A job carries one row id and nothing else (never a name, a text or an email address: the job tables are not
/// personal data and are left out of backups). The row (a report file, a clip, …) stays the record of status and
/// progress, so pages show progress as before, and the job claims its row atomically
/// (<c>Queued → Running</c>, or <c>Running → Running</c> when Quartz says the run is a recovery), so running a
/// job twice does nothing the second time.
/// </para>
/// <para>
/// Each row has its own Quartz job (key: kind + row id) that disallows concurrent runs, so a row queued again
/// while it runs (a redaction rule changed) runs again after the current run, never beside it. Each kind runs
/// one job at a time per node (the execution limit below), as the old one-worker-per-queue did.
/// </para>
/// </summary>
public sealed class BackgroundJobs(ISchedulerFactory schedulers, JobMetrics metrics)
{
    /// <summary>How often a node records that it is alive.</summary>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long after a missed check-in the other nodes treat a node as dead and run its jobs again.</summary>
    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(10);

    /// <summary>The job data key holding the row id (the only thing a job carries).</summary>
    public const string RowIdKey = "rowId";

    public static void Add(IServiceCollection services, StoryweaveOptions options)
    {
        services.AddSingleton<BackgroundJobs>();
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "Storyweave";
                s.GenerateInstanceId = true;
                // Another node's jobs are looked for every second when idle; a job queued on this node wakes it at once.
                s.IdleWaitTime = TimeSpan.FromSeconds(1);
                // On shutdown running jobs are asked to stop, and (RecoverFiringsCancelledByShutdown) handed back for another node.
                s.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
            });
            // Two cores are shared: one job of each kind at a time on each node (the trigger group is the kind).
            q.UseExecutionLimits(l => l.UseTriggerGroupWhenUnset().ForOtherGroups(1));
            q.UsePersistentStore(store =>
            {
                if (options.UsesPostgres) store.UsePostgres(options.Postgres!);
                else store.UseSqlite($"Data Source={options.SqlitePath}");
                // Several nodes need PostgreSQL: Quartz refuses clustering on SQLite (its locks are in-process), so a
                // SQLite instance is one node, whose jobs survive restarts (the store recovers them at start).
                if (options.UsesPostgres)
                {
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = CheckinInterval;
                        c.CheckinMisfireThreshold = CheckinMisfireThreshold;
                    });
                }
                store.ConfigureStore(s =>
                {
                    s.TablePrefix = options.UsesPostgres ? "qrtz_" : "QRTZ_";
                    // The tables come from our migrations (Data/Migrations/*/…_JobEngine.cs); the store only checks them.
                    s.SchemaProvisioning = SchemaProvisioning.Validate;
                    s.RecoverFiringsCancelledByShutdown = true;
                });
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddHostedService<BackgroundJobsStartup>();
    }

    /// <summary>
    /// Queues the job for one row. Safe to call for a row that already has a job (queued or running): the job then
    /// runs once more after it, and the claim on the row decides whether there is anything left to do.
    /// </summary>
    public async Task EnqueueAsync<TJob>(string kind, int rowId, CancellationToken ct = default) where TJob : IJob
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var key = KeyFor(kind, rowId);
        for (var attempt = 1; ; attempt++)
        {
            var trigger = TriggerBuilder.Create().WithIdentity(Guid.NewGuid().ToString("N"), kind).ForJob(key).StartNow().Build();
            try
            {
                if (await scheduler.Exists(key, ct)) await scheduler.ScheduleJob(trigger, cancellationToken: ct);
                else
                {
                    var job = JobBuilder.Create<TJob>().WithIdentity(key)
                        .UsingJobData(RowIdKey, rowId.ToString(CultureInfo.InvariantCulture))
                        .RequestRecovery().DisallowConcurrentExecution().Build();
                    await scheduler.ScheduleJob(job, trigger, cancellationToken: ct);
                }
                break;
            }
            // The job was stored by another call meanwhile, or ended and was removed between the check and the schedule.
            catch (JobPersistenceException) when (attempt < 3)
            {
            }
        }
        metrics.Queued(kind);
    }

    /// <summary>Whether a row has a job in the engine (queued, or running on some node).</summary>
    public async Task<bool> HasJobAsync(string kind, int rowId, CancellationToken ct = default) =>
        await (await schedulers.GetScheduler(ct)).Exists(KeyFor(kind, rowId), ct);

    public static JobKey KeyFor(string kind, int rowId) => new(rowId.ToString(CultureInfo.InvariantCulture), kind);

    public static int RowIdOf(IJobExecutionContext context) =>
        int.Parse(Convert.ToString(context.MergedJobDataMap[RowIdKey], CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture);
}

/// <summary>
/// One kind of row a background job works on: how to find the rows that are owed a job. At each start the engine
/// makes sure every Queued row has a job, and that a Running row with no job anywhere (left by a version before the
/// engine, or by a restore) is queued again. A Running row whose job exists is some node's, and is left alone.
/// </summary>
public interface IJobRows
{
    string Kind { get; }

    Task<List<int>> QueuedAsync(StoryweaveDb db, CancellationToken ct);

    Task<List<int>> RunningAsync(StoryweaveDb db, CancellationToken ct);

    /// <summary>Puts a Running row back to Queued (only if it is still Running).</summary>
    Task RequeueAsync(StoryweaveDb db, int rowId, CancellationToken ct);

    Task EnqueueAsync(BackgroundJobs jobs, int rowId, CancellationToken ct);
}

/// <summary>Called by a job once it holds its row: lets tests stand in for a node that stops part-way.</summary>
public interface IJobRunObserver
{
    Task ClaimedAsync(string kind, int rowId, CancellationToken ct);
}

/// <summary>
/// What every job does around its own work: counts it in <see cref="JobMetrics"/>, lets an interrupted run go back
/// to the engine (a node stopping: another node, or this one when it starts again, runs it again), and records any
/// other failure on the row.
/// </summary>
public abstract class RowJob(string kind, JobMetrics metrics, IEnumerable<IJobRunObserver> observers, ILogger logger) : IJob
{
    /// <summary>Call once the job holds its row (after the claim).</summary>
    protected async Task ClaimedAsync(int rowId, CancellationToken ct)
    {
        foreach (var observer in observers) await observer.ClaimedAsync(kind, rowId, ct);
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var id = BackgroundJobs.RowIdOf(context);
        using var run = metrics.Start(kind);
        try
        {
            run.Finish(await RunAsync(id, context.Recovering, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The row stays Running: the engine stores a recovery run for it (RecoverFiringsCancelledByShutdown).
            run.Finish(JobMetrics.Cancelled);
            throw;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Background job {Kind} for row {RowId} failed", kind, id);
            try
            {
                await FailAsync(id, e);
            }
            catch (Exception again)
            {
                logger.LogError(again, "Could not record the failure of background job {Kind} for row {RowId}", kind, id);
            }
            run.Finish(JobMetrics.Failed);
        }
    }

    /// <summary>Does the work for one row; returns the outcome for <see cref="JobMetrics"/>.</summary>
    /// <param name="recovering">The engine runs this again because the node that ran it stopped: the row may be Running.</param>
    protected abstract Task<string> RunAsync(int rowId, bool recovering, CancellationToken ct);

    /// <summary>Records on the row that the job failed and why (in words a person can act on).</summary>
    protected abstract Task FailAsync(int rowId, Exception e);
}

/// <summary>At start, gives every row that is owed a job one (see <see cref="IJobRows"/>).</summary>
public sealed class BackgroundJobsStartup(IServiceScopeFactory scopes, BackgroundJobs jobs, IEnumerable<IJobRows> kinds, ILogger<BackgroundJobsStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        foreach (var kind in kinds)
        {
            var queued = 0;
            foreach (var id in await kind.QueuedAsync(db, cancellationToken))
            {
                if (await jobs.HasJobAsync(kind.Kind, id, cancellationToken)) continue;
                await kind.EnqueueAsync(jobs, id, cancellationToken);
                queued++;
            }
            foreach (var id in await kind.RunningAsync(db, cancellationToken))
            {
                if (await jobs.HasJobAsync(kind.Kind, id, cancellationToken)) continue;
                await kind.RequeueAsync(db, id, cancellationToken);
                await kind.EnqueueAsync(jobs, id, cancellationToken);
                queued++;
            }
            if (queued > 0) logger.LogInformation("Queued {Count} {Kind} job(s) that had none in the job engine", queued, kind.Kind);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
