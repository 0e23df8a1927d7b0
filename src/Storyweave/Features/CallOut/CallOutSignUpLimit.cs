using Storyweave.Hosting;

namespace Storyweave.Features.CallOut;

/// <summary>
/// A lead's limit on sign-ups per hour through one call-out (<see cref="CallOut.SignUpsPerHour"/>), counted for
/// everyone together, in a one-hour window per project that starts at its first sign-up. It adds to the site's
/// per-address limit (the <c>AppHost.SignUpRateLimit</c> policy), which stays. Counted in the database
/// (<see cref="AttemptWindows"/>, under the policy <see cref="Policy"/> and the "address" <c>project-{id}/{limit}</c>), so
/// sign-ups on every node count together. A changed limit starts a new count.
/// </summary>
public sealed class CallOutSignUpLimit(AttemptWindows windows)
{
    public const string Policy = "call-out-sign-up";

    /// <summary>Counts one sign-up; null when it may go ahead, otherwise how long until the next is accepted.</summary>
    public async Task<TimeSpan?> TryTakeAsync(int projectId, int? perHour, CancellationToken ct)
    {
        if (perHour is not { } limit || limit < 1) return null;
        return await windows.TryTakeAsync(Policy, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"project-{projectId}/{limit}"), limit, TimeSpan.FromHours(1), ct);
    }
}
