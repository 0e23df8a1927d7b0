using System.Data.Common;
using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Storyweave.Data;
using Storyweave.Features.Consent;

namespace Storyweave.Features.Search;

/// <summary>
/// Full-text search over a project's transcripts, review sheets, key quotes and memos, with the
/// database's own engine: FTS5 with bm25 on SQLite, tsvector with ts_rank_cd on PostgreSQL (created in
/// the migrations, outside the EF model, hence the raw SQL here; every value is a parameter). Transcript
/// lines are searched where they are stored (<c>TranscriptCuesFts</c>, an external-content FTS5 table over
/// <c>TranscriptCues</c>; <c>TranscriptCues.SearchVector</c> on PostgreSQL); the team's texts through
/// <see cref="SearchEntry"/> rows. Both are searched in one statement and ranked together. Consent is applied with <see cref="AnalysisScope"/>: cues and key quotes only
/// when the turn is visible, review sheets and memos only when the story is.
/// </summary>
/// <remarks>
/// Filters: speaker label is exact. Theme and coder match a cue or key quote when a passage coded
/// with that theme (or by that coder) overlaps it; a review sheet or memo matches when its story has
/// such a passage. Category answer matches when any storyteller of the story ticked the option.
/// Memos on themes (no story) are not searched yet.
/// The best <see cref="MaxCandidates"/> matches are ranked and paged; beyond that, the total is shown as "more than".
/// When a query matches more than <see cref="RankWindow"/> texts, only the newest that many are ranked
/// (the total is then "more than" as well), so a very common word costs about the same at any corpus size.
/// </remarks>
public sealed class SearchService(StoryweaveDb db, ConsentPolicy consent, SearchService.Tuning tuning, SearchResultCache kept)
{
    /// <summary>
    /// PostgreSQL first looks among the <paramref name="PostgresNewestTexts"/> newest texts of the
    /// whole database (200,000 is about 800 stories of ~250 turns); only when they hold fewer than
    /// <paramref name="PostgresEnoughMatches"/> matches (ten pages) does it search everything.
    /// Reading a match costs a row visit there (GIN keeps no word positions), so a common phrase
    /// would otherwise read every row it appears in. Registered once in AppHost; tests use small values.
    /// </summary>
    public sealed record Tuning(int PostgresNewestTexts = 200_000, int PostgresEnoughMatches = 10 * PageSize);

    public const int PageSize = 20;

    /// <summary>
    /// How many results are listed at most: the best this many (ten pages). Each candidate costs its consent
    /// check (its story's storytellers and speaker labels) whether or not its page is shown, so this is
    /// what a common word costs after the ranking; beyond it the total reads "more than" and the page says
    /// that only the best are listed (issue #17: 1,000 before, ~30 % of a common word's server time).
    /// </summary>
    public const int MaxCandidates = 200;

    /// <summary>
    /// How many matches are ranked at most: the newest this many (by entry id, so the most recently
    /// saved texts) that pass the filters. Ranking every match of a very common word costs time in
    /// proportion to the corpus (hundreds of ms at 10,000 stories); finding the newest matches does
    /// not. Below this many matches, every match is ranked, as before. 1,000 (5,000 before issue #17's
    /// search work): five times the <see cref="MaxCandidates"/> listed, and a fifth of the walk, bm25 and
    /// row reads of a common word; a word with fewer matches is ranked whole, as before.
    /// </summary>
    public const int RankWindow = 1000;
    /// <summary>How close (in characters, about ten words) two query words must be for the "near" boost on SQLite.</summary>
    public const int NearCharacters = 60;

    public const string EmptyQueryMessage = "Type a word or phrase to search for.";
    public const string UnreadableQueryMessage = "Search could not understand those words. Try plain words, or a phrase in \"double quotes\".";

    public sealed record Filters(int? ThemeId = null, int? OptionId = null, string? Speaker = null, string? CoderId = null);

    /// <summary>Part of a snippet: plain text, and whether it is a matched word (shown with &lt;mark&gt;).</summary>
    public sealed record SnippetPart(string Text, bool Highlighted);

    public sealed record Hit(int StoryId, string StoryTitle, SearchKind Kind, IReadOnlyList<SnippetPart> Snippet, string Speaker, double? Start, int? StartOffset)
    {
        public string SnippetText => string.Concat(Snippet.Select(p => p.Text));

        /// <summary>The snippet as HTML: every part escaped, matched words in &lt;mark&gt;.</summary>
        public string SnippetHtml => string.Concat(Snippet.Select(p => p.Highlighted ? $"<mark>{WebUtility.HtmlEncode(p.Text)}</mark>" : WebUtility.HtmlEncode(p.Text)));
    }

    public sealed record Outcome(IReadOnlyList<Hit> Results, int Total, bool TotalIsCapped, int Page, string? Error)
    {
        public int PageCount => (Total + PageSize - 1) / PageSize;
        public static Outcome Failed(string message) => new([], 0, false, 1, message);
    }

    /// <summary>
    /// A raw match: filled by EF from the SQL below (column names match the properties). <see cref="Id"/> is a
    /// line's id when <see cref="Kind"/> is "Cue", else a search entry's: the two are told apart by kind.
    /// </summary>
    public sealed class Candidate
    {
        public long Id { get; set; }
        public int StoryId { get; set; }
        public string Speaker { get; set; } = "";
        public string Kind { get; set; } = "";
    }

    public sealed class SnippetRow
    {
        public long Id { get; set; }
        public string Snippet { get; set; } = "";
    }

    private const char Open = '\u0002';
    private const char Close = '\u0003';

    public async Task<Outcome> SearchAsync(int projectId, string? text, Filters filters, int page, CancellationToken ct = default)
    {
        var query = SearchQuery.Parse(text);
        if (query.IsEmpty) return Outcome.Failed(EmptyQueryMessage);
        page = Math.Max(1, page);
        var postgres = db.Database.IsNpgsql();

        List<Candidate> candidates;
        bool capped;
        try
        {
            // On SQLite the ranked matches of the same words and filters are kept while the rows they come from are
            // unchanged (SearchResultCache: retired by the database itself); consent and the page are decided below every time.
            (candidates, capped) = postgres ? await PostgresCandidatesAsync(projectId, query, filters, ct)
                : await kept.GetAsync(db, new SearchResultCache.Key(projectId, query.ToFts5(), filters), now => SqliteCandidatesAsync(projectId, query, filters, now, ct), ct);
        }
        catch (Exception e) when (e is SqliteException { Message: var m } && m.Contains("fts5:", StringComparison.Ordinal)
            || e is PostgresException { SqlState: PostgresErrorCodes.SyntaxError })
        {
            // The query is built from letters and digits only, so this should not happen; if the engine still refuses
            // the words, the person gets a plain message rather than an error page. Only the engine's complaint about
            // the words: any other failure (a missing index in a hand-altered database, say) is not the person's words.
            return Outcome.Failed(UnreadableQueryMessage);
        }

        var scope = await AnalysisScope.LoadForStoriesAsync(db, consent, projectId, candidates.Select(c => c.StoryId).Distinct().ToList(), ct);
        var visible = candidates.Where(c => c.Kind is nameof(SearchKind.Cue) or nameof(SearchKind.KeyQuote)
            ? scope.IsTurnVisible(c.StoryId, c.Speaker)
            : scope.IsStoryVisible(c.StoryId)).ToList();
        var onPage = visible.Skip((page - 1) * PageSize).Take(PageSize).ToList();
        if (onPage.Count == 0) return new Outcome([], visible.Count, capped, page, null);

        var cueIds = onPage.Where(IsCue).Select(c => c.Id).ToList();
        var entryIds = onPage.Where(c => !IsCue(c)).Select(c => c.Id).ToList();
        var cueSnippets = postgres ? await PostgresSnippetsAsync(query, "TranscriptCues", cueIds, ct) : await SqliteSnippetsAsync(query, "TranscriptCuesFts", cueIds, ct);
        var entrySnippets = postgres ? await PostgresSnippetsAsync(query, "SearchEntries", entryIds, ct) : await SqliteSnippetsAsync(query, "SearchEntriesFts", entryIds, ct);
        // (Each look-up only when the page has such rows: a query costs its round trip even when it finds nothing.)
        var cues = cueIds.Count == 0 ? [] : await db.TranscriptCues.AsNoTracking().Where(c => cueIds.Contains(c.Id))
            .Select(c => new { c.Id, c.StoryId, c.Speaker, c.StartSeconds, c.StartOffset }).ToDictionaryAsync(c => c.Id, ct);
        var entries = entryIds.Count == 0 ? [] : await db.SearchEntries.AsNoTracking().Where(e => entryIds.Contains(e.Id))
            .Select(e => new { e.Id, e.StoryId, e.Kind, e.Speaker, e.StartSeconds, e.StartOffset }).ToDictionaryAsync(e => e.Id, ct);
        var storyIds = onPage.Select(c => c.StoryId).Distinct().ToList();
        var titles = await db.Stories.AsNoTracking().Where(s => storyIds.Contains(s.Id)).Select(s => new { s.Id, s.Title }).ToDictionaryAsync(s => s.Id, s => s.Title, ct);

        var hits = new List<Hit>(onPage.Count);
        foreach (var c in onPage)
        {
            var title = titles.GetValueOrDefault(c.StoryId, "");
            if (IsCue(c) && cues.TryGetValue(c.Id, out var cue))
                hits.Add(new Hit(cue.StoryId, title, SearchKind.Cue, Parts(cueSnippets.GetValueOrDefault(c.Id, "")), cue.Speaker, cue.StartSeconds, cue.StartOffset));
            else if (!IsCue(c) && entries.TryGetValue(c.Id, out var e))
                hits.Add(new Hit(e.StoryId!.Value, title, e.Kind, Parts(entrySnippets.GetValueOrDefault(c.Id, "")), e.Speaker, e.StartSeconds, e.StartOffset));
        }
        return new Outcome(hits, visible.Count, capped, page, null);
    }

    private static bool IsCue(Candidate c) => c.Kind == nameof(SearchKind.Cue);

    /// <summary>
    /// Filter clauses shared by both engines (same quoted identifiers); values are parameters. Without
    /// <paramref name="passages"/> the theme and coder filters are left out (SQLite's lines test them against the filter's kept lines instead).
    /// </summary>
    private static string FilterSql(Filters f, bool passages = true)
    {
        // A cue or key quote is covered by a passage when their character ranges overlap; texts
        // without an offset (review sheets, memos) count when their story has such a passage.
        // The same test as "p starts before the text ends and ends after it starts", written so the text's
        // length is counted only for a passage that starts inside it (length() reads the whole text).
        const string overlaps = """(e."StartOffset" IS NULL OR (p."EndOffset" > e."StartOffset" AND (p."StartOffset" < e."StartOffset" OR p."StartOffset" < e."StartOffset" + length(e."Text"))))""";
        var sql = new StringBuilder();
        if (f.Speaker is not null) sql.Append(""" AND e."Speaker" = @speaker""");
        if (f.OptionId is not null)
            sql.Append(""" AND EXISTS (SELECT 1 FROM "StoryStorytellers" ss JOIN "StorytellerAnswers" a ON a."StorytellerId" = ss."StorytellerId" WHERE ss."StoryId" = e."StoryId" AND a."OptionId" = @option)""");
        if (passages && f.ThemeId is not null)
            sql.Append($""" AND EXISTS (SELECT 1 FROM "ThemePassages" p WHERE p."StoryId" = e."StoryId" AND {overlaps})""");
        if (passages && f.CoderId is not null)
            sql.Append($""" AND EXISTS (SELECT 1 FROM "CoderPassages" p WHERE p."StoryId" = e."StoryId" AND {overlaps})""");
        return sql.ToString();
    }

    /// <summary>
    /// With a theme or coder filter, that filter's passages of the project (story and place), read once into a
    /// small table (a few thousand rows; SQLite indexes it by story itself).
    /// A search then starts from these: a common word has ~15,000 matches at 1,000 stories of which a
    /// theme covers ~300, and reading each match's row to learn its story cost most of such a search.
    /// On SQLite (<paramref name="sqlite"/>) a theme's passages are read from the passages' place index
    /// (<see cref="Coding.CodedPassageConfiguration.PlaceIndex"/>: id, project, story, start, end), which holds all
    /// the statement needs: the table's rows carry snippets and make it megabytes, past SQLite's page cache.
    /// </summary>
    private static string PassageCtes(Filters f, bool sqlite)
    {
        var ctes = new List<string>();
        if (f.ThemeId is not null)
        {
            ctes.Add($"""
                "ThemePassages" AS MATERIALIZED (
                    SELECT p."StoryId", p."StartOffset", p."EndOffset"
                    FROM "PassageThemes" pt JOIN "Passages" p{(sqlite ? $" INDEXED BY \"{Coding.CodedPassageConfiguration.PlaceIndex}\"" : "")} ON p."Id" = pt."PassageId"
                    WHERE pt."ThemeId" = @theme AND p."ProjectId" = @project)
                """);
        }
        if (f.CoderId is not null)
        {
            ctes.Add("""
                "CoderPassages" AS MATERIALIZED (
                    SELECT p."StoryId", p."StartOffset", p."EndOffset"
                    FROM "Passages" p
                    WHERE p."ProjectId" = @project AND (p."CoderUserId" = @coder
                        OR EXISTS (SELECT 1 FROM "PassageThemes" pt WHERE pt."PassageId" = p."Id" AND pt."CoderUserId" = @coder)))
                """);
        }
        return string.Join(",\n", ctes);
    }

    /// <summary>
    /// The lines a theme's (or coder's) passages of the project cover, exactly (<c>Value</c>: line ids), on SQLite,
    /// from two indexes alone (no line row is read): lines tile the story's text, so a passage covers the lines from
    /// the last one starting at or before the passage's start up to the last one starting before its end, found by
    /// <see cref="LinePlaceIndex"/> (story, start); the first of them is kept only when the passage starts before the
    /// line ends (it may start just after it, at the newline), which the same index answers, since it holds each
    /// line's length too. Same test as <see cref="FilterSql"/>'s overlap. One pass over (passage, line) pairs.
    /// <paramref name="f"/> holds one of the two filters. Also read by the test that every table it reads carries the
    /// triggers that retire kept lists.
    /// </summary>
    internal static string SqliteFilterLinesSql(Filters f)
    {
        var passages = f.ThemeId is not null ? "ThemePassages" : "CoderPassages";
        return $"""
            WITH {PassageCtes(f, sqlite: true)}
            SELECT DISTINCT c."Id" AS "Value"
            FROM "{passages}" p JOIN "TranscriptCues" c INDEXED BY "{LinePlaceIndex}" ON c."StoryId" = p."StoryId"
            WHERE c."StartOffset" < p."EndOffset" AND c."StartOffset" >= COALESCE((
                    SELECT max(b."StartOffset") FROM "TranscriptCues" b INDEXED BY "{LinePlaceIndex}"
                    WHERE b."StoryId" = p."StoryId" AND b."StartOffset" <= p."StartOffset"), 0)
                AND (p."StartOffset" < c."StartOffset" OR p."StartOffset" < c."StartOffset" + length(c."Text"))
            """;
    }

    /// <summary>
    /// SQLite only: lines by story and place, with each line's length — an index on the expression <c>length("Text")</c>
    /// (migration <c>SearchFromNarrowIndexes</c>, outside the EF model, which cannot express it). SQLite reads a line's
    /// length from it without reading the line, so <see cref="SqliteFilterLinesSql"/> touches no line row.
    /// </summary>
    public const string LinePlaceIndex = "IX_TranscriptCues_StoryId_StartOffset_Length";

    /// <summary>
    /// SQLite only: each line's story and speaker by its id (<c>Id, StoryId, Speaker</c>; 6.5 MB at 1,000 stories), all a
    /// search without a proximity boost reads of a match (<see cref="SqliteCandidatesSql"/>): a few pages of it hold the
    /// newest thousands of lines, where their rows, with the text, span megabytes, past SQLite's page cache.
    /// </summary>
    public const string LineOwnerIndex = "IX_TranscriptCues_Id_StoryId_Speaker";

    /// <summary>A theme's or coder's lines (one of the two filters in <paramref name="f"/>), kept while the rows they come from are unchanged.</summary>
    private Task<IReadOnlyCollection<long>> FilterLinesAsync(int projectId, Filters f, SearchResultCache.VersionRow now, CancellationToken ct)
    {
        var key = f.ThemeId is { } themeId
            ? new SearchResultCache.LinesKey(projectId, "theme", themeId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : new SearchResultCache.LinesKey(projectId, "coder", f.CoderId!);
        return kept.LinesAsync(now, key, async () =>
        {
            var parameters = new List<DbParameter> { new SqliteParameter("@project", projectId) };
            AddFilterParameters(parameters, f, (name, value) => new SqliteParameter(name, value));
            // An array (8 bytes an id; the statement lists each line once): kept lists stay small.
            return await db.Database.SqlQueryRaw<long>(SqliteFilterLinesSql(f), [.. parameters]).ToArrayAsync(ct);
        });
    }

    /// <summary>The ranked matches, and whether there may be more than them (the total is then "more than").</summary>
    private async Task<(List<Candidate> Candidates, bool Capped)> SqliteCandidatesAsync(int projectId, SearchQuery query, Filters f, SearchResultCache.VersionRow now, CancellationToken ct)
    {
        var parameters = new List<DbParameter>
        {
            new SqliteParameter("@q", query.ToFts5()),
            new SqliteParameter("@project", projectId),
            new SqliteParameter("@limit", MaxCandidates),
            new SqliteParameter("@window", RankWindow),
        };
        if (query.ProximityWords() is { } words)
        {
            parameters.Add(new SqliteParameter("@together", string.Join(' ', words)));
            parameters.Add(new SqliteParameter("@first", words[0]));
            parameters.Add(new SqliteParameter("@last", words[^1]));
            parameters.Add(new SqliteParameter("@nearChars", NearCharacters));
        }
        AddFilterParameters(parameters, f, (name, value) => new SqliteParameter(name, value));
        if (f.ThemeId is not null || f.CoderId is not null)
        {
            // The filter's lines (kept while nothing they depend on changed), both filters' in common when both are chosen.
            IEnumerable<long> lines = f.ThemeId is not null ? await FilterLinesAsync(projectId, f with { CoderId = null }, now, ct) : await FilterLinesAsync(projectId, f with { ThemeId = null }, now, ct);
            if (f.ThemeId is not null && f.CoderId is not null)
                lines = lines.Intersect(await FilterLinesAsync(projectId, f with { ThemeId = null }, now, ct));
            parameters.Add(new SqliteParameter("@lines", "[" + string.Join(',', lines.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]"));
        }
        var sql = SqliteCandidatesSql(query, f);
        var candidates = await db.Database.SqlQueryRaw<Candidate>(sql, [.. parameters]).ToListAsync(ct);
        return (candidates, candidates.Count == MaxCandidates);
    }

    /// <summary>
    /// The ranked-candidates statement on SQLite (its parameters are set by <see cref="SqliteCandidatesAsync"/>); also read by
    /// the test that every table it reads carries the triggers that retire <see cref="SearchResultCache"/>'s kept matches.
    /// </summary>
    internal static string SqliteCandidatesSql(SearchQuery query, Filters f)
    {
        // bm25 is negative (lower is better). bm25 alone ignores how close the words are, so when
        // the words of the query stand together in the text (as typed, in that order) the score is
        // tripled, and when they stand within a few words of each other it is multiplied by 1.5.
        // That test reads the row's own text with instr() in the same pass, rather than asking
        // FTS5 for a phrase and a NEAR match: two more MATCH walks cost more than the ranking itself.
        Func<string, string> rank = table => $"""bm25("{table}")""";
        if (query.ProximityWords() is not null)
        {
            rank = table => $"""
                bm25("{table}") * (CASE
                    WHEN instr(lower(e."Text"), @together) > 0 THEN 3.0
                    WHEN instr(lower(e."Text"), @first) > 0 AND instr(lower(e."Text"), @last) > 0
                        AND abs(instr(lower(e."Text"), @first) - instr(lower(e."Text"), @last)) <= @nearChars THEN 1.5
                    ELSE 1.0 END)
                """;
        }
        // One pass per index: walk the FTS5 match list by rowid from the end (the newest matches of
        // this project that pass the filters), score each with bm25 as it goes, stop at @window; then
        // order only those by score. FTS5 serves ORDER BY rowid DESC with an early LIMIT, so a very
        // common word costs the same at any corpus size. Lines are matched in their own table's index
        // (the project through the line's story); the team's texts in SearchEntriesFts. CROSS JOIN keeps
        // SQLite from starting at the project's stories and running the MATCH once per story.
        // The lines are tested against the theme's or coder's lines (@lines, exact: FilterLinesAsync), by id, before their
        // row is read; the team's texts (few) against the filter's passages as on PostgreSQL, read only when one matches.
        var ctes = PassageCtes(f, sqlite: true);
        var filters = FilterSql(f);
        // Without the proximity boost a match's line is read for its story and speaker only, which the narrow index holds
        // (SQLite always prefers the table's rowid, hence INDEXED BY); with it the text is read, so the row is.
        var owner = query.ProximityWords() is null ? $" INDEXED BY \"{LineOwnerIndex}\"" : "";
        // "+rowid": a plain rowid IN (…) would make FTS5 run the MATCH once for each listed id.
        var lineFilters = (f.ThemeId is null && f.CoderId is null ? "" : """ AND +"TranscriptCuesFts".rowid IN (SELECT value FROM json_each(@lines))""")
            + FilterSql(f, passages: false);
        return $"""
            {(ctes.Length > 0 ? "WITH " + ctes : "")}
            SELECT "Id", "StoryId", "Speaker", "Kind" FROM (
                SELECT * FROM (
                    SELECT e."Id", e."StoryId", e."Speaker", 'Cue' AS "Kind", {rank("TranscriptCuesFts")} AS "Rank"
                    FROM "TranscriptCuesFts" CROSS JOIN "TranscriptCues" e{owner} ON e."Id" = "TranscriptCuesFts".rowid
                    CROSS JOIN "Stories" s ON s."Id" = e."StoryId"
                    WHERE "TranscriptCuesFts" MATCH @q AND s."ProjectId" = @project{lineFilters}
                    ORDER BY "TranscriptCuesFts".rowid DESC
                    LIMIT @window)
                UNION ALL
                SELECT * FROM (
                    SELECT e."Id", e."StoryId", e."Speaker", e."Kind", {rank("SearchEntriesFts")} AS "Rank"
                    FROM "SearchEntriesFts" CROSS JOIN "SearchEntries" e ON e."Id" = "SearchEntriesFts".rowid
                    WHERE "SearchEntriesFts" MATCH @q AND e."ProjectId" = @project AND e."StoryId" IS NOT NULL{filters}
                    ORDER BY "SearchEntriesFts".rowid DESC
                    LIMIT @window))
            ORDER BY "Rank", "Kind", "Id"
            LIMIT @limit
            """;
    }

    private async Task<(List<Candidate> Candidates, bool Capped)> PostgresCandidatesAsync(int projectId, SearchQuery query, Filters f, CancellationToken ct)
    {
        // First only the newest lines (by line id): the GIN index and the primary key's id range
        // are combined before any row is read, so a phrase found in 30,000 lines reads only the
        // few thousand in that range (the team's texts, few, are always searched whole). When that range
        // holds fewer than enough matches (Tuning), the whole project is searched, as before; when it holds
        // enough, older lines are not looked at and the total reads "more than".
        var newest = await db.TranscriptCues.MaxAsync(c => (long?)c.Id, ct) ?? 0;
        if (newest > tuning.PostgresNewestTexts)
        {
            var recent = await PostgresCandidatesSinceAsync(projectId, query, f, newest - tuning.PostgresNewestTexts, ct);
            if (recent.Count >= tuning.PostgresEnoughMatches) return (recent, true);
        }
        var all = await PostgresCandidatesSinceAsync(projectId, query, f, 0, ct);
        return (all, all.Count == MaxCandidates);
    }

    private async Task<List<Candidate>> PostgresCandidatesSinceAsync(int projectId, SearchQuery query, Filters f, long sinceId, CancellationToken ct)
    {
        var parameters = new List<DbParameter>
        {
            new NpgsqlParameter("q", NpgsqlDbType.Text) { Value = query.ToTsQuery() },
            new NpgsqlParameter("project", NpgsqlDbType.Integer) { Value = projectId },
            new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = MaxCandidates },
            new NpgsqlParameter("window", NpgsqlDbType.Integer) { Value = RankWindow },
            new NpgsqlParameter("since", NpgsqlDbType.Bigint) { Value = sinceId },
        };
        AddFilterParameters(parameters, f, (name, value) => new NpgsqlParameter(name.TrimStart('@'), value));
        // The newest @window matches of the lines and of the team's texts (GIN finds them; no ranking
        // yet), then ts_rank_cd (cover density: words close together rank above words far apart) over
        // those only. A line belongs to the project through its story.
        // The passages are read once, as on SQLite, but not turned into their lines: PostgreSQL joins the matches
        // to them by story in one hash join, and a lookup per covered line (two index seeks per passage, then the
        // line's row) costs it more than reading the matches' rows (BENCHMARKS.md, "Theme filter from its passages").
        var ctes = PassageCtes(f, sqlite: false);
        var filters = FilterSql(f);
        // With a speaker filter the lines are ordered by "Id" + 0, the same order, so that the planner cannot walk the
        // primary key backwards testing every line's words and speaker until it has @window of them (it expects a
        // speaker's share of the matches to be their share of the lines; the reporter says "home" in ~1 of 9 of its
        // matches, so that walk read ~117,000 rows for 1,000): it then combines the words' GIN index with
        // IX_TranscriptCues_Speaker_Id (speaker, and the id range) before any row is read, and reads only the speaker's
        // matches (migration PostgresSearchIndexes; BENCHMARKS.md, branch pgsearch). Same rows, same order.
        var lineOrder = f.Speaker is null ? """e."Id" DESC""" : """e."Id" + 0 DESC""";
        var sql = $"""
            WITH {(ctes.Length > 0 ? ctes + "," : "")} "Window" AS MATERIALIZED (
                (SELECT e."Id", e."StoryId", e."Speaker", 'Cue'::text AS "Kind", e."SearchVector"
                FROM "TranscriptCues" e JOIN "Stories" s ON s."Id" = e."StoryId"
                WHERE e."SearchVector" @@ to_tsquery('english', @q) AND e."Id" > @since AND s."ProjectId" = @project{filters}
                ORDER BY {lineOrder}
                LIMIT @window)
                UNION ALL
                (SELECT e."Id", e."StoryId", e."Speaker", e."Kind"::text, e."SearchVector"
                FROM "SearchEntries" e
                WHERE e."SearchVector" @@ to_tsquery('english', @q) AND e."ProjectId" = @project AND e."StoryId" IS NOT NULL{filters}
                ORDER BY e."Id" DESC
                LIMIT @window)
            )
            SELECT w."Id", w."StoryId", w."Speaker", w."Kind"
            FROM "Window" w
            ORDER BY ts_rank_cd(w."SearchVector", to_tsquery('english', @q)) DESC, w."Kind", w."Id"
            LIMIT @limit
            """;
        return await db.Database.SqlQueryRaw<Candidate>(sql, [.. parameters]).ToListAsync(ct);
    }

    private static void AddFilterParameters(List<DbParameter> parameters, Filters f, Func<string, object, DbParameter> make)
    {
        if (f.Speaker is not null) parameters.Add(make("@speaker", f.Speaker));
        if (f.OptionId is not null) parameters.Add(make("@option", f.OptionId.Value));
        if (f.ThemeId is not null) parameters.Add(make("@theme", f.ThemeId.Value));
        if (f.CoderId is not null) parameters.Add(make("@coder", f.CoderId));
    }

    /// <summary>Snippets of the page's rows of one FTS5 table (<c>TranscriptCuesFts</c> or <c>SearchEntriesFts</c>, a constant).</summary>
    private async Task<Dictionary<long, string>> SqliteSnippetsAsync(SearchQuery query, string ftsTable, List<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        // One query for the page: snippet() needs the MATCH, and each MATCH has a fixed cost (a
        // prefix merges the doclists of every word it covers), so the page's rowid range is walked
        // once and snippet() is called only for the page's rows. ("rowid IN (…)" in WHERE would
        // run the MATCH once per id.)
        var sql = $$"""
            SELECT "Id", "Snippet" FROM (
                SELECT rowid AS "Id", CASE WHEN rowid IN (SELECT value FROM json_each(@ids))
                    THEN snippet("{{ftsTable}}", 0, char(2), char(3), '…', 40) END AS "Snippet"
                FROM "{{ftsTable}}" WHERE "{{ftsTable}}" MATCH @q AND rowid BETWEEN @min AND @max)
            WHERE "Snippet" IS NOT NULL
            """;
        var rows = await db.Database.SqlQueryRaw<SnippetRow>(sql,
            new SqliteParameter("@q", query.ToFts5()),
            new SqliteParameter("@ids", "[" + string.Join(',', ids.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]"),
            new SqliteParameter("@min", ids.Min()),
            new SqliteParameter("@max", ids.Max())).ToListAsync(ct);
        return rows.ToDictionary(r => r.Id, r => r.Snippet);
    }

    /// <summary>Snippets of the page's rows of one table (<c>TranscriptCues</c> or <c>SearchEntries</c>, a constant).</summary>
    private async Task<Dictionary<long, string>> PostgresSnippetsAsync(SearchQuery query, string table, List<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        // ts_headline leaves out anything shaped like an HTML tag; the rest is escaped by SnippetHtml.
        // Short texts are shown whole (as FTS5's snippet does): fragments would drop their first and last words.
        var sql = $$"""
            SELECT e."Id", ts_headline('english', e."Text", to_tsquery('english', @q),
                'StartSel=' || chr(2) || ', StopSel=' || chr(3) || CASE WHEN length(e."Text") <= 280 THEN ', HighlightAll=true'
                ELSE ', MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "' END) AS "Snippet"
            FROM "{{table}}" e WHERE e."Id" = ANY(@ids)
            """;
        var rows = await db.Database.SqlQueryRaw<SnippetRow>(sql,
            new NpgsqlParameter("q", NpgsqlDbType.Text) { Value = query.ToTsQuery() },
            new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids.ToArray() }).ToListAsync(ct);
        return rows.ToDictionary(r => r.Id, r => r.Snippet);
    }

    /// <summary>Splits the engine's marked snippet into plain and highlighted parts (text is never treated as HTML).</summary>
    public static List<SnippetPart> Parts(string marked)
    {
        var parts = new List<SnippetPart>();
        var current = new StringBuilder();
        var highlighted = false;
        foreach (var ch in marked)
        {
            if (ch is Open or Close)
            {
                if (current.Length > 0) parts.Add(new SnippetPart(current.ToString(), highlighted));
                current.Clear();
                highlighted = ch == Open;
            }
            else
            {
                current.Append(ch);
            }
        }
        if (current.Length > 0) parts.Add(new SnippetPart(current.ToString(), highlighted));
        return parts;
    }
}
