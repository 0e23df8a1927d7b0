using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace Storyweave.Hosting;

/// <summary>
/// The Redis server several nodes share (issue #16, decision 0011), or nothing: off unless the setting
/// <c>Redis:Configuration</c> (environment <c>Redis__Configuration</c>, e.g. <c>127.0.0.1:6379</c>) names one, and one
/// node needs none. When it is on: SignalR's Redis backplane carries every hub message to every node, and workshop
/// presence, "play to everyone", the public pages' cache generation and the sign-in limiter live in Redis, so each
/// node sees the others' state. Every key and channel starts with <c>Redis:Prefix</c> (default <c>storyweave</c>), so
/// two installations (or two test apps) can share one Redis server.
/// </summary>
public sealed class SharedRedis : IDisposable
{
    public const string ConfigurationSetting = "Redis:Configuration";
    public const string PrefixSetting = "Redis:Prefix";
    public const string DefaultPrefix = "storyweave";

    private readonly Lazy<ConnectionMultiplexer>? _connection;

    public SharedRedis(IConfiguration configuration)
    {
        Prefix = configuration[PrefixSetting] is { Length: > 0 } prefix ? prefix : DefaultPrefix;
        if (configuration[ConfigurationSetting] is { Length: > 0 } setting && !string.IsNullOrWhiteSpace(setting))
            _connection = new(() => ConnectionMultiplexer.Connect(Options(setting)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether a Redis server is configured (several nodes); false for one node.</summary>
    public bool IsOn => _connection is not null;

    public string Prefix { get; }

    /// <summary>The database; only when <see cref="IsOn"/>. Connects on first use (and reconnects by itself after).</summary>
    public IDatabase Database => (_connection ?? throw new InvalidOperationException("No Redis server is configured.")).Value.GetDatabase();

    /// <summary>A key under this installation's prefix, e.g. <c>storyweave:presence:12</c>.</summary>
    public RedisKey Key(string name) => $"{Prefix}:{name}";

    /// <summary>The client settings: a node starts even when Redis is not up yet, and retries; commands give up after 5 s.</summary>
    private static ConfigurationOptions Options(string setting)
    {
        var options = ConfigurationOptions.Parse(setting);
        options.AbortOnConnectFail = false;
        options.SyncTimeout = 5000;
        options.AsyncTimeout = 5000;
        return options;
    }

    /// <summary>Registers the shared state and, when Redis is configured, SignalR's Redis backplane (AppHost, after all settings are read).</summary>
    public static void Add(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SharedRedis>();
        if (builder.Configuration[ConfigurationSetting] is not { Length: > 0 } setting || string.IsNullOrWhiteSpace(setting)) return;
        var prefix = builder.Configuration[PrefixSetting] is { Length: > 0 } p ? p : DefaultPrefix;
        builder.Services.AddSignalR().AddStackExchangeRedis(setting, o =>
        {
            o.Configuration.AbortOnConnectFail = false;
            o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix + ":signalr");
        });
    }

    public void Dispose()
    {
        if (_connection is { IsValueCreated: true }) _connection.Value.Dispose();
    }
}
