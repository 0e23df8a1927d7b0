using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;

namespace Storyweave.Features.Reports;

/// <summary>
/// Whose words a coded passage or key quote is, and what <see cref="ConsentPolicy"/> says about
/// quoting them. Attribution only: the decision itself is always the policy's. A passage or key quote
/// belongs to the storyteller its speaker label is linked to; an unlinked label in a one-storyteller
/// story is that storyteller's; a reporter's words, or unlinked words in a group story, are never
/// quoted (we cannot say who agreed).
/// </summary>
public sealed class ReportQuoteConsent(StoryweaveDb db, ConsentPolicy policy)
{
    public const string WithdrawnReason = "The storyteller has withdrawn from the project.";

    public sealed record Source(int StoryId, string Speaker);

    /// <summary>
    /// The answer for one quote: allowed (with the credit to show) or not, with a reason in plain words.
    /// <paramref name="TeamMaySee"/>: whether the team may still read the words in analysis (a left-out
    /// quote is shown to the curator only then).
    /// </summary>
    public sealed record Answer(bool Allowed, int? StorytellerId, string Credit, string Reason, bool TeamMaySee);

    public async Task<Dictionary<Source, Answer>> DecideAsync(int projectId, IReadOnlyCollection<Source> sources, CancellationToken ct = default)
    {
        var storyIds = sources.Select(s => s.StoryId).Distinct().ToList();
        var tellers = (await db.StoryStorytellers.AsNoTracking().Where(x => storyIds.Contains(x.StoryId) && x.Story!.ProjectId == projectId)
            .Select(x => new { x.StoryId, x.StorytellerId }).ToListAsync(ct)).ToLookup(x => x.StoryId, x => x.StorytellerId);
        var labels = (await db.SpeakerLabels.AsNoTracking().Where(l => storyIds.Contains(l.StoryId))
            .Select(l => new { l.StoryId, l.Label, l.StorytellerId, l.IsReporter }).ToListAsync(ct))
            .ToDictionary(l => (l.StoryId, l.Label));

        var owners = new Dictionary<Source, (int? Id, string? Why, bool Reporter)>();
        foreach (var s in sources.Distinct())
        {
            var inStory = tellers[s.StoryId].ToList();
            if (labels.TryGetValue((s.StoryId, s.Speaker), out var label) && label.StorytellerId is { } linked && inStory.Contains(linked))
                owners[s] = (linked, null, false);
            else if (label is { IsReporter: true })
                owners[s] = (null, "These are the reporter's words, not a storyteller's, so they are not quoted.", true);
            else if (inStory.Count == 1)
                owners[s] = (inStory[0], null, false);
            else
                owners[s] = (null, "Storyweave cannot tell which storyteller said this (the speaker is not linked to a storyteller), so it is not quoted.", false);
        }

        var ids = owners.Values.Where(o => o.Id is not null).Select(o => o.Id!.Value).Distinct().ToList();
        var withdrawn = (await db.Storytellers.AsNoTracking().Where(x => ids.Contains(x.Id) && x.WithdrawnAt != null).Select(x => x.Id).ToListAsync(ct)).ToHashSet();
        var analysis = await policy.DecideManyAsync(ids, ConsentUse.Analysis, ct);
        var quotes = await policy.DecideManyAsync(ids, ConsentUse.Quotes, ct);
        return owners.ToDictionary(o => o.Key, o =>
        {
            if (o.Value.Id is not { } id) return new Answer(false, null, "", o.Value.Why!, o.Value.Reporter);
            if (withdrawn.Contains(id)) return new Answer(false, id, "", WithdrawnReason, false);
            if (!analysis[id].Allowed) return new Answer(false, id, "", analysis[id].Reason, false);
            var q = quotes[id];
            return q.Allowed ? new Answer(true, id, q.CreditName ?? "", q.Reason, true) : new Answer(false, id, "", q.Reason, true);
        });
    }
}
