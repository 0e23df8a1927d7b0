using System.Threading.RateLimiting;

namespace Storyweave.Features.CallOut;

/// <summary>
/// A lead's limit on sign-ups per hour through one call-out (<see cref="CallOut.SignUpsPerHour"/>), counted for
/// everyone together, in a fixed one-hour window per project. It adds to the site's per-address limit (the
/// <c>AppHost.SignUpRateLimit</c> policy), which stays. Counts live in memory: a restart starts them again, which
/// is fine for a guard against floods. A changed limit starts a new count.
/// </summary>
public sealed class CallOutSignUpLimit : IDisposable
{
    private readonly PartitionedRateLimiter<(int ProjectId, int Limit)> _limiter =
        PartitionedRateLimiter.Create<(int ProjectId, int Limit), (int ProjectId, int Limit)>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key, k => new FixedWindowRateLimiterOptions
            {
                PermitLimit = k.Limit,
                Window = TimeSpan.FromHours(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    /// <summary>Counts one sign-up; null when it may go ahead, otherwise how long until the next is accepted.</summary>
    public TimeSpan? TryTake(int projectId, int? perHour)
    {
        if (perHour is not { } limit || limit < 1) return null;
        using var lease = _limiter.AttemptAcquire((projectId, limit));
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : TimeSpan.FromHours(1);
    }

    public void Dispose() => _limiter.Dispose();
}
