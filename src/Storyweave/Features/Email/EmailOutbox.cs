using System.Text.Encodings.Web;
using Quartz;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Email;

/// <summary>
/// Puts emails in the durable queue (<see cref="OutboxMessage"/>). Callers ask <see cref="Settings"/> first: when
/// email is not set up, pages show the link for the person to pass on themselves and nothing is queued.
/// </summary>
public sealed class EmailOutbox(StoryweaveDb db, IConfiguration configuration, TimeProvider clock, ISchedulerFactory schedulers, JobMetrics metrics,
    ILogger<EmailOutbox> logger)
{
    public EmailSettings Settings { get; } = EmailSettings.From(configuration);

    /// <summary>Queues one message and saves it (with anything else the caller's unit of work holds), then wakes the sender.</summary>
    public async Task QueueAsync(EmailContent content, string toAddress, string toName, CancellationToken ct = default)
    {
        Add(content, toAddress, toName);
        await db.SaveChangesAsync(ct);
        await WakeAsync();
    }

    /// <summary>
    /// Adds one message to the caller's unit of work without saving, so it is queued in the same transaction as the
    /// change it reports (a sign-up and its confirmation); call <see cref="WakeAsync"/> after the commit.
    /// </summary>
    public void Add(EmailContent content, string toAddress, string toName)
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
            InlineImagePng = content.InlineImage?.Png,
            InlineImageId = content.InlineImage?.ContentId,
            CreatedAt = now,
            NextAttemptAt = now,
        });
        metrics.Queued(JobMetrics.Email);
    }

    /// <summary>
    /// Asks the job engine to run <see cref="EmailSendJob"/> now (on whichever node takes it), rather than at its next
    /// regular look. Call after the message is committed. If the engine cannot be reached the message is still
    /// queued and goes out at the next regular look, so that is logged, not shown to the person.
    /// </summary>
    public async Task WakeAsync()
    {
        try
        {
            var scheduler = await schedulers.GetScheduler();
            // A node that started without email settings stored no job (EmailSendStartup); settings may have come since.
            if (!await scheduler.Exists(EmailSendJob.Every)) await EmailSendJob.EnsureScheduledAsync(scheduler, clock, CancellationToken.None);
            await EmailSendJob.RunSoonAsync(scheduler, clock, TimeSpan.Zero, CancellationToken.None);
        }
        catch (Exception e) when (e is SchedulerException or System.Data.Common.DbException or InvalidOperationException)
        {
            logger.LogWarning(e, "Could not ask for the email queue to be sent at once; it is sent at the next regular look");
        }
    }
}

/// <summary>A picture inside an email's HTML part, referred to there as <c>cid:{ContentId}</c>.</summary>
public sealed record InlineImage(string ContentId, byte[] Png);

/// <summary>One email's words, as plain text and as simple HTML with the same content.</summary>
public sealed record EmailContent(string Kind, string Subject, string Text, string Html, InlineImage? InlineImage = null)
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

    /// <summary>A message of short paragraphs and no link (the HTML part says the same, paragraph for paragraph).</summary>
    public static EmailContent Paragraphs(string kind, string subject, IReadOnlyList<string> paragraphs) => new(
        kind, subject, string.Join("\n\n", paragraphs) + "\n",
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + E(subject) + "</title></head><body>"
        + string.Concat(paragraphs.Select(p => "<p>" + E(p) + "</p>")) + "</body></html>");

    /// <summary>
    /// The thank-you after a public sign-up. It says what the person signed up for and what happens next, and
    /// nothing they answered: an email can be read by others (a shared inbox, a family computer), and the answers
    /// include special-category facts such as health.
    /// </summary>
    public static EmailContent SignUpConfirmation(string name, string project, string howContacted, IReadOnlyList<(string Name, string Email)> team) => Paragraphs(
        "sign-up-confirmation", $"Thank you for signing up: {project}",
        [
            $"Hello {name},",
            $"Thank you for signing up to share your story with {project}. We have your details.",
            "What happens next:",
            $"1. Someone from the project team will get in touch {howContacted} to arrange a time to talk.",
            "2. You will have a relaxed conversation with a Community Reporter. You choose what to share.",
            "3. You can change your mind about how your story is used, or stop taking part, at any time, before or after the conversation. Just tell the team: you do not have to give a reason.",
            team.Count == 0
                ? "To contact the project team, reply to this email."
                : "To contact the project team, or to change your mind: " + string.Join("; ", team.Select(t => $"{t.Name} ({t.Email})")) + ".",
            "If you did not sign up, you can ignore this email, or tell the team and they will remove your details.",
        ]);

    /// <summary>
    /// A storyteller's personal link: the address, its QR code (as an inline picture) and the six-digit code, with
    /// the same words as the printed handout.
    /// </summary>
    public static EmailContent StorytellerLink(string name, string project, string address, string code, DateTime until, string from, byte[] qrPng)
    {
        const string cid = "page-qr@storyweave";
        var date = until.ToString("d MMMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-GB"));
        var subject = $"Your own page about your story: {project}";
        string[] intro =
        [
            $"Hello {name},",
            $"You now have your own page about the story you told for {project}.",
            "On your page you can read your story, see where it has been used, and change what we may do with it. You can also download a copy of everything we hold about you, and ask us to correct something.",
        ];
        string[] outro =
        [
            $"The link works until {date}. Please keep this email to yourself: anyone with the address and the code can see your page.",
            $"If it does not work, ask {from}, or reply to this email.",
        ];
        var text = string.Join("\n\n", intro) + "\n\n"
            + $"1. Open this address:\n{address}\n(capital or small letters both work, and the dashes can be left out)\n\n"
            + $"2. Type your code: {code}\n\n"
            + string.Join("\n\n", outro) + "\n";
        var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + E(subject) + "</title></head><body>"
            + string.Concat(intro.Select(p => "<p>" + E(p) + "</p>"))
            + "<ol><li><p><a href=\"" + E(address) + "\">Open your page</a></p>"
            + "<p>If the link does not work, copy this address into your web browser:<br>" + E(address) + "</p>"
            + "<p>Or point a phone's camera at this square:<br><img src=\"cid:" + cid + "\" width=\"200\" height=\"200\" alt=\"A square code that opens your page on a phone\"></p></li>"
            + "<li><p>Type your code: <strong>" + E(code) + "</strong></p></li></ol>"
            + string.Concat(outro.Select(p => "<p>" + E(p) + "</p>"))
            + "</body></html>";
        return new EmailContent("storyteller-link", subject, text, html, new InlineImage(cid, qrPng));
    }
}
