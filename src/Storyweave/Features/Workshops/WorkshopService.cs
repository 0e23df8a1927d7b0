using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Media;
using Storyweave.Features.Shared;
namespace Storyweave.Features.Workshops;

/// <summary>
/// The workshop board's rules. Every change writes its rows and an event in one unit of work,
/// commits, and only then broadcasts (so a client that hears of a change can always read it).
/// </summary>
public sealed class WorkshopService(StoryweaveDb db, TimeProvider clock, ConsentPolicy consent, WorkshopNotifier notifier, WorkshopPlayback playback, MediaStorage storage)
{
    public const string NotAvailable = "This card is not available";
    public const string JustMoved = "This card was just moved by someone else. It is now shown where it is.";
    public const string LockedMessage = "The facilitator has paused changes to the board.";

    public sealed record Outcome(int Status, IReadOnlyList<string> Errors, BoardDto? Board = null, object? Value = null)
    {
        public bool Succeeded => Errors.Count == 0;
        public static Outcome Ok(object? value = null) => new(200, [], null, value);
        public static Outcome Rule(string message) => new(422, [message]);
    }

    public sealed record BoardDto(int WorkshopId, int ProjectId, string Title, WorkshopKind Kind, bool IsLocked, bool VotesRevealed,
        int VotesPerParticipant, int VotesUsed, bool CanFacilitate, bool IsConverted, long Sequence, int? MyParticipantId,
        IReadOnlyList<ClusterDto> Clusters, IReadOnlyList<CardDto> Cards)
    {
        /// <summary>When the facilitator's timer runs out (null: no timer). Clients count down against <see cref="ServerNow"/>, not their own clock.</summary>
        public DateTime? TimerEndsAt { get; init; }

        /// <summary>The server's time when the board was read.</summary>
        public DateTime ServerNow { get; init; }

        /// <summary>The clip the facilitator is playing to everyone, if any.</summary>
        public PlayDto? Playing { get; init; }

        /// <summary>The room group the facilitator is acting for in this request ("in the room" mode), if any.</summary>
        public int? ActingForParticipantId { get; init; }

        /// <summary>The workshop's room groups (facilitators only; empty for everyone else).</summary>
        public IReadOnlyList<RoomGroupDto> RoomGroups { get; init; } = [];
    }

    /// <summary>A clip played to everyone: <c>Id</c> changes with every "Play to everyone", so clients open each one once.</summary>
    public sealed record PlayDto(long Id, int CardId, string Url, string CaptionsUrl, double Start, double? End, string Label);

    public sealed record RoomGroupDto(int Id, string Name);

    /// <summary><c>Votes</c> is null until the facilitator reveals votes; <c>MyVotes</c> is always the caller's own.</summary>
    public sealed record ClusterDto(int Id, string Name, int Position, int? Votes, int MyVotes);

    public sealed record CardDto(int Id, CardKind Kind, int? ClusterId, int Position, int Version, bool Available, string? Text,
        string? Speaker, int? StoryId, double? StartSeconds, double? EndSeconds, int? Votes, int MyVotes)
    {
        /// <summary>True when the card can be heard: it has times, its story has a playable recording, and consent allows (see <see cref="ClipAsync"/>).</summary>
        public bool HasClip { get; init; }
    }

    public sealed record JoinLink(int ParticipantId, string Secret, string Path);

    public sealed record ProvenanceDto(IReadOnlyList<string> Participants, IReadOnlyList<ClusterVotes> Clusters);

    public sealed record ClusterVotes(string Cluster, int Votes, int Cards);

    // ---- Workshops and people -------------------------------------------------------------

    /// <summary>
    /// <paramref name="userId"/> is the facilitator's account. Null only for the made-up sample project, which is
    /// seeded before any account exists: that workshop then has no facilitator account and no facilitator row.
    /// </summary>
    public async Task<Result<Workshop>> CreateAsync(int projectId, string? title, WorkshopKind kind, int votesPerParticipant, string? userId, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(title)) return Result.Fail<Workshop>(["Give the workshop a title."]);
        if (votesPerParticipant is < 0 or > 20) return Result.Fail<Workshop>(["Votes per person must be between 0 and 20."]);
        var now = Now;
        var name = userId is null ? null : await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleAsync(ct);
        var workshop = new Workshop { ProjectId = projectId, Title = title.Trim(), Kind = kind, VotesPerParticipant = votesPerParticipant, FacilitatorUserId = userId, CreatedAt = now };
        db.Workshops.Add(workshop);
        await db.SaveChangesAsync(ct);
        if (userId is not null)
            db.WorkshopParticipants.Add(new WorkshopParticipant { WorkshopId = workshop.Id, UserId = userId, DisplayName = name!, IsFacilitator = true, InvitedAt = now });
        db.Record(clock, projectId, userId, "workshop.created", "workshop", workshop.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(workshop);
    }

    public async Task<Outcome> InviteMemberAsync(WorkshopActor actor, Workshop w, string memberUserId, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can invite people."]);
        var member = await db.ProjectMembers.Where(m => m.ProjectId == w.ProjectId && m.UserId == memberUserId)
            .Select(m => m.User!.DisplayName).SingleOrDefaultAsync(ct);
        if (member is null) return Outcome.Rule("That person is not in this project.");
        var existing = await db.WorkshopParticipants.SingleOrDefaultAsync(p => p.WorkshopId == w.Id && p.UserId == memberUserId, ct);
        if (existing is not null)
        {
            existing.RevokedAt = null;
        }
        else
        {
            existing = new WorkshopParticipant { WorkshopId = w.Id, UserId = memberUserId, DisplayName = member, InvitedAt = Now };
            db.WorkshopParticipants.Add(existing);
        }
        return await CommitAsync(w, actor, "workshop.invited", null, existing, ct);
    }

    /// <summary>A personal link for someone without an account. The secret is returned once; only its hash is kept.</summary>
    public async Task<Outcome> CreateJoinLinkAsync(WorkshopActor actor, Workshop w, string? displayName, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can make join links."]);
        if (string.IsNullOrWhiteSpace(displayName)) return Outcome.Rule("Write the name of the person the link is for.");
        var secret = NewJoinSecret();
        var row = new WorkshopParticipant { WorkshopId = w.Id, DisplayName = displayName.Trim(), JoinTokenHash = ApiToken.Hash(secret), InvitedAt = Now };
        db.WorkshopParticipants.Add(row);
        var result = await CommitAsync(w, actor, "workshop.link-created", null, row, ct);
        return result with { Value = new JoinLink(row.Id, secret, $"/workshop/join/{secret}") };
    }

    public async Task<Outcome> RevokeAsync(WorkshopActor actor, Workshop w, int participantId, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can remove people."]);
        var row = await db.WorkshopParticipants.SingleOrDefaultAsync(p => p.Id == participantId && p.WorkshopId == w.Id, ct);
        if (row is null) return new Outcome(404, ["That person is not in this workshop."]);
        row.RevokedAt = Now;
        return await CommitAsync(w, actor, "workshop.participant-removed", null, row, ct);
    }

    public static string NewJoinSecret() => "wj_" + ApiToken.NewSecret()[ApiToken.SecretPrefix.Length..];

    /// <summary>The participant a join link belongs to, if the link is valid and not revoked.</summary>
    public async Task<WorkshopParticipant?> FindByJoinSecretAsync(string secret, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 100) return null;
        var hash = ApiToken.Hash(secret);
        return await db.WorkshopParticipants.SingleOrDefaultAsync(p => p.JoinTokenHash == hash && p.RevokedAt == null, ct);
    }

    public async Task<Result<WorkshopParticipant>> AcceptJoinAsync(string secret, string? creditName, CancellationToken ct = default)
    {
        var row = await FindByJoinSecretAsync(secret, ct);
        if (row is null) return Result.Fail<WorkshopParticipant>(["This link no longer works. Ask the facilitator for a new one."]);
        if (string.IsNullOrWhiteSpace(creditName)) return Result.Fail<WorkshopParticipant>(["Write the name you would like to be known by."]);
        row.DisplayName = creditName.Trim()[..Math.Min(creditName.Trim().Length, 200)];
        row.JoinedAt ??= Now;
        var w = await db.Workshops.AsNoTracking().SingleAsync(x => x.Id == row.WorkshopId, ct);
        db.Record(clock, w.ProjectId, $"participant:{row.Id}", "workshop.joined", "workshop", w.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(row);
    }

    // ---- Cards ------------------------------------------------------------------------------

    /// <summary>Adds passages and key quotes of this project, only those whose words may be used in analysis.</summary>
    public async Task<Outcome> AddSourceCardsAsync(WorkshopActor actor, Workshop w, IReadOnlyCollection<int> passageIds, IReadOnlyCollection<int> quoteIds, bool asPrompts, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can add cards."]);
        var scope = await AnalysisScope.LoadAsync(db, consent, w.ProjectId, ct);
        var passages = await db.Passages.AsNoTracking().Where(p => p.ProjectId == w.ProjectId && passageIds.Contains(p.Id))
            .Select(p => new { p.Id, p.StoryId, p.Speaker }).ToListAsync(ct);
        var quotes = await db.KeyQuotes.AsNoTracking().Where(q => quoteIds.Contains(q.Id) && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == w.ProjectId))
            .Select(q => new { q.Id, q.StoryId, q.Speaker }).ToListAsync(ct);
        var onBoard = await db.WorkshopCards.Where(c => c.WorkshopId == w.Id).Select(c => new { c.PassageId, c.KeyQuoteId }).ToListAsync(ct);
        var position = await NextPositionAsync(w.Id, null, ct);
        var kind = asPrompts ? CardKind.Prompt : (CardKind?)null;
        var added = 0;
        foreach (var p in passages.Where(p => scope.IsTurnVisible(p.StoryId, p.Speaker) && !onBoard.Any(o => o.PassageId == p.Id)))
        {
            db.WorkshopCards.Add(new WorkshopCard { WorkshopId = w.Id, Kind = kind ?? CardKind.Passage, PassageId = p.Id, Position = position++, CreatedByParticipantId = actor.ParticipantId, CreatedAt = Now });
            added++;
        }
        foreach (var q in quotes.Where(q => scope.IsTurnVisible(q.StoryId, q.Speaker) && !onBoard.Any(o => o.KeyQuoteId == q.Id)))
        {
            db.WorkshopCards.Add(new WorkshopCard { WorkshopId = w.Id, Kind = kind ?? CardKind.KeyQuote, KeyQuoteId = q.Id, Position = position++, CreatedByParticipantId = actor.ParticipantId, CreatedAt = Now });
            added++;
        }
        var result = await CommitAsync(w, actor, "workshop.cards-added", $"{actor.DisplayName} added {Plural(added, "card")}.", null, ct);
        return result with { Value = new { added } };
    }

    public const int MaxNoteLength = 2000;

    public async Task<Outcome> AddNoteAsync(WorkshopActor actor, Workshop w, string? text, int? clusterId, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(text)) return Outcome.Rule("Write something on the note first.");
        if (text.Length > MaxNoteLength) return Outcome.Rule($"A note can be up to {MaxNoteLength} characters.");
        if (clusterId is { } cid && !await LiveClusterAsync(w.Id, cid, ct)) return Outcome.Rule("That card group no longer exists.");
        var participantId = await EnsureParticipantAsync(actor, w, ct);
        var card = new WorkshopCard { WorkshopId = w.Id, Kind = CardKind.Note, NoteText = text.Trim(), ClusterId = clusterId, Position = await NextPositionAsync(w.Id, clusterId, ct), CreatedByParticipantId = participantId, CreatedAt = Now };
        db.WorkshopCards.Add(card);
        var result = await CommitAsync(w, actor, "workshop.note-added", $"{actor.DisplayName} added a note.", null, ct);
        return result with { Value = new { cardId = card.Id } };
    }

    /// <summary>
    /// Moves a card if the caller saw its current version. The version is an EF concurrency token,
    /// so of two simultaneous moves exactly one UPDATE matches; the other is told and gets the board.
    /// </summary>
    public async Task<Outcome> MoveCardAsync(WorkshopActor actor, Workshop w, int cardId, int? clusterId, int expectedVersion, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        var card = await db.WorkshopCards.SingleOrDefaultAsync(c => c.Id == cardId && c.WorkshopId == w.Id, ct);
        if (card is null) return new Outcome(404, ["That card is no longer on the board."]);
        string clusterName = "Unsorted";
        if (clusterId is { } cid)
        {
            var cluster = await db.WorkshopClusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == cid && c.WorkshopId == w.Id && c.MergedIntoId == null, ct);
            if (cluster is null) return Outcome.Rule("That card group no longer exists.");
            clusterName = cluster.Name;
        }
        if (card.Version != expectedVersion) return new Outcome(409, [JustMoved], await BoardAsync(actor, w.Id, ct));
        card.ClusterId = clusterId;
        card.Position = await NextPositionAsync(w.Id, clusterId, ct);
        card.Version++;
        try
        {
            return await CommitAsync(w, actor, "workshop.card-moved", $"{actor.DisplayName} moved a card to {clusterName}.", card,
                new WorkshopNotifier.CardMove(card.Id, card.ClusterId, card.Position, card.Version), ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new Outcome(409, [JustMoved], await BoardAsync(actor, w.Id, ct));
        }
    }

    // ---- Clusters ----------------------------------------------------------------------------

    public async Task<Outcome> CreateClusterAsync(WorkshopActor actor, Workshop w, string? name, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(name)) return Outcome.Rule("Give the card group a name.");
        if (name.Trim().Length > 200) return Outcome.Rule("A card group name can be up to 200 characters.");
        var position = await db.WorkshopClusters.Where(c => c.WorkshopId == w.Id).Select(c => (int?)c.Position).MaxAsync(ct) ?? 0;
        var cluster = new WorkshopCluster { WorkshopId = w.Id, Name = name.Trim(), Position = position + 1, CreatedByParticipantId = actor.ParticipantId };
        db.WorkshopClusters.Add(cluster);
        var result = await CommitAsync(w, actor, "workshop.cluster-created", $"{actor.DisplayName} made a new card group: {cluster.Name}.", null, ct);
        return result with { Value = new { clusterId = cluster.Id } };
    }

    public async Task<Outcome> RenameClusterAsync(WorkshopActor actor, Workshop w, int clusterId, string? name, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(name)) return Outcome.Rule("Give the card group a name.");
        var cluster = await db.WorkshopClusters.SingleOrDefaultAsync(c => c.Id == clusterId && c.WorkshopId == w.Id && c.MergedIntoId == null, ct);
        if (cluster is null) return new Outcome(404, ["That card group no longer exists."]);
        var old = cluster.Name;
        cluster.Name = name.Trim()[..Math.Min(name.Trim().Length, 200)];
        return await CommitAsync(w, actor, "workshop.cluster-renamed", $"{actor.DisplayName} renamed {old} to {cluster.Name}.", cluster, ct);
    }

    /// <summary>Merges a group into another: its cards and its votes move across; the old group is kept as merged.</summary>
    public async Task<Outcome> MergeClustersAsync(WorkshopActor actor, Workshop w, int fromId, int intoId, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        if (fromId == intoId) return Outcome.Rule("Choose a different card group to merge into.");
        var clusters = await db.WorkshopClusters.Where(c => (c.Id == fromId || c.Id == intoId) && c.WorkshopId == w.Id && c.MergedIntoId == null).ToListAsync(ct);
        var from = clusters.SingleOrDefault(c => c.Id == fromId);
        var into = clusters.SingleOrDefault(c => c.Id == intoId);
        if (from is null || into is null) return new Outcome(404, ["That card group no longer exists."]);
        var position = await NextPositionAsync(w.Id, intoId, ct);
        foreach (var card in await db.WorkshopCards.Where(c => c.ClusterId == fromId).OrderBy(c => c.Position).ToListAsync(ct))
        {
            card.ClusterId = intoId;
            card.Position = position++;
            card.Version++;
        }
        foreach (var vote in await db.WorkshopVotes.Where(v => v.ClusterId == fromId).ToListAsync(ct)) vote.ClusterId = intoId;
        from.MergedIntoId = intoId;
        try
        {
            return await CommitAsync(w, actor, "workshop.clusters-merged", $"{actor.DisplayName} merged {from.Name} into {into.Name}.", into, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new Outcome(409, ["A card in that card group was just moved by someone else. Try the merge again."], await BoardAsync(actor, w.Id, ct));
        }
    }

    public async Task<Outcome> DeleteClusterAsync(WorkshopActor actor, Workshop w, int clusterId, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        var cluster = await db.WorkshopClusters.SingleOrDefaultAsync(c => c.Id == clusterId && c.WorkshopId == w.Id && c.MergedIntoId == null, ct);
        if (cluster is null) return new Outcome(404, ["That card group no longer exists."]);
        if (await db.WorkshopCards.AnyAsync(c => c.ClusterId == clusterId, ct)) return Outcome.Rule("Only an empty card group can be removed. Move its cards out first.");
        db.WorkshopVotes.RemoveRange(await db.WorkshopVotes.Where(v => v.ClusterId == clusterId).ToListAsync(ct));
        db.WorkshopClusters.Remove(cluster);
        return await CommitAsync(w, actor, "workshop.cluster-removed", $"{actor.DisplayName} removed the empty card group {cluster.Name}.", cluster, ct);
    }

    // ---- Votes --------------------------------------------------------------------------------

    public static string VoteLimitMessage(int limit) => $"You have used all your {limit} votes. Take one back to vote again.";

    public async Task<Outcome> VoteAsync(WorkshopActor actor, Workshop w, int? cardId, int? clusterId, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        if ((cardId is null) == (clusterId is null)) return Outcome.Rule("Vote for one card or one card group.");
        if (cardId is { } card && !await db.WorkshopCards.AnyAsync(c => c.Id == card && c.WorkshopId == w.Id, ct)) return new Outcome(404, ["That card is no longer on the board."]);
        if (clusterId is { } cl && !await LiveClusterAsync(w.Id, cl, ct)) return new Outcome(404, ["That card group no longer exists."]);
        // The limit holds in the database, not in this process: each vote takes a numbered slot (1 to the limit)
        // under a unique index, so when two requests (on one node or two) take the same free slot the second
        // write is refused and that request looks again. Slots are bounded by the limit, so at most `limit` can win.
        for (var attempt = 0; ; attempt++)
        {
            var participantId = await EnsureParticipantAsync(actor, w, ct);
            var limit = await db.Workshops.Where(x => x.Id == w.Id).Select(x => x.VotesPerParticipant).SingleAsync(ct);
            var taken = await db.WorkshopVotes.Where(v => v.WorkshopId == w.Id && v.ParticipantId == participantId).Select(v => v.Slot).ToListAsync(ct);
            var slot = taken.Count >= limit ? 0 : Enumerable.Range(1, limit).FirstOrDefault(n => !taken.Contains(n));
            if (slot == 0) return Outcome.Rule(VoteLimitMessage(limit));
            db.WorkshopVotes.Add(new WorkshopVote { WorkshopId = w.Id, ParticipantId = participantId, CardId = cardId, ClusterId = clusterId, Slot = slot, At = Now });
            try
            {
                // Votes are secret until revealed, so the broadcast says only that the board changed.
                return await CommitAsync(w, actor, "workshop.voted", null, null, ct);
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e) && attempt < MaxVoteAttempts)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Each retry follows another request's vote by the same participant, which the limit (at most 20) bounds.</summary>
    private const int MaxVoteAttempts = 25;

    public async Task<Outcome> UnvoteAsync(WorkshopActor actor, Workshop w, int? cardId, int? clusterId, CancellationToken ct = default)
    {
        if (await RefuseIfLockedAsync(actor, w) is { } refused) return refused;
        if (actor.ParticipantId is not { } participantId) return Outcome.Rule("You have no vote there to take back.");
        var vote = await db.WorkshopVotes.Where(v => v.WorkshopId == w.Id && v.ParticipantId == participantId && v.CardId == cardId && v.ClusterId == clusterId)
            .OrderByDescending(v => v.Id).FirstOrDefaultAsync(ct);
        if (vote is null) return Outcome.Rule("You have no vote there to take back.");
        db.WorkshopVotes.Remove(vote);
        return await CommitAsync(w, actor, "workshop.unvoted", null, null, ct);
    }

    // ---- Facilitation -------------------------------------------------------------------------

    public async Task<Outcome> SetSettingsAsync(WorkshopActor actor, Workshop w, bool? locked, bool? revealVotes, int? votesPerParticipant, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can change this."]);
        if (votesPerParticipant is < 0 or > 20) return Outcome.Rule("Votes per person must be between 0 and 20.");
        var row = await db.Workshops.SingleAsync(x => x.Id == w.Id, ct);
        var messages = new List<string>();
        if (locked is { } l && l != row.IsLocked)
        {
            row.IsLocked = l;
            messages.Add(l ? "The facilitator paused changes to the board." : "The board is open for changes again.");
        }
        if (revealVotes is { } r && r != row.VotesRevealed)
        {
            row.VotesRevealed = r;
            messages.Add(r ? "The facilitator showed everyone's votes." : "Votes are hidden again.");
        }
        if (votesPerParticipant is { } n) row.VotesPerParticipant = n;
        return await CommitAsync(w, actor, "workshop.settings-changed", messages.Count > 0 ? string.Join(" ", messages) : null, null, ct);
    }

    // ---- Timer ----------------------------------------------------------------------------------

    public const int MaxTimerMinutes = 180;

    /// <summary>Starts (or restarts) the board's timer. The end time is stored, so a reload or reconnect shows the same time left.</summary>
    public async Task<Outcome> StartTimerAsync(WorkshopActor actor, Workshop w, int minutes, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can start the timer."]);
        if (minutes is < 1 or > MaxTimerMinutes) return Outcome.Rule($"Choose between 1 and {MaxTimerMinutes} minutes.");
        var row = await db.Workshops.SingleAsync(x => x.Id == w.Id, ct);
        row.TimerEndsAt = Now.AddMinutes(minutes);
        return await CommitAsync(w, actor, "workshop.timer-started", $"The facilitator started a timer for {Plural(minutes, "minute")}.", null, ct);
    }

    public async Task<Outcome> AddTimeAsync(WorkshopActor actor, Workshop w, int minutes, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can change the timer."]);
        if (minutes is < 1 or > MaxTimerMinutes) return Outcome.Rule($"Choose between 1 and {MaxTimerMinutes} minutes.");
        var row = await db.Workshops.SingleAsync(x => x.Id == w.Id, ct);
        if (row.TimerEndsAt is not { } end || end <= Now) return Outcome.Rule("There is no timer running. Start one first.");
        if ((end - Now).TotalMinutes + minutes > MaxTimerMinutes) return Outcome.Rule($"A timer can run for up to {MaxTimerMinutes} minutes.");
        row.TimerEndsAt = end.AddMinutes(minutes);
        return await CommitAsync(w, actor, "workshop.timer-extended", $"The facilitator added {Plural(minutes, "minute")} to the timer.", null, ct);
    }

    public async Task<Outcome> StopTimerAsync(WorkshopActor actor, Workshop w, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can stop the timer."]);
        var row = await db.Workshops.SingleAsync(x => x.Id == w.Id, ct);
        if (row.TimerEndsAt is null) return Outcome.Ok();
        row.TimerEndsAt = null;
        return await CommitAsync(w, actor, "workshop.timer-stopped", "The facilitator stopped the timer.", null, ct);
    }

    // ---- Playing a clip to everyone -------------------------------------------------------------

    /// <summary>Opens a card's clip on every board (kept like presence: this process, or Redis with several nodes; decisions 0004, 0011).</summary>
    public async Task<Outcome> PlayToEveryoneAsync(WorkshopActor actor, Workshop w, int cardId, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can play a clip to everyone."]);
        var clip = await ClipAsync(w, cardId, ct);
        if (clip.Error is { } error) return error;
        var ev = db.Record(clock, w.ProjectId, actor.EventActor, "workshop.clip-played", "workshop", w.Id, $"card:{cardId}");
        await db.SaveChangesAsync(ct);
        await playback.StartAsync(w.Id, new WorkshopPlayback.ClipPlay(ev.Id, cardId));
        await notifier.ChangedAsync(w.Id, ev.Id, "The facilitator is playing a clip to everyone.", actor.ParticipantId);
        return Outcome.Ok(new { playId = ev.Id });
    }

    public async Task<Outcome> StopPlayingAsync(WorkshopActor actor, Workshop w, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can stop the clip for everyone."]);
        if (!await playback.StopAsync(w.Id)) return Outcome.Ok();
        return await CommitAsync(w, actor, "workshop.clip-stopped", "The facilitator stopped the clip.", null, ct);
    }

    public sealed record Clip(Outcome? Error, string? Path = null, string? ContentType = null);

    /// <summary>
    /// The recording behind a card on this board, if the caller may hear it: the card must be on
    /// this workshop's board, its words available for analysis, every storyteller of the story must
    /// still agree to being recorded, and the story must have a playable recording. This is the only
    /// way a person who joined by link can fetch a recording (the project's media endpoints need a project role).
    /// </summary>
    public async Task<Clip> ClipAsync(Workshop w, int cardId, CancellationToken ct = default)
    {
        var (error, source) = await HearableSourceAsync(w, cardId, ct);
        return error is not null ? new Clip(error) : await RecordingAsync(w, source!, ct);
    }

    private async Task<Clip> RecordingAsync(Workshop w, Source source, CancellationToken ct)
    {
        var media = (await ClipMediaAsync(w.ProjectId, [source.StoryId], ct)).GetValueOrDefault(source.StoryId);
        if (media is null || MediaEndpoints.Playable(media, storage) is not { } file || !File.Exists(file.Path))
            return new Clip(new Outcome(404, ["This card has no recording that can be played."]));
        return new Clip(null, file.Path, file.ContentType);
    }

    /// <summary>
    /// WebVTT captions for the card's clip, on the recording's own timeline (the player plays the
    /// recording from the card's start to its end): the transcript lines that overlap the card's
    /// times, each only when its speaker's turn is visible for analysis (in a group story another
    /// person's words are never shown to the room without their consent), voiced by the speaker
    /// label the board shows. The same checks as <see cref="ClipAsync"/> apply first.
    /// </summary>
    public async Task<(Outcome? Error, string? Vtt)> ClipCaptionsAsync(Workshop w, int cardId, CancellationToken ct = default)
    {
        var (error, source) = await HearableSourceAsync(w, cardId, ct);
        if (error is not null) return (error, null);
        if ((await RecordingAsync(w, source!, ct)).Error is { } noRecording) return (noRecording, null);
        var start = source!.Start!.Value;
        var end = source.End ?? start + WebVtt.LastLineSeconds;
        var scope = await AnalysisScope.LoadForStoriesAsync(db, consent, w.ProjectId, [source.StoryId], ct);
        var lines = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == source.StoryId && c.StartSeconds != null)
            .OrderBy(c => c.StartSeconds).ThenBy(c => c.Position)
            .Select(c => new { c.StartSeconds, c.EndSeconds, c.Speaker, c.Text }).ToListAsync(ct);
        // Ends are filled from the next line first (typed transcripts often give only starts), then
        // the lines outside the card's times or of a turn not visible are left out.
        var timed = lines.Select((l, i) => new WebVtt.Cue(l.StartSeconds!.Value,
                l.EndSeconds ?? (i + 1 < lines.Count ? lines[i + 1].StartSeconds!.Value : l.StartSeconds!.Value + WebVtt.LastLineSeconds), l.Speaker, l.Text))
            .Zip(lines, (cue, l) => (cue, l.Speaker))
            .Where(x => x.cue.Start < end && x.cue.End > start && scope.IsTurnVisible(source.StoryId, x.Speaker))
            .Select(x => x.cue);
        return (null, WebVtt.Write(timed));
    }

    /// <summary>The passage or key quote behind a card on this board, when it has times and its speaker's turn may be used.</summary>
    private async Task<(Outcome? Error, Source? Source)> HearableSourceAsync(Workshop w, int cardId, CancellationToken ct)
    {
        var card = await db.WorkshopCards.AsNoTracking().SingleOrDefaultAsync(c => c.Id == cardId && c.WorkshopId == w.Id, ct);
        if (card is null) return (new Outcome(404, ["That card is no longer on the board."]), null);
        Source? source = null;
        if (card.PassageId is { } pid)
            source = await db.Passages.AsNoTracking().Where(p => p.Id == pid).Select(p => new Source(p.Id, p.StoryId, "", p.Speaker, p.StartSeconds, p.EndSeconds)).SingleOrDefaultAsync(ct);
        else if (card.KeyQuoteId is { } qid)
            source = await db.KeyQuotes.AsNoTracking().Where(q => q.Id == qid).Select(q => new Source(q.Id, q.StoryId, "", q.Speaker, q.StartSeconds, q.EndSeconds)).SingleOrDefaultAsync(ct);
        if (source is null || source.Start is null) return (new Outcome(404, ["This card has no clip to play."]), null);
        var scope = await AnalysisScope.LoadForStoriesAsync(db, consent, w.ProjectId, [source.StoryId], ct);
        if (!scope.IsTurnVisible(source.StoryId, source.Speaker)) return (new Outcome(404, [NotAvailable + "."]), null);
        return (null, source);
    }

    // ---- "In the room" --------------------------------------------------------------------------

    /// <summary>
    /// A room group ("Table 2"): people around one screen for whom the facilitator moves cards, writes
    /// notes and votes. It is a participant row with a name but no account and no join link
    /// (UserId and JoinTokenHash both null), so nobody can ever sign in as it; it is credited as
    /// having taken part.
    /// </summary>
    public async Task<Outcome> AddRoomGroupAsync(WorkshopActor actor, Workshop w, string? name, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can add a group in the room."]);
        if (string.IsNullOrWhiteSpace(name)) return Outcome.Rule("Give the group in the room a name, like Table 2.");
        if (name.Trim().Length > 200) return Outcome.Rule("A name can be up to 200 characters.");
        var row = new WorkshopParticipant { WorkshopId = w.Id, DisplayName = name.Trim(), InvitedAt = Now, JoinedAt = Now };
        db.WorkshopParticipants.Add(row);
        await db.SaveChangesAsync(ct);
        var result = await CommitAsync(w, actor, "workshop.room-group-added", $"{row.DisplayName} joined in the room.", row, ct);
        return result with { Value = new { participantId = row.Id } };
    }

    // ---- Reading the board --------------------------------------------------------------------

    public async Task<BoardDto> BoardAsync(WorkshopActor actor, int workshopId, CancellationToken ct = default)
    {
        // The sequence is read BEFORE the rows: a change committed while the rows are read then has a higher
        // sequence than the board says, so its broadcast makes the client read again. Read after the rows (as it
        // was), a note committed in between was missing from a board that claimed to include it, and the client
        // ignored its broadcast: the card stayed missing until the next change.
        var sequence = await SequenceAsync(workshopId, ct);
        var w = await db.Workshops.AsNoTracking().SingleAsync(x => x.Id == workshopId, ct);
        var scope = await AnalysisScope.LoadAsync(db, consent, w.ProjectId, ct);
        var clusters = await db.WorkshopClusters.AsNoTracking().Where(c => c.WorkshopId == workshopId && c.MergedIntoId == null).OrderBy(c => c.Position).ToListAsync(ct);
        var cards = await db.WorkshopCards.AsNoTracking().Where(c => c.WorkshopId == workshopId).OrderBy(c => c.Position).ThenBy(c => c.Id).ToListAsync(ct);
        var passageIds = cards.Where(c => c.PassageId is not null).Select(c => c.PassageId!.Value).ToList();
        var quoteIds = cards.Where(c => c.KeyQuoteId is not null).Select(c => c.KeyQuoteId!.Value).ToList();
        var passages = await db.Passages.AsNoTracking().Where(p => passageIds.Contains(p.Id))
            .Select(p => new Source(p.Id, p.StoryId, p.Snippet, p.Speaker, p.StartSeconds, p.EndSeconds)).ToDictionaryAsync(p => p.Id, ct);
        var quotes = await db.KeyQuotes.AsNoTracking().Where(q => quoteIds.Contains(q.Id))
            .Select(q => new Source(q.Id, q.StoryId, q.Text, q.Speaker, q.StartSeconds, q.EndSeconds)).ToDictionaryAsync(q => q.Id, ct);
        var votes = await db.WorkshopVotes.AsNoTracking().Where(v => v.WorkshopId == workshopId).ToListAsync(ct);
        var clipStories = await ClipMediaAsync(w.ProjectId, passages.Values.Concat(quotes.Values).Select(x => x.StoryId).Distinct().ToList(), ct);
        var me = actor.ParticipantId;
        int? Count(Func<WorkshopVote, bool> match) => w.VotesRevealed ? votes.Count(match) : null;

        var cardDtos = cards.Select(c =>
        {
            Source? source = c.PassageId is { } pid ? passages.GetValueOrDefault(pid) : c.KeyQuoteId is { } qid ? quotes.GetValueOrDefault(qid) : null;
            var isSourced = c.PassageId is not null || c.KeyQuoteId is not null;
            // THE consent answer: a sourced card shows its words only while the speaker's turn may be analysed.
            // A sticky note held for review after a withdrawal named someone (decision 0008) shows no words until a lead keeps it.
            var available = isSourced ? source is not null && scope.IsTurnVisible(source.StoryId, source.Speaker) : !c.HeldForReview;
            return available
                ? new CardDto(c.Id, c.Kind, c.ClusterId, c.Position, c.Version, true, isSourced ? source!.Text : c.NoteText,
                    isSourced && source!.Speaker.Length > 0 ? source.Speaker : null, source?.StoryId, source?.Start, source?.End,
                    Count(v => v.CardId == c.Id), votes.Count(v => v.CardId == c.Id && v.ParticipantId == me))
                { HasClip = source is { Start: not null } && clipStories.ContainsKey(source.StoryId) }
                : new CardDto(c.Id, c.Kind, c.ClusterId, c.Position, c.Version, false, null, null, null, null, null,
                    Count(v => v.CardId == c.Id), votes.Count(v => v.CardId == c.Id && v.ParticipantId == me));
        }).ToList();
        var clusterDtos = clusters.Select(c => new ClusterDto(c.Id, c.Name, c.Position, Count(v => v.ClusterId == c.Id), votes.Count(v => v.ClusterId == c.Id && v.ParticipantId == me))).ToList();
        PlayDto? playing = null;
        if (await playback.CurrentAsync(workshopId) is { } play && cardDtos.SingleOrDefault(c => c.Id == play.CardId) is { HasClip: true } playCard)
        {
            playing = new PlayDto(play.Id, playCard.Id, ClipUrl(w, playCard.Id), ClipUrl(w, playCard.Id, "captions"), playCard.StartSeconds ?? 0, playCard.EndSeconds, ClipLabel(playCard));
        }
        var now = Now;
        var roomGroups = actor.CanFacilitate
            ? await db.WorkshopParticipants.AsNoTracking()
                .Where(p => p.WorkshopId == workshopId && p.UserId == null && p.JoinTokenHash == null && p.RevokedAt == null)
                .OrderBy(p => p.Id).Select(p => new RoomGroupDto(p.Id, p.DisplayName)).ToListAsync(ct)
            : [];
        return new BoardDto(w.Id, w.ProjectId, w.Title, w.Kind, w.IsLocked, w.VotesRevealed, w.VotesPerParticipant,
            votes.Count(v => v.ParticipantId == me), actor.CanFacilitate, w.ConvertedAt is not null, sequence, me,
            clusterDtos, cardDtos)
        {
            TimerEndsAt = w.TimerEndsAt is { } end && end > now ? DateTime.SpecifyKind(end, DateTimeKind.Utc) : null,
            ServerNow = DateTime.SpecifyKind(now, DateTimeKind.Utc),
            Playing = playing,
            ActingForParticipantId = actor.ActingByUserId is null ? null : actor.ParticipantId,
            RoomGroups = roomGroups,
        };
    }

    private static string ClipUrl(Workshop w, int cardId, string what = "clip") => $"/api/projects/{w.ProjectId}/workshops/{w.Id}/cards/{cardId}/{what}";

    private static string ClipLabel(CardDto card)
    {
        var text = card.Text ?? "";
        return text.Length > 60 ? text[..60].TrimEnd() + "…" : text;
    }

    /// <summary>
    /// The playable recording of each story that may be heard in a workshop: the words must be
    /// available for analysis (checked per card by the caller) and every storyteller of the story
    /// must still agree to being recorded, because the whole recording is sent to the browser.
    /// </summary>
    private async Task<Dictionary<int, MediaFile>> ClipMediaAsync(int projectId, List<int> storyIds, CancellationToken ct)
    {
        if (storyIds.Count == 0) return [];
        var media = await db.MediaFiles.AsNoTracking()
            .Where(m => m.ProjectId == projectId && m.StoryId != null && storyIds.Contains(m.StoryId.Value)
                        && (m.RenditionStatus == RenditionStatus.Ready || m.OriginalIsWebPlayable))
            .OrderBy(m => m.Id).ToListAsync(ct);
        if (media.Count == 0) return [];
        var tellers = await db.StoryStorytellers.AsNoTracking().Where(x => storyIds.Contains(x.StoryId)).Select(x => new { x.StoryId, x.StorytellerId }).ToListAsync(ct);
        var decisions = await consent.DecideManyAsync(tellers.Select(t => t.StorytellerId).Distinct(), ConsentUse.Recording, ct);
        var allowed = tellers.GroupBy(t => t.StoryId).Where(g => g.All(t => decisions.TryGetValue(t.StorytellerId, out var d) && d.Allowed)).Select(g => g.Key).ToHashSet();
        return media.Where(m => allowed.Contains(m.StoryId!.Value)).GroupBy(m => m.StoryId!.Value).ToDictionary(g => g.Key, g => g.First());
    }

    private sealed record Source(int Id, int StoryId, string Text, string Speaker, double? Start, double? End);

    /// <summary>The latest event id of this workshop: clients compare it to know whether they missed something.</summary>
    public Task<long> SequenceAsync(int workshopId, CancellationToken ct = default) => SequenceOf(db, workshopId, ct);

    public static async Task<long> SequenceOf(StoryweaveDb db, int workshopId, CancellationToken ct = default)
    {
        var key = workshopId.ToString(CultureInfo.InvariantCulture);
        return await db.Events.AsNoTracking().Where(e => e.ObjectType == "workshop" && e.ObjectId == key).MaxAsync(e => (long?)e.Id, ct) ?? 0;
    }

    // ---- Into the codebook --------------------------------------------------------------------

    /// <summary>
    /// Each group becomes a theme under a parent theme named after the workshop; each available
    /// passage card is linked to it, and each key-quote card becomes a passage (Origin "workshop:{id}")
    /// from the quote's offsets and times. Cards whose words are not available are left out.
    /// </summary>
    public async Task<Outcome> ConvertAsync(WorkshopActor actor, Workshop w, CancellationToken ct = default)
    {
        if (!actor.CanFacilitate) return new Outcome(403, ["Only the facilitator can turn the board into themes."]);
        var row = await db.Workshops.SingleAsync(x => x.Id == w.Id, ct);
        if (row.ConvertedAt is not null) return Outcome.Rule("This board has already been turned into themes.");
        var clusters = await db.WorkshopClusters.AsNoTracking().Where(c => c.WorkshopId == w.Id && c.MergedIntoId == null).OrderBy(c => c.Position).ToListAsync(ct);
        if (clusters.Count == 0) return Outcome.Rule("Make at least one card group before turning the board into themes.");
        var scope = await AnalysisScope.LoadAsync(db, consent, w.ProjectId, ct);
        var cards = await db.WorkshopCards.AsNoTracking().Where(c => c.WorkshopId == w.Id && c.ClusterId != null).OrderBy(c => c.Position).ToListAsync(ct);
        var passageIds = cards.Where(c => c.PassageId is not null).Select(c => c.PassageId!.Value).ToList();
        var quoteIds = cards.Where(c => c.KeyQuoteId is not null).Select(c => c.KeyQuoteId!.Value).ToList();
        var passages = await db.Passages.AsNoTracking().Where(p => passageIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var quotes = await db.KeyQuotes.AsNoTracking().Where(q => quoteIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, ct);
        var now = Now;
        var origin = $"workshop:{w.Id}";
        var userId = actor.UserId;
        var position = await db.Themes.Where(t => t.ProjectId == w.ProjectId && t.ParentId == null).Select(t => (int?)t.Position).MaxAsync(ct) ?? 0;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var parent = new Theme { ProjectId = w.ProjectId, Name = w.Title, Description = $"Themes made together in the workshop “{w.Title}”.", Position = position + 1, CreatedAt = now, Origin = origin };
        db.Themes.Add(parent);
        await db.SaveChangesAsync(ct);
        var linked = 0;
        // The conversion is one codebook change, so "Undo" in the codebook can take it back exactly.
        var createdThemes = new List<int> { parent.Id };
        var createdPassages = new List<int>();
        var linksAdded = new List<CodebookService.PassageLink>();
        foreach (var (cluster, index) in clusters.Select((c, i) => (c, i)))
        {
            var inCluster = cards.Where(c => c.ClusterId == cluster.Id).ToList();
            var notes = inCluster.Where(c => c.Kind == CardKind.Note && !c.HeldForReview).Select(c => c.NoteText).ToList();
            var theme = new Theme
            {
                ProjectId = w.ProjectId,
                ParentId = parent.Id,
                Name = cluster.Name,
                Position = index + 1,
                CreatedAt = now,
                Origin = origin,
                Description = notes.Count > 0 ? Truncate("Notes from the workshop: " + string.Join(" · ", notes), 4000) : "",
            };
            db.Themes.Add(theme);
            await db.SaveChangesAsync(ct);
            createdThemes.Add(theme.Id);
            foreach (var card in inCluster)
            {
                int? passageId = null;
                if (card.PassageId is { } pid && passages.TryGetValue(pid, out var p) && scope.IsTurnVisible(p.StoryId, p.Speaker))
                {
                    passageId = p.Id;
                }
                else if (card.KeyQuoteId is { } qid && quotes.TryGetValue(qid, out var q) && scope.IsTurnVisible(q.StoryId, q.Speaker))
                {
                    var projectOfStory = await db.Stories.Where(s => s.Id == q.StoryId).Select(s => s.ProjectId).SingleAsync(ct);
                    var created = new CodedPassage
                    {
                        ProjectId = projectOfStory,
                        StoryId = q.StoryId,
                        StartOffset = q.StartOffset,
                        EndOffset = q.EndOffset,
                        Snippet = q.Text,
                        StartSeconds = q.StartSeconds,
                        EndSeconds = q.EndSeconds,
                        Speaker = q.Speaker,
                        CoderUserId = userId,
                        CreatedAt = now,
                        Origin = origin,
                    };
                    db.Passages.Add(created);
                    await db.SaveChangesAsync(ct);
                    passageId = created.Id;
                    createdPassages.Add(created.Id);
                }
                if (passageId is { } id && !db.PassageThemes.Local.Any(x => x.PassageId == id && x.ThemeId == theme.Id))
                {
                    db.PassageThemes.Add(new PassageTheme { PassageId = id, ThemeId = theme.Id, CoderUserId = userId, CodedAt = now });
                    linksAdded.Add(new CodebookService.PassageLink(id, theme.Id, userId, now));
                    linked++;
                }
            }
        }
        row.ConvertedAt = now;
        var undo = new CodebookService.UndoData($"Turned the workshop \u201c{w.Title}\u201d into {Plural(clusters.Count, "theme")}", [], createdThemes, [], linksAdded, [], [])
        {
            PassagesCreated = createdPassages,
            WorkshopId = w.Id,
        };
        var change = new CodebookChange { ProjectId = w.ProjectId, Kind = CodebookService.WorkshopKind, UndoJson = JsonSerializer.Serialize(undo), ActorUserId = userId, At = now };
        db.CodebookChanges.Add(change);
        await db.SaveChangesAsync(ct);
        db.Record(clock, w.ProjectId, actor.EventActor, "workshop.converted", "workshop", w.Id, $"theme:{parent.Id} change:{change.Id.ToString(CultureInfo.InvariantCulture)}");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        var sequence = await SequenceAsync(w.Id, ct);
        await notifier.ChangedAsync(w.Id, sequence, $"{actor.DisplayName} turned the board into themes.", actor.ParticipantId);
        return Outcome.Ok(new { parentThemeId = parent.Id, passagesLinked = linked });
    }

    /// <summary>Who took part and how votes fell, read from the workshop tables (kept after conversion).</summary>
    public async Task<ProvenanceDto> ProvenanceAsync(int workshopId, CancellationToken ct = default)
    {
        var participants = await db.WorkshopParticipants.AsNoTracking()
            .Where(p => p.WorkshopId == workshopId && (p.IsFacilitator || p.JoinedAt != null || p.UserId != null) && p.RevokedAt == null)
            .OrderBy(p => p.DisplayName).Select(p => p.DisplayName).ToListAsync(ct);
        var clusters = await db.WorkshopClusters.AsNoTracking().Where(c => c.WorkshopId == workshopId && c.MergedIntoId == null).OrderBy(c => c.Position).ToListAsync(ct);
        var cards = await db.WorkshopCards.AsNoTracking().Where(c => c.WorkshopId == workshopId).Select(c => new { c.Id, c.ClusterId }).ToListAsync(ct);
        var votes = await db.WorkshopVotes.AsNoTracking().Where(v => v.WorkshopId == workshopId).Select(v => new { v.CardId, v.ClusterId }).ToListAsync(ct);
        var list = clusters.Select(c =>
        {
            var cardIds = cards.Where(x => x.ClusterId == c.Id).Select(x => x.Id).ToHashSet();
            return new ClusterVotes(c.Name, votes.Count(v => v.ClusterId == c.Id || (v.CardId is { } id && cardIds.Contains(id))), cardIds.Count);
        }).ToList();
        return new ProvenanceDto(participants, list);
    }

    // ---- Helpers ------------------------------------------------------------------------------

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private async Task<Outcome?> RefuseIfLockedAsync(WorkshopActor actor, Workshop w)
    {
        var state = await db.Workshops.AsNoTracking().Where(x => x.Id == w.Id).Select(x => new { x.IsLocked, x.ConvertedAt }).SingleAsync();
        if (state.ConvertedAt is not null) return Outcome.Rule("This board has been turned into themes and can no longer change.");
        return state.IsLocked && !actor.CanFacilitate ? new Outcome(422, [LockedMessage]) : null;
    }

    private Task<bool> LiveClusterAsync(int workshopId, int clusterId, CancellationToken ct) =>
        db.WorkshopClusters.AnyAsync(c => c.Id == clusterId && c.WorkshopId == workshopId && c.MergedIntoId == null, ct);

    private async Task<int> NextPositionAsync(int workshopId, int? clusterId, CancellationToken ct) =>
        (await db.WorkshopCards.Where(c => c.WorkshopId == workshopId && c.ClusterId == clusterId).Select(c => (int?)c.Position).MaxAsync(ct) ?? 0) + 1;

    /// <summary>Facilitators without a participant row get one the first time they vote or write a note.</summary>
    private async Task<int> EnsureParticipantAsync(WorkshopActor actor, Workshop w, CancellationToken ct)
    {
        if (actor.ParticipantId is { } id) return id;
        var row = new WorkshopParticipant { WorkshopId = w.Id, UserId = actor.UserId, DisplayName = actor.DisplayName, InvitedAt = Now, JoinedAt = Now };
        db.WorkshopParticipants.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
            return row.Id;
        }
        catch (DbUpdateException e) when (actor.UserId is not null && DbErrors.IsUniqueViolation(e))
        {
            // Another request (or node) added this member a moment ago: use that row (unique per workshop and user).
            db.Entry(row).State = EntityState.Detached;
            return await db.WorkshopParticipants.Where(p => p.WorkshopId == w.Id && p.UserId == actor.UserId).Select(p => p.Id).SingleAsync(ct);
        }
    }

    /// <summary>Writes the event with the rows, commits, then broadcasts the new sequence.</summary>
    private Task<Outcome> CommitAsync(Workshop w, WorkshopActor actor, string action, string? announcement, object? subject, CancellationToken ct = default) =>
        CommitAsync(w, actor, action, announcement, subject, null, ct);

    private async Task<Outcome> CommitAsync(Workshop w, WorkshopActor actor, string action, string? announcement, object? subject, WorkshopNotifier.CardMove? move, CancellationToken ct)
    {
        // For a move, the board state it applies to: boards at exactly this sequence apply the move
        // directly; boards anywhere else (a concurrent change, a missed message) read the board again.
        long? after = move is null ? null : await SequenceAsync(w.Id, ct);
        var detail = subject switch
        {
            WorkshopCard { Id: > 0 } c => $"card:{c.Id}",
            WorkshopCluster { Id: > 0 } c => $"cluster:{c.Id}",
            WorkshopParticipant { Id: > 0 } p => $"participant:{p.Id}",
            _ => null,
        };
        // "In the room": the event names the facilitator who acted and the room group they acted for.
        if (actor.ActingByUserId is not null) detail = (detail is null ? "" : detail + " ") + $"for participant:{actor.ParticipantId}";
        var ev = db.Record(clock, w.ProjectId, actor.EventActor, action, "workshop", w.Id, detail);
        await db.SaveChangesAsync(ct);
        // Details name ids only; the subject's id is known only after the insert for new rows.
        await notifier.ChangedAsync(w.Id, ev.Id, announcement, actor.ParticipantId, after, move);
        return Outcome.Ok();
    }

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
