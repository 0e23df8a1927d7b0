using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Storyweave.Hosting;

/// <summary>
/// Slows password guessing against one account without letting anyone lock its owner out. The first
/// <see cref="FreeFailures"/> wrong passwords cost nothing; after that each further one makes the account wait
/// longer before the next try is even checked (1 s, 2 s, 4 s … up to <see cref="MaxDelay"/>). While it waits,
/// every try — right or wrong — is answered "wait N seconds", so guessing gains nothing; once the wait is over
/// the right password works at once and clears the count. Keyed by what was typed (the email address, whether
/// or not an account has it), so the answer never tells whether an account exists. Kept in memory for one node (a
/// restart forgets it); with Redis configured (several nodes, decision 0011) in Redis, one hash per key
/// (<c>{prefix}:sign-in:{key}</c>, updated by one script so two nodes' failures both count), so a wait earned on one
/// node holds on all. Should Redis be unreachable, this node counts in memory meanwhile rather than refuse every sign-in.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock, SharedRedis redis, ILogger<SignInThrottle> log)
{
    public const int FreeFailures = 3;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);
    private const int MaxEntries = 50_000;

    private sealed record State(int Failures, DateTimeOffset NotBefore, DateTimeOffset LastFailure);

    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);

    public static string StaffKey(string? email) => "staff:" + (email ?? "").Trim().ToUpperInvariant();

    /// <summary>How long the next try must wait, or null when it may be checked now.</summary>
    public async Task<TimeSpan?> WaitForAsync(string key)
    {
        if (redis.IsOn)
        {
            try
            {
                var notBefore = (long?)await redis.Database.HashGetAsync(SharedKey(key), "n");
                if (notBefore is null) return WaitFor(key);
                var shared = DateTimeOffset.FromUnixTimeMilliseconds(notBefore.Value) - clock.GetUtcNow();
                return shared > TimeSpan.Zero ? shared : WaitFor(key);
            }
            catch (RedisException e)
            {
                log.LogWarning(e, "Could not read the sign-in limiter from Redis; this node's own count is used.");
            }
        }
        return WaitFor(key);
    }

    public async Task FailedAsync(string key)
    {
        if (redis.IsOn)
        {
            try
            {
                await redis.Database.ScriptEvaluateAsync(FailScript, [SharedKey(key)], FailArguments(clock.GetUtcNow()));
                return;
            }
            catch (RedisException e)
            {
                log.LogWarning(e, "Could not record a wrong password in Redis; this node counts it meanwhile.");
            }
        }
        Failed(key);
    }

    public async Task SucceededAsync(string key)
    {
        Succeeded(key);
        if (!redis.IsOn) return;
        try
        {
            await redis.Database.KeyDeleteAsync(SharedKey(key));
        }
        catch (RedisException e)
        {
            log.LogWarning(e, "Could not clear the sign-in limiter in Redis.");
        }
    }

    private RedisKey SharedKey(string key) => redis.Key("sign-in:" + key);

    // The same rule as Failed, in one step on the Redis server: a quiet hour (or no entry) starts the count again at 1;
    // the wait after the n-th failure is ARGV[n + 1] (the last one for any n beyond); the entry lasts an hour past the wait.
    private const string FailScript = """
        local now = tonumber(ARGV[1])
        local failures = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
        local last = tonumber(redis.call('HGET', KEYS[1], 'l') or '0')
        if failures == 0 or now - last > 3600000 then failures = 1 else failures = failures + 1 end
        local wait = tonumber(ARGV[math.min(failures, #ARGV - 1) + 1])
        redis.call('HSET', KEYS[1], 'f', failures, 'l', now, 'n', now + wait)
        redis.call('PEXPIRE', KEYS[1], 3600000 + wait)
        return failures
        """;

    /// <summary>Now, then the wait in milliseconds after 1, 2, … failures up to the first that reaches <see cref="MaxDelay"/>.</summary>
    private static RedisValue[] FailArguments(DateTimeOffset now)
    {
        var arguments = new List<RedisValue> { now.ToUnixTimeMilliseconds() };
        for (var failures = 1; ; failures++)
        {
            var delay = Delay(failures);
            arguments.Add((long)delay.TotalMilliseconds);
            if (delay >= MaxDelay) return [.. arguments];
        }
    }

    private TimeSpan? WaitFor(string key)
    {
        if (!_states.TryGetValue(key, out var state)) return null;
        var left = state.NotBefore - clock.GetUtcNow();
        return left > TimeSpan.Zero ? left : null;
    }

    private void Failed(string key)
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

    private void Succeeded(string key) => _states.TryRemove(key, out _);

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
