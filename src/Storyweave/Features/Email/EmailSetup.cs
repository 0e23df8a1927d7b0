using Quartz;

namespace Storyweave.Features.Email;

public static class EmailSetup
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<EmailSender>();
        services.AddScoped<EmailOutbox>();
        services.AddHostedService<EmailSendStartup>();
    }
}

/// <summary>
/// At each node's start: stores the "send the outbox" job and its repeating trigger if they are not there yet, and
/// asks for a run at once, so mail queued while no node was running goes out now. Nothing is released here: a
/// message another node has claimed is that node's (the next run releases claims only when no run is going on).
/// Without email settings (<see cref="EmailSettings.IsConfigured"/>) nothing can be sent, so the node takes the
/// repeating trigger away instead (one left from a start with settings included): an idle server then does not look at
/// the outbox every 30 s for nothing (issue #17). The next start with settings, or a message queued after the
/// configuration was reloaded with settings (<see cref="EmailOutbox.WakeAsync"/>), stores it again. Every node of a
/// cluster reads the same settings (docs/operations.md "Email").
/// </summary>
public sealed class EmailSendStartup(ISchedulerFactory schedulers, EmailSender sender, IConfiguration configuration, TimeProvider clock) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The sender counts the email queue's length for the metrics from its first run on.
        GC.KeepAlive(sender);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        if (!EmailSettings.From(configuration).IsConfigured)
        {
            await scheduler.UnscheduleJob(EmailSendJob.Every, cancellationToken);
            return;
        }
        await EmailSendJob.EnsureScheduledAsync(scheduler, clock, cancellationToken);
        await EmailSendJob.RunSoonAsync(scheduler, clock, TimeSpan.Zero, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
