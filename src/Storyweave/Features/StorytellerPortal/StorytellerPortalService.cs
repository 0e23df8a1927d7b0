using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Audit;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Stories;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>Whose words a transcript turn is, as far as the storyteller's own page is concerned.</summary>
public enum TurnKind
{
    /// <summary>The storyteller's own words (their speaker label).</summary>
    You,

    /// <summary>The reporter, in a story told by this storyteller alone: part of their own interview.</summary>
    Reporter,

    /// <summary>A turn not yet matched to anyone, in a story told by this storyteller alone (as in <see cref="AnalysisScope"/>, it can only be theirs or the reporter's).</summary>
    Unmatched,

    /// <summary>Anyone else in a group story (other storytellers, the reporter, unmatched): never shown as text.</summary>
    Other,
}

/// <summary>
/// Everything a storyteller's own page shows and does, for ONE storyteller named by their session.
/// Nothing here takes a storyteller id from the request: it always comes from the signed session,
/// so one person's link can never read another's. Rules:
/// <list type="bullet">
/// <item>Turns: their own turns are shown as text. In a story they told alone, the reporter's and
/// unmatched turns are shown too (it is their own interview). In a group story every other turn is
/// only "another person speaking".</item>
/// <item>"Used for" is read from reports' quotes, clips and the public-site flags, keeping only
/// what comes from their turns (speaker label, or clip times overlapping their turns).</item>
/// <item>Changes go through <see cref="ConsentService"/> as a new record (online form, taken by nobody).</item>
/// </list>
/// </summary>
public sealed class StorytellerPortalService(StoryweaveDb db, TimeProvider clock, ConsentService consent, ConsentPolicy policy)
{
    public const string StorytellerNote = "Changed by the storyteller on their own page.";
    public const int MaxCorrectionLength = 4000;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public sealed record Turn(int Position, double? StartSeconds, double? EndSeconds, TurnKind Kind, string? Text);

    public sealed record StoryView(int Id, int Number, string Title, DateOnly? RecordedOn, bool WithOthers, IReadOnlyList<Turn> Turns, bool OnPublicSite, bool PublishChosenButNotShown);

    /// <summary><paramref name="LeftOut"/>: the storyteller's choices now keep these quotes out of the report.</summary>
    public sealed record ReportUse(string Title, DateOnly Date, int QuoteCount, bool OnPublicSite, bool LeftOut);

    public sealed record PlaylistUse(string Title, int ClipCount, bool OnPublicSite, bool LeftOut);

    public sealed record PortalView(
        StorytellerSession.Who Who,
        string Name,
        string ProjectName,
        IReadOnlyList<StoryView> Stories,
        IReadOnlyList<ReportUse> Reports,
        IReadOnlyList<PlaylistUse> Playlists,
        ConsentRecord? Consent,
        IReadOnlyList<CorrectionRequest> Requests,
        DateTime LinkExpiresAt);

    public async Task<PortalView?> LoadAsync(StorytellerSession.Who who, CancellationToken ct = default)
    {
        var person = await db.Storytellers.AsNoTracking()
            .Where(s => s.Id == who.StorytellerId && s.ProjectId == who.ProjectId && s.WithdrawnAt == null)
            .Select(s => new { s.Name, Project = s.Project!.Name }).SingleOrDefaultAsync(ct);
        if (person is null) return null;
        var stories = await LoadStoriesAsync(who, ct);
        var (reports, playlists) = await LoadUsesAsync(who, stories, ct);
        var current = (await policy.CurrentAsync([who.StorytellerId], ct)).GetValueOrDefault(who.StorytellerId);
        var requests = await db.CorrectionRequests.AsNoTracking().Where(c => c.StorytellerId == who.StorytellerId)
            .OrderByDescending(c => c.Id).ToListAsync(ct);
        var expires = await db.StorytellerLinks.Where(l => l.Id == who.LinkId).Select(l => l.ExpiresAt).SingleAsync(ct);
        return new PortalView(who, person.Name, person.Project, stories, reports, playlists, current, requests, expires);
    }

    private sealed record StoryRow(int Id, string Title, DateOnly? RecordedOn, DateTime? PublishedAt, List<int> Tellers);

    private async Task<List<StoryView>> LoadStoriesAsync(StorytellerSession.Who who, CancellationToken ct)
    {
        var rows = await db.Stories.AsNoTracking()
            .Where(s => s.ProjectId == who.ProjectId && s.Storytellers.Any(x => x.StorytellerId == who.StorytellerId))
            .OrderBy(s => s.Id)
            .Select(s => new StoryRow(s.Id, s.Title, s.RecordedOn, s.PublishedAt, s.Storytellers.Select(x => x.StorytellerId).ToList()))
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var cues = await db.TranscriptCues.AsNoTracking().Where(c => ids.Contains(c.StoryId)).OrderBy(c => c.StoryId).ThenBy(c => c.Position).ToListAsync(ct);
        var labels = await db.SpeakerLabels.AsNoTracking().Where(l => ids.Contains(l.StoryId)).ToListAsync(ct);
        // The public site shows a published story only while every storyteller in it agrees (ConsentPolicy decides).
        var everyone = rows.SelectMany(r => r.Tellers).Distinct().ToList();
        var publish = await policy.DecideManyAsync(everyone, ConsentUse.PublishStory, ct);

        var views = new List<StoryView>();
        var number = 0;
        foreach (var row in rows)
        {
            var solo = row.Tellers.Count == 1;
            var storyLabels = labels.Where(l => l.StoryId == row.Id).ToDictionary(l => l.Label, StringComparer.Ordinal);
            var turns = cues.Where(c => c.StoryId == row.Id).Select(c =>
            {
                var kind = KindOf(c.Speaker, storyLabels, who.StorytellerId, solo);
                return new Turn(c.Position, c.StartSeconds, c.EndSeconds, kind, kind == TurnKind.Other ? null : c.Text);
            }).ToList();
            var shown = row.PublishedAt is not null && row.Tellers.All(t => publish[t].Allowed);
            views.Add(new StoryView(row.Id, ++number, row.Title, row.RecordedOn, !solo, turns, shown, row.PublishedAt is not null && !shown));
        }
        return views;
    }

    public static TurnKind KindOf(string speaker, IReadOnlyDictionary<string, SpeakerLabel> labels, int storytellerId, bool solo)
    {
        if (labels.TryGetValue(speaker, out var label))
        {
            if (label.StorytellerId == storytellerId) return TurnKind.You;
            if (solo && label.IsReporter) return TurnKind.Reporter;
            if (solo && label.StorytellerId is null) return TurnKind.Unmatched;
            return TurnKind.Other;
        }
        return solo ? TurnKind.Unmatched : TurnKind.Other;
    }

    private async Task<(List<ReportUse>, List<PlaylistUse>)> LoadUsesAsync(StorytellerSession.Who who, List<StoryView> stories, CancellationToken ct)
    {
        var storyIds = stories.Select(s => s.Id).ToList();
        var solo = stories.Where(s => !s.WithOthers).Select(s => s.Id).ToHashSet();
        var myLabels = (await db.SpeakerLabels.AsNoTracking().Where(l => storyIds.Contains(l.StoryId) && l.StorytellerId == who.StorytellerId)
            .Select(l => new { l.StoryId, l.Label }).ToListAsync(ct)).Select(l => (l.StoryId, l.Label)).ToHashSet();
        var myTimes = stories.ToDictionary(s => s.Id, s => s.Turns.Where(t => t.Kind == TurnKind.You && t.StartSeconds is not null)
            .Select(t => (Start: t.StartSeconds!.Value, End: t.EndSeconds ?? t.StartSeconds!.Value)).ToList());
        bool Mine(int storyId, string? speaker, double? start, double? end) =>
            solo.Contains(storyId)
            || (speaker is not null && myLabels.Contains((storyId, speaker)))
            || (start is { } s && myTimes.TryGetValue(storyId, out var times) && times.Any(t => t.Start < (end ?? s) && s < t.End));

        var quotes = await db.ReportQuotes.AsNoTracking()
            .Where(q => q.Report!.ProjectId == who.ProjectId
                        && ((q.Passage != null && storyIds.Contains(q.Passage.StoryId)) || (q.KeyQuote != null && storyIds.Contains(q.KeyQuote.StoryId))))
            .Select(q => new
            {
                q.ReportId,
                StoryId = q.Passage != null ? q.Passage.StoryId : q.KeyQuote!.StoryId,
                Speaker = q.Passage != null ? q.Passage.Speaker : q.KeyQuote!.Speaker,
                Start = q.Passage != null ? q.Passage.StartSeconds : q.KeyQuote!.StartSeconds,
                End = q.Passage != null ? q.Passage.EndSeconds : q.KeyQuote!.EndSeconds,
            }).ToListAsync(ct);
        var myQuotes = quotes.Where(q => Mine(q.StoryId, q.Speaker, q.Start, q.End)).GroupBy(q => q.ReportId).ToDictionary(g => g.Key, g => g.Count());
        // What the page says must be true now: quotes chosen earlier are left out of reports once the storyteller
        // says no to quotes (or to analysis), by the same policy the reports use.
        var quotesAllowed = (await policy.DecideAsync(who.StorytellerId, ConsentUse.Analysis, ct)).Allowed
                            && (await policy.DecideAsync(who.StorytellerId, ConsentUse.Quotes, ct)).Allowed;
        var reportIds = myQuotes.Keys.ToList();
        var reports = (await db.Reports.AsNoTracking().Where(r => reportIds.Contains(r.Id))
                .Select(r => new { r.Id, r.Title, r.Date, Published = r.Files.Any(f => f.PublishedAt != null && f.OutOfDateAt == null) })
                .ToListAsync(ct))
            .OrderBy(r => r.Date).ThenBy(r => r.Id)
            .Select(r => new ReportUse(r.Title, r.Date, myQuotes[r.Id], r.Published && quotesAllowed, !quotesAllowed)).ToList();

        var clips = await db.Clips.AsNoTracking().Where(c => c.ProjectId == who.ProjectId && storyIds.Contains(c.StoryId))
            .Select(c => new
            {
                c.PlaylistId,
                PlaylistTitle = c.Playlist!.Title,
                PlaylistPublished = c.Playlist.PublishedAt != null,
                c.StoryId,
                c.StartSeconds,
                c.EndSeconds,
                Speaker = c.Passage != null ? c.Passage.Speaker : c.KeyQuote != null ? c.KeyQuote.Speaker : null,
            }).ToListAsync(ct);
        var clipsAllowed = (await policy.DecideAsync(who.StorytellerId, ConsentUse.Clips, ct)).Allowed;
        var playlists = clips.Where(c => Mine(c.StoryId, c.Speaker, c.StartSeconds, c.EndSeconds))
            .GroupBy(c => (c.PlaylistId, c.PlaylistTitle, c.PlaylistPublished))
            .OrderBy(g => g.Key.PlaylistId)
            .Select(g => new PlaylistUse(g.Key.PlaylistTitle, g.Count(), g.Key.PlaylistPublished && clipsAllowed, !clipsAllowed)).ToList();
        return (reports, playlists);
    }

    // ---- Changes --------------------------------------------------------------------------

    public sealed record Choices(bool Recording, bool Analysis, bool Quotes, bool Clips, bool PublishStory,
        CreditStyle CreditInReports, CreditStyle CreditInClips, CreditStyle CreditOnPublicSite, string? Pseudonym);

    /// <summary>Records the storyteller's own choices as a new consent record; any embargo in force is kept.</summary>
    public async Task<Result<ConsentRecord>> ChangeConsentAsync(StorytellerSession.Who who, Choices c, string? note = null, CancellationToken ct = default)
    {
        var current = (await policy.CurrentAsync([who.StorytellerId], ct)).GetValueOrDefault(who.StorytellerId);
        var result = await consent.RecordByStorytellerAsync(who.ProjectId, who.StorytellerId, new ConsentService.ConsentInput(
            c.Recording, c.Analysis, c.Quotes, c.Clips, c.PublishStory, c.CreditInReports, c.CreditInClips, c.CreditOnPublicSite, c.Pseudonym,
            current?.EmbargoUntil, ConsentMethod.OnlineForm, null, null, null, null, note ?? StorytellerNote), StorytellerSession.Actor(who.LinkId), ct);
        if (result.Succeeded) await LogAsync(who, "changed-consent", ct);
        return result;
    }

    /// <summary>Every use off at once; how they are credited stays as it was (nothing is used any more).</summary>
    public async Task<Result<ConsentRecord>> StopAllUseAsync(StorytellerSession.Who who, string? note = null, CancellationToken ct = default)
    {
        var current = (await policy.CurrentAsync([who.StorytellerId], ct)).GetValueOrDefault(who.StorytellerId);
        return await ChangeConsentAsync(who, new Choices(false, false, false, false, false,
            current?.CreditInReports ?? CreditStyle.Anonymous, current?.CreditInClips ?? CreditStyle.Anonymous, current?.CreditOnPublicSite ?? CreditStyle.Anonymous,
            current?.Pseudonym), note ?? "Stopped all use on their own page.", ct);
    }

    public async Task<Result<CorrectionRequest>> RequestCorrectionAsync(StorytellerSession.Who who, string? text, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(text)) return Result.Fail<CorrectionRequest>(["Write what is wrong, and what it should say."]);
        if (text.Length > MaxCorrectionLength) return Result.Fail<CorrectionRequest>([$"Please keep it shorter: at most {MaxCorrectionLength:N0} letters. You can send another message after this one."]);
        var request = new CorrectionRequest { ProjectId = who.ProjectId, StorytellerId = who.StorytellerId, Text = text.Trim(), CreatedAt = Now };
        db.CorrectionRequests.Add(request);
        await db.SaveChangesAsync(ct);
        db.Record(clock, who.ProjectId, StorytellerSession.Actor(who.LinkId), "correction.requested", "correction-request", request.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(request);
    }

    /// <summary>An access-log row: ids and an action only, never content.</summary>
    public async Task LogAsync(StorytellerSession.Who who, string action, CancellationToken ct = default)
    {
        db.AccessLog.Add(new AccessLogEntry
        {
            ProjectId = who.ProjectId,
            At = Now,
            UserId = null,
            Actor = StorytellerSession.Actor(who.LinkId),
            Action = action,
            TargetType = "storyteller",
            TargetId = who.StorytellerId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(ct);
    }

    // ---- Leads ----------------------------------------------------------------------------

    public async Task<Result<CorrectionRequest>> ResolveAsync(int projectId, int requestId, string? response, string actorUserId, CancellationToken ct = default)
    {
        var request = await db.CorrectionRequests.SingleOrDefaultAsync(c => c.Id == requestId && c.ProjectId == projectId, ct);
        if (request is null) return Result.Fail<CorrectionRequest>(["That request is not part of this project."]);
        if (request.ResolvedAt is not null) return Result.Fail<CorrectionRequest>(["That request has already been answered."]);
        if (string.IsNullOrWhiteSpace(response)) return Result.Fail<CorrectionRequest>(["Write a short answer for the storyteller: what you changed, or why not."]);
        if (response.Length > MaxCorrectionLength) return Result.Fail<CorrectionRequest>([$"The answer can be at most {MaxCorrectionLength:N0} characters."]);
        request.Response = response.Trim();
        request.ResolvedAt = Now;
        request.ResolvedByUserId = actorUserId;
        db.Record(clock, projectId, actorUserId, "correction.resolved", "correction-request", request.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(request);
    }
}
