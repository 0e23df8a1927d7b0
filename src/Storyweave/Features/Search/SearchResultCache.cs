using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Features.Search;

/// <summary>
/// A search's ranked matches (the candidates before consent: ids, story, speaker, kind), kept in memory between
/// requests on SQLite (issue #17: the same words searched again, or the next page of them, cost the ranked statement
/// again; with a theme filter ~25 ms of SQLite CPU at 1,000 stories). Only the matches are kept: consent
/// (<see cref="Consent.AnalysisScope"/>), the page's snippets, lines and titles are read again on every search, so a
/// consent change or a withdrawal needs nothing from here to be seen at once.
/// <para><b>When the rows the matches come from change, the kept matches are never used again</b>, whoever changed them —
/// this server, another node, the command line, a restore, a hand-written SQL statement: the database keeps two numbers
/// in <c>SearchResultVersion</c>, which triggers on every table the matches are read from set to a value never used
/// before in the statement that changes a row (migration <c>SearchResultVersion</c>): <c>Texts</c> for the lines, the
/// team's texts and a story's project, <c>Filters</c> for what a theme, coder or category filter reads (passages, their
/// themes, who told a story and what they answered), so coding a passage does not retire a search without such a filter.
/// Each search reads the numbers first (one primary-key read) and uses kept matches only if they were read under the same
/// numbers; otherwise it runs the statement and keeps its matches under the numbers read <i>before</i> it, so rows
/// changed between the two reads are never kept as current. A transaction that rolls back puts its numbers back, but a
/// new number is never one used before (random), so matches read inside a transaction that then rolled back are never
/// served.</para>
/// <para><b>A theme or coder filter's lines</b> (the ids of the lines its passages cover, <see cref="LinesAsync"/>) are kept the
/// same way, under the same two numbers, so a search with new words and a theme filter used before tests each match against
/// the kept list instead of turning the theme's passages into lines again (issue #17: ~4,400 passages, ~15 ms of SQLite at
/// 1,000 stories). The list depends on the passages (<c>Filters</c>) and on where each line starts (<c>Texts</c>), so a
/// change to either retires it as it retires kept matches.</para>
/// <para>PostgreSQL keeps nothing here (it has no such table): its statement is not the one measured as the cost.</para>
/// </summary>
public sealed class SearchResultCache
{
    /// <summary>Searches kept at once (each at most <see cref="SearchService.MaxCandidates"/> small rows, ~10 KB); past it the cache starts again empty.</summary>
    public const int MaxEntries = 256;

    /// <summary>What a search's matches depend on: the project, the words as the engine gets them, and the filters.</summary>
    public sealed record Key(int ProjectId, string Query, SearchService.Filters Filters);

    /// <summary>Whose lines a filter's list holds: a theme's (<paramref name="Kind"/> "theme", its id) or a coder's ("coder", their user id).</summary>
    public sealed record LinesKey(int ProjectId, string Kind, string Id);

    /// <summary>Line lists kept at once (each a few thousand ids); past it the list starts again empty.</summary>
    public const int MaxLineLists = 64;

    /// <summary>The two numbers as read (filled by EF: the column names match the properties).</summary>
    public sealed class VersionRow
    {
        public long Texts { get; set; }

        public long Filters { get; set; }
    }

    private sealed record Entry(long Texts, long Filters, IReadOnlyList<SearchService.Candidate> Candidates, bool Capped);

    private sealed record LinesEntry(long Texts, long Filters, IReadOnlyCollection<long> Ids);

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();

    private readonly ConcurrentDictionary<LinesKey, LinesEntry> _lines = new();

    private long _lineBuilds;

    /// <summary>How many times a filter's lines were read from the passages rather than kept ones used (for tests and diagnostics).</summary>
    public long LineBuilds => Volatile.Read(ref _lineBuilds);

    private long _runs;

    /// <summary>How many searches ran the ranked statement rather than using kept matches (for tests and diagnostics).</summary>
    public long Runs => Volatile.Read(ref _runs);

    /// <summary>
    /// The search's ranked matches: kept ones when the numbers in <paramref name="db"/> are those they were kept under,
    /// else those of <paramref name="run"/>, kept under the numbers read before it.
    /// </summary>
    public async Task<(List<SearchService.Candidate> Candidates, bool Capped)> GetAsync(StoryweaveDb db, Key key,
        Func<VersionRow, Task<(List<SearchService.Candidate> Candidates, bool Capped)>> run, CancellationToken ct)
    {
        // Without a theme, coder or category filter the matches do not depend on the filter tables.
        var filtered = key.Filters.ThemeId is not null || key.Filters.CoderId is not null || key.Filters.OptionId is not null;
        var now = await VersionAsync(db, ct);
        if (_entries.TryGetValue(key, out var hit) && hit.Texts == now.Texts && (!filtered || hit.Filters == now.Filters))
            return ([.. hit.Candidates], hit.Capped);
        Interlocked.Increment(ref _runs);
        var (candidates, capped) = await run(now);
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[key] = new Entry(now.Texts, now.Filters, [.. candidates], capped);
        return (candidates, capped);
    }

    /// <summary>
    /// A theme's or coder's lines: kept ones when they were read under the numbers <paramref name="now"/> (read by
    /// <see cref="GetAsync"/> before anything else of the search), else those of <paramref name="read"/>, kept under them.
    /// </summary>
    public async Task<IReadOnlyCollection<long>> LinesAsync(VersionRow now, LinesKey key, Func<Task<IReadOnlyCollection<long>>> read)
    {
        if (_lines.TryGetValue(key, out var hit) && hit.Texts == now.Texts && hit.Filters == now.Filters) return hit.Ids;
        Interlocked.Increment(ref _lineBuilds);
        var ids = await read();
        if (_lines.Count >= MaxLineLists) _lines.Clear();
        _lines[key] = new LinesEntry(now.Texts, now.Filters, ids);
        return ids;
    }

    private static Task<VersionRow> VersionAsync(StoryweaveDb db, CancellationToken ct) =>
        db.Database.SqlQueryRaw<VersionRow>("SELECT \"Texts\", \"Filters\" FROM \"SearchResultVersion\" WHERE \"Id\" = 1").SingleAsync(ct);
}
