using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Consent;

/// <summary>
/// The rows a project's <see cref="AnalysisScope"/> is decided from — its story links with each storyteller's name,
/// withdrawal and consent record in force, and its speaker labels — kept in memory between requests (issue #17: every
/// coded passage, search, theme count and board read them again; ~25 ms for a 1,000-story project). Only the rows are
/// kept: the decision is made again from them on every load (<see cref="ConsentPolicy"/>'s rule, so an embargo that
/// ends today counts today).
/// <para><b>When the rows change, the copy is never used again</b>, whoever changed them — this server, another node, the
/// command line, a restore, a hand-written SQL statement: the database keeps one number, <c>ConsentScopeVersion</c>,
/// which triggers on every table those rows come from set to a value never used before (migration
/// <c>ConsentScopeVersion</c>; SQLite: a random 64-bit value, in the statement that changes a row; PostgreSQL: the next
/// value of a sequence, once per transaction as it commits — until then the transaction is marked, and a load inside
/// it reads the rows afresh and keeps nothing). Each load reads the number first (one primary-key read) and uses the copy only if it was read under
/// the same number; otherwise it reads the rows again and keeps them under the number read <i>before</i> them, so rows
/// changed between the two reads are never kept as current. A transaction that rolls back puts its number back, but a
/// new number is never one used before (random, or a sequence, which never goes back), so rows read inside a
/// transaction that then rolled back are never served. The triggers live outside EF's model: a test derives the tables
/// from the scope's own statement and fails if any lacks its triggers (<c>ConsentScopeCacheTests</c>), so a migration that
/// rebuilds one of these tables (and drops its triggers) cannot pass unnoticed.</para>
/// </summary>
public sealed class ConsentScopeCache
{
    /// <summary>Projects kept at once; past it the cache starts again empty (a server holds a few active projects).</summary>
    public const int MaxProjects = 64;

    /// <summary>One label of a story: who speaks under it.</summary>
    public sealed record Label(int StoryId, string Text, int? StorytellerId, bool IsReporter);

    /// <summary>A project's rows, by story.</summary>
    public sealed class Rows(IReadOnlyList<ConsentPolicy.StoryPerson> links, IReadOnlyList<Label> labels)
    {
        public IReadOnlyList<ConsentPolicy.StoryPerson> Links { get; } = links;

        public IReadOnlyList<Label> Labels { get; } = labels;

        private readonly ILookup<int, ConsentPolicy.StoryPerson> _linksByStory = links.ToLookup(l => l.StoryId);
        private readonly ILookup<int, Label> _labelsByStory = labels.ToLookup(l => l.StoryId);

        /// <summary>The rows of some stories only.</summary>
        public Rows For(IReadOnlyCollection<int> storyIds) =>
            new([.. storyIds.Distinct().SelectMany(id => _linksByStory[id])], [.. storyIds.Distinct().SelectMany(id => _labelsByStory[id])]);
    }

    /// <summary>Rows kept under a number: the whole project's (<paramref name="Stories"/> null) or those of some stories.</summary>
    private sealed record Entry(long Version, Rows Rows, HashSet<int>? Stories);

    private readonly ConcurrentDictionary<int, Entry> _projects = new();

    /// <summary>How many times rows were read from the database rather than this copy (for tests and diagnostics).</summary>
    public long Reads => Volatile.Read(ref _reads);

    private long _reads;

    /// <summary>
    /// At most this many stories asked for, when the kept copy does not hold them: only their rows are read (a coder who
    /// brings in a story and codes it at once would otherwise wait for the whole project's rows), and kept beside the
    /// other stories read that way under the same number, up to <see cref="MaxPartialStories"/>.
    /// </summary>
    public const int FewStories = 20;

    /// <summary>Stories kept for a project read a few at a time; past it the next such read starts a new copy.</summary>
    public const int MaxPartialStories = 500;

    /// <summary>
    /// The project's rows as they are now in <paramref name="db"/> (inside its transaction, if it has one), or those of
    /// <paramref name="storyIds"/> only when given.
    /// </summary>
    public async Task<Rows> RowsAsync(StoryweaveDb db, int projectId, IReadOnlyCollection<int>? storyIds, CancellationToken ct)
    {
        var now = await VersionAsync(db, ct);
        var kept = !now.Written && _projects.TryGetValue(projectId, out var hit) && hit.Version == now.Version ? hit : null;
        if (kept is not null && (kept.Stories is null || (storyIds is not null && storyIds.All(kept.Stories.Contains))))
            return storyIds is null ? kept.Rows : kept.Rows.For(storyIds);
        Interlocked.Increment(ref _reads);
        if (storyIds is not null && storyIds.Count <= FewStories)
        {
            // Only the stories the copy lacks are read; what is kept under this number is still current.
            var missing = kept?.Stories is { } have ? storyIds.Where(id => !have.Contains(id)).Distinct().ToList() : storyIds.Distinct().ToList();
            var read = await ReadAsync(db, projectId, missing, ct);
            if (now.Written) return read; // this transaction's own changes, not yet committed: never kept
            var entry = kept?.Stories is { } before && before.Count + missing.Count <= MaxPartialStories
                ? new Entry(now.Version, new Rows([.. kept.Rows.Links, .. read.Links], [.. kept.Rows.Labels, .. read.Labels]), [.. before, .. missing])
                : new Entry(now.Version, read, [.. missing]);
            Keep(projectId, entry);
            return entry.Rows.For(storyIds);
        }
        var rows = await ReadAsync(db, projectId, null, ct);
        if (!now.Written) Keep(projectId, new Entry(now.Version, rows, null));
        return storyIds is null ? rows : rows.For(storyIds);
    }

    private void Keep(int projectId, Entry entry)
    {
        if (_projects.Count >= MaxProjects && !_projects.ContainsKey(projectId)) _projects.Clear();
        _projects[projectId] = entry;
    }

    /// <summary>The number, and (PostgreSQL) whether the reader's own transaction has changed the rows and not yet committed.</summary>
    internal sealed class VersionRow
    {
        public long Version { get; set; }

        public bool Written { get; set; }
    }

    private static Task<VersionRow> VersionAsync(StoryweaveDb db, CancellationToken ct) =>
        db.Database.SqlQueryRaw<VersionRow>(db.Database.IsNpgsql()
            ? "SELECT \"Version\", COALESCE(current_setting('storyweave.consent_scope_written', true) = 'on', false) AS \"Written\" FROM \"ConsentScopeVersion\" WHERE \"Id\" = 1"
            : "SELECT \"Version\", 0 AS \"Written\" FROM \"ConsentScopeVersion\" WHERE \"Id\" = 1").SingleAsync(ct);

    /// <summary>The statement the rows come from (also read by the test that every table it reads carries the triggers).</summary>
    internal static IQueryable<StoryStoryteller> LinkQuery(StoryweaveDb db, int projectId, IReadOnlyCollection<int>? storyIds = null) =>
        storyIds is null ? db.StoryStorytellers.Where(x => x.Story!.ProjectId == projectId)
            : db.StoryStorytellers.Where(x => x.Story!.ProjectId == projectId && storyIds.Contains(x.StoryId));

    internal static IQueryable<Label> LabelQuery(StoryweaveDb db, int projectId, IReadOnlyCollection<int>? storyIds = null) =>
        (storyIds is null ? db.SpeakerLabels.AsNoTracking().Where(l => l.Story!.ProjectId == projectId)
            : db.SpeakerLabels.AsNoTracking().Where(l => l.Story!.ProjectId == projectId && storyIds.Contains(l.StoryId)))
            .Select(l => new Label(l.StoryId, l.Label, l.StorytellerId, l.IsReporter));

    private static async Task<Rows> ReadAsync(StoryweaveDb db, int projectId, IReadOnlyCollection<int>? storyIds, CancellationToken ct)
    {
        var links = await ConsentPolicy.StoryPeopleAsync(db, LinkQuery(db, projectId, storyIds), ct);
        var labels = await LabelQuery(db, projectId, storyIds).ToListAsync(ct);
        return new Rows(links, labels);
    }
}
