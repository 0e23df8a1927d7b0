using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Features.Consent;

/// <summary>
/// What of a project may be used in analysis (coding, search, workshops, findings), decided by
/// <see cref="ConsentPolicy"/> for every storyteller at once. In a group story each person's consent
/// applies to their own turns, found through the story's speaker labels:
/// <list type="bullet">
/// <item>a turn by a storyteller is visible when that storyteller agreed to analysis;</item>
/// <item>a turn by the reporter is visible when at least one storyteller of the story agreed;</item>
/// <item>a turn whose speaker is not linked to anyone is visible only when every storyteller of the story agreed
/// (we cannot tell whose words they are).</item>
/// </list>
/// A story is visible when at least one of its storytellers agreed.
/// </summary>
public sealed class AnalysisScope
{
    private readonly Dictionary<int, (int Agreed, int Total)> _stories;
    private readonly Dictionary<(int StoryId, string Label), (int? StorytellerId, bool IsReporter)> _labels;
    private readonly HashSet<int> _agreed;

    private AnalysisScope(Dictionary<int, (int, int)> stories, Dictionary<(int, string), (int?, bool)> labels, HashSet<int> agreed)
    {
        _stories = stories;
        _labels = labels;
        _agreed = agreed;
    }

    public static Task<AnalysisScope> LoadAsync(StoryweaveDb db, ConsentPolicy policy, int projectId, CancellationToken ct = default) =>
        LoadCoreAsync(db, policy, projectId, null, p => policy.Decide(p, ConsentUse.Analysis), ct);

    /// <summary>
    /// The same turn rules for a data export: a person counts as agreeing only when
    /// <see cref="ConsentPolicy.DecideExportsAsync"/> allows it (analysis, no embargo, not withdrawn).
    /// </summary>
    public static Task<AnalysisScope> LoadForExportAsync(StoryweaveDb db, ConsentPolicy policy, int projectId, CancellationToken ct = default) =>
        LoadCoreAsync(db, policy, projectId, null, policy.DecideExport, ct);

    /// <summary>
    /// The same answer for only some of a project's stories (any other story is not visible), so
    /// a search over a large project asks about the stories it found rather than all of them.
    /// </summary>
    public static Task<AnalysisScope> LoadForStoriesAsync(StoryweaveDb db, ConsentPolicy policy, int projectId, IReadOnlyCollection<int> storyIds, CancellationToken ct = default) =>
        LoadCoreAsync(db, policy, projectId, storyIds, p => policy.Decide(p, ConsentUse.Analysis), ct);

    // The project's rows (links with each storyteller's consent in force, and speaker labels) come from ConsentScopeCache:
    // one primary-key read when they have not changed since they were last read, two statements when they have (for a
    // few stories, only theirs). The decision for each person is ConsentPolicy's rule, made again on every load.
    private static async Task<AnalysisScope> LoadCoreAsync(StoryweaveDb db, ConsentPolicy policy, int projectId, IReadOnlyCollection<int>? storyIds,
        Func<ConsentPolicy.Person, ConsentDecision> decide, CancellationToken ct)
    {
        var rows = await policy.Scopes.RowsAsync(db, projectId, storyIds, ct);
        var agreed = rows.Links.DistinctBy(l => l.StorytellerId).Where(l => decide(l.Person).Allowed).Select(l => l.StorytellerId).ToHashSet();
        var stories = rows.Links.GroupBy(l => l.StoryId).ToDictionary(g => g.Key, g => (g.Count(l => agreed.Contains(l.StorytellerId)), g.Count()));
        return new AnalysisScope(stories, rows.Labels.ToDictionary(l => (l.StoryId, l.Text), l => (l.StorytellerId, l.IsReporter)), agreed);
    }

    public bool IsStoryVisible(int storyId) => _stories.TryGetValue(storyId, out var s) && s.Agreed > 0;

    public IEnumerable<int> VisibleStoryIds => _stories.Where(s => s.Value.Agreed > 0).Select(s => s.Key);

    /// <summary>
    /// The passages whose turns <see cref="IsTurnVisible"/> allows, as a condition the database applies (for counting
    /// thousands of passages without reading each one). It is the same rule, not a second copy of it: every speaker
    /// label this scope knows is decided by <see cref="IsTurnVisible"/> and listed as shown or hidden; a speaker with no
    /// label is shown only in a story every storyteller of which agreed, which is what the rule says for it.
    /// </summary>
    public IQueryable<Coding.CodedPassage> WhereTurnVisible(IQueryable<Coding.CodedPassage> passages)
    {
        var visible = VisibleStoryIds.ToList();
        var everyoneAgreed = _stories.Where(s => s.Value.Agreed > 0 && s.Value.Agreed == s.Value.Total).Select(s => s.Key).ToHashSet();
        var hidden = new List<string>();
        var shown = new List<string>();
        foreach (var (storyId, label) in _labels.Keys)
        {
            if (!IsStoryVisible(storyId)) continue;
            if (!IsTurnVisible(storyId, label)) hidden.Add(TurnKey(storyId, label));
            else if (!everyoneAgreed.Contains(storyId)) shown.Add(TurnKey(storyId, label));
        }
        var all = everyoneAgreed.ToList();
        // Run by the database (CAST AS TEXT / ::text), never by .NET, so no culture applies.
#pragma warning disable CA1305
        return passages.Where(p => visible.Contains(p.StoryId)
            && !hidden.Contains(p.StoryId.ToString() + "|" + p.Speaker)
            && (all.Contains(p.StoryId) || shown.Contains(p.StoryId.ToString() + "|" + p.Speaker)));
#pragma warning restore CA1305
    }

    private static string TurnKey(int storyId, string label) => storyId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|" + label;

    public bool IsTurnVisible(int storyId, string speakerLabel)
    {
        if (!_stories.TryGetValue(storyId, out var story) || story.Agreed == 0) return false;
        if (_labels.TryGetValue((storyId, speakerLabel), out var label))
        {
            if (label.StorytellerId is { } id) return _agreed.Contains(id);
            if (label.IsReporter) return true;
        }
        return story.Agreed == story.Total;
    }
}
