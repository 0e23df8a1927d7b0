using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Email;

/// <summary>
/// Sends the queued emails, one batch at a time over one SMTP connection, retrying a failed message with a doubling
/// wait (from <see cref="EmailSettings.RetrySeconds"/> up to an hour). A sent message is deleted at once; only a log
/// line without its body remains. A message claimed when the app stopped is queued again at the next start: it may
/// then arrive twice (if the server had already taken it), which is better than never.
/// </summary>
public sealed class EmailSender : BackgroundService
{
    private readonly IServiceScopeFactory scopes;
    private readonly IConfiguration configuration;
    private readonly EmailWakeup wakeup;
    private readonly TimeProvider clock;
    private readonly JobMetrics metrics;
    private readonly ILogger<EmailSender> logger;

    /// <summary>Messages waiting to be sent (not given up), as last counted: the email queue's length for <see cref="JobMetrics"/>.</summary>
    private long _waiting;

    public EmailSender(IServiceScopeFactory scopes, IConfiguration configuration, EmailWakeup wakeup, TimeProvider clock, JobMetrics metrics, ILogger<EmailSender> logger)
    {
        this.scopes = scopes;
        this.configuration = configuration;
        this.wakeup = wakeup;
        this.clock = clock;
        this.metrics = metrics;
        this.logger = logger;
        metrics.TrackQueue(JobMetrics.Email, () => Interlocked.Read(ref _waiting));
    }

    /// <summary>About a day of tries with the default waits (30 s doubling to an hour).</summary>
    public const int MaxAttempts = 30;

    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);
    private static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
                await db.OutboxMessages.Where(m => m.ClaimedAt != null)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedAt, (DateTime?)null), stoppingToken);
            }
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan wait;
                try
                {
                    wait = await SendDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "The email queue could not be read; looking again in {Seconds} s", LookEvery.TotalSeconds);
                    wait = LookEvery;
                }
                await wakeup.WaitAsync(wait, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends every message that is due; returns how long to wait before looking again.</summary>
    private async Task<TimeSpan> SendDueAsync(CancellationToken ct)
    {
        var settings = EmailSettings.From(configuration);
        if (!settings.IsConfigured) return LookEvery;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.OutboxMessages
            .Where(m => m.GaveUpAt == null && m.ClaimedAt == null && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id).Take(20).ToListAsync(ct);
        if (due.Count > 0)
        {
            foreach (var m in due) m.ClaimedAt = now;
            await db.SaveChangesAsync(ct);
            using var smtp = new SmtpClient { Timeout = 30_000 };
            foreach (var message in due)
            {
                using var job = metrics.Start(JobMetrics.Email);
                try
                {
                    if (!smtp.IsConnected) await ConnectAsync(smtp, settings, ct);
                    await smtp.SendAsync(ToMime(message, settings), ct);
                    db.OutboxMessages.Remove(message);
                    await db.SaveChangesAsync(ct);
                    job.Finish(JobMetrics.Succeeded);
                    logger.LogInformation("Sent the {Kind} email #{Id} after {Attempts} earlier tries", message.Kind, message.Id, message.Attempts);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Failed(message, e, settings, clock.GetUtcNow().UtcDateTime);
                    await db.SaveChangesAsync(CancellationToken.None);
                    if (smtp.IsConnected) await smtp.DisconnectAsync(false, CancellationToken.None);
                }
            }
            if (smtp.IsConnected) await smtp.DisconnectAsync(true, ct);
        }
        Interlocked.Exchange(ref _waiting, await db.OutboxMessages.LongCountAsync(m => m.GaveUpAt == null, ct));
        var next = await db.OutboxMessages.Where(m => m.GaveUpAt == null && m.ClaimedAt == null)
            .OrderBy(m => m.NextAttemptAt).Select(m => (DateTime?)m.NextAttemptAt).FirstOrDefaultAsync(ct);
        if (next is null) return LookEvery;
        var untilNext = next.Value - clock.GetUtcNow().UtcDateTime;
        return untilNext <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : untilNext < LookEvery ? untilNext : LookEvery;
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
