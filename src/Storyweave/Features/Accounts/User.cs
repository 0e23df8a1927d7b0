using Microsoft.AspNetCore.Identity;

namespace Storyweave.Features.Accounts;

public class User : IdentityUser
{
    /// <summary>How the person wants to be called in the app (not necessarily their legal name).</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>Instance administrators see and manage every project and add accounts.</summary>
    public bool IsAdmin { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When an invitation was (last) sent. The invitation is pending while the account has no password.</summary>
    public DateTime? InvitedAt { get; set; }

    /// <summary>
    /// Set while an administrator has turned the account off: no sign-in, no API token, no reset email. Kept apart
    /// from Identity's lockout, which a password reset lifts: a reset must never turn a deactivated account back on.
    /// </summary>
    public DateTime? DeactivatedAt { get; set; }

    public bool InvitationPending => InvitedAt is not null && PasswordHash is null;
}
