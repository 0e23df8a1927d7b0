using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NpgsqlTypes;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Search;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Coding;

/// <summary>
/// Coding a story's transcript with themes, and memos. A passage is a span of character offsets
/// into the story's plain text (the cues' texts joined by "\n"). Consent is never read here
/// directly: <see cref="AnalysisScope"/> says which turns may be coded and shown.
/// Every change is one transaction with its search entries and events; after it commits, the
/// new event ids are broadcast to the project's group on <see cref="ProjectHub"/>.
/// </summary>
public sealed class CodingService(StoryweaveDb db, TimeProvider clock, SearchIndex search, ConsentPolicy consent, IHubContext<ProjectHub> hub, TranscriptLayouts layouts)
{
    public const string NotInScopeMessage = "Part of this text cannot be coded: a storyteller whose words it includes has not agreed to use in analysis.";

    /// <summary>One cue's place in the story's plain text: [Start, End) in characters.</summary>
    public sealed record CueSpan(TranscriptCue Cue, int Start, int End);

    public sealed record ThemeTag(int ThemeId, string Name, string Color, string? CoderUserId, string? CoderName);

    public sealed record PassageView(int Id, int StartOffset, int EndOffset, string Snippet, double? StartSeconds, double? EndSeconds, string Speaker,
        string? CoderUserId, string Origin, IReadOnlyList<ThemeTag> Themes, int MemoCount);

    public sealed record ThemeCount(int ThemeId, string Name, string Color, int Passages, int Stories, int InStory);

    public sealed record MemoView(int Id, MemoTarget TargetType, int TargetId, string Text, string? AuthorUserId, string? AuthorName, DateTime CreatedAt, DateTime UpdatedAt);

    /// <summary>The cues in order with their offsets; the separator "\n" between cues belongs to no cue.</summary>
    public static List<CueSpan> Layout(IEnumerable<TranscriptCue> cues)
    {
        var spans = new List<CueSpan>();
        var offset = 0;
        foreach (var c in cues.OrderBy(c => c.Position))
        {
            spans.Add(new CueSpan(c, offset, offset + c.Text.Length));
            offset += c.Text.Length + 1;
        }
        return spans;
    }

    public Task<AnalysisScope> ScopeAsync(int projectId, CancellationToken ct) => AnalysisScope.LoadAsync(db, consent, projectId, ct);

    /// <summary>The same answer as <see cref="ScopeAsync"/> for one story (any other story is not visible): the coding page asks only about the story it shows.</summary>
    public Task<AnalysisScope> StoryScopeAsync(int projectId, int storyId, CancellationToken ct) => AnalysisScope.LoadForStoriesAsync(db, consent, projectId, [storyId], ct);

    /// <summary>The project's themes that can be applied now (not deleted, not merged away), in codebook order.</summary>
    public Task<List<Theme>> ThemesAsync(int projectId, CancellationToken ct) =>
        db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null && t.MergedIntoId == null)
            .OrderBy(t => t.ParentId).ThenBy(t => t.Position).ThenBy(t => t.Name).ToListAsync(ct);

    // --- Coding -----------------------------------------------------------------------------------

    /// <summary>Applies themes to the selection [start, end), creating the passage or reusing one with the identical span.</summary>
    public Task<Result<int>> CodeSelectionAsync(int projectId, int storyId, int start, int end, IReadOnlyCollection<int> themeIds, string? coderUserId, CancellationToken ct = default) =>
        CodeSelectionAsync(projectId, storyId, start, end, themeIds, coderUserId, retried: false, ct);

    private async Task<Result<int>> CodeSelectionAsync(int projectId, int storyId, int start, int end, IReadOnlyCollection<int> themeIds, string? coderUserId, bool retried, CancellationToken ct)
    {
        // A coding action waits for no disk flush (decision 0012, Data/Durability): made again in a second if a power cut took it.
        // On PostgreSQL the setting goes with the write (ApplyPostgresAsync), not in a round trip of its own.
        await using var relaxed = await Durability.BeginRelaxedAsync(db, ct, settingWithFirstWrite: true);
        var tx = relaxed.Transaction;
        var (version, errors) = await PrepareAsync(projectId, storyId, themeIds, ct);
        if (version is null) return Result.Fail<int>(errors);
        var layout = await layouts.GetAsync(db, storyId, version.Value, ct);
        if (start < 0 || end > layout.TextLength || start >= end)
            return Result.Fail<int>(["The selected text is not part of this transcript. Reload the page and select it again."]);
        var covered = layout.Covered(start, end);
        if (covered.Count == 0) return Result.Fail<int>(["Select some words of the transcript to code."]);
        // Only this story's storytellers are asked about: a project of 1,000 stories need not decide for everyone per passage.
        var scope = await AnalysisScope.LoadForStoriesAsync(db, consent, projectId, [storyId], ct);
        if (covered.Any(s => !scope.IsTurnVisible(storyId, s.Speaker))) return Result.Fail<int>([NotInScopeMessage]);

        var applied = db.Database.IsNpgsql()
            ? await ApplyPostgresAsync(relaxed, projectId, storyId, layout, start, end, covered, themeIds, coderUserId, ct)
            : await ApplyAsync(projectId, storyId, layout, start, end, covered, themeIds, coderUserId, ct);
        if (applied is null)
        {
            // The cached layout did not match the lines (they changed as we read): read them again, once.
            layouts.Forget(storyId);
            await tx.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            if (retried) return Result.Fail<int>(["The transcript changed while you were coding. Reload the page and select the words again."]);
            return await CodeSelectionAsync(projectId, storyId, start, end, themeIds, coderUserId, retried: true, ct);
        }
        var (passageId, eventId) = applied.Value;
        await relaxed.CommitAsync(ct);
        if (eventId is { } id)
            await hub.Clients.Group(ProjectHub.GroupName(projectId))
                .SendAsync(ProjectHub.EventsAppended, new ProjectHub.EventsAppendedMessage(projectId, storyId, [id]), CancellationToken.None);
        return Result.Ok(passageId);
    }

    /// <summary>Codes every visible turn of one speaker label: one passage per cue, each with the chosen themes.</summary>
    public Task<Result<IReadOnlyList<int>>> CodeSpeakerAsync(int projectId, int storyId, string? speaker, IReadOnlyCollection<int> themeIds, string coderUserId, CancellationToken ct = default) =>
        CodeSpeakerAsync(projectId, storyId, speaker, themeIds, coderUserId, retried: false, ct);

    private async Task<Result<IReadOnlyList<int>>> CodeSpeakerAsync(int projectId, int storyId, string? speaker, IReadOnlyCollection<int> themeIds, string coderUserId, bool retried, CancellationToken ct)
    {
        // A coding action waits for no disk flush (decision 0012, Data/Durability): made again in a second if a power cut took it.
        await using var relaxed = await Durability.BeginRelaxedAsync(db, ct);
        var tx = relaxed.Transaction;
        var (version, errors) = await PrepareAsync(projectId, storyId, themeIds, ct);
        if (version is null) return Result.Fail<IReadOnlyList<int>>(errors);
        var layout = await layouts.GetAsync(db, storyId, version.Value, ct);
        var label = (speaker ?? "").Trim();
        var turns = layout.Lines.Where(s => s.Speaker == label && s.End > s.Start).ToList();
        if (turns.Count == 0) return Result.Fail<IReadOnlyList<int>>([$"Nobody called \"{label}\" speaks in this transcript. Choose a speaker from the list."]);
        var scope = await AnalysisScope.LoadForStoriesAsync(db, consent, projectId, [storyId], ct);
        if (!scope.IsTurnVisible(storyId, label)) return Result.Fail<IReadOnlyList<int>>([$"The turns of \"{label}\" cannot be coded: they have not agreed to use in analysis."]);

        // All turns in one go (issue #17: one passage at a time cost three statements and a save per turn): the
        // story's coding passages and the turns' words are read once, checked against the layout, and saved together.
        var cueIds = turns.Select(t => t.CueId).ToList();
        var words = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId && cueIds.Contains(c.Id)).Select(c => new { c.Id, c.Text }).ToDictionaryAsync(c => c.Id, c => c.Text, ct);
        if (turns.Any(t => !words.TryGetValue(t.CueId, out var text) || text.Length != t.End - t.Start))
        {
            layouts.Forget(storyId);
            await tx.RollbackAsync(ct);
            if (retried) return Result.Fail<IReadOnlyList<int>>(["The transcript changed while you were coding. Reload the page and try again."]);
            return await CodeSpeakerAsync(projectId, storyId, speaker, themeIds, coderUserId, retried: true, ct);
        }
        // Only passages made while coding are reused (the oldest, where two coders made the same one at once). The project
        // is named so the (ProjectId, StoryId) index finds the story's passages (the story alone matched no index: a scan
        // of every passage in the database).
        var existing = (await db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId && p.StoryId == storyId && p.Origin == "coding").OrderBy(p => p.Id)
                .Select(p => new { p.Id, p.StartOffset, p.EndOffset, Themes = p.Themes.Select(t => t.ThemeId).ToList() }).ToListAsync(ct))
            .GroupBy(p => (p.StartOffset, p.EndOffset)).ToDictionary(g => g.Key, g => (g.First().Id, Themes: g.First().Themes.ToHashSet()));
        var now = clock.GetUtcNow().UtcDateTime;
        var wanted = themeIds.Distinct().ToList();
        // Set-based writes in this transaction (issue #17: EF Core sent one INSERT per passage, theme and event, two
        // thirds of the call): ids are taken first, then the new passages, their themes and the events are written in
        // bulk (BulkInsert: multi-row INSERTs on SQLite, binary COPY on PostgreSQL). The rows are the ones EF wrote.
        var fresh = turns.Where(t => !existing.ContainsKey((t.Start, t.End))).DistinctBy(t => (t.Start, t.End)).ToList();
        var freshIds = await BulkInsert.AllocateIdsAsync(db, "Passages", fresh.Count, ct);
        var passages = new List<object?[]>(fresh.Count);
        for (var i = 0; i < fresh.Count; i++)
        {
            var turn = fresh[i];
            var id = checked((int)freshIds[i]);
            existing[(turn.Start, turn.End)] = (id, []);
            passages.Add([id, projectId, storyId, turn.Start, turn.End, words[turn.CueId], turn.StartSeconds, turn.EndSeconds, turn.Speaker, coderUserId, now, "coding"]);
        }
        var coded = new List<(int PassageId, List<int> Added)>();
        var links = new List<object?[]>();
        foreach (var turn in turns)
        {
            var (passageId, has) = existing[(turn.Start, turn.End)];
            var added = wanted.Where(has.Add).ToList();
            links.AddRange(added.Select(themeId => new object?[] { passageId, themeId, coderUserId, now }));
            coded.Add((passageId, added));
        }
        var events = coded.Where(c => c.Added.Count > 0).ToList();
        var eventIds = await BulkInsert.AllocateIdsAsync(db, "ProjectEvents", events.Count, ct);
        var eventRows = events.Select((c, i) => new object?[]
        {
            eventIds[i], projectId, coderUserId, "passage.coded", "passage", c.PassageId.ToString(System.Globalization.CultureInfo.InvariantCulture), Detail("theme", c.Added), now,
        }).ToList();
        await BulkInsert.InsertAsync(db, "Passages", PassageColumns, passages, ct);
        await BulkInsert.InsertAsync(db, "PassageThemes", PassageThemeColumns, links, ct);
        await BulkInsert.InsertAsync(db, "ProjectEvents", EventColumns, eventRows, ct);
        await tx.CommitAsync(ct);
        if (eventIds.Length > 0)
            await hub.Clients.Group(ProjectHub.GroupName(projectId))
                .SendAsync(ProjectHub.EventsAppended, new ProjectHub.EventsAppendedMessage(projectId, storyId, [.. eventIds]), CancellationToken.None);
        return Result.Ok<IReadOnlyList<int>>(coded.Select(c => c.PassageId).ToList());
    }

    private static readonly BulkInsert.Column[] PassageColumns =
    [
        new("Id", NpgsqlDbType.Integer), new("ProjectId", NpgsqlDbType.Integer), new("StoryId", NpgsqlDbType.Integer), new("StartOffset", NpgsqlDbType.Integer),
        new("EndOffset", NpgsqlDbType.Integer), new("Snippet", NpgsqlDbType.Varchar), new("StartSeconds", NpgsqlDbType.Double), new("EndSeconds", NpgsqlDbType.Double),
        new("Speaker", NpgsqlDbType.Varchar), new("CoderUserId", NpgsqlDbType.Varchar), new("CreatedAt", NpgsqlDbType.TimestampTz), new("Origin", NpgsqlDbType.Varchar),
    ];

    private static readonly BulkInsert.Column[] PassageThemeColumns =
    [
        new("PassageId", NpgsqlDbType.Integer), new("ThemeId", NpgsqlDbType.Integer), new("CoderUserId", NpgsqlDbType.Varchar), new("CodedAt", NpgsqlDbType.TimestampTz),
    ];

    private static readonly BulkInsert.Column[] EventColumns =
    [
        new("Id", NpgsqlDbType.Bigint), new("ProjectId", NpgsqlDbType.Integer), new("ActorUserId", NpgsqlDbType.Varchar), new("Action", NpgsqlDbType.Varchar),
        new("ObjectType", NpgsqlDbType.Varchar), new("ObjectId", NpgsqlDbType.Varchar), new("Detail", NpgsqlDbType.Varchar), new("OccurredAt", NpgsqlDbType.TimestampTz),
    ];

    /// <summary>Takes one theme off a passage; a passage left with no theme is deleted (with its memos).</summary>
    public async Task<Result<bool>> RemoveThemeAsync(int projectId, int passageId, int themeId, string actorUserId, CancellationToken ct = default)
    {
        // A coding action waits for no disk flush (decision 0012, Data/Durability): made again in a second if a power cut took it.
        await using var relaxed = await Durability.BeginRelaxedAsync(db, ct);
        var tx = relaxed.Transaction;
        var passage = await db.Passages.Include(p => p.Themes).SingleOrDefaultAsync(p => p.Id == passageId && p.ProjectId == projectId, ct);
        var link = passage?.Themes.SingleOrDefault(t => t.ThemeId == themeId);
        if (passage is null || link is null) return Result.Fail<bool>(["That code is not there any more. Someone may have removed it already."]);

        var events = new List<ProjectEvent>();
        passage.Themes.Remove(link);
        events.Add(db.Record(clock, projectId, actorUserId, "passage.theme-removed", "passage", passage.Id, $"theme:{themeId}"));
        if (passage.Themes.Count == 0)
        {
            // Memos on a passage that no longer exists could not be found or searched any more.
            var memos = await db.Memos.Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Passage && m.TargetId == passage.Id).ToListAsync(ct);
            db.Memos.RemoveRange(memos);
            await search.RemoveMemosAsync(projectId, memos.Select(m => m.Id).ToList(), ct);
            db.Passages.Remove(passage);
            events.Add(db.Record(clock, projectId, actorUserId, "passage.deleted", "passage", passage.Id, $"story:{passage.StoryId}"));
        }
        await CommitAsync(projectId, passage.StoryId, events, tx, ct);
        return Result.Ok(true);
    }

    /// <summary>What coding needs to know about the story before it starts: its transcript's version, and how many of the chosen themes can be applied.</summary>
    private sealed record StoryCheck(int TranscriptVersion, int UsableThemes);

    // One statement (issue #17: it was two, the story's whole row and then the themes), compiled once; prepared on PostgreSQL.
    private static readonly Func<StoryweaveDb, int, int, List<int>, CancellationToken, Task<StoryCheck?>> CheckStory =
        EF.CompileAsyncQuery((StoryweaveDb db, int projectId, int storyId, List<int> themeIds, CancellationToken ct) =>
            db.Stories.AsNoTracking().TagWith(PreparedStatements.Tag).Where(s => s.Id == storyId && s.ProjectId == projectId)
                .Select(s => new StoryCheck(s.TranscriptVersion,
                    db.Themes.Count(t => themeIds.Contains(t.Id) && t.ProjectId == projectId && t.DeletedAt == null && t.MergedIntoId == null)))
                .FirstOrDefault());

    /// <summary>The story's transcript version when the story is in the project and every chosen theme can be applied; otherwise what is wrong.</summary>
    private async Task<(int? TranscriptVersion, IReadOnlyList<string> Errors)> PrepareAsync(int projectId, int storyId, IReadOnlyCollection<int> themeIds, CancellationToken ct)
    {
        var ids = themeIds.Distinct().ToList();
        var story = await CheckStory(db, projectId, storyId, ids, ct);
        if (story is null) return (null, ["That story is not part of this project."]);
        if (ids.Count == 0) return (null, ["Choose at least one theme."]);
        if (story.UsableThemes != ids.Count) return (null, ["One of the chosen themes is not in this project's codebook any more. Reload the page and choose again."]);
        return (story.TranscriptVersion, []);
    }

    /// <summary>The lines' words the coded passage's snippet is cut from.</summary>
    private sealed record CueWords(long Id, string Text);

    // Compiled once (issue #17): EF otherwise walks and hashes each query's expression tree on every request to find its
    // cached SQL. The span is looked up within the project's index (ProjectId, StoryId); the story alone matched no index.
    private static readonly Func<StoryweaveDb, int, int, int, int, CancellationToken, Task<int>> FindSpan =
        EF.CompileAsyncQuery((StoryweaveDb db, int projectId, int storyId, int start, int end, CancellationToken ct) =>
            db.Passages.Where(p => p.ProjectId == projectId && p.StoryId == storyId && p.StartOffset == start && p.EndOffset == end && p.Origin == "coding")
                .OrderBy(p => p.Id).Select(p => p.Id).FirstOrDefault());

    private static readonly Func<StoryweaveDb, int, int, int, IAsyncEnumerable<CueWords>> ReadWords =
        EF.CompileAsyncQuery((StoryweaveDb db, int storyId, int from, int to) =>
            db.TranscriptCues.Where(c => c.StoryId == storyId && c.Position >= from && c.Position <= to)
                .OrderBy(c => c.Position).Select(c => new CueWords(c.Id, c.Text)));

    private static readonly Func<StoryweaveDb, int, IAsyncEnumerable<int>> ThemesOf =
        EF.CompileAsyncQuery((StoryweaveDb db, int passageId) => db.PassageThemes.Where(t => t.PassageId == passageId).Select(t => t.ThemeId));

    /// <summary>
    /// Adds the themes to the passage with exactly this span, creating it from the lines' words, and writes its event, in
    /// the caller's transaction. The passage's id and the event's (none when every theme was already on it). Null when the
    /// lines in the database are not the ones <paramref name="layout"/> describes (nothing written; the caller starts again).
    /// </summary>
    private async Task<(int PassageId, long? EventId)?> ApplyAsync(int projectId, int storyId, TranscriptLayouts.Layout layout, int start, int end,
        List<TranscriptLayouts.Line> covered, IReadOnlyCollection<int> themeIds, string? coderUserId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Only passages made while coding are reused: review-sheet and workshop passages keep their own provenance.
        // Two coders coding the same span at the same moment can each make one (nothing stops both inserts), so the
        // oldest is taken: asking for a single one failed every later coding of that span with a server error.
        var passageId = await FindSpan(db, projectId, storyId, start, end, ct);
        var added = new List<int>();
        object?[]? passageRow = null;
        if (passageId != 0)
        {
            var has = new HashSet<int>();
            await foreach (var themeId in ThemesOf(db, passageId).WithCancellation(ct)) has.Add(themeId);
            added.AddRange(themeIds.Distinct().Where(has.Add));
        }
        else
        {
            // Only the words around the selection are read, and checked against the layout they were placed by.
            var (first, last) = layout.Around(start, end);
            var (from, to) = (layout.Lines[first].Position, layout.Lines[last].Position);
            var words = new List<CueWords>(last - first + 1);
            await foreach (var w in ReadWords(db, storyId, from, to).WithCancellation(ct)) words.Add(w);
            if (Snippet(layout, first, last, words, start, end) is not { } snippet) return null;
            // The id is taken first (as coding every turn does), so the theme links and the event can name it.
            passageId = checked((int)(await BulkInsert.AllocateIdsAsync(db, "Passages", 1, ct))[0]);
            passageRow =
            [
                passageId, projectId, storyId, start, end, snippet,
                covered.Select(s => s.StartSeconds).FirstOrDefault(v => v is not null), covered.Select(s => s.EndSeconds).LastOrDefault(v => v is not null),
                covered[0].Speaker, coderUserId, now, "coding",
            ];
            added.AddRange(themeIds.Distinct());
        }
        if (added.Count == 0) return (passageId, null);
        // The rows EF's save pipeline wrote (same columns, same values), written as coding every turn writes them
        // (BulkInsert: values bound by position, the public pages' cache told of each statement): EF's update pipeline for
        // these four rows was the largest part of a coded passage's CPU (issue #17, BENCHMARKS.md).
        var eventId = (await BulkInsert.AllocateIdsAsync(db, "ProjectEvents", 1, ct))[0];
        if (passageRow is not null) await BulkInsert.InsertAsync(db, "Passages", PassageColumns, [passageRow], ct);
        await BulkInsert.InsertAsync(db, "PassageThemes", PassageThemeColumns, added.Select(themeId => new object?[] { passageId, themeId, coderUserId, now }).ToList(), ct);
        await BulkInsert.InsertAsync(db, "ProjectEvents", EventColumns,
            [[eventId, projectId, coderUserId, "passage.coded", "passage", passageId.ToString(System.Globalization.CultureInfo.InvariantCulture), Detail("theme", added), now]], ct);
        return (passageId, eventId);
    }

    /// <summary>
    /// The new passage's snippet from the words of lines [<paramref name="first"/>, <paramref name="last"/>] of the layout;
    /// null when the words read are not the lines the layout describes (they changed since it was made).
    /// </summary>
    private static string? Snippet(TranscriptLayouts.Layout layout, int first, int last, List<CueWords> words, int start, int end)
    {
        if (words.Count != last - first + 1) return null;
        for (var i = 0; i < words.Count; i++)
        {
            var line = layout.Lines[first + i];
            if (words[i].Id != line.CueId || words[i].Text.Length != line.End - line.Start) return null;
        }
        var text = string.Join("\n", words.Select(w => w.Text));
        var at = layout.Lines[first].Start;
        return text[(start - at)..(end - at)];
    }

    // PostgreSQL (issue #17): what ApplyAsync sends as about a dozen round trips (the span, its themes or the words, two
    // id reads, three COPYs, each COPY two round trips) goes as two prepared batches: one that reads, one that writes.
    // The passage with this span and its themes, and the words of the lines around the selection (read either way: a
    // few short lines, and it saves a round trip when the passage is new).
    private const string PostgresLookup =
        """
        SELECT p."Id", ARRAY(SELECT t."ThemeId" FROM "PassageThemes" AS t WHERE t."PassageId" = p."Id") FROM "Passages" AS p
        WHERE p."ProjectId" = $1 AND p."StoryId" = $2 AND p."StartOffset" = $3 AND p."EndOffset" = $4 AND p."Origin" = 'coding'
        ORDER BY p."Id" LIMIT 1
        """;

    private const string PostgresWords =
        """SELECT c."Id", c."Text" FROM "TranscriptCues" AS c WHERE c."StoryId" = $1 AND c."Position" >= $2 AND c."Position" <= $3 ORDER BY c."Position" """;

    // The new passage, its theme links (in the order chosen) and its event in one statement, ids from the columns' own
    // sequences as the id reads took them: the same rows, columns and values ApplyAsync writes.
    private const string PostgresInsertPassage =
        """
        WITH p AS (
            INSERT INTO "Passages" ("ProjectId", "StoryId", "StartOffset", "EndOffset", "Snippet", "StartSeconds", "EndSeconds", "Speaker", "CoderUserId", "CreatedAt", "Origin")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'coding') RETURNING "Id"),
        t AS (
            INSERT INTO "PassageThemes" ("PassageId", "ThemeId", "CoderUserId", "CodedAt")
            SELECT p."Id", u.theme, $9, $10 FROM p, unnest($11::integer[]) WITH ORDINALITY AS u(theme, n) ORDER BY u.n),
        e AS (
            INSERT INTO "ProjectEvents" ("ProjectId", "ActorUserId", "Action", "ObjectType", "ObjectId", "Detail", "OccurredAt")
            SELECT $1, $9, 'passage.coded', 'passage', p."Id"::text, $12, $10 FROM p RETURNING "Id")
        SELECT p."Id", e."Id" FROM p, e
        """;

    // More themes on an existing passage: the links and the event.
    private const string PostgresAddThemes =
        """
        WITH t AS (
            INSERT INTO "PassageThemes" ("PassageId", "ThemeId", "CoderUserId", "CodedAt")
            SELECT $1, u.theme, $2, $3 FROM unnest($4::integer[]) WITH ORDINALITY AS u(theme, n) ORDER BY u.n),
        e AS (
            INSERT INTO "ProjectEvents" ("ProjectId", "ActorUserId", "Action", "ObjectType", "ObjectId", "Detail", "OccurredAt")
            VALUES ($5, $2, 'passage.coded', 'passage', $6, $7, $3) RETURNING "Id")
        SELECT e."Id" FROM e
        """;

    /// <summary>
    /// <see cref="ApplyAsync"/> on PostgreSQL, in two round trips: the span's passage, its themes and the words around the
    /// selection in one prepared batch; the rows (and the relaxed commit's setting, decision 0012) in another.
    /// </summary>
    private async Task<(int PassageId, long? EventId)?> ApplyPostgresAsync(Durability.Relaxed relaxed, int projectId, int storyId, TranscriptLayouts.Layout layout,
        int start, int end, List<TranscriptLayouts.Line> covered, IReadOnlyCollection<int> themeIds, string? coderUserId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (Npgsql.NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        var (first, last) = layout.Around(start, end);
        var passageId = 0;
        var has = new HashSet<int>();
        var words = new List<CueWords>(last - first + 1);
        await using (var lookup = new Npgsql.NpgsqlBatch(connection, transaction))
        {
            lookup.BatchCommands.Add(Command(PostgresLookup, Int(projectId), Int(storyId), Int(start), Int(end)));
            lookup.BatchCommands.Add(Command(PostgresWords, Int(storyId), Int(layout.Lines[first].Position), Int(layout.Lines[last].Position)));
            await lookup.PrepareAsync(ct);
            await using var reader = await lookup.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                passageId = reader.GetInt32(0);
                has.UnionWith(reader.GetFieldValue<int[]>(1));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) words.Add(new CueWords(reader.GetInt64(0), reader.GetString(1)));
        }

        var added = themeIds.Distinct().Where(has.Add).ToArray();
        if (passageId != 0 && added.Length == 0) return (passageId, null);
        await using var write = new Npgsql.NpgsqlBatch(connection, transaction);
        string sql;
        if (passageId == 0)
        {
            // Only the words around the selection were read, and they are checked against the layout they were placed by.
            if (Snippet(layout, first, last, words, start, end) is not { } snippet) return null;
            sql = PostgresInsertPassage;
            write.BatchCommands.Add(Command(sql, Int(projectId), Int(storyId), Int(start), Int(end), Text(snippet),
                Seconds(covered.Select(s => s.StartSeconds).FirstOrDefault(v => v is not null)), Seconds(covered.Select(s => s.EndSeconds).LastOrDefault(v => v is not null)),
                Text(covered[0].Speaker), Text(coderUserId), Time(now), Ints(added), Text(Detail("theme", added))));
        }
        else
        {
            sql = PostgresAddThemes;
            write.BatchCommands.Add(Command(sql, Int(passageId), Text(coderUserId), Time(now), Ints(added), Int(projectId),
                Text(passageId.ToString(System.Globalization.CultureInfo.InvariantCulture)), Text(Detail("theme", added))));
        }
        var settingFirst = relaxed.AddSettingTo(write);
        await write.PrepareAsync(ct);
        long eventId;
        try
        {
            await using var reader = await write.ExecuteReaderAsync(ct);
            if (settingFirst) await reader.NextResultAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("The coded passage's statement returned no row.");
            if (passageId == 0)
            {
                passageId = reader.GetInt32(0);
                eventId = reader.GetInt64(1);
            }
            else eventId = reader.GetInt64(0);
        }
        finally
        {
            // Past EF's command pipeline: the public pages' cache hears of the rows as it does of BulkInsert's.
            BulkInsert.Written(db, sql);
        }
        return (passageId, eventId);

        static Npgsql.NpgsqlBatchCommand Command(string text, params Npgsql.NpgsqlParameter[] parameters)
        {
            var command = new Npgsql.NpgsqlBatchCommand(text);
            command.Parameters.AddRange(parameters);
            return command;
        }
        static Npgsql.NpgsqlParameter Int(int value) => new Npgsql.NpgsqlParameter<int> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Integer };
        static Npgsql.NpgsqlParameter Ints(int[] value) => new Npgsql.NpgsqlParameter<int[]> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };
        static Npgsql.NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar };
        static Npgsql.NpgsqlParameter Seconds(double? value) => new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double };
        static Npgsql.NpgsqlParameter Time(DateTime value) => new Npgsql.NpgsqlParameter<DateTime> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
    }

    private static List<CueSpan> Covered(List<CueSpan> spans, int start, int end) =>
        spans.Where(s => s.End > s.Start && s.Start < end && s.End > start).ToList();

    // --- Reading ----------------------------------------------------------------------------------

    /// <summary>
    /// The story's passages that may be shown: every turn they cover is in the analysis scope.
    /// <paramref name="coderUserId"/> keeps only the themes that person applied. <paramref name="cues"/>: the story's
    /// lines when the caller has read them already (the coding page), so they are not read twice.
    /// </summary>
    public Task<List<PassageView>> PassagesAsync(int projectId, int storyId, string? coderUserId, AnalysisScope scope, CancellationToken ct = default) =>
        PassagesAsync(projectId, storyId, coderUserId, scope, null, ct);

    /// <inheritdoc cref="PassagesAsync(int, int, string?, AnalysisScope, CancellationToken)"/>
    public async Task<List<PassageView>> PassagesAsync(int projectId, int storyId, string? coderUserId, AnalysisScope scope, IEnumerable<TranscriptCue>? cues, CancellationToken ct = default)
    {
        if (!scope.IsStoryVisible(storyId)) return [];
        var spans = Layout(cues ?? await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).ToListAsync(ct));
        var rows = await db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId && p.StoryId == storyId)
            .OrderBy(p => p.StartOffset).ThenBy(p => p.EndOffset).ThenBy(p => p.Id)
            .Select(p => new { p.Id, p.StartOffset, p.EndOffset, p.Snippet, p.StartSeconds, p.EndSeconds, p.Speaker, p.CoderUserId, p.Origin })
            .ToListAsync(ct);
        // The themes in a second query with plain joins, filtered by the story: as a collection inside the query above, EF
        // wrote a LEFT JOIN to a subquery that SQLite built for every passage-theme link of the project (~90% of the
        // coding page's time at 20,000 passages).
        var links = await db.PassageThemes.AsNoTracking()
            .Where(t => t.Passage!.ProjectId == projectId && t.Passage.StoryId == storyId && t.Theme!.DeletedAt == null)
            .OrderBy(t => t.PassageId).ThenBy(t => t.Theme!.Name).ThenBy(t => t.ThemeId)
            .Select(t => new { t.PassageId, t.ThemeId, t.Theme!.Name, t.Theme.Color, t.CoderUserId }).ToListAsync(ct);
        var themesOf = links.ToLookup(t => t.PassageId);
        // Only this story's passages' memos: the page's cost must not grow with the project's.
        var passageIds = rows.Select(r => r.Id).ToList();
        var memoCounts = await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Passage && passageIds.Contains(m.TargetId))
            .GroupBy(m => m.TargetId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var names = await NamesAsync(links.Select(t => t.CoderUserId), ct);
        var result = new List<PassageView>();
        foreach (var p in rows)
        {
            // A transcript edited since coding may have moved the words; the stored speaker still counts.
            if (!scope.IsTurnVisible(storyId, p.Speaker) || Covered(spans, p.StartOffset, p.EndOffset).Any(s => !scope.IsTurnVisible(storyId, s.Cue.Speaker))) continue;
            var themes = themesOf[p.Id].Where(t => coderUserId is null || t.CoderUserId == coderUserId)
                .Select(t => new ThemeTag(t.ThemeId, t.Name, t.Color, t.CoderUserId, t.CoderUserId is null ? null : names.GetValueOrDefault(t.CoderUserId))).ToList();
            if (themes.Count == 0) continue;
            result.Add(new PassageView(p.Id, p.StartOffset, p.EndOffset, p.Snippet, p.StartSeconds, p.EndSeconds, p.Speaker, p.CoderUserId, p.Origin, themes, memoCounts.GetValueOrDefault(p.Id)));
        }
        return result;
    }

    /// <summary>The same passages as <see cref="PassagesAsync"/> with <paramref name="coderUserId"/>, from its answer for everyone (not read again).</summary>
    public static List<PassageView> ForCoder(IEnumerable<PassageView> all, string? coderUserId) =>
        coderUserId is null ? all.ToList()
            : all.Select(p => p with { Themes = p.Themes.Where(t => t.CoderUserId == coderUserId).ToList() }).Where(p => p.Themes.Count > 0).ToList();

    /// <summary>How often each theme is applied in the project (passages and stories), and in one story; only coding that may still be shown counts.</summary>
    public async Task<List<ThemeCount>> CountsAsync(int projectId, int? storyId, AnalysisScope scope, CancellationToken ct = default)
    {
        var themes = await ThemesAsync(projectId, ct);
        // Counted by the database per theme, only visible turns (the scope's own rule as a condition): a row per theme.
        // Grouping by theme, story and speaker and deciding each group here read ~18,000 rows at 1,000 stories
        // (issue #17: 130 ms of CPU for a sidebar the coding page asks for as it opens).
        var inStoryId = storyId ?? -1;
        var visible = scope.WhereTurnVisible(db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId));
        var counts = await db.PassageThemes.AsNoTracking().Join(visible, t => t.PassageId, p => p.Id, (t, p) => new { t.ThemeId, p.StoryId })
            .GroupBy(x => x.ThemeId)
            .Select(g => new { ThemeId = g.Key, Passages = g.Count(), Stories = g.Select(x => x.StoryId).Distinct().Count(), InStory = g.Count(x => x.StoryId == inStoryId) })
            .ToListAsync(ct);
        var byTheme = counts.ToDictionary(c => c.ThemeId, c => (c.Passages, c.Stories, c.InStory));
        return themes.Select(t => byTheme.TryGetValue(t.Id, out var c)
            ? new ThemeCount(t.Id, t.Name, t.Color, c.Passages, c.Stories, c.InStory)
            : new ThemeCount(t.Id, t.Name, t.Color, 0, 0, 0)).ToList();
    }

    /// <summary>
    /// Each theme's passages in one story, as <see cref="CountsAsync"/> counts them (visible turns only), without
    /// counting the rest of the project: one query grouped by theme and speaker. Passages and Stories are left 0.
    /// </summary>
    public async Task<List<ThemeCount>> StoryCountsAsync(int projectId, int storyId, IReadOnlyList<Theme> themes, AnalysisScope scope, CancellationToken ct = default)
    {
        var groups = await db.PassageThemes.AsNoTracking().Where(x => x.Passage!.ProjectId == projectId && x.Passage.StoryId == storyId)
            .GroupBy(x => new { x.ThemeId, x.Passage!.Speaker })
            .Select(g => new { g.Key.ThemeId, g.Key.Speaker, Count = g.Count() }).ToListAsync(ct);
        var inStory = groups.Where(g => scope.IsTurnVisible(storyId, g.Speaker)).GroupBy(g => g.ThemeId).ToDictionary(g => g.Key, g => g.Sum(x => x.Count));
        return themes.Select(t => new ThemeCount(t.Id, t.Name, t.Color, 0, 0, inStory.GetValueOrDefault(t.Id))).ToList();
    }

    public async Task<Dictionary<string, string>> NamesAsync(IEnumerable<string?> userIds, CancellationToken ct)
    {
        var ids = userIds.OfType<string>().Distinct().ToList();
        return ids.Count == 0 ? [] : await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
    }

    // --- Memos ------------------------------------------------------------------------------------

    public const int MaxMemoLength = 20_000;

    public async Task<List<MemoView>> MemosAsync(int projectId, MemoTarget target, int targetId, CancellationToken ct = default)
    {
        var memos = await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.TargetType == target && m.TargetId == targetId)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(ct);
        var names = await NamesAsync(memos.Select(m => m.AuthorUserId), ct);
        return memos.Select(m => new MemoView(m.Id, m.TargetType, m.TargetId, m.Text, m.AuthorUserId, m.AuthorUserId is null ? null : names.GetValueOrDefault(m.AuthorUserId), m.CreatedAt, m.UpdatedAt)).ToList();
    }

    public async Task<Result<int>> AddMemoAsync(int projectId, MemoTarget target, int targetId, string? text, string? authorUserId, CancellationToken ct = default)
    {
        var body = (text ?? "").Trim();
        if (MemoTextError(body) is { } error) return Result.Fail<int>([error]);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var storyId = await StoryOfTargetAsync(projectId, target, targetId, ct);
        if (storyId is null && target != MemoTarget.Theme) return Result.Fail<int>([TargetMissing(target)]);
        if (target == MemoTarget.Theme && !await db.Themes.AnyAsync(t => t.Id == targetId && t.ProjectId == projectId && t.DeletedAt == null, ct))
            return Result.Fail<int>([TargetMissing(target)]);
        var now = clock.GetUtcNow().UtcDateTime;
        var memo = new Memo { ProjectId = projectId, TargetType = target, TargetId = targetId, Text = body, AuthorUserId = authorUserId, CreatedAt = now, UpdatedAt = now };
        db.Memos.Add(memo);
        await db.SaveChangesAsync(ct);
        await search.PutMemoAsync(memo, storyId, ct);
        var ev = db.Record(clock, projectId, authorUserId, "memo.created", "memo", memo.Id, $"{target.ToString().ToLowerInvariant()}:{targetId}");
        await CommitAsync(projectId, storyId, [ev], tx, ct);
        return Result.Ok(memo.Id);
    }

    /// <summary>Only the author edits a memo: it is their thinking, in their words.</summary>
    public async Task<Result<bool>> EditMemoAsync(int projectId, int memoId, string? text, string actorUserId, CancellationToken ct = default)
    {
        var body = (text ?? "").Trim();
        if (MemoTextError(body) is { } error) return Result.Fail<bool>([error]);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var memo = await db.Memos.SingleOrDefaultAsync(m => m.Id == memoId && m.ProjectId == projectId, ct);
        if (memo is null) return Result.Fail<bool>(["That memo is not there any more."]);
        if (memo.AuthorUserId != actorUserId) return Result.Fail<bool>(["You can only change memos you wrote."]);
        memo.Text = body;
        memo.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        var ev = db.Record(clock, projectId, actorUserId, "memo.edited", "memo", memo.Id);
        var storyId = await StoryOfTargetAsync(projectId, memo.TargetType, memo.TargetId, ct);
        await search.PutMemoAsync(memo, storyId, ct);
        await CommitAsync(projectId, storyId, [ev], tx, ct);
        return Result.Ok(true);
    }

    /// <summary>Authors delete their own memos; leads (<paramref name="mayDeleteAny"/>) may delete any, e.g. one that names someone.</summary>
    public async Task<Result<bool>> DeleteMemoAsync(int projectId, int memoId, string actorUserId, bool mayDeleteAny, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var memo = await db.Memos.SingleOrDefaultAsync(m => m.Id == memoId && m.ProjectId == projectId, ct);
        if (memo is null) return Result.Fail<bool>(["That memo is not there any more."]);
        if (memo.AuthorUserId != actorUserId && !mayDeleteAny) return Result.Fail<bool>(["You can only delete memos you wrote. Ask a project lead to delete this one."]);
        var storyId = await StoryOfTargetAsync(projectId, memo.TargetType, memo.TargetId, ct);
        db.Memos.Remove(memo);
        await search.RemoveMemosAsync(projectId, [memo.Id], ct);
        var ev = db.Record(clock, projectId, actorUserId, "memo.deleted", "memo", memo.Id);
        await CommitAsync(projectId, storyId, [ev], tx, ct);
        return Result.Ok(true);
    }

    private static string? MemoTextError(string body) =>
        body.Length == 0 ? "Write something in the memo." : body.Length > MaxMemoLength ? $"A memo can be at most {MaxMemoLength:N0} characters long." : null;

    private static string TargetMissing(MemoTarget target) => target switch
    {
        MemoTarget.Story => "That story is not part of this project.",
        MemoTarget.Passage => "That coded passage is not there any more.",
        _ => "That theme is not in this project's codebook.",
    };

    /// <summary>The story a memo belongs to (for its search entries); null for theme memos or a missing target.</summary>
    private async Task<int?> StoryOfTargetAsync(int projectId, MemoTarget target, int targetId, CancellationToken ct) => target switch
    {
        MemoTarget.Story => await db.Stories.Where(s => s.Id == targetId && s.ProjectId == projectId).Select(s => (int?)s.Id).SingleOrDefaultAsync(ct),
        MemoTarget.Passage => await db.Passages.Where(p => p.Id == targetId && p.ProjectId == projectId).Select(p => (int?)p.StoryId).SingleOrDefaultAsync(ct),
        _ => null,
    };

    // --- Commit and broadcast -------------------------------------------------------------------

    /// <summary>
    /// Saves (with any memo search entries the caller changed through <see cref="SearchIndex"/>: coding
    /// itself changes nothing that is searched), commits, and only then tells connected browsers: the
    /// event log is the source of truth, so nobody is told about a change that was rolled back.
    /// </summary>
    private async Task CommitAsync(int projectId, int? storyId, List<ProjectEvent> events, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (events.Count > 0)
            await hub.Clients.Group(ProjectHub.GroupName(projectId))
                .SendAsync(ProjectHub.EventsAppended, new ProjectHub.EventsAppendedMessage(projectId, storyId, events.Select(e => e.Id).ToList()), CancellationToken.None);
    }

    /// <summary>Ids only (events never carry text), cut to the column's 200 characters.</summary>
    private static string Detail(string kind, IEnumerable<int> ids)
    {
        var detail = $"{kind}:{string.Join(',', ids)}";
        return detail.Length <= 200 ? detail : detail[..200];
    }
}
