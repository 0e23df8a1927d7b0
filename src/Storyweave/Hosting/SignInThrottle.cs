using System.Collections.Concurrent;

namespace Storyweave.Hosting;

/// <summary>
/// Slows password guessing against one account without letting anyone lock its owner out. The first
/// <see cref="FreeFailures"/> wrong passwords cost nothing; after that each further one makes the account wait
/// longer before the next try is even checked (1 s, 2 s, 4 s … up to <see cref="MaxDelay"/>). While it waits,
/// every try — right or wrong — is answered "wait N seconds", so guessing gains nothing; once the wait is over
/// the right password works at once and clears the count. Keyed by what was typed (the email address, whether
/// or not an account has it), so the answer never tells whether an account exists. Kept in memory: a restart
/// forgets it (a multi-node set-up shares nothing yet; see docs/operations.md).
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public const int FreeFailures = 3;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);
    private const int MaxEntries = 50_000;

    private sealed record State(int Failures, DateTimeOffset NotBefore, DateTimeOffset LastFailure);

    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);

    public static string StaffKey(string? email) => "staff:" + (email ?? "").Trim().ToUpperInvariant();

    /// <summary>How long the next try must wait, or null when it may be checked now.</summary>
    public TimeSpan? WaitFor(string key)
    {
        if (!_states.TryGetValue(key, out var state)) return null;
        var left = state.NotBefore - clock.GetUtcNow();
        return left > TimeSpan.Zero ? left : null;
    }

    public void Failed(string key)
    {
        var now = clock.GetUtcNow();
        if (_states.Count >= MaxEntries) Prune(now);
        _states.AddOrUpdate(key,
            _ => new State(1, now, now),
            (_, s) =>
            {
                // A quiet hour forgets earlier mistakes.
                var failures = now - s.LastFailure > TimeSpan.FromHours(1) ? 1 : s.Failures + 1;
                return new State(failures, now + Delay(failures), now);
            });
    }

    public void Succeeded(string key) => _states.TryRemove(key, out _);

    /// <summary>The wait after the n-th wrong password in a row.</summary>
    public static TimeSpan Delay(int failures) => failures <= FreeFailures
        ? TimeSpan.Zero
        : TimeSpan.FromSeconds(Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, Math.Min(20, failures - FreeFailures - 1))));

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, state) in _states)
            if (now - state.LastFailure > TimeSpan.FromHours(1)) _states.TryRemove(key, out _);
    }

    /// <summary>"5 seconds", "1 minute and 4 seconds": the wait as a person reads it (whole seconds, rounded up).</summary>
    public static string Describe(TimeSpan wait)
    {
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        var (m, s) = (seconds / 60, seconds % 60);
        string Part(int n, string unit) => $"{n} {unit}{(n == 1 ? "" : "s")}";
        return m == 0 ? Part(s, "second") : s == 0 ? Part(m, "minute") : $"{Part(m, "minute")} and {Part(s, "second")}";
    }
}
