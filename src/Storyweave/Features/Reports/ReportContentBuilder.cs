using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Findings;
using Storyweave.Features.Redaction;

namespace Storyweave.Features.Reports;

/// <summary>
/// Builds a report's <see cref="ReportContent"/> from the database once, asking
/// <see cref="ConsentPolicy"/> (through <see cref="ReportQuoteConsent"/>) about every quote and every
/// credit. A picked quote its storyteller has not agreed to (or that is embargoed) is left out of the
/// content, so no writer can show it; the reason is kept for the curator.
/// <para>The report is walked as its outline of sections (see README.md). Redaction: every free text of the report (title, headings, paragraphs, the curator's writing, lists, quotes, table
/// cells, captions, chart text alternatives) goes through the project's <see cref="RedactionOutput.Reports"/>
/// <see cref="Redactor"/> here, once, so all four writers get redacted text. Left as they are: the
/// credits paragraph and each quote's credit (the names storytellers chose to be credited by), and
/// the chart SVG drawings (their labels are profile answers and counts; the alt text and data table are redacted).</para>
/// </summary>
public sealed class ReportContentBuilder(StoryweaveDb db, ConsentPolicy policy, ReportQuoteConsent quoteConsent, FindingsService findings, RedactionService redaction, TimeProvider clock)
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    /// <summary>A picked quote, resolved: its words, and whether (and how credited) it may appear.</summary>
    public sealed record PickedQuote(int ReportQuoteId, int ThemeId, int Position, int? PassageId, int? KeyQuoteId, string Text, ReportQuoteConsent.Answer Answer, string Note = "")
    {
        /// <summary>The quote as the report shows it: words, chosen credit, curator's note.</summary>
        public ReportBlock.Quote Block => new(Text, Answer.Credit, Note);
    }

    public async Task<ReportContent?> BuildAsync(int reportId, CancellationToken ct = default)
    {
        var report = await db.Reports.AsNoTracking().Include(r => r.Project).SingleOrDefaultAsync(r => r.Id == reportId, ct);
        if (report is null) return null;
        var projectId = report.ProjectId;
        var basis = new Dictionary<int, (HashSet<string> Uses, string? Credit)>();
        void Rely(int storytellerId, ConsentUse use, string? credit)
        {
            if (!basis.TryGetValue(storytellerId, out var entry)) basis[storytellerId] = entry = ([], null);
            entry.Uses.Add(use.ToString());
            if (credit is not null) basis[storytellerId] = (entry.Uses, credit);
        }

        var sections = await db.ReportSections.AsNoTracking().Where(s => s.ReportId == reportId).ToListAsync(ct);
        var topThemes = await TopThemesAsync(projectId, ct);
        var themeNodes = CodebookService.Flatten(topThemes).ToDictionary(x => x.Node.Theme.Id, x => x.Node);
        var picked = await PickedQuotesAsync(report.Id, projectId, ct);
        var credits = await CreditsAsync(projectId, Rely, ct);
        var who = await findings.WhoToldAsync(projectId, ct);
        var found = await findings.ThemesAsync(projectId, null, ct);
        var themeRows = found.Themes.ToDictionary(t => t.ThemeId);
        var valueForAll = await ValueForAllAsync(found.ValueForAll, ct);
        var matrices = sections.Where(s => s.Kind == ReportSectionKind.Matrix).ToDictionary(s => s.Id, s => ReportMatrix.Parse(s.Matrix));
        var matrixQuotes = await MatrixQuotesAsync(projectId, matrices.Values.SelectMany(m => m.Quotes).OfType<ReportMatrixQuote>(), ct);

        var blocks = new List<ReportBlock>();
        var creditsBlock = new ReportBlock.Paragraph(credits);
        var byTheme = picked.Where(q => q.Answer.Allowed).ToLookup(q => q.ThemeId);
        if (report.Kind == ReportKind.Full) blocks.Add(new ReportBlock.Heading(1, "Credits"));
        blocks.Add(creditsBlock);
        // Partner organisations with their roles ("Funded by …", linked when the curator gave an address), then which
        // version of the report this is and when this file was made (a reader comparing two copies can tell them apart).
        var partners = await db.ReportPartners.AsNoTracking().Where(p => p.ReportId == reportId).OrderBy(p => p.Position).ThenBy(p => p.Id).ToListAsync(ct);
        if (partners.Count > 0)
            blocks.Add(new ReportBlock.List(false, partners.Select(p => (IReadOnlyList<Span>)[new Span(p.Role + " "), new Span(p.Name, Link: p.Link.Length > 0 ? p.Link : null)]).ToList()));
        blocks.Add(new ReportBlock.Paragraph(
            $"This is version {report.Version} of this report (edit {report.ContentVersion.ToString(English)}), made on {clock.GetUtcNow().UtcDateTime.ToString("d MMMM yyyy", English)}."));

        // The outline, depth first: each section's heading at its depth, the curator's writing, then what it generates,
        // then its sub-sections. A section with nothing in it (writing not written yet, no data) is left out, heading and all.
        var children = sections.ToLookup(s => s.ParentId);
        async Task<List<ReportBlock>> WalkAsync(int? parentId, int level)
        {
            var output = new List<ReportBlock>();
            foreach (var section in children[parentId].OrderBy(s => s.Position).ThenBy(s => s.Id))
            {
                var theme = section.Kind == ReportSectionKind.Theme && section.ThemeId is { } tid ? themeNodes.GetValueOrDefault(tid) : null;
                var title = section.Title.Trim();
                if (title.Length == 0 && theme is not null) title = theme.Theme.Name;
                var inner = section.Kind == ReportSectionKind.Writing && section.Setting == ReportService.BoxSetting
                    ? ReportMarkdown.ToBlocks(string.Join('\n', section.Body.ReplaceLineEndings("\n").Split('\n').Select(l => "> " + l)), level)
                    : ReportMarkdown.ToBlocks(section.Body, level);
                switch (section.Kind)
                {
                    case ReportSectionKind.Theme when theme is not null:
                        if (themeRows.TryGetValue(theme.Theme.Id, out var row))
                            inner.Add(new ReportBlock.Paragraph($"Found in {row.Stories.Display} {(row.Stories.Value == 1 ? "story" : "stories")}, told by {row.Storytellers.Text} {(row.Storytellers.Value == 1 ? "storyteller" : "storytellers")}."));
                        // A description held for review after a withdrawal named someone stays out until a lead keeps it (decision 0008).
                        if (!theme.Theme.HeldForReview && theme.Theme.Description.Trim() is { Length: > 0 } description) inner.AddRange(Paragraphs(description));
                        foreach (var q in byTheme[theme.Theme.Id].OrderBy(q => q.Position))
                        {
                            Rely(q.Answer.StorytellerId!.Value, ConsentUse.Quotes, q.Answer.Credit);
                            inner.Add(q.Block);
                        }
                        break;
                    case ReportSectionKind.WhoTookPart:
                        inner.AddRange(WhoTold(who, full: section.Setting != ReportService.ShortSetting));
                        break;
                    case ReportSectionKind.Figure:
                        inner.AddRange(Figure(section.Setting, topThemes, themeRows, found, who));
                        break;
                    case ReportSectionKind.ValueForAll:
                        if (ValueForAll(section.Setting, found.ValueForAll, valueForAll, Rely) is { } value) inner.Add(value);
                        break;
                    case ReportSectionKind.Matrix:
                        if (MatrixTable(title, matrices[section.Id], matrixQuotes, Rely) is { } table) inner.Add(table);
                        break;
                    case ReportSectionKind.CrossTab:
                        if (int.TryParse(section.Setting, NumberStyles.None, CultureInfo.InvariantCulture, out var questionId))
                            inner.AddRange(CrossTab((await findings.ThemesAsync(projectId, questionId, ct)).CrossTab, found.Threshold));
                        break;
                }
                inner.AddRange(await WalkAsync(section.Id, level + 1));
                if (inner.Count == 0) continue;
                if (title.Length > 0) output.Add(new ReportBlock.Heading(level, title));
                output.AddRange(inner);
            }
            return output;
        }
        blocks.AddRange(await WalkAsync(null, 1));

        var current = await policy.CurrentAsync(basis.Keys.ToList(), ct);
        var entries = basis.OrderBy(b => b.Key)
            .Select(b => new ConsentBasisEntry(b.Key, current.TryGetValue(b.Key, out var record) ? record.Id : 0, b.Value.Uses.Order(StringComparer.Ordinal).ToList(), b.Value.Credit))
            .ToList();
        var leftOut = picked.Where(q => !q.Answer.Allowed).Select(q => new LeftOutQuote(q.ReportQuoteId, q.ThemeId, q.Answer.Reason)).ToList();
        var redactor = await redaction.ForOutputAsync(projectId, RedactionOutput.Reports, ct);
        var redacted = blocks.Select(b => ReferenceEquals(b, creditsBlock) ? b : Redact(b, redactor)).ToList();
        return new ReportContent(redactor.Apply(report.Title), $"{KindLabel(report.Kind)} \u2014 {redactor.Apply(report.Project!.Name)}",
            $"Version {report.Version} [{report.Date.ToString("d MMMM yyyy", English)}]", "en-GB", redacted, entries, leftOut);
    }

    public static string KindLabel(ReportKind kind) => kind switch
    {
        ReportKind.Full => "Full report",
        ReportKind.Overview => "Overview",
        _ => "Summary",
    };

    /// <summary>A chart or table from the findings (<see cref="ReportFigures"/>); nothing for a name it does not know.</summary>
    private static IEnumerable<ReportBlock> Figure(string name, List<CodebookService.ThemeNode> themes, Dictionary<int, ThemeRow> themeRows, ThemeFindings found, WhoTold who)
    {
        if (name == ReportFigures.ThemeCounts)
        {
            var shownRows = themes.Where(t => themeRows.ContainsKey(t.Theme.Id)).Select(t => themeRows[t.Theme.Id]).ToList();
            yield return new ReportBlock.Paragraph(found.ThemeRule);
            yield return new ReportBlock.Table("How many stories and storytellers each theme came from",
                ["Theme", "Stories", "Storytellers", "Coded passages"],
                shownRows.Select(r => (IReadOnlyList<Cell>)[Cell.Of(r.Name), Cell.Of(r.Stories.Text), Cell.Of(r.Storytellers.Text), Cell.Of(r.Passages.ToString("N0", English))]).ToList());
            // Readers hear about the small-numbers guard only where it hid something they would otherwise read.
            if (new SmallNumberGuard(found.Threshold).ReaderNoteFor(shownRows.SelectMany(r => new[] { r.Stories, r.Storytellers })) is { Length: > 0 } note)
                yield return new ReportBlock.Paragraph(note);
        }
        else if (name == ReportFigures.Experience)
        {
            var e = found.Experience;
            var items = new List<(string, GuardedCount)> { ("Positive", e.Positive), ("Negative", e.Negative), ("Mixed", e.Mixed), ("Not said", e.NotSaid) };
            yield return ReportCharts.Bars($"Stories by the experience their review sheet records (of {found.Stories.Display} stories)", "Stories", items, "");
            if (new SmallNumberGuard(found.Threshold).ReaderNoteFor(items.Select(i => i.Item2)) is { Length: > 0 } note) yield return new ReportBlock.Paragraph(note);
        }
        else if (name.StartsWith(ReportFigures.QuestionPrefix, StringComparison.Ordinal)
                 && int.TryParse(name[ReportFigures.QuestionPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var qid)
                 && who.Questions.FirstOrDefault(q => q.QuestionId == qid) is { } q)
        {
            yield return ReportCharts.Bars($"{q.Text} ({q.Denominator})", "Storytellers", q.Answers.Select(a => (a.Label, a.Count)).ToList(), q.Note);
            if (new SmallNumberGuard(who.Threshold).ReaderNoteFor(q.Answers.Select(a => a.Count)) is { Length: > 0 } note) yield return new ReportBlock.Paragraph(note);
        }
    }

    /// <summary>Themes × the answers to a call-out question (e.g. impacts by sector): storytellers in each theme who chose each answer.</summary>
    private static IEnumerable<ReportBlock> CrossTab(CrossTab? tab, int threshold)
    {
        if (tab is null || tab.Columns.Count == 0) yield break;
        yield return new ReportBlock.Table($"{tab.QuestionText}: storytellers in each theme who chose each answer",
            ["Theme", .. tab.Columns.Select(c => c.Label)],
            tab.Rows.Select(r => (IReadOnlyList<Cell>)[Cell.Of(r.Depth == 0 ? r.Name : $"{new string('\u2013', r.Depth)} {r.Name}"), .. r.Cells.Select(c => Cell.Of(c.Text))]).ToList());
        if (new SmallNumberGuard(threshold).ReaderNoteFor(tab.Rows.SelectMany(r => r.Cells)) is { Length: > 0 } note) yield return new ReportBlock.Paragraph(note);
    }

    /// <summary>A block with its free text redacted (quote credits are the storyteller's chosen credit and stay as they are).</summary>
    public static ReportBlock Redact(ReportBlock block, Redactor r) => r.IsEmpty ? block : block switch
    {
        ReportBlock.Heading h => h with { Text = r.Apply(h.Text) },
        ReportBlock.Paragraph p => p with { Text = r.Apply(p.Text) },
        ReportBlock.Bullets b => b with { Items = b.Items.Select(r.Apply).ToList() },
        ReportBlock.Rich w => w with { Spans = RedactSpans(w.Spans, r) },
        ReportBlock.List l => l with { Items = l.Items.Select(i => (IReadOnlyList<Span>)RedactSpans(i, r)).ToList() },
        ReportBlock.CallOut c => c with { Blocks = c.Blocks.Select(b => Redact(b, r)).ToList() },
        ReportBlock.Quote q => q with { Text = r.Apply(q.Text), Note = r.Apply(q.Note) },
        ReportBlock.Table t => RedactTable(t, r),
        ReportBlock.Figure f => f with { Caption = r.Apply(f.Caption), AltText = r.Apply(f.AltText), Data = RedactTable(f.Data, r) },
        _ => throw new InvalidOperationException($"Redaction does not know the report block {block.GetType().Name}."),
    };

    /// <summary>Each run of the curator's writing redacted (a term split across bold and plain words is not one run; see README).</summary>
    private static List<Span> RedactSpans(IReadOnlyList<Span> spans, Redactor r) => spans.Select(s => s with { Text = r.Apply(s.Text) }).ToList();

    private static ReportBlock.Table RedactTable(ReportBlock.Table t, Redactor r) => t with
    {
        Caption = r.Apply(t.Caption),
        Headers = t.Headers.Select(r.Apply).ToList(),
        Rows = t.Rows.Select(row => (IReadOnlyList<Cell>)row.Select(c => new Cell(c.Lines.Select(r.Apply).ToList(), c.Quote is null ? null : c.Quote with { Text = r.Apply(c.Quote.Text), Note = r.Apply(c.Quote.Note) })).ToList()).ToList(),
    };

    /// <summary>The report's picked quotes in order, each with the policy's answer (for the builder and the curator's page).</summary>
    public async Task<List<PickedQuote>> PickedQuotesAsync(int reportId, int projectId, CancellationToken ct = default)
    {
        var rows = await db.ReportQuotes.AsNoTracking().Where(q => q.ReportId == reportId)
            .Select(q => new
            {
                q.Id,
                q.ThemeId,
                q.Position,
                q.PassageId,
                q.KeyQuoteId,
                q.Note,
                PassageStory = (int?)q.Passage!.StoryId,
                PassageSpeaker = q.Passage.Speaker,
                PassageText = q.Passage.Snippet,
                QuoteStory = (int?)q.KeyQuote!.StoryId,
                QuoteSpeaker = q.KeyQuote.Speaker,
                QuoteText = q.KeyQuote.Text,
            })
            .ToListAsync(ct);
        var resolved = rows.Select(r => new
        {
            r.Id,
            r.ThemeId,
            r.Position,
            r.PassageId,
            r.KeyQuoteId,
            r.Note,
            Source = new ReportQuoteConsent.Source(r.PassageStory ?? r.QuoteStory ?? 0, (r.PassageStory is not null ? r.PassageSpeaker : r.QuoteSpeaker) ?? ""),
            Text = (r.PassageStory is not null ? r.PassageText : r.QuoteText) ?? "",
        }).ToList();
        var answers = await quoteConsent.DecideAsync(projectId, resolved.Select(r => r.Source).ToList(), ct);
        return resolved.OrderBy(r => r.ThemeId).ThenBy(r => r.Position)
            .Select(r => new PickedQuote(r.Id, r.ThemeId, r.Position, r.PassageId, r.KeyQuoteId, r.Text.Trim(), answers[r.Source], r.Note)).ToList();
    }

    /// <summary>The codebook's top-level themes in codebook order, each with its sub-themes.</summary>
    public async Task<List<CodebookService.ThemeNode>> TopThemesAsync(int projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync(ct);
        var byParent = themes.ToLookup(t => t.ParentId);
        List<CodebookService.ThemeNode> Build(int? parentId) => byParent[parentId].OrderBy(t => t.Position).ThenBy(t => t.Id)
            .Select(t => new CodebookService.ThemeNode(t, 0, 0, Build(t.Id))).ToList();
        return Build(null);
    }

    /// <summary>A main theme's sub-themes at every depth in codebook order, each with its name ("Sub › Sub-sub" below the first level).</summary>
    public static IEnumerable<(CodebookService.ThemeNode Node, string Path)> SubThemePaths(CodebookService.ThemeNode theme)
    {
        foreach (var child in theme.Children)
        {
            yield return (child, child.Theme.Name);
            foreach (var (node, path) in SubThemePaths(child)) yield return (node, $"{child.Theme.Name} \u203a {path}");
        }
    }

    public static IEnumerable<string> SubThemeNames(CodebookService.ThemeNode theme) =>
        CodebookService.Flatten(theme.Children).Select(x => x.Depth == 0 ? x.Node.Theme.Name : $"{new string('\u2013', x.Depth)} {x.Node.Theme.Name}");

    /// <summary>
    /// "Co-authored by the N people who shared their stories": everyone whose story may be used in
    /// analysis is counted; those who agreed to quotes and chose a name are named as they chose.
    /// </summary>
    private async Task<string> CreditsAsync(int projectId, Action<int, ConsentUse, string?> rely, CancellationToken ct)
    {
        var tellerIds = await db.StoryStorytellers.AsNoTracking().Where(x => x.Story!.ProjectId == projectId).Select(x => x.StorytellerId).Distinct().ToListAsync(ct);
        var analysis = await policy.DecideManyAsync(tellerIds, ConsentUse.Analysis, ct);
        var counted = tellerIds.Where(id => analysis[id].Allowed).Order().ToList();
        var quotes = await policy.DecideManyAsync(counted, ConsentUse.Quotes, ct);
        var names = new List<string>();
        foreach (var id in counted)
        {
            rely(id, ConsentUse.Analysis, null);
            var q = quotes[id];
            if (q is { Allowed: true, Credit: not CreditStyle.Anonymous and not null })
            {
                rely(id, ConsentUse.Quotes, q.CreditName);
                names.Add(q.CreditName!);
            }
        }
        names.Sort(StringComparer.Create(English, ignoreCase: true));
        if (counted.Count == 0) return "This report was curated by the project team. No stories can be credited yet.";
        var people = counted.Count == 1 ? "the person who shared their story" : $"the {counted.Count} people who shared their stories";
        var text = $"This report was co-authored by {people}, and curated by the project team.";
        if (names.Count > 0)
        {
            var unnamed = counted.Count - names.Count;
            text += $" Storytellers: {string.Join(", ", names)}" + (unnamed > 0 ? $", and {unnamed} {(unnamed == 1 ? "storyteller" : "storytellers")} not named here." : ".");
        }
        return text;
    }

    /// <summary>Who told the stories, from <see cref="FindingsService"/> (the small-numbers guard already applied).</summary>
    private static IEnumerable<ReportBlock> WhoTold(WhoTold w, bool full)
    {
        // Stories brought in without a session (imported transcripts, a .qdpx project) have no session to count:
        // the sentence then stops at the stories rather than saying "in 0 sessions (0 one-to-one, 0 in groups)".
        var told = $"{w.Storytellers.Display} {(w.Storytellers.Value == 1 ? "storyteller" : "storytellers")} told {w.Stories.Display} {(w.Stories.Value == 1 ? "story" : "stories")}";
        yield return new ReportBlock.Paragraph(w.Sessions.Value == 0 ? told + "." :
            $"{told} in {w.Sessions.Display} {(w.Sessions.Value == 1 ? "session" : "sessions")} ({w.OneToOneSessions.Display} one-to-one, {w.GroupSessions.Display} in groups).");
        yield return new ReportBlock.Paragraph(w.CountingRule);
        foreach (var q in w.Questions.Where(q => q.Answers.Count > 0))
            yield return ReportCharts.Bars($"{q.Text} ({q.Denominator})", "Storytellers", q.Answers.Select(a => (a.Label, a.Count)).ToList(), q.Note);
        var shown = new List<GuardedCount> { w.Storytellers, w.Stories, w.Sessions, w.OneToOneSessions, w.GroupSessions };
        shown.AddRange(w.Questions.SelectMany(q => q.Answers).Select(a => a.Count));
        if (full)
        {
            // "13 (48%) of the 27 who shared": the base is those who chose to say, largest first (FindingsService).
            foreach (var f in w.Facets.Where(f => f.Values.Any(v => v.Count.Value != 0)))
            {
                var values = f.Values.Where(v => v.Count.Value != 0).ToList();
                yield return new ReportBlock.Table($"How storytellers described themselves: {f.Label}. {f.AnsweredText}", [f.Label, "Storytellers"],
                    values.Select(v => (IReadOnlyList<Cell>)[Cell.Of(v.Value), Cell.Of(v.Text)]).ToList());
                shown.Add(f.Answered);
                shown.AddRange(values.Select(v => v.Count));
            }
        }
        // Readers hear about the small-numbers guard only where it hid something they would otherwise read.
        if (new SmallNumberGuard(w.Threshold).ReaderNoteFor(shown) is { Length: > 0 } note) yield return new ReportBlock.Paragraph(note);
    }

    /// <summary>
    /// The value-for-all entries readers may see, per level ("individuals", "organisations", "society"): the changes
    /// review sheets record. A sheet's words appear only when every storyteller of its story agreed to quotes in
    /// outputs (reporters often write down what the storyteller said); each entry carries those storytellers.
    /// </summary>
    private async Task<Dictionary<string, List<(ValueEntry Entry, List<int> Tellers)>>> ValueForAllAsync(Findings.ValueForAll value, CancellationToken ct)
    {
        var storyIds = value.Levels.SelectMany(l => l.Entries).Select(e => e.StoryId).Distinct().ToList();
        var links = await db.StoryStorytellers.AsNoTracking().Where(x => storyIds.Contains(x.StoryId))
            .Select(x => new { x.StoryId, x.StorytellerId, Withdrawn = x.Storyteller!.WithdrawnAt != null }).ToListAsync(ct);
        var quotes = await policy.DecideManyAsync(links.Select(l => l.StorytellerId), ConsentUse.Quotes, ct);
        var allowed = links.GroupBy(l => l.StoryId).Where(g => g.All(l => !l.Withdrawn && quotes[l.StorytellerId].Allowed)).ToDictionary(g => g.Key, g => g.Select(l => l.StorytellerId).ToList());
        return value.Levels.ToDictionary(l => l.Key, l => l.Entries.Where(e => allowed.ContainsKey(e.StoryId)).Select(e => (e, allowed[e.StoryId])).ToList());
    }

    /// <summary>
    /// One level's changes as a list (<paramref name="level"/> is its key), or, for "", the matrix of all three with one
    /// column each. Null when consent leaves nothing to show. Only the storytellers whose words are shown are relied on.
    /// </summary>
    private static ReportBlock? ValueForAll(string level, Findings.ValueForAll value, Dictionary<string, List<(ValueEntry Entry, List<int> Tellers)>> allowed, Action<int, ConsentUse, string?> rely)
    {
        if (level.Length > 0)
        {
            var entries = allowed.GetValueOrDefault(level) ?? [];
            if (entries.Count == 0) return null;
            foreach (var id in entries.SelectMany(e => e.Tellers).Distinct()) rely(id, ConsentUse.Quotes, null);
            return new ReportBlock.Bullets(entries.Select(e => e.Entry.Text).ToList());
        }
        var columns = value.Levels.Select(l => allowed.GetValueOrDefault(l.Key) ?? []).ToList();
        if (columns.All(c => c.Count == 0)) return null;
        foreach (var id in columns.SelectMany(c => c).SelectMany(e => e.Tellers).Distinct()) rely(id, ConsentUse.Quotes, null);
        var rows = new List<IReadOnlyList<Cell>>();
        for (var i = 0; i < columns.Max(c => c.Count); i++)
            rows.Add(columns.Select(c => i < c.Count ? Cell.Of(c[i].Entry.Text) : Cell.Of("")).ToList());
        return new ReportBlock.Table("Value for all: the changes the stories describe", value.Levels.Select(l => l.Label).ToList(), rows, FirstColumnNamesRow: false);
    }

    /// <summary>A matrix quote resolved: its words and the policy's answer about quoting them (and how credited).</summary>
    public sealed record MatrixQuoteView(string Text, ReportQuoteConsent.Answer Answer);

    public const string MatrixQuoteGone = "That passage or key quote is no longer in the project (it was removed from the coding or the review sheet).";

    /// <summary>
    /// The words of quotes chosen for matrix columns, each with <see cref="ReportQuoteConsent"/>'s answer (the same check as every
    /// other report quote). A passage or key quote no longer in the project is answered "not allowed" with <see cref="MatrixQuoteGone"/>.
    /// </summary>
    public async Task<Dictionary<ReportMatrixQuote, MatrixQuoteView>> MatrixQuotesAsync(int projectId, IEnumerable<ReportMatrixQuote> quotes, CancellationToken ct = default)
    {
        var wanted = quotes.Distinct().ToList();
        var passageIds = wanted.Where(q => q.PassageId is not null).Select(q => q.PassageId!.Value).ToList();
        var keyQuoteIds = wanted.Where(q => q.PassageId is null && q.KeyQuoteId is not null).Select(q => q.KeyQuoteId!.Value).ToList();
        var passages = passageIds.Count == 0 ? [] : await db.Passages.AsNoTracking().Where(p => passageIds.Contains(p.Id) && p.ProjectId == projectId)
            .Select(p => new { p.Id, p.StoryId, p.Speaker, Text = p.Snippet }).ToListAsync(ct);
        var keyQuotes = keyQuoteIds.Count == 0 ? [] : await db.KeyQuotes.AsNoTracking().Where(q => keyQuoteIds.Contains(q.Id) && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
            .Select(q => new { q.Id, q.StoryId, q.Speaker, q.Text }).ToListAsync(ct);
        var found = new Dictionary<ReportMatrixQuote, (ReportQuoteConsent.Source Source, string Text)>();
        foreach (var q in wanted)
        {
            if (q.PassageId is { } pid && passages.FirstOrDefault(p => p.Id == pid) is { } p) found[q] = (new(p.StoryId, p.Speaker), p.Text.Trim());
            else if (q.PassageId is null && q.KeyQuoteId is { } kid && keyQuotes.FirstOrDefault(k => k.Id == kid) is { } k) found[q] = (new(k.StoryId, k.Speaker), k.Text.Trim());
        }
        var answers = await quoteConsent.DecideAsync(projectId, found.Values.Select(f => f.Source).ToList(), ct);
        return wanted.ToDictionary(q => q, q => found.TryGetValue(q, out var f)
            ? new MatrixQuoteView(f.Text, answers[f.Source])
            : new MatrixQuoteView("", new ReportQuoteConsent.Answer(false, null, "", MatrixQuoteGone, false)));
    }

    /// <summary>
    /// A curator's table: the headings, the rows as written, then one row with the quote chosen for each column (its credit as
    /// the storyteller chose; a quote consent no longer allows, or no quote, leaves the cell empty). Null when it has no rows and no
    /// quote may be shown. Each quote shown is relied on, so a later consent change makes the file out of date.
    /// </summary>
    private static ReportBlock.Table? MatrixTable(string title, ReportMatrix m, Dictionary<ReportMatrixQuote, MatrixQuoteView> quotes, Action<int, ConsentUse, string?> rely)
    {
        if (m.Columns.Count == 0) return null;
        var shown = m.Quotes.Select(q => q is not null && quotes.TryGetValue(q, out var v) && v.Answer.Allowed ? v : null).ToList();
        // A blank cell is written as an empty cell (no empty paragraph), so readers and screen readers meet nothing there.
        static Cell Text(string text) => text.Length == 0 ? new Cell([]) : Cell.Of(text);
        var rows = m.Rows.Where(r => r.Any(c => c.Length > 0)).Select(r => (IReadOnlyList<Cell>)r.Select(Text).ToList()).ToList();
        if (rows.Count == 0 && shown.All(v => v is null)) return null;
        if (shown.Any(v => v is not null))
        {
            foreach (var v in shown.OfType<MatrixQuoteView>()) rely(v.Answer.StorytellerId!.Value, ConsentUse.Quotes, v.Answer.Credit);
            rows.Add(shown.Select(v => v is null ? new Cell([]) : new Cell([], new ReportBlock.Quote(v.Text, v.Answer.Credit))).ToList());
        }
        var caption = title.Length > 0 ? title : string.Join(", ", m.Columns);
        return new ReportBlock.Table(caption, m.Columns, rows, FirstColumnNamesRow: false);
    }

    /// <summary>
    /// The distinct changes review sheets record per value-for-all level (individuals, organisations, society), for filling a
    /// curator's table: only from sheets whose storytellers all agreed to quotes (as the value-for-all sections show them), a line
    /// or "- " item of a sheet is one change, repeats (ignoring case) once, at most <see cref="ReportMatrix.MaxCell"/> characters each.
    /// </summary>
    public async Task<List<List<string>>> ValueForAllChangesAsync(int projectId, CancellationToken ct = default)
    {
        var found = await findings.ThemesAsync(projectId, null, ct);
        var allowed = await ValueForAllAsync(found.ValueForAll, ct);
        return found.ValueForAll.Levels.Select(l => (allowed.GetValueOrDefault(l.Key) ?? [])
            .SelectMany(e => e.Entry.Text.ReplaceLineEndings("\n").Split('\n'))
            .Select(line => line.Trim().TrimStart('-', '*', '\u2022').Trim())
            .Where(line => line.Length > 0)
            .Select(line => line.Length <= ReportMatrix.MaxCell ? line : line[..(ReportMatrix.MaxCell - 1)].TrimEnd() + "\u2026")
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList()).ToList();
    }

    /// <summary>Curator text: blank lines separate paragraphs; a paragraph whose every line starts with "- " is a list.</summary>
    public static IEnumerable<ReportBlock> Paragraphs(string text)
    {
        foreach (var chunk in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lines = chunk.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (lines.All(l => l.StartsWith("- ", StringComparison.Ordinal)))
                yield return new ReportBlock.Bullets(lines.Select(l => l[2..].Trim()).ToList());
            else
                yield return new ReportBlock.Paragraph(string.Join(" ", lines));
        }
    }
}
