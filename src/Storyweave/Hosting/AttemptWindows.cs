using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Data;

namespace Storyweave.Hosting;

/// <summary>
/// How many attempts one client address has made for one purpose (a rate-limit policy: sign-in, storyteller code,
/// setup, sign-up) in its current window, counted in the database so that every node behind a load balancer counts
/// the same attempts. A window starts at the address's first attempt and lasts the policy's window (a minute or an
/// hour), as the in-memory fixed-window limiter it replaces did. Holds a client's network address, nothing else about
/// them, and only while its window lasts (<see cref="AttemptWindows"/> deletes ended ones); never backed up.
/// </summary>
public class AttemptWindow
{
    public required string Policy { get; set; }
    public required string Address { get; set; }
    public DateTime WindowStart { get; set; }
    public int Count { get; set; }
}

public sealed class AttemptWindowConfiguration : IEntityTypeConfiguration<AttemptWindow>
{
    public void Configure(EntityTypeBuilder<AttemptWindow> builder)
    {
        builder.ToTable("AttemptWindows");
        builder.HasKey(w => new { w.Policy, w.Address });
        builder.Property(w => w.Policy).HasMaxLength(40);
        builder.Property(w => w.Address).HasMaxLength(100);
        builder.HasIndex(w => new { w.Policy, w.WindowStart });
    }
}

/// <summary>
/// Counts attempts in <see cref="AttemptWindow"/> rows: one <c>INSERT … ON CONFLICT … DO UPDATE … RETURNING</c> per
/// attempt (a new window if the last one has ended), atomic on both databases, so two nodes' attempts at the same moment
/// both count. Ended windows of a policy are deleted at most once a minute per node.
/// </summary>
public sealed class AttemptWindows(IServiceScopeFactory scopes, TimeProvider clock)
{
    private static readonly TimeSpan CleanEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTime> _lastCleaned = new(StringComparer.Ordinal);

    private sealed record Counted(DateTime WindowStart, int Count);

    /// <summary>Counts one attempt; null when it may go ahead, otherwise how long until the address's window ends.</summary>
    public async Task<TimeSpan?> TryTakeAsync(string policy, string address, int permits, TimeSpan window, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ended = now - window;
        if (address.Length > 100) address = address[..100];
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        // In DO UPDATE every right-hand side reads the row as it was, on both databases.
        var rows = await db.Database.SqlQuery<Counted>($"""
            INSERT INTO "AttemptWindows" ("Policy", "Address", "WindowStart", "Count") VALUES ({policy}, {address}, {now}, 1)
            ON CONFLICT ("Policy", "Address") DO UPDATE SET
                "WindowStart" = CASE WHEN "AttemptWindows"."WindowStart" <= {ended} THEN {now} ELSE "AttemptWindows"."WindowStart" END,
                "Count" = CASE WHEN "AttemptWindows"."WindowStart" <= {ended} THEN 1 ELSE "AttemptWindows"."Count" + 1 END
            RETURNING "WindowStart", "Count"
            """).ToListAsync(ct);
        var counted = rows.Single();
        await CleanAsync(db, policy, now, ended, ct);
        if (counted.Count <= permits) return null;
        var wait = DateTime.SpecifyKind(counted.WindowStart, DateTimeKind.Utc) + window - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }

    private async Task CleanAsync(StoryweaveDb db, string policy, DateTime now, DateTime ended, CancellationToken ct)
    {
        if (_lastCleaned.TryGetValue(policy, out var last) && now - last < CleanEvery) return;
        _lastCleaned[policy] = now;
        await db.Database.ExecuteSqlAsync($"""DELETE FROM "AttemptWindows" WHERE "Policy" = {policy} AND "WindowStart" <= {ended}""", ct);
    }
}

/// <summary>
/// One policy's limit for one client address, for ASP.NET Core's rate-limiting middleware, counted in the database
/// (<see cref="AttemptWindows"/>). The middleware first tries <see cref="RateLimiter.AttemptAcquire(int)"/>, which
/// cannot reach the database without blocking and so always declines; it then awaits
/// <see cref="RateLimiter.AcquireAsync(int, CancellationToken)"/>, which counts the attempt. A refusal carries
/// <see cref="MetadataName.RetryAfter"/>: the time left in the address's window.
/// </summary>
public sealed class DatabaseWindowLimiter(AttemptWindows windows, string policy, string address, int permits, TimeSpan window, TimeProvider clock) : RateLimiter
{
    private long _lastUsed = clock.GetTimestamp();

    /// <summary>No state of its own: the middleware's cache drops it once unused for a while.</summary>
    public override TimeSpan? IdleDuration => clock.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => Lease.NotYetCounted;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastUsed, clock.GetTimestamp());
        if (permitCount == 0) return Lease.Granted;
        var wait = await windows.TryTakeAsync(policy, address, permits, window, cancellationToken);
        return wait is { } w ? new Lease(false, w) : Lease.Granted;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);
        public static readonly Lease NotYetCounted = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
