using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Findings;
using Storyweave.Features.Redaction;
using Storyweave.Features.Reports;
using Storyweave.Features.Storytellers;

namespace Storyweave.Features.Exports;

/// <summary>The data exports a project offers; the slug is the file name part and the route.</summary>
public enum ExportKind
{
    Passages,
    Storytellers,
    StorytellersWithContact,
    Findings,
}

/// <summary>
/// Builds the tables of the data exports (coded passages, storytellers and their answers, findings).
/// <para>Consent: a storyteller is in an export only while <see cref="ConsentPolicy.DecideExportsAsync"/>
/// allows it (analysis agreed, no embargo, not withdrawn); passages go through
/// <see cref="AnalysisScope.LoadForExportAsync"/>, so in a group story only the permitted turns appear.
/// Credits are the ones reports use (<see cref="ReportQuoteConsent"/>): a storyteller who has not agreed
/// to quotes is "Anonymous storyteller". Findings are <see cref="FindingsService"/>'s figures with the
/// small-numbers guard already applied.</para>
/// <para>The coded-passages file is quote-level: each row also carries the passage id, the memos on the passage
/// (not those held for review after a withdrawal) and the owner's call-out answers, so one row is enough in Excel
/// or NVivo. It never carries facets: every facet is per-person special-category data, which only the
/// personal-details file holds.</para>
/// <para>Redaction: passage text, memo text, story titles, facets and self-descriptions go through
/// <see cref="RedactionService.ForOutputAsync"/> for <see cref="RedactionOutput.Exports"/>.</para>
/// <para>Personal details (contact details, access needs and per-person facets, which are special-category
/// data) appear only in <see cref="ExportKind.StorytellersWithContact"/>, whose endpoint needs
/// <see cref="Projects.ProjectAccess.CanSeePersonalDetails"/>; the plain storytellers file never has them.</para>
/// </summary>
public sealed class ExportService(StoryweaveDb db, ConsentPolicy policy, ReportQuoteConsent quoteConsent, RedactionService redaction, FindingsService findings)
{
    public const string Yes = "Yes";
    public const string No = "No";
    public const string ReporterCredit = "Reporter";
    public const string UnknownCredit = "Speaker not linked to a storyteller";

    public static string Slug(ExportKind kind) => kind switch
    {
        ExportKind.Passages => "coded-passages",
        ExportKind.Storytellers => "storytellers",
        ExportKind.StorytellersWithContact => "storytellers-with-contact-details",
        _ => "findings",
    };

    public Task<ExportTable> BuildAsync(int projectId, ExportKind kind, CancellationToken ct = default) => kind switch
    {
        ExportKind.Passages => PassagesAsync(projectId, ct),
        ExportKind.Storytellers => StorytellersAsync(projectId, false, ct),
        ExportKind.StorytellersWithContact => StorytellersAsync(projectId, true, ct),
        _ => FindingsAsync(projectId, ct),
    };

    /// <summary>One row per coded passage and theme, in story and transcript order.</summary>
    public async Task<ExportTable> PassagesAsync(int projectId, CancellationToken ct = default)
    {
        var options = await AnswerOptionsAsync(projectId, ct);
        var table = new ExportTable("Coded passages",
        [
            new("Passage id", 10), new("Story title", 30), new("Story id", 9), new("Speaker label", 18), new("Storyteller id", 13), new("Storyteller credit", 24),
            new("Theme", 32), new("Passage", 60), new("Start (seconds)", 14), new("End (seconds)", 14), new("Coder", 18), new("Coded on", 12),
            new("Passage memo", 40), .. options.Select(o => new ExportColumn(o.Header, 20)),
        ]);
        var scope = await AnalysisScope.LoadForExportAsync(db, policy, projectId, ct);
        var redactor = await redaction.ForOutputAsync(projectId, RedactionOutput.Exports, ct);
        var passages = db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId);
        // Everything a row needs besides the passage itself is looked up first (small: one entry per turn, theme,
        // coder or memo); the passages are then read from the database while the file is written (issue #17: 20,000
        // rows were held in memory twice, as query results and as table rows).
        var sources = (await passages.Select(p => new { p.StoryId, p.Speaker }).Distinct().ToListAsync(ct))
            .Where(s => scope.IsTurnVisible(s.StoryId, s.Speaker)).Select(s => new ReportQuoteConsent.Source(s.StoryId, s.Speaker)).ToList();
        var owners = await quoteConsent.DecideAsync(projectId, sources, ct);
        var paths = await ThemePathsAsync(projectId, ct);
        var coderIds = await passages.Select(p => p.CoderUserId)
            .Union(db.PassageThemes.Where(t => t.Passage!.ProjectId == projectId).Select(t => t.CoderUserId))
            .Where(id => id != null).ToListAsync(ct);
        var coders = await db.Users.AsNoTracking().Where(u => coderIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
        var memos = await PassageMemosAsync(projectId, ct);
        // The owner's answers, so one row is enough in a spreadsheet. Only storytellers the passage scope lets in
        // are owners here (analysis agreed, no embargo, not withdrawn): the same people the storytellers export lists.
        var ownerIds = owners.Values.Select(o => o.StorytellerId).OfType<int>().Distinct().ToList();
        var ticked = (await db.StorytellerAnswers.AsNoTracking().Where(a => ownerIds.Contains(a.StorytellerId)).Select(a => new { a.StorytellerId, a.OptionId }).ToListAsync(ct))
            .ToLookup(a => a.StorytellerId, a => a.OptionId);

        // Story titles once per story (redacted once), not joined and redacted on every row.
        var storyIds = sources.Select(s => s.StoryId).Distinct().ToList();
        var titles = (await db.Stories.AsNoTracking().Where(s => storyIds.Contains(s.Id)).Select(s => new { s.Id, s.Title }).ToListAsync(ct))
            .ToDictionary(s => s.Id, s => redactor.Apply(s.Title));

        IEnumerable<object?[]> Rows()
        {
            // One flat row per passage and theme, in passage order (issue #17: reading each passage's themes as a nested
            // list made EF Core build delegates for every passage, about half the export's time). A passage with no theme
            // has no row, as before; a passage's themes are together, ordered by their path below.
            var read = db.PassageThemes.AsNoTracking().Where(t => t.Passage!.ProjectId == projectId)
                .OrderBy(t => t.Passage!.StoryId).ThenBy(t => t.Passage!.StartOffset).ThenBy(t => t.PassageId).ThenBy(t => t.ThemeId)
                .Select(t => new PassageRow(t.PassageId, t.Passage!.StoryId, t.Passage.Speaker, t.Passage.Snippet, t.Passage.StartSeconds, t.Passage.EndSeconds,
                    t.Passage.CreatedAt, t.ThemeId, t.CoderUserId ?? t.Passage.CoderUserId, t.CodedAt)).AsEnumerable();
            var themes = new List<PassageRow>();
            foreach (var row in read)
            {
                if (themes.Count > 0 && themes[0].Id != row.Id)
                {
                    foreach (var cells in PassageRows(themes)) yield return cells;
                    themes.Clear();
                }
                themes.Add(row);
            }
            foreach (var cells in PassageRows(themes)) yield return cells;
        }

        // What a row says about its turn (who may be in, the credit, the owner's answers), worked out once per turn
        // (story and speaker) and shared by all its rows (issue #17: it was decided and built again on every row).
        var turns = new Dictionary<(int StoryId, string Speaker), TurnCells?>();
        TurnCells? TurnOf(int storyId, string speaker)
        {
            if (turns.TryGetValue((storyId, speaker), out var known)) return known;
            TurnCells? cells = null;
            if (scope.IsTurnVisible(storyId, speaker))
            {
                var owner = owners[new ReportQuoteConsent.Source(storyId, speaker)];
                var credit = owner.Allowed ? owner.Credit
                    : owner.StorytellerId is not null ? ConsentPolicy.CreditName(CreditStyle.Anonymous, "", "")
                    : owner.TeamMaySee ? ReporterCredit : UnknownCredit;
                var answers = new object?[options.Count];
                for (var i = 0; i < options.Count; i++)
                    answers[i] = owner.StorytellerId is not { } who ? "" : ticked[who].Contains(options[i].Id) ? Yes : No;
                cells = new TurnCells(storyId, titles[storyId], owner.StorytellerId, credit, answers);
            }
            return turns[(storyId, speaker)] = cells;
        }

        // The rows of one passage (its themes, in the order of their paths).
        IEnumerable<object?[]> PassageRows(List<PassageRow> themes)
        {
            if (themes.Count == 0) yield break;
            var p = themes[0];
            if (TurnOf(p.StoryId, p.Speaker) is not { } turn) yield break;
            var text = redactor.Apply(p.Snippet);
            var memo = redactor.Apply(memos.GetValueOrDefault(p.Id, ""));
            object id = p.Id;
            object? start = Seconds(p.StartSeconds), end = Seconds(p.EndSeconds);
            // Most passages have one theme: no sorting then.
            var ordered = themes.Count == 1 ? themes : themes.Where(t => paths.ContainsKey(t.ThemeId)).OrderBy(t => paths[t.ThemeId], StringComparer.CurrentCulture).ToList();
            foreach (var theme in ordered)
            {
                if (!paths.TryGetValue(theme.ThemeId, out var path)) continue;
                var coder = theme.CoderUserId;
                var cells = new object?[FixedColumns + turn.Answers.Length];
                cells[0] = id;
                cells[1] = turn.Title;
                cells[2] = turn.StoryId;
                cells[3] = p.Speaker;
                cells[4] = turn.StorytellerId;
                cells[5] = turn.Credit;
                cells[6] = path;
                cells[7] = text;
                cells[8] = start;
                cells[9] = end;
                cells[10] = coder is null ? "" : coders.GetValueOrDefault(coder, "A former member");
                cells[11] = DateOnly.FromDateTime(theme.CodedAt == default ? p.CreatedAt : theme.CodedAt);
                cells[12] = memo;
                turn.Answers.CopyTo(cells, FixedColumns);
                yield return cells;
            }
        }
        table.Stream(Rows());
        return table;
    }

    /// <summary>The coded-passages file's columns before the call-out answers.</summary>
    private const int FixedColumns = 13;

    /// <summary>The cells a coded-passages row takes from its turn (story and speaker), boxed once per turn.</summary>
    private sealed record TurnCells(object StoryId, string Title, object? StorytellerId, string Credit, object?[] Answers);

    /// <summary>
    /// One passage and one of its themes, as the coded-passages export reads them. The coder is the theme's, else the
    /// passage's (one column from the database, not two strings per row).
    /// </summary>
    private sealed record PassageRow(int Id, int StoryId, string Speaker, string Snippet, double? StartSeconds, double? EndSeconds,
        DateTime CreatedAt, int ThemeId, string? CoderUserId, DateTime CodedAt);

    /// <summary>
    /// One row per storyteller: their credit, each call-out answer option ticked or not, their own words; contact
    /// details, access needs and facets only in the personal-details file.
    /// </summary>
    public async Task<ExportTable> StorytellersAsync(int projectId, bool includeContact, CancellationToken ct = default)
    {
        var people = await db.Storytellers.AsNoTracking().Where(s => s.ProjectId == projectId && s.WithdrawnAt == null)
            .Include(s => s.Answers).Include(s => s.Facets).AsSplitQuery().OrderBy(s => s.Id).ToListAsync(ct);
        var allowed = await policy.DecideExportsAsync(people.Select(p => p.Id), ct);
        people = people.Where(p => allowed[p.Id].Allowed).ToList();
        var quotes = await policy.DecideManyAsync(people.Select(p => p.Id), ConsentUse.Quotes, ct);
        var redactor = await redaction.ForOutputAsync(projectId, RedactionOutput.Exports, ct);
        var options = await AnswerOptionsAsync(projectId, ct);
        var kinds = Enum.GetValues<FacetKind>();

        var columns = new List<ExportColumn> { new("Storyteller id", 13), new("Storyteller credit", 24) };
        if (includeContact)
            columns.AddRange([new("Name", 24), new("Email", 28), new("Phone", 16), new("How to contact", 18), new("Contact notes", 30), new("Access needs", 30)]);
        columns.AddRange(options.Select(o => new ExportColumn(o.Header, 20)));
        if (includeContact) columns.AddRange(kinds.Select(k => new ExportColumn(FacetText.Label(k), 18)));
        columns.Add(new ExportColumn("In their own words", 60));
        var table = new ExportTable(includeContact ? "Storytellers with contact" : "Storytellers", columns);

        foreach (var person in people)
        {
            var q = quotes[person.Id];
            var cells = new List<object?> { person.Id, q.Allowed ? q.CreditName : ConsentPolicy.CreditName(CreditStyle.Anonymous, "", "") };
            if (includeContact)
                cells.AddRange([person.Name, person.Email ?? "", person.Phone ?? "", ContactPreferenceText.Label(person.ContactPreference), person.ContactNotes, person.AccessNeeds]);
            var ticked = person.Answers.Select(a => a.OptionId).ToHashSet();
            cells.AddRange(options.Select(o => (object?)(ticked.Contains(o.Id) ? Yes : No)));
            if (includeContact)
                cells.AddRange(kinds.Select(k => (object?)string.Join("; ", person.Facets.Where(f => f.Kind == k).OrderBy(f => f.Id).Select(f => redactor.Apply(f.Value)))));
            cells.Add(redactor.Apply(person.SelfDescription));
            table.Add([.. cells]);
        }
        return table;
    }

    /// <summary>
    /// Every table of the findings page in one long table (table, row, column, figure, per cent). A figure the
    /// small-numbers guard hides is the text "fewer than N", never the number.
    /// </summary>
    public async Task<ExportTable> FindingsAsync(int projectId, CancellationToken ct = default)
    {
        var table = new ExportTable("Findings", [new("Table", 36), new("Row", 36), new("Column", 20), new("Figure", 14), new("Per cent", 10)]);
        var who = await findings.WhoToldAsync(projectId, ct);
        table.Add("About these figures", "Who is counted", "", who.CountingRule, null);
        table.Add("About these figures", "Small numbers", "", who.GuardNote, null);

        void Add(string name, string row, string column, GuardedCount count) => table.Add(name, row, column, Figure(count), count.Percent);
        const string Who = "Who told the stories";
        Add(Who, "Storytellers", "Count", who.Storytellers);
        Add(Who, "Stories", "Count", who.Stories);
        Add(Who, "Sessions", "Count", who.Sessions);
        Add(Who, "One-to-one sessions", "Count", who.OneToOneSessions);
        Add(Who, "Group sessions", "Count", who.GroupSessions);
        Add(Who, "Not counted (no consent to analysis)", "Count", who.NotCounted);
        foreach (var size in who.SessionSizes) Add("Sessions by number of storytellers", size.Label, "Sessions", size.Sessions);
        foreach (var q in who.Questions)
        {
            foreach (var a in q.Answers) Add(q.Text, a.Label, "Storytellers", a.Count);
            Add(q.Text, "No answer ticked", "Storytellers", q.NoAnswer);
        }
        foreach (var f in who.Facets)
        {
            // Each value's per cent is of those who chose to share this, so that base is a row too.
            Add(f.Label, "Chose to share this", "Storytellers", f.Answered);
            foreach (var v in f.Values) Add(f.Label, v.Value, "Storytellers", v.Count);
        }

        // The cross-tab of every question, as the page shows one question at a time.
        var questions = who.Questions.Select(q => q.QuestionId).ToList();
        var themes = await findings.ThemesAsync(projectId, questions.Count > 0 ? questions[0] : null, ct);
        foreach (var t in themes.Themes)
        {
            Add("Themes", t.Path, "Stories", t.Stories);
            Add("Themes", t.Path, "Storytellers", t.Storytellers);
            table.Add("Themes", t.Path, "Passages", t.Passages, null);
            Add("Themes", t.Path, "Positive", t.Experience.Positive);
            Add("Themes", t.Path, "Negative", t.Experience.Negative);
            Add("Themes", t.Path, "Mixed", t.Experience.Mixed);
        }
        const string Experience = "Positive, negative or mixed";
        Add(Experience, "Positive", "Stories", themes.Experience.Positive);
        Add(Experience, "Negative", "Stories", themes.Experience.Negative);
        Add(Experience, "Mixed", "Stories", themes.Experience.Mixed);
        Add(Experience, "Not said", "Stories", themes.Experience.NotSaid);
        foreach (var questionId in questions)
        {
            var crossTab = questionId == themes.CrossTab?.QuestionId ? themes.CrossTab : (await findings.ThemesAsync(projectId, questionId, ct)).CrossTab;
            if (crossTab is null) continue;
            foreach (var row in crossTab.Rows)
                for (var i = 0; i < crossTab.Columns.Count; i++) Add($"Themes by answer: {crossTab.QuestionText}", row.Path, crossTab.Columns[i].Label, row.Cells[i]);
        }
        foreach (var level in themes.ValueForAll.Levels) Add("Value for all", level.Label, "Stories", level.Stories);
        return table;
    }

    /// <summary>Every option of the call-out's questions, in page order, with its column header "Question: Option".</summary>
    private async Task<List<(int Id, string Header)>> AnswerOptionsAsync(int projectId, CancellationToken ct) =>
        (await db.CategoryQuestions.AsNoTracking().Where(q => q.ProjectId == projectId).OrderBy(q => q.Position).ThenBy(q => q.Id)
            .Select(q => new { q.Text, Options = q.Options.OrderBy(o => o.Position).ThenBy(o => o.Id).Select(o => new { o.Id, o.Label }).ToList() })
            .ToListAsync(ct))
        .SelectMany(q => q.Options.Select(o => (o.Id, Header: $"{q.Text}: {o.Label}"))).ToList();

    /// <summary>
    /// The memos written on each passage of the project, oldest first, separated by a blank line. Memos held for a
    /// lead's review after a withdrawal (they may name the person who left) stay out, as they stay out of search.
    /// </summary>
    private async Task<Dictionary<int, string>> PassageMemosAsync(int projectId, CancellationToken ct) =>
        (await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Passage && !m.HeldForReview)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).Select(m => new { m.TargetId, m.Text }).ToListAsync(ct))
        .GroupBy(m => m.TargetId).ToDictionary(g => g.Key, g => string.Join("\n\n", g.Select(m => m.Text.Trim())));

    /// <summary>A guarded count as a cell: the number, or "fewer than N" when the guard hides it.</summary>
    public static object Figure(GuardedCount count) => count.Value is { } value ? value : count.Display;

    private static double? Seconds(double? seconds) => seconds is { } s ? Math.Round(s, 2) : null;

    /// <summary>"Theme › Sub-theme" for every live theme (not deleted, not merged away), as the findings show them.</summary>
    private async Task<Dictionary<int, string>> ThemePathsAsync(int projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null && t.MergedIntoId == null)
            .Select(t => new { t.Id, t.ParentId, t.Name }).ToDictionaryAsync(t => t.Id, ct);
        var paths = new Dictionary<int, string>();
        string PathOf(int id, int depth)
        {
            if (paths.TryGetValue(id, out var known)) return known;
            var t = themes[id];
            var path = t.ParentId is { } parent && themes.ContainsKey(parent) && depth < 100 ? $"{PathOf(parent, depth + 1)} › {t.Name}" : t.Name;
            return paths[id] = path;
        }
        foreach (var id in themes.Keys) PathOf(id, 0);
        return paths;
    }
}
