using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Email;
using Storyweave.Features.Events;

namespace Storyweave.Features.Accounts;

/// <summary>
/// Invitations, password resets by email and turning accounts off and on: shared by the pages and the JSON API.
/// When email is not set up, the link comes back to the administrator to pass on themselves (<see cref="LinkSent"/>).
/// </summary>
public sealed class AccountLinks(StoryweaveDb db, UserManager<User> users, EmailOutbox outbox, TimeProvider clock)
{
    /// <summary>Emailed is true when the message is queued; otherwise <see cref="Link"/> is for the administrator to pass on.</summary>
    public sealed record LinkSent(User User, bool Emailed, string? Link);

    public const string InvitePurpose = "invite";
    public const string ResetPurpose = "reset";

    public bool EmailIsSetUp => outbox.Settings.IsConfigured;

    /// <summary>The page a link leads to, with the account and token in its query.</summary>
    public static string ChoosePasswordPath(string userId, string purpose, string token) =>
        $"/account/choose-password?u={Uri.EscapeDataString(userId)}&p={purpose}&t={Uri.EscapeDataString(token)}";

    /// <summary>
    /// Makes an account without a password and sends (or hands back) the link to choose one. <paramref name="requestSite"/>
    /// is this request's own address, used only for the link shown to the administrator when email is not set up.
    /// </summary>
    public async Task<Result<LinkSent>> InviteAsync(string email, string displayName, bool isAdmin, User actor, string requestSite, CancellationToken ct = default)
    {
        email = email.Trim();
        displayName = displayName.Trim();
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(displayName)) errors.Add("Enter a name.");
        if (!AccountService.LooksLikeEmail(email)) errors.Add("Enter an email address, like name@example.org.");
        if (errors.Count > 0) return Result.Fail<LinkSent>(errors);
        if (await users.FindByEmailAsync(email) is not null)
            return Result.Fail<LinkSent>(["An account with this email address already exists."]);
        var now = clock.GetUtcNow().UtcDateTime;
        var user = new User { UserName = email, Email = email, DisplayName = displayName, IsAdmin = isAdmin, CreatedAt = now, InvitedAt = now };
        var created = await users.CreateAsync(user);
        if (!created.Succeeded) return Result.Fail<LinkSent>(created.Errors.Select(AccountService.PlainMessage).ToList());
        db.Record(clock, null, actor.Id, isAdmin ? "account.invited-admin" : "account.invited", "user", user.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(await SendInvitationAsync(user, actor, requestSite, ct));
    }

    public async Task<Result<LinkSent>> ResendInvitationAsync(string userId, User actor, string requestSite, CancellationToken ct = default)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null) return Result.Fail<LinkSent>(["There is no such account."]);
        if (!user.InvitationPending) return Result.Fail<LinkSent>([$"{user.DisplayName} has already chosen a password, so there is no invitation to send again."]);
        db.Record(clock, null, actor.Id, "account.invitation-resent", "user", user.Id);
        return Result.Ok(await SendInvitationAsync(user, actor, requestSite, ct));
    }

    /// <summary>Cancelling removes the account, which has never been used: it has no password and so no sign-in.</summary>
    public async Task<Result<User>> CancelInvitationAsync(string userId, User actor, CancellationToken ct = default)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null) return Result.Fail<User>(["There is no such account."]);
        if (!user.InvitationPending) return Result.Fail<User>([$"{user.DisplayName} has already chosen a password: turn the account off instead."]);
        var deleted = await users.DeleteAsync(user);
        if (!deleted.Succeeded) return Result.Fail<User>(deleted.Errors.Select(AccountService.PlainMessage).ToList());
        db.Record(clock, null, actor.Id, "account.invitation-cancelled", "user", userId);
        await db.SaveChangesAsync(ct);
        return Result.Ok(user);
    }

    private async Task<LinkSent> SendInvitationAsync(User user, User actor, string requestSite, CancellationToken ct)
    {
        // A new stamp ends any earlier invitation link: only the newest one works.
        await users.UpdateSecurityStampAsync(user);
        user.InvitedAt = clock.GetUtcNow().UtcDateTime;
        await users.UpdateAsync(user);
        var token = await users.GenerateUserTokenAsync(user, AccountEmails.InvitationProvider, AccountEmails.InvitationPurpose);
        var path = ChoosePasswordPath(user.Id, InvitePurpose, token);
        if (!outbox.Settings.IsConfigured)
        {
            await db.SaveChangesAsync(ct);
            return new LinkSent(user, false, requestSite.TrimEnd('/') + path);
        }
        var content = EmailContent.Invitation(user.DisplayName, actor.DisplayName, outbox.Settings.Link(path), user.InvitedAt.Value + AccountEmails.InvitationLifetime);
        await outbox.QueueAsync(content, user.Email!, user.DisplayName, ct);
        return new LinkSent(user, true, null);
    }

    /// <summary>
    /// "Forgot your password?": queues a reset email when the address belongs to an account in use. The caller always
    /// gives the same answer, so the page never tells anyone whether an address has an account. At most one email per
    /// account every five minutes, so the form cannot be used to flood someone's inbox.
    /// </summary>
    public async Task RequestPasswordResetAsync(string email, CancellationToken ct = default)
    {
        if (!outbox.Settings.IsConfigured || !AccountService.LooksLikeEmail(email.Trim())) return;
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null || user.DeactivatedAt is not null || user.PasswordHash is null) return;
        var since = clock.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(5);
        if (await db.Events.AnyAsync(e => e.Action == "account.reset-requested" && e.ObjectId == user.Id && e.OccurredAt > since, ct)) return;
        var token = await users.GeneratePasswordResetTokenAsync(user);
        db.Record(clock, null, null, "account.reset-requested", "user", user.Id);
        await outbox.QueueAsync(EmailContent.PasswordReset(user.DisplayName, outbox.Settings.Link(ChoosePasswordPath(user.Id, ResetPurpose, token))), user.Email!, user.DisplayName, ct);
    }

    public const string LinkNotValid = "This link has run out or has already been used.";

    /// <summary>Checks a link before the form is shown, so a dead link says so at once instead of after typing a password.</summary>
    public async Task<User?> CheckLinkAsync(string? userId, string? purpose, string? token)
    {
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(token)) return null;
        var user = await users.FindByIdAsync(userId);
        if (user is null || user.DeactivatedAt is not null) return null;
        var valid = purpose switch
        {
            InvitePurpose => user.InvitationPending && await users.VerifyUserTokenAsync(user, AccountEmails.InvitationProvider, AccountEmails.InvitationPurpose, token),
            ResetPurpose => user.PasswordHash is not null && await users.VerifyUserTokenAsync(user, users.Options.Tokens.PasswordResetTokenProvider, UserManager<User>.ResetPasswordTokenPurpose, token),
            _ => false,
        };
        return valid ? user : null;
    }

    /// <summary>Sets the password from an invitation or reset link. Either changes the security stamp: the link is used up and other sessions end.</summary>
    public async Task<Result<User>> ChoosePasswordAsync(string? userId, string? purpose, string? token, string password, string confirm, CancellationToken ct = default)
    {
        var user = await CheckLinkAsync(userId, purpose, token);
        if (user is null) return Result.Fail<User>([LinkNotValid]);
        if (password != confirm) return Result.Fail<User>(["The two passwords are not the same. Type the same password twice."]);
        IdentityResult result;
        if (purpose == InvitePurpose)
        {
            result = await users.AddPasswordAsync(user, password);
            if (result.Succeeded)
            {
                // The invitation reached this address, so the address is known to be theirs.
                user.EmailConfirmed = true;
                await users.UpdateAsync(user);
            }
        }
        else
        {
            result = await users.ResetPasswordAsync(user, token!, password);
        }
        if (!result.Succeeded) return Result.Fail<User>(result.Errors.Select(AccountService.PlainMessage).ToList());
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        db.Record(clock, null, user.Id, purpose == InvitePurpose ? "account.invitation-accepted" : "account.password-reset-by-email", "user", user.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(user);
    }

    /// <summary>
    /// Turns an account off: no sign-in, API tokens refused, and its sessions end at once (the new security stamp is
    /// checked on every request). Nobody may turn themselves off, nor the last administrator still on.
    /// </summary>
    public async Task<Result<User>> DeactivateAsync(string userId, User actor, CancellationToken ct = default)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null) return Result.Fail<User>(["There is no such account."]);
        if (user.Id == actor.Id) return Result.Fail<User>(["You cannot turn off your own account. Ask another administrator."]);
        if (user.DeactivatedAt is not null) return Result.Ok(user);
        if (user.IsAdmin && !await db.Users.AnyAsync(u => u.IsAdmin && u.DeactivatedAt == null && u.Id != user.Id, ct))
            return Result.Fail<User>([$"{user.DisplayName} is the last administrator. Make someone else an administrator first."]);
        user.DeactivatedAt = clock.GetUtcNow().UtcDateTime;
        await users.UpdateAsync(user);
        await users.UpdateSecurityStampAsync(user);
        db.Record(clock, null, actor.Id, "account.deactivated", "user", user.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(user);
    }

    public async Task<Result<User>> ReactivateAsync(string userId, User actor, CancellationToken ct = default)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null) return Result.Fail<User>(["There is no such account."]);
        if (user.DeactivatedAt is null) return Result.Ok(user);
        user.DeactivatedAt = null;
        await users.UpdateAsync(user);
        db.Record(clock, null, actor.Id, "account.reactivated", "user", user.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(user);
    }
}
