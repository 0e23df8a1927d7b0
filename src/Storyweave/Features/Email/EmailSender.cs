using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Email;

/// <summary>
/// Sends the queued emails, one batch of up to 20 at a time over one SMTP connection, retrying a failed message with
/// a doubling wait (from <see cref="EmailSettings.RetrySeconds"/> up to an hour). A sent message is deleted at once;
/// only a log line without its body remains.
/// <para>
/// It runs as one durable job of the job engine (<see cref="EmailSendJob"/>, decision 0010), which never runs twice
/// at once anywhere (on PostgreSQL the clustered store keeps it to one run across all nodes). A run starts every
/// <see cref="LookEvery"/>, when a message is queued (<see cref="EmailOutbox.WakeAsync"/>) and when the next retry
/// falls due. So a message still claimed when a run starts was claimed by a run that died or was stopped: the run
/// releases it and sends it. It may then arrive twice (if the server had already taken it), which is better than
/// never; a live node's claims are never released by another node starting.
/// </para>
/// </summary>
public sealed class EmailSender
{
    private readonly IServiceScopeFactory scopes;
    private readonly IConfiguration configuration;
    private readonly TimeProvider clock;
    private readonly JobMetrics metrics;
    private readonly IEnumerable<IJobRunObserver> observers;
    private readonly ILogger<EmailSender> logger;

    /// <summary>Messages waiting to be sent (not given up), as last counted: the email queue's length for <see cref="JobMetrics"/>.</summary>
    private long _waiting;

    public EmailSender(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider clock, JobMetrics metrics,
        IEnumerable<IJobRunObserver> observers, ILogger<EmailSender> logger)
    {
        this.scopes = scopes;
        this.configuration = configuration;
        this.clock = clock;
        this.metrics = metrics;
        this.observers = observers;
        this.logger = logger;
        metrics.TrackQueue(JobMetrics.Email, () => Interlocked.Read(ref _waiting));
    }

    /// <summary>About a day of tries with the default waits (30 s doubling to an hour).</summary>
    public const int MaxAttempts = 30;

    /// <summary>How many messages go over one SMTP connection.</summary>
    public const int BatchSize = 20;

    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    /// <summary>How often the outbox is looked at even when nothing woke the sender (the repeating trigger).</summary>
    public static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One run: releases the claims of a run that died or was stopped, sends every message that is due, batch by batch,
    /// and returns when the next message falls due (null: none waiting), for the job to ask for a run then.
    /// </summary>
    public async Task<DateTime?> RunAsync(CancellationToken ct)
    {
        var settings = EmailSettings.From(configuration);
        if (!settings.IsConfigured) return null;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        // No other run is going on anywhere (the job disallows concurrent runs, cluster-wide on PostgreSQL), so a
        // claim left now belongs to a run that was cut off: its message may or may not have reached the server.
        var released = await db.OutboxMessages.Where(m => m.ClaimedAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedAt, (DateTime?)null), ct);
        if (released > 0) logger.LogWarning("Released {Count} email(s) claimed by a send that was cut off; they are sent again", released);
        while (await SendBatchAsync(db, settings, ct))
        {
        }
        Interlocked.Exchange(ref _waiting, await db.OutboxMessages.LongCountAsync(m => m.GaveUpAt == null, ct));
        return await db.OutboxMessages.Where(m => m.GaveUpAt == null && m.ClaimedAt == null)
            .OrderBy(m => m.NextAttemptAt).Select(m => (DateTime?)m.NextAttemptAt).FirstOrDefaultAsync(ct);
    }

    /// <summary>Sends one batch of due messages over one connection; false when none was due.</summary>
    private async Task<bool> SendBatchAsync(StoryweaveDb db, EmailSettings settings, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.OutboxMessages
            .Where(m => m.GaveUpAt == null && m.ClaimedAt == null && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id).Take(BatchSize).ToListAsync(ct);
        if (due.Count == 0) return false;
        foreach (var m in due) m.ClaimedAt = now;
        await db.SaveChangesAsync(ct);
        using var smtp = new SmtpClient { Timeout = 30_000 };
        foreach (var message in due)
        {
            using var job = metrics.Start(JobMetrics.Email);
            try
            {
                foreach (var observer in observers) await observer.ClaimedAsync(JobMetrics.Email, message.Id, ct);
                if (!smtp.IsConnected) await ConnectAsync(smtp, settings, ct);
                await smtp.SendAsync(ToMime(message, settings), ct);
                db.OutboxMessages.Remove(message);
                await db.SaveChangesAsync(ct);
                job.Finish(JobMetrics.Succeeded);
                logger.LogInformation("Sent the {Kind} email #{Id} after {Attempts} earlier tries", message.Kind, message.Id, message.Attempts);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The node is stopping: the rest stay claimed, and the next run (here or on another node) sends them.
                job.Finish(JobMetrics.Cancelled);
                throw;
            }
            catch (Exception e)
            {
                Failed(message, e, settings, clock.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(CancellationToken.None);
                job.Finish(JobMetrics.Failed);
                if (smtp.IsConnected) await smtp.DisconnectAsync(false, CancellationToken.None);
            }
        }
        if (smtp.IsConnected) await smtp.DisconnectAsync(true, ct);
        return true;
    }

    private void Failed(OutboxMessage message, Exception e, EmailSettings settings, DateTime now)
    {
        message.Attempts++;
        message.ClaimedAt = null;
        message.LastError = Describe(e);
        if (message.Attempts >= MaxAttempts)
        {
            // Give up, and keep no more of the message than the page needs to say what did not arrive.
            message.GaveUpAt = now;
            message.TextBody = "";
            message.HtmlBody = "";
            message.InlineImagePng = null;
            logger.LogWarning("Gave up sending the {Kind} email #{Id} after {Attempts} tries: {Error}", message.Kind, message.Id, message.Attempts, message.LastError);
            return;
        }
        var wait = TimeSpan.FromSeconds(Math.Max(1, settings.RetrySeconds) * Math.Pow(2, Math.Min(message.Attempts - 1, 20)));
        message.NextAttemptAt = now + (wait < LongestWait ? wait : LongestWait);
        logger.LogWarning("Could not send the {Kind} email #{Id} (try {Attempts}); trying again at {Next:u}: {Error}", message.Kind, message.Id, message.Attempts, message.NextAttemptAt, message.LastError);
    }

    /// <summary>The reason in words an administrator can act on; the exception's own message is kept after it.</summary>
    public static string Describe(Exception e)
    {
        var text = e switch
        {
            System.Net.Sockets.SocketException => "The mail server could not be reached: check Storyweave:Smtp:Host and Port. ",
            AuthenticationException => "The mail server refused the user name or password (Storyweave:Smtp:User, Password). ",
            SslHandshakeException => "The secure connection to the mail server failed: check Storyweave:Smtp:Security and Port. ",
            SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } => "The mail server refused this address. ",
            SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } => "The mail server refused the sender address (Storyweave:Smtp:FromAddress). ",
            _ => "",
        } + e.Message;
        return text.Length > 1000 ? text[..1000] : text;
    }

    public static async Task ConnectAsync(SmtpClient smtp, EmailSettings settings, CancellationToken ct)
    {
        var security = settings.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        await smtp.ConnectAsync(settings.Host!, settings.Port, security, ct);
        if (!string.IsNullOrEmpty(settings.User)) await smtp.AuthenticateAsync(settings.User, settings.Password ?? "", ct);
    }

    public static MimeMessage ToMime(OutboxMessage message, EmailSettings settings)
    {
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(settings.FromName, settings.FromAddress!));
        mime.To.Add(new MailboxAddress(message.ToName, message.ToAddress));
        mime.Subject = message.Subject;
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        if (message.InlineImagePng is { Length: > 0 } png && !string.IsNullOrEmpty(message.InlineImageId))
        {
            // A related part the HTML shows by cid:, so mail programs that block data: and remote pictures still show it.
            var picture = body.LinkedResources.Add("code.png", png, new ContentType("image", "png"));
            picture.ContentId = message.InlineImageId;
        }
        mime.Body = body.ToMessageBody();
        return mime;
    }
}
