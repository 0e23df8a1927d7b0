using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Workshops;

/// <summary>
/// Live updates for workshop boards at <c>/hubs/workshop</c>. The hub carries
/// <see cref="WorkshopGuest.Rule"/> (account cookie/token or a workshop join cookie); joining a
/// board's group re-checks, like the API, that the caller takes part in that workshop.
/// Broadcasts carry only the board's sequence and a short plain-language line, never card text or
/// votes: each client then reads the board through the API with its own rights (consent, secret votes).
/// </summary>
public sealed class WorkshopHub(StoryweaveDb db, WorkshopPresence presence) : Hub
{
    public const string Path = "/hubs/workshop";

    public static string Group(int workshopId) => $"workshop-{workshopId}";

    /// <summary>Adds this connection to the board's group; returns the current sequence, or an error line.</summary>
    public async Task<JoinResult> Join(int projectId, int workshopId)
    {
        var (outcome, actor, _) = await WorkshopActors.ResolveAsync(db, Context.User!, projectId, workshopId, Context.ConnectionAborted);
        if (outcome != ActorOutcome.Allowed || actor is null) return new JoinResult(false, 0, "You are not taking part in this workshop.");
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(workshopId), Context.ConnectionAborted);
        await presence.AddAsync(Context.ConnectionId, workshopId, actor.DisplayName);
        await Clients.Group(Group(workshopId)).SendAsync("presence", await presence.NamesInAsync(workshopId), Context.ConnectionAborted);
        var sequence = await WorkshopService.SequenceOf(db, workshopId, Context.ConnectionAborted);
        return new JoinResult(true, sequence, null);
    }

    /// <summary>
    /// "In the room" mode: the facilitator shows in the presence list as the room group they act
    /// for (null: as themselves again). The API re-checks the group on every change.
    /// </summary>
    public async Task<bool> ActAs(int projectId, int workshopId, int? roomGroupId)
    {
        var (outcome, actor, _) = await WorkshopActors.ResolveAsync(db, Context.User!, projectId, workshopId, Context.ConnectionAborted);
        if (outcome != ActorOutcome.Allowed || actor is null) return false;
        var name = actor.DisplayName;
        if (roomGroupId is { } id)
        {
            if (await WorkshopActors.ActingForAsync(db, actor, workshopId, id, Context.ConnectionAborted) is not { } group) return false;
            name = $"{group.DisplayName} (with {actor.DisplayName})";
        }
        await presence.AddAsync(Context.ConnectionId, workshopId, name);
        await Clients.Group(Group(workshopId)).SendAsync("presence", await presence.NamesInAsync(workshopId), Context.ConnectionAborted);
        return true;
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (await presence.RemoveAsync(Context.ConnectionId) is { } workshopId)
            await Clients.Group(Group(workshopId)).SendAsync("presence", await presence.NamesInAsync(workshopId));
        await base.OnDisconnectedAsync(exception);
    }

    public sealed record JoinResult(bool Ok, long Sequence, string? Error);
}

/// <summary>
/// Who is connected to which board. Each node knows its own connections; with Redis configured (several nodes,
/// <see cref="SharedRedis"/>) each connection is also a field of the board's hash <c>{prefix}:presence:{workshopId}</c>
/// with a lease of <see cref="Lease"/> that its node renews every third of it, so every node lists everyone and
/// the connections of a node that stopped without saying goodbye drop out by themselves (decision 0011).
/// </summary>
public sealed class WorkshopPresence : IDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(90);

    private readonly ConcurrentDictionary<string, (int WorkshopId, string Name)> _connections = new();
    private readonly SharedRedis _redis;
    private readonly TimeProvider _clock;
    private readonly ILogger<WorkshopPresence> _log;
    private readonly ITimer? _renewal;

    public WorkshopPresence(SharedRedis redis, TimeProvider clock, ILogger<WorkshopPresence> log)
    {
        _redis = redis;
        _clock = clock;
        _log = log;
        if (redis.IsOn) _renewal = clock.CreateTimer(_ => _ = RenewAsync(), null, Lease / 3, Lease / 3);
    }

    /// <summary>How many connections this node holds (for tests and diagnostics).</summary>
    public int ConnectionsHere => _connections.Count;

    private RedisKey BoardKey(int workshopId) => _redis.Key($"presence:{workshopId}");

    private RedisValue Entry(string name) => $"{(_clock.GetUtcNow() + Lease).ToUnixTimeMilliseconds()}|{name}";

    public async Task AddAsync(string connectionId, int workshopId, string name)
    {
        var before = _connections.TryGetValue(connectionId, out var b) ? b.WorkshopId : (int?)null;
        _connections[connectionId] = (workshopId, name);
        if (!_redis.IsOn) return;
        try
        {
            var db = _redis.Database;
            if (before is { } old && old != workshopId) await db.HashDeleteAsync(BoardKey(old), connectionId);
            await db.HashSetAsync(BoardKey(workshopId), connectionId, Entry(name));
            await db.KeyExpireAsync(BoardKey(workshopId), TimeSpan.FromDays(1));
        }
        catch (RedisException e)
        {
            _log.LogWarning(e, "Could not record a workshop connection in Redis; other nodes will not list it until it is renewed.");
        }
    }

    public async Task<int?> RemoveAsync(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var c)) return null;
        if (_redis.IsOn)
        {
            try
            {
                await _redis.Database.HashDeleteAsync(BoardKey(c.WorkshopId), connectionId);
            }
            catch (RedisException e)
            {
                _log.LogWarning(e, "Could not remove a workshop connection from Redis; it drops out when its lease ends.");
            }
        }
        return c.WorkshopId;
    }

    /// <summary>The names of everyone on a board (on every node), each once, in order.</summary>
    public async Task<IReadOnlyList<string>> NamesInAsync(int workshopId)
    {
        IEnumerable<string> names = _connections.Values.Where(c => c.WorkshopId == workshopId).Select(c => c.Name);
        if (_redis.IsOn)
        {
            try
            {
                var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
                var shared = new List<string>();
                var expired = new List<RedisValue>();
                foreach (var field in await _redis.Database.HashGetAllAsync(BoardKey(workshopId)))
                {
                    var value = (string)field.Value!;
                    var bar = value.IndexOf('|', StringComparison.Ordinal);
                    if (bar > 0 && long.TryParse(value.AsSpan(0, bar), out var until) && until > now) shared.Add(value[(bar + 1)..]);
                    else expired.Add(field.Name);
                }
                if (expired.Count > 0) await _redis.Database.HashDeleteAsync(BoardKey(workshopId), [.. expired]);
                names = names.Concat(shared);
            }
            catch (RedisException e)
            {
                _log.LogWarning(e, "Could not read workshop presence from Redis; listing this node's connections only.");
            }
        }
        return names.Distinct().Order(StringComparer.CurrentCulture).ToList();
    }

    /// <summary>Renews the lease of every connection this node holds.</summary>
    private async Task RenewAsync()
    {
        try
        {
            var db = _redis.Database;
            foreach (var group in _connections.ToArray().GroupBy(c => c.Value.WorkshopId))
            {
                await db.HashSetAsync(BoardKey(group.Key), [.. group.Select(c => new HashEntry(c.Key, Entry(c.Value.Name)))]);
                await db.KeyExpireAsync(BoardKey(group.Key), TimeSpan.FromDays(1));
            }
        }
        catch (RedisException e)
        {
            _log.LogWarning(e, "Could not renew workshop presence in Redis.");
        }
    }

    public void Dispose() => _renewal?.Dispose();
}

/// <summary>
/// The clip each board is playing to everyone ("Play to everyone"). In this process for one node; in Redis
/// (<c>{prefix}:playing:{workshopId}</c>) when several nodes share one (decision 0011), so a board read on any node
/// shows it. Either way it is not kept for ever: after a restart (one node) or a day (Redis) nothing is playing,
/// which is the safe answer.
/// </summary>
public sealed class WorkshopPlayback(SharedRedis redis)
{
    public sealed record ClipPlay(long Id, int CardId);

    private readonly ConcurrentDictionary<int, ClipPlay> _playing = new();

    private RedisKey Key(int workshopId) => redis.Key($"playing:{workshopId}");

    public async Task StartAsync(int workshopId, ClipPlay play)
    {
        if (!redis.IsOn) _playing[workshopId] = play;
        else await redis.Database.StringSetAsync(Key(workshopId), $"{play.Id}:{play.CardId}", TimeSpan.FromDays(1));
    }

    public async Task<ClipPlay?> CurrentAsync(int workshopId)
    {
        if (!redis.IsOn) return _playing.TryGetValue(workshopId, out var p) ? p : null;
        var value = (string?)await redis.Database.StringGetAsync(Key(workshopId));
        var parts = value?.Split(':');
        return parts is [var id, var card] && long.TryParse(id, out var playId) && int.TryParse(card, out var cardId) ? new ClipPlay(playId, cardId) : null;
    }

    public async Task<bool> StopAsync(int workshopId) =>
        redis.IsOn ? await redis.Database.KeyDeleteAsync(Key(workshopId)) : _playing.TryRemove(workshopId, out _);
}

/// <summary>Sends "changed" to everyone on a board, after the change was committed.</summary>
public sealed class WorkshopNotifier(IHubContext<WorkshopHub> hub)
{
    /// <summary>
    /// What everyone on a board is told after a commit. <see cref="Move"/> is set for a card move:
    /// a board that is exactly at <see cref="After"/> applies it directly (no need to read the whole
    /// board again, which is what keeps 50 participants fast); any other board reads the board.
    /// </summary>
    public sealed record Change(long Sequence, string? Message, int? ByParticipantId, long? After = null, CardMove? Move = null);

    /// <summary>A card's new place: what a board needs to show a move without reading the board again.</summary>
    public sealed record CardMove(int CardId, int? ClusterId, int Position, int Version);

    public Task ChangedAsync(int workshopId, long sequence, string? message, int? byParticipantId, long? after = null, CardMove? move = null) =>
        hub.Clients.Group(WorkshopHub.Group(workshopId)).SendAsync("changed", new Change(sequence, message, byParticipantId, after, move));
}
