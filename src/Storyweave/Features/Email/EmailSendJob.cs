using Quartz;
using Storyweave.Hosting;

namespace Storyweave.Features.Email;

/// <summary>
/// "Send the outbox": the one durable job of the job engine that sends email (<see cref="EmailSender"/> does the work).
/// It never runs twice at once, on this node or, on PostgreSQL, on any node of the cluster (the clustered store
/// holds its other triggers back while it runs), which is what lets a run release the claims it finds at its start.
/// Three triggers start it: <see cref="Every"/> (every <see cref="EmailSender.LookEvery"/>), <see cref="Soon"/> (a
/// message was queued, a node started, or a retry falls due) and the engine's own recovery trigger after a node died
/// or stopped in the middle of a run (<c>RequestRecovery</c>). It carries no data: the outbox rows are the queue.
/// </summary>
[DisallowConcurrentExecution]
public sealed class EmailSendJob(EmailSender sender, TimeProvider clock, ILogger<EmailSendJob> logger) : IJob
{
    /// <summary>The trigger group, as for every job of the engine: the kind (one run at a time per node).</summary>
    public const string Group = JobMetrics.Email;

    public static readonly JobKey Key = new("send-outbox", Group);

    /// <summary>The repeating trigger: a look at the outbox every <see cref="EmailSender.LookEvery"/> on some node.</summary>
    public static readonly TriggerKey Every = new("every", Group);

    /// <summary>The one-shot trigger for "run as soon as possible" or "run when the next retry is due".</summary>
    public static readonly TriggerKey Soon = new("soon", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        DateTime? next;
        try
        {
            next = await sender.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping: the engine hands the run back (RecoverFiringsCancelledByShutdown), and the
            // next run, here after a restart or on another node, releases the claims and sends the rest.
            throw;
        }
        catch (Exception e)
        {
            logger.LogError(e, "The email queue could not be read; looking again in {Seconds} s", EmailSender.LookEvery.TotalSeconds);
            return;
        }
        // A retry due before the next regular look gets a run of its own (tests retry after a second).
        if (next is null) return;
        var wait = next.Value - clock.GetUtcNow().UtcDateTime;
        if (wait < EmailSender.LookEvery) await RunSoonAsync(context.Scheduler, clock, wait, CancellationToken.None);
    }

    /// <summary>Stores the job and its repeating trigger if they are not there yet (every node at start; idempotent).</summary>
    public static async Task EnsureScheduledAsync(IScheduler scheduler, TimeProvider clock, CancellationToken ct)
    {
        var job = JobBuilder.Create<EmailSendJob>().WithIdentity(Key).StoreDurably().RequestRecovery().Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, ct);
        var every = TriggerBuilder.Create().WithIdentity(Every).ForJob(Key).StartAt(clock.GetUtcNow())
            .WithSimpleSchedule(s => s.WithInterval(EmailSender.LookEvery).RepeatForever()
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        // Keep: a node starting leaves the running schedule as it is (the store decides under its lock).
        await scheduler.ScheduleTrigger(every, TriggerConflict.Keep, ct);
    }

    /// <summary>
    /// Asks for a run after <paramref name="wait"/> (at once when zero or less), unless a run is already waiting to
    /// start by then. A run going on now does not count (its one-shot trigger has fired, so it is not pending): it
    /// may have read the outbox before the caller's message was saved, so the new run follows it.
    /// </summary>
    public static async Task RunSoonAsync(IScheduler scheduler, TimeProvider clock, TimeSpan wait, CancellationToken ct)
    {
        // The engine keeps time by the app's clock (the container's TimeProvider), so fire times are read from it too.
        var now = clock.GetUtcNow();
        var at = wait > TimeSpan.Zero ? now + wait : now;
        var trigger = TriggerBuilder.Create().WithIdentity(Soon).ForJob(Key).StartAt(at)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();
        // KeepEarlier: of a pending run and this one, the earlier stays; many messages queued at once ask for one run.
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.KeepEarlier, ct);
    }
}
