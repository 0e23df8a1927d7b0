using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Email;
using Storyweave.Features.Events;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// Sends a storyteller a new personal link by email: the same link as the handout (made by
/// <see cref="StorytellerLinkService.CreateAsync"/>, so it expires, locks and is turned off by the same rules, and
/// older links stop working), with its address, QR code and six-digit code. The address in the email is built from
/// the site's own address (<see cref="EmailSettings.SiteUrl"/>), never from the request. The event log records that
/// a link was emailed, never the code or the address it went to.
/// </summary>
public sealed class StorytellerLinkEmail(StoryweaveDb db, StorytellerLinkService links, EmailOutbox outbox, TimeProvider clock)
{
    public bool IsSetUp => outbox.Settings.IsConfigured;

    public const string NotSetUp = "Email is not set up on this Storyweave, so the link cannot be sent. Print the handout instead, or ask an administrator to set up email.";

    public async Task<Result<StorytellerLink>> SendAsync(int projectId, int storytellerId, int? days, string actorUserId, string actorName, CancellationToken ct = default)
    {
        if (!IsSetUp) return Result.Fail<StorytellerLink>([NotSetUp]);
        var person = await db.Storytellers.AsNoTracking().Where(s => s.Id == storytellerId && s.ProjectId == projectId)
            .Select(s => new { s.Name, s.Email, Project = s.Project!.Name }).SingleOrDefaultAsync(ct);
        if (person is null) return Result.Fail<StorytellerLink>(["That storyteller is not part of this project."]);
        if (string.IsNullOrWhiteSpace(person.Email))
            return Result.Fail<StorytellerLink>([$"{person.Name} has no email address. Add one on their page, or print the handout instead."]);

        var created = await links.CreateAsync(projectId, storytellerId, days, actorUserId, ct);
        if (!created.Succeeded) return Result.Fail<StorytellerLink>(created.Errors);
        var made = created.Value!;
        var address = outbox.Settings.Link(made.Path);
        outbox.Add(EmailContent.StorytellerLink(person.Name, person.Project, address, made.CodeForReading, made.Link.ExpiresAt, actorName, LinksModel.QrPng(address)),
            person.Email, person.Name);
        db.Record(clock, projectId, actorUserId, "storyteller-link.emailed", "storyteller-link", made.Link.Id, $"storyteller {storytellerId}");
        await db.SaveChangesAsync(ct);
        await outbox.WakeAsync();
        return Result.Ok(made.Link);
    }
}
