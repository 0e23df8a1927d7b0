using Storyweave.Features.Codebook;
using Storyweave.Features.Findings;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Reports;

/// <summary>
/// The outlines a new report starts from, shaped like the published Community Reporting reports: the full
/// report (introduction, about the method with its three stages, who took part, one section per main theme with
/// its sub-themes as sub-sections, challenges, value for all, conditions, conclusion), the overview of 4–5 pages
/// (purpose, what we did, who shared, key findings for chosen themes only, a challenges panel in a box, value for
/// all as a table the curator edits, conclusion) and the short summary (summary, key findings, where to read the full analysis). The writing
/// starts from the project's description, research question, conversation starter and call-out; sections the
/// curator has not written yet are left out of files until they are.
/// </summary>
public static class ReportTemplates
{
    /// <summary>A section to create, with its sub-sections.</summary>
    public sealed record Draft(ReportSectionKind Kind, string Title, string Body = "", int? ThemeId = null, string Setting = "", IReadOnlyList<Draft>? Children = null, ReportMatrix? Matrix = null);

    /// <summary>The overview's key findings when the curator ticks none: the main themes found in most stories.</summary>
    public const int DefaultKeyThemes = 4;

    public static string Label(ReportKind kind) => kind switch
    {
        ReportKind.Full => "Full report",
        ReportKind.Overview => "Overview (4\u20135 pages)",
        _ => "Short summary",
    };

    public static string Description(ReportKind kind) => kind switch
    {
        ReportKind.Full => "introduction, about Community Reporting and the method, who took part, a section for each main theme with its sub-themes and quotes, challenges, value for all, conditions and conclusion",
        ReportKind.Overview => "purpose, what we did, who shared their stories, key findings for the themes you choose, challenges in a box, value for all and conclusion",
        _ => "a short summary, the key findings and where to read the full analysis",
    };

    /// <param name="themes">The codebook's main themes with their sub-themes, in codebook order.</param>
    /// <param name="keyThemeIds">Overview and summary: the main themes to feature (none: <see cref="DefaultKeyThemes"/> found in most stories).</param>
    /// <param name="fullReport">Summary: the project's full report to point to, if there is one.</param>
    /// <param name="valueChanges">Overview: the distinct value-for-all changes per level that may be quoted (<see cref="ReportContentBuilder.ValueForAllChangesAsync"/>), the rows its value-for-all table starts with.</param>
    public static List<Draft> For(ReportKind kind, Project project, Features.CallOut.CallOut? callOut, List<CodebookService.ThemeNode> themes, ThemeFindings found,
        IReadOnlyCollection<int> keyThemeIds, Report? fullReport, IReadOnlyList<IReadOnlyList<string>>? valueChanges = null)
    {
        var question = project.ResearchQuestion.Trim();
        var starter = project.ConversationStarter.Trim();
        var introduction = Join(project.Description, question.Length > 0 ? $"Our research question: {question}" : "");
        var gathering = Join(
            "We gathered stories in peer-to-peer dialogue interviews, where the storyteller sets the agenda.",
            starter.Length > 0 ? $"Every conversation began with the same open question: \u201c{starter}\u201d" : "",
            callOut?.Introduction.Trim() is { Length: > 0 } intro ? $"We invited people to take part with this call-out: {intro}" : "");
        const string sensemaking = "We made sense of the stories together in workshops, listening to the recordings and picking out key themes.";
        const string responding = "We are sharing what we learned, so that it can lead to change.";
        var hasValue = found.ValueForAll.Levels.Any(l => l.Entries.Count > 0);
        var key = KeyThemes(themes, found, keyThemeIds);

        switch (kind)
        {
            case ReportKind.Full:
                return
                [
                    new(ReportSectionKind.Writing, "Introduction", introduction),
                    new(ReportSectionKind.Writing, "About Community Reporting and our method",
                        "Community Reporting is a storytelling method: people tell their own stories, in their own words, and those stories are used to bring about change. We used it in three stages.",
                        Children:
                        [
                            new(ReportSectionKind.Writing, "Gathering stories", gathering),
                            new(ReportSectionKind.Writing, "Making sense of the stories", sensemaking),
                            new(ReportSectionKind.Writing, "Responding", responding),
                        ]),
                    new(ReportSectionKind.WhoTookPart, "Who took part"),
                    new(ReportSectionKind.Figure, "What we found", Setting: ReportFigures.ThemeCounts),
                    .. themes.Select(t => ThemeDraft(t, 1)),
                    new(ReportSectionKind.Writing, "Challenges"),
                    ValueForAll(found, hasValue),
                    new(ReportSectionKind.Writing, "Conditions"),
                    new(ReportSectionKind.Writing, "Conclusion and recommendations"),
                ];
            case ReportKind.Overview:
                return
                [
                    new(ReportSectionKind.Writing, "What was the purpose of this research?", introduction),
                    new(ReportSectionKind.Writing, "What did we do?",
                        "We used the Community Reporting method to gather stories. This process has 3 stages.\n\n" +
                        $"1. **Gathering stories:** {Join(gathering).Replace("\n\n", " ", StringComparison.Ordinal)}\n" +
                        $"2. **Sense-making:** {sensemaking}\n" +
                        $"3. **Responding:** {responding}"),
                    new(ReportSectionKind.WhoTookPart, "Who shared their stories?", Setting: "short"),
                    new(ReportSectionKind.Writing, "What did we find out?", "",
                        Children: key.Select(t => new Draft(ReportSectionKind.Theme, "", ThemeId: t.Theme.Id)).ToList()),
                    new(ReportSectionKind.Writing, "Challenges", Setting: "box"),
                    // The published overview (002) shows value for all as one table: a column per level, short phrases, a quote under each.
                    new(ReportSectionKind.Matrix, "Value for all", Matrix: ValueTable(valueChanges ?? [])),
                    new(ReportSectionKind.Writing, "Conclusion"),
                ];
            default:
                var pointer = fullReport is null ? ""
                    : $"This summary draws on the full analysis in the report \u201c{fullReport.Title}\u201d (version {fullReport.Version}). Read it for the themes in full, with the storytellers\u2019 words.";
                return
                [
                    new(ReportSectionKind.Writing, "Summary", introduction),
                    new(ReportSectionKind.Writing, "Key findings",
                        key.Count == 0 ? "" : "The key findings that emerged from the stories are:\n\n" + string.Join("\n", key.Select(t => $"- {t.Theme.Name}"))),
                    new(ReportSectionKind.Writing, "Read the full analysis", pointer),
                ];
        }
    }

    /// <summary>A theme with its sub-themes as sub-sections, as deep as headings go.</summary>
    private static Draft ThemeDraft(CodebookService.ThemeNode theme, int depth) =>
        new(ReportSectionKind.Theme, "", ThemeId: theme.Theme.Id,
            Children: depth >= ReportSection.MaxDepth ? null : theme.Children.Select(c => ThemeDraft(c, depth + 1)).ToList());

    /// <summary>Value for all per level (individuals, organisations, society) when review sheets record them; else the matrix (shown once there is data).</summary>
    private static Draft ValueForAll(ThemeFindings found, bool hasValue) => hasValue
        ? new(ReportSectionKind.Writing, "Value for all", "",
            Children: found.ValueForAll.Levels.Where(l => l.Entries.Count > 0).Select(l => new Draft(ReportSectionKind.ValueForAll, l.Label, Setting: l.Key)).ToList())
        : new(ReportSectionKind.ValueForAll, "Value for all");

    /// <summary>The value-for-all table with the three levels as columns and the changes side by side as rows, for the curator to shorten and choose from.</summary>
    public static ReportMatrix ValueTable(IReadOnlyList<IReadOnlyList<string>> levels)
    {
        var height = Math.Min(ReportMatrix.MaxRows, levels.Select(l => l.Count).DefaultIfEmpty(0).Max());
        var rows = Enumerable.Range(0, height).Select(i => (IReadOnlyList<string>)Enumerable.Range(0, 3).Select(c => c < levels.Count && i < levels[c].Count ? levels[c][i] : "").ToList()).ToList();
        return ReportMatrix.Default() with { Rows = rows };
    }

    private static List<CodebookService.ThemeNode> KeyThemes(List<CodebookService.ThemeNode> themes, ThemeFindings found, IReadOnlyCollection<int> chosen)
    {
        if (chosen.Count > 0) return themes.Where(t => chosen.Contains(t.Theme.Id)).ToList();
        var stories = found.Themes.ToDictionary(r => r.ThemeId, r => r.Stories.Value ?? 0);
        var top = themes.OrderByDescending(t => stories.GetValueOrDefault(t.Theme.Id)).Take(DefaultKeyThemes).Select(t => t.Theme.Id).ToHashSet();
        return themes.Where(t => top.Contains(t.Theme.Id)).ToList();
    }

    private static string Join(params string[] parts) => string.Join("\n\n", parts.Select(p => p.Trim()).Where(p => p.Length > 0));
}
