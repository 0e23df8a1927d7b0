using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Hosting;

namespace Storyweave.Testing;

/// <summary>Apps that share state through Redis, as several nodes do (issue #16, decision 0011).</summary>
public sealed partial class TestApp
{
    /// <summary>
    /// The throwaway redis-server test.sh starts (STORYWEAVE_TEST_REDIS, e.g. 127.0.0.1:56379). A test that needs it
    /// fails without it, never skips: CI must run it.
    /// </summary>
    public static string RedisServer => Environment.GetEnvironmentVariable("STORYWEAVE_TEST_REDIS") is { Length: > 0 } v
        ? v
        : throw new InvalidOperationException("STORYWEAVE_TEST_REDIS is not set: run the tests through test.sh, which starts a throwaway redis-server, or set it to a Redis server's address.");

    /// <summary>
    /// A first node configured with Redis (a key prefix of its own, so tests sharing the server never see each other);
    /// <see cref="StartSecondNodeAsync"/> gives the second node the same settings. <paramref name="clock"/>, if given, is both nodes' clock.
    /// </summary>
    public static Task<TestApp> StartWithRedisAsync(TimeProvider? clock = null)
    {
        var redis = RedisServer;
        var prefix = "sw-test-" + Guid.NewGuid().ToString("N")[..12];
        return StartAsync(configureBuilder: b =>
        {
            b.Configuration[SharedRedis.ConfigurationSetting] = redis;
            b.Configuration[SharedRedis.PrefixSetting] = prefix;
            if (clock is not null) b.Services.AddSingleton(clock);
        });
    }
}
