using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Storyweave.Data;

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
        presence.Add(Context.ConnectionId, workshopId, actor.DisplayName);
        await Clients.Group(Group(workshopId)).SendAsync("presence", presence.NamesIn(workshopId), Context.ConnectionAborted);
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
        presence.Add(Context.ConnectionId, workshopId, name);
        await Clients.Group(Group(workshopId)).SendAsync("presence", presence.NamesIn(workshopId), Context.ConnectionAborted);
        return true;
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (presence.Remove(Context.ConnectionId) is { } workshopId)
            await Clients.Group(Group(workshopId)).SendAsync("presence", presence.NamesIn(workshopId));
        await base.OnDisconnectedAsync(exception);
    }

    public sealed record JoinResult(bool Ok, long Sequence, string? Error);
}

/// <summary>Who is connected to which board (this process only; one app process serves the workshops).</summary>
public sealed class WorkshopPresence
{
    private readonly ConcurrentDictionary<string, (int WorkshopId, string Name)> _connections = new();

    public void Add(string connectionId, int workshopId, string name) => _connections[connectionId] = (workshopId, name);

    public int? Remove(string connectionId) => _connections.TryRemove(connectionId, out var c) ? c.WorkshopId : null;

    public IReadOnlyList<string> NamesIn(int workshopId) =>
        _connections.Values.Where(c => c.WorkshopId == workshopId).Select(c => c.Name).Distinct().Order(StringComparer.CurrentCulture).ToList();
}

/// <summary>
/// The clip each board is playing to everyone ("Play to everyone"). Like presence it lives in this
/// process only: after a restart nothing is playing, which is the safe answer.
/// </summary>
public sealed class WorkshopPlayback
{
    public sealed record ClipPlay(long Id, int CardId);

    private readonly ConcurrentDictionary<int, ClipPlay> _playing = new();

    public void Start(int workshopId, ClipPlay play) => _playing[workshopId] = play;

    public ClipPlay? Current(int workshopId) => _playing.TryGetValue(workshopId, out var p) ? p : null;

    public bool Stop(int workshopId) => _playing.TryRemove(workshopId, out _);
}

/// <summary>Sends "changed" to everyone on a board, after the change was committed.</summary>
public sealed class WorkshopNotifier(IHubContext<WorkshopHub> hub)
{
    public sealed record Change(long Sequence, string? Message, int? ByParticipantId);

    public Task ChangedAsync(int workshopId, long sequence, string? message, int? byParticipantId) =>
        hub.Clients.Group(WorkshopHub.Group(workshopId)).SendAsync("changed", new Change(sequence, message, byParticipantId));
}
