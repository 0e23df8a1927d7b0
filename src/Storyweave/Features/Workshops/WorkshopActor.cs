using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Features.Workshops;

/// <summary>
/// Who is acting on a workshop board: a project member (by account) or a person without an account
/// who joined by a personal link. See docs/decisions/0004-workshop-participants.md.
/// </summary>
public sealed record WorkshopActor(int? ParticipantId, string? UserId, string DisplayName, bool CanFacilitate)
{
    /// <summary>
    /// Set when the facilitator acts for a room group ("in the room" mode): the account of the
    /// facilitator at the screen. <see cref="ParticipantId"/> and <see cref="DisplayName"/> are then the group's.
    /// </summary>
    public string? ActingByUserId { get; init; }

    /// <summary>
    /// The id recorded in events: the account that acted (the facilitator, also when acting for a
    /// room group), or "participant:{id}" for a person without an account (ids only); null only for the
    /// made-up sample's seeding, which acts with neither (the event log then shows "Storyweave").
    /// </summary>
    public string? EventActor => ActingByUserId ?? UserId ?? (ParticipantId is { } id ? $"participant:{id}" : null);

    /// <summary>The account behind this actor, if any (the facilitator when acting for a room group).</summary>
    public string? AccountUserId => ActingByUserId ?? UserId;
}

public enum ActorOutcome
{
    Allowed,
    NotFound,
    Forbidden,
}

/// <summary>
/// People without an account sign in to ONE workshop by opening their join link: the join page
/// checks the link's SHA-256 hash, then issues a short-lived cookie of this separate scheme that
/// names only that participant. Every request re-reads the participant row, so revoking the link
/// ends access on the next request. The guest principal never carries a NameIdentifier, so it
/// can never pass a project policy or act as an account.
/// </summary>
public static class WorkshopGuest
{
    public const string Scheme = "WorkshopGuest";
    public const string ParticipantClaim = "storyweave:workshop-participant";
    public const string WorkshopClaim = "storyweave:workshop";

    /// <summary>
    /// The rule for the board API and the hub: signed in by account (cookie or token) OR by a
    /// workshop join link. Which workshop a guest may touch is checked per request by
    /// <see cref="WorkshopActors.ResolveAsync"/>; members are checked against the project there too.
    /// </summary>
    public static readonly AuthorizeAttribute Rule = new(Policies.SignedIn) { AuthenticationSchemes = $"{AppHost.SmartScheme},{Scheme}" };

    public static void AddScheme(AuthenticationBuilder auth) => auth.AddCookie(Scheme, o =>
    {
        o.Cookie.Name = "storyweave.workshop";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = TimeSpan.FromHours(12);
        o.SlidingExpiration = true;
        o.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
        o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
    });

    public static ClaimsPrincipal Principal(WorkshopParticipant p) => new(new ClaimsIdentity(
    [
        // "sub" (not NameIdentifier) so antiforgery tokens are bound to this participant.
        new Claim("sub", $"workshop-guest:{p.Id}"),
        new Claim(ParticipantClaim, p.Id.ToString(CultureInfo.InvariantCulture)),
        new Claim(WorkshopClaim, p.WorkshopId.ToString(CultureInfo.InvariantCulture)),
        new Claim(ClaimTypes.Name, p.DisplayName),
    ], Scheme));

    public static int? ParticipantIdOf(ClaimsPrincipal user, int workshopId)
    {
        var identity = user.Identities.FirstOrDefault(i => i.AuthenticationType == Scheme && i.IsAuthenticated);
        if (identity is null) return null;
        if (identity.FindFirst(WorkshopClaim)?.Value != workshopId.ToString(CultureInfo.InvariantCulture)) return null;
        return int.TryParse(identity.FindFirst(ParticipantClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }

    public static (int ParticipantId, int WorkshopId)? Any(ClaimsPrincipal user)
    {
        var identity = user.Identities.FirstOrDefault(i => i.AuthenticationType == Scheme && i.IsAuthenticated);
        if (identity is null) return null;
        return int.TryParse(identity.FindFirst(ParticipantClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p)
               && int.TryParse(identity.FindFirst(WorkshopClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            ? (p, w)
            : null;
    }
}

public static class WorkshopActors
{
    /// <summary>
    /// Decides from the principal alone (no HttpContext services), so the hub can use it too.
    /// Members: a participant row, or the right to run workshops (leads/analysts facilitate).
    /// Guests: their own participant row in this workshop, not revoked.
    /// </summary>
    public static async Task<(ActorOutcome Outcome, WorkshopActor? Actor, Workshop? Workshop)> ResolveAsync(
        StoryweaveDb db, ClaimsPrincipal user, int projectId, int workshopId, CancellationToken ct = default)
    {
        var workshop = await db.Workshops.AsNoTracking().SingleOrDefaultAsync(w => w.Id == workshopId && w.ProjectId == projectId, ct);
        if (workshop is null) return (ActorOutcome.NotFound, null, null);

        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is not null)
        {
            var account = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsAdmin, u.DisplayName }).SingleOrDefaultAsync(ct);
            if (account is not null)
            {
                var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
                    .Select(p => new { p.ArchivedAt, Role = p.Members.Where(m => m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault() })
                    .SingleAsync(ct);
                var access = new ProjectAccess(project.Role, account.IsAdmin, project.ArchivedAt is not null);
                var row = await db.WorkshopParticipants.AsNoTracking()
                    .Where(p => p.WorkshopId == workshopId && p.UserId == userId && p.RevokedAt == null).FirstOrDefaultAsync(ct);
                if (access.CanRunWorkshops) return (ActorOutcome.Allowed, new WorkshopActor(row?.Id, userId, row?.DisplayName ?? account.DisplayName, true), workshop);
                if (row is not null && access.CanView) return (ActorOutcome.Allowed, new WorkshopActor(row.Id, userId, row.DisplayName, false), workshop);
            }
        }

        if (WorkshopGuest.ParticipantIdOf(user, workshopId) is { } participantId)
        {
            var row = await db.WorkshopParticipants.AsNoTracking()
                .SingleOrDefaultAsync(p => p.Id == participantId && p.WorkshopId == workshopId && p.UserId == null && p.JoinTokenHash != null && p.RevokedAt == null, ct);
            if (row is not null) return (ActorOutcome.Allowed, new WorkshopActor(row.Id, null, row.DisplayName, false), workshop);
        }
        return (ActorOutcome.Forbidden, null, workshop);
    }

    /// <summary>
    /// "In the room" mode: a facilitator acting for one of the workshop's room groups. Returns the
    /// group as the actor (votes, notes and groups are credited to it; events name the facilitator),
    /// or null when the caller cannot facilitate or the id is not a live room group of this workshop.
    /// </summary>
    public static async Task<WorkshopActor?> ActingForAsync(StoryweaveDb db, WorkshopActor facilitator, int workshopId, int roomGroupId, CancellationToken ct = default)
    {
        if (!facilitator.CanFacilitate || facilitator.UserId is null) return null;
        var group = await db.WorkshopParticipants.AsNoTracking()
            .Where(p => p.Id == roomGroupId && p.WorkshopId == workshopId && p.RevokedAt == null && p.UserId == null && p.JoinTokenHash == null)
            .Select(p => new { p.Id, p.DisplayName }).SingleOrDefaultAsync(ct);
        return group is null ? null : new WorkshopActor(group.Id, null, group.DisplayName, true) { ActingByUserId = facilitator.UserId };
    }
}
