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
/// </summary>
public sealed class EmailSendStartup(ISchedulerFactory schedulers, EmailSender sender, TimeProvider clock) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The sender counts the email queue's length for the metrics from its first run on.
        GC.KeepAlive(sender);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await EmailSendJob.EnsureScheduledAsync(scheduler, clock, cancellationToken);
        await EmailSendJob.RunSoonAsync(scheduler, clock, TimeSpan.Zero, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
