using System.Text.Encodings.Web;
using System.Threading.Channels;
using Storyweave.Data;

namespace Storyweave.Features.Email;

/// <summary>Wakes <see cref="EmailSender"/> when a message is queued, so it does not wait for its next look.</summary>
public sealed class EmailWakeup
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _channel.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan atMost, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(atMost);
        try
        {
            await _channel.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The wait ran out: time for the next look at the queue.
        }
    }
}

/// <summary>
/// Puts emails in the durable queue (<see cref="OutboxMessage"/>). Callers ask <see cref="Settings"/> first: when
/// email is not set up, pages show the link for the person to pass on themselves and nothing is queued.
/// </summary>
public sealed class EmailOutbox(StoryweaveDb db, IConfiguration configuration, TimeProvider clock, EmailWakeup wakeup)
{
    public EmailSettings Settings { get; } = EmailSettings.From(configuration);

    /// <summary>Queues one message and saves it (with anything else the caller's unit of work holds), then wakes the sender.</summary>
    public async Task QueueAsync(EmailContent content, string toAddress, string toName, CancellationToken ct = default)
    {
        if (!Settings.IsConfigured) throw new InvalidOperationException("Email is not set up: ask Settings.IsConfigured before queueing.");
        var now = clock.GetUtcNow().UtcDateTime;
        db.OutboxMessages.Add(new OutboxMessage
        {
            Kind = content.Kind,
            ToAddress = toAddress,
            ToName = toName,
            Subject = content.Subject,
            TextBody = content.Text,
            HtmlBody = content.Html,
            CreatedAt = now,
            NextAttemptAt = now,
        });
        await db.SaveChangesAsync(ct);
        wakeup.Wake();
    }
}

/// <summary>One email's words, as plain text and as simple HTML with the same content.</summary>
public sealed record EmailContent(string Kind, string Subject, string Text, string Html)
{
    private static string E(string s) => HtmlEncoder.Default.Encode(s);

    /// <summary>A message of short paragraphs and one link, written once for both the text and the HTML part.</summary>
    public static EmailContent Build(string kind, string subject, IReadOnlyList<string> before, string linkText, string link, IReadOnlyList<string> after)
    {
        var text = string.Join("\n\n", before.Append($"{linkText}:\n{link}").Concat(after)) + "\n";
        var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + E(subject) + "</title></head><body>"
            + string.Concat(before.Select(p => "<p>" + E(p) + "</p>"))
            + "<p><a href=\"" + E(link) + "\">" + E(linkText) + "</a></p>"
            + "<p>If the link does not work, copy this address into your web browser:<br>" + E(link) + "</p>"
            + string.Concat(after.Select(p => "<p>" + E(p) + "</p>"))
            + "</body></html>";
        return new EmailContent(kind, subject, text, html);
    }

    public static EmailContent Invitation(string name, string inviter, string link, DateTime expiresAt) => Build(
        "invitation", "You are invited to Storyweave",
        [$"Hello {name},", $"{inviter} has made you an account on Storyweave, where your team works on stories together."],
        "Choose your password", link,
        [$"The link works once, until {expiresAt:d MMMM yyyy} (UTC). If it has run out, ask {inviter} to send a new one.",
         "If you did not expect this, you can ignore this email."]);

    public static EmailContent PasswordReset(string name, string link) => Build(
        "password-reset", "Choose a new Storyweave password",
        [$"Hello {name},", "Someone asked to choose a new password for your Storyweave account. If it was you, use this link within one hour."],
        "Choose a new password", link,
        ["The link works once. Choosing a new password signs you out everywhere else.",
         "If you did not ask for this, you can ignore this email: your password stays as it is."]);

    public static EmailContent Test(string link) => Build(
        "test", "Storyweave test message",
        ["This is a test message from Storyweave. If you can read it, Storyweave can send email."],
        "Open Storyweave", link, []);
}
