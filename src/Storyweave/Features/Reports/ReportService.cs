using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Hosting;

namespace Storyweave.Features.Reports;

/// <summary>
/// A curator's reports: create from a template (writing prefilled from the project), edit the outline of
/// sections, pick and order quotes per theme, and ask for files. Shared by the pages and the API. Every change writes an event.
/// </summary>
public sealed class ReportService(StoryweaveDb db, TimeProvider clock, ConsentPolicy policy, ReportQuoteConsent quoteConsent, ReportContentBuilder builder, BackgroundJobs jobs, ReportStorage storage, Findings.FindingsService findings)
{
    public const int MaxText = 40000;

    /// <summary>A note with a chosen quote is a sentence or two, not a section.</summary>
    public const int MaxQuoteNote = 500;

    /// <summary>The report's own details; its writing lives in its sections (<see cref="ReportSection"/>).</summary>
    public sealed record TextsInput(string? Title, string? Version, DateOnly? Date);

    /// <summary>A section's fields: the kind is chosen when it is added; the rest can be changed.</summary>
    /// <param name="Matrix">A matrix section's table (the whole of it: headings, rows, a quote or null per column); null keeps the table as it is (a new one starts with the three value-for-all headings).</param>
    public sealed record SectionInput(ReportSectionKind? Kind, string? Title, string? Body, int? ThemeId, string? Setting, ReportMatrix? Matrix = null);

    /// <summary>A section of the outline in reading order, with its depth (0 = top level) and the heading it shows.</summary>
    public sealed record OutlineEntry(ReportSection Section, int Depth, string Heading, bool IsFirst, bool IsLast, bool HasChildren);

    /// <summary><see cref="ReportSection.Setting"/> of a writing section shown in a box (e.g. the overview's challenges panel).</summary>
    public const string BoxSetting = "box";

    /// <summary><see cref="ReportSection.Setting"/> of a who-took-part section without the tables of how storytellers described themselves.</summary>
    public const string ShortSetting = "short";

    /// <summary>A passage or key quote that could support a theme, with what consent says about quoting it.</summary>
    public sealed record Candidate(int? PassageId, int? KeyQuoteId, int StoryId, string StoryTitle, string Text, bool Allowed, string Credit, string Reason)
    {
        public string Kind => PassageId is not null ? "Coded passage" : "Key quote from a review sheet";
    }

    /// <summary>
    /// Starts a report from its kind's template (<see cref="ReportTemplates"/>): the outline, with writing prefilled from the project.
    /// </summary>
    /// <param name="keyThemeIds">Overview and summary: the main themes to feature as key findings (none: those found in most stories).</param>
    public async Task<Result<Report>> CreateAsync(int projectId, ReportKind kind, string? title, string? actorUserId, IReadOnlyCollection<int>? keyThemeIds = null, CancellationToken ct = default)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(title)) errors.Add("Give the report a title.");
        else if (title.Trim().Length > 300) errors.Add("The title can be at most 300 characters.");
        if (!Enum.IsDefined(kind)) errors.Add("Choose a full report, an overview or a short summary.");
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) errors.Add("That project does not exist.");
        var themes = project is null ? [] : await builder.TopThemesAsync(projectId, ct);
        keyThemeIds ??= [];
        if (keyThemeIds.Any(id => !themes.Any(t => t.Theme.Id == id))) errors.Add("Choose key findings from the codebook's main themes.");
        if (errors.Count > 0) return Result.Fail<Report>(errors);
        var callOut = await db.CallOuts.AsNoTracking().SingleOrDefaultAsync(c => c.ProjectId == projectId, ct);
        var found = await findings.ThemesAsync(projectId, null, ct);
        var fullReport = kind == ReportKind.Summary
            ? await db.Reports.AsNoTracking().Where(r => r.ProjectId == projectId && r.Kind == ReportKind.Full).OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id).FirstOrDefaultAsync(ct)
            : null;

        var now = clock.GetUtcNow().UtcDateTime;
        var report = new Report
        {
            ProjectId = projectId,
            Kind = kind,
            Title = title!.Trim(),
            Date = DateOnly.FromDateTime(now),
            CreatedAt = now,
            UpdatedAt = now,
            CreatedByUserId = actorUserId,
        };
        void Add(IEnumerable<ReportTemplates.Draft> drafts, ReportSection? parent)
        {
            var position = 0;
            foreach (var d in drafts)
            {
                var section = new ReportSection { Report = report, Parent = parent, Position = position++, Kind = d.Kind, Title = d.Title, Body = d.Body, ThemeId = d.ThemeId, Setting = d.Setting, Matrix = d.Matrix?.ToJson() };
                report.Sections.Add(section);
                Add(d.Children ?? [], section);
            }
        }
        var valueChanges = kind == ReportKind.Overview ? await builder.ValueForAllChangesAsync(projectId, ct) : [];
        Add(ReportTemplates.For(kind, project!, callOut, themes, found, keyThemeIds, fullReport, valueChanges), null);
        db.Reports.Add(report);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "report.created", "report", report.Id, kind.ToString());
        await db.SaveChangesAsync(ct);
        return Result.Ok(report);
    }

    public Task<Report?> FindAsync(int projectId, int reportId, CancellationToken ct = default) =>
        db.Reports.AsNoTracking().SingleOrDefaultAsync(r => r.Id == reportId && r.ProjectId == projectId, ct);

    public Task<List<Report>> ListAsync(int projectId, CancellationToken ct = default) =>
        db.Reports.AsNoTracking().Where(r => r.ProjectId == projectId).Include(r => r.Files).OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id).ToListAsync(ct);

    public async Task<Result<Report>?> UpdateAsync(int projectId, int reportId, TextsInput input, string? actorUserId, CancellationToken ct = default)
    {
        var report = await db.Reports.SingleOrDefaultAsync(r => r.Id == reportId && r.ProjectId == projectId, ct);
        if (report is null) return null;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(input.Title)) errors.Add("Give the report a title.");
        else if (input.Title.Trim().Length > 300) errors.Add("The title can be at most 300 characters.");
        if (string.IsNullOrWhiteSpace(input.Version)) errors.Add("Give a version, for example 1.0.");
        else if (input.Version.Trim().Length > 40) errors.Add("The version can be at most 40 characters.");
        if (input.Date is null) errors.Add("Give the report's date.");
        if (errors.Count > 0) return Result.Fail<Report>(errors);
        report.Title = input.Title!.Trim();
        report.Version = input.Version!.Trim();
        report.Date = input.Date!.Value;
        report.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        report.ContentVersion++;
        db.Record(clock, projectId, actorUserId, "report.updated", "report", report.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(report);
    }

    // ---------- Partners (credits) ----------

    public const int MaxPartners = 20, MaxPartnerName = 200, MaxPartnerRole = 100, MaxPartnerLink = 500;

    /// <summary>The roles offered on the page; any other short role can be typed.</summary>
    public static readonly IReadOnlyList<string> PartnerRoles = ["Funded by", "In partnership with", "Commissioned by", "Supported by"];

    public sealed record PartnerInput(string? Name, string? Role, string? Link);

    public Task<List<ReportPartner>> PartnersAsync(int reportId, CancellationToken ct = default) =>
        db.ReportPartners.AsNoTracking().Where(p => p.ReportId == reportId).OrderBy(p => p.Position).ThenBy(p => p.Id).ToListAsync(ct);

    /// <summary>What is wrong with one partner, in words that name it ("Partner 2: …") when <paramref name="number"/> is given.</summary>
    public static List<string> CheckPartner(PartnerInput p, int? number = null)
    {
        var prefix = number is { } n ? $"Partner {n}: " : "";
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(p.Name)) errors.Add(prefix + "Give the organisation's name.");
        else if (p.Name.Trim().Length > MaxPartnerName) errors.Add(prefix + $"The organisation's name can be at most {MaxPartnerName} characters.");
        if (string.IsNullOrWhiteSpace(p.Role)) errors.Add(prefix + "Say what the organisation did, for example \u201cFunded by\u201d.");
        else if (p.Role.Trim().Length > MaxPartnerRole) errors.Add(prefix + $"The role can be at most {MaxPartnerRole} characters.");
        if (!string.IsNullOrWhiteSpace(p.Link))
        {
            var link = p.Link.Trim();
            if (link.Length > MaxPartnerLink) errors.Add(prefix + $"The web address can be at most {MaxPartnerLink} characters.");
            else if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                errors.Add(prefix + "The web address must be a full address starting with https:// (or http://), for example https://example.org.");
        }
        return errors;
    }

    private static ReportPartner NewPartner(int reportId, int position, PartnerInput p) =>
        new() { ReportId = reportId, Position = position, Name = p.Name!.Trim(), Role = p.Role!.Trim(), Link = p.Link?.Trim() ?? "" };

    /// <summary>Replaces the report's partners with this list, in this order (the API's PUT); nothing changes when any is wrong.</summary>
    public async Task<Result<List<ReportPartner>>?> SetPartnersAsync(int projectId, int reportId, IReadOnlyList<PartnerInput> partners, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var errors = partners.SelectMany((p, i) => CheckPartner(p, i + 1)).ToList();
        if (partners.Count > MaxPartners) errors.Insert(0, $"A report can name at most {MaxPartners} partner organisations.");
        if (errors.Count > 0) return Result.Fail<List<ReportPartner>>(errors);
        await db.ReportPartners.Where(p => p.ReportId == reportId).ExecuteDeleteAsync(ct);
        db.ReportPartners.AddRange(partners.Select((p, i) => NewPartner(reportId, i, p)));
        await db.SaveChangesAsync(ct);
        await TouchAsync(projectId, reportId, actorUserId, "report.partners-changed", ct);
        return Result.Ok(await PartnersAsync(reportId, ct));
    }

    /// <summary>Adds one partner at the end of the list (the page's form).</summary>
    public async Task<Result<ReportPartner>?> AddPartnerAsync(int projectId, int reportId, PartnerInput input, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var errors = CheckPartner(input);
        var count = await db.ReportPartners.CountAsync(p => p.ReportId == reportId, ct);
        if (count >= MaxPartners) errors.Insert(0, $"A report can name at most {MaxPartners} partner organisations. Remove one first.");
        if (errors.Count > 0) return Result.Fail<ReportPartner>(errors);
        var last = await db.ReportPartners.Where(p => p.ReportId == reportId).MaxAsync(p => (int?)p.Position, ct) ?? -1;
        var partner = NewPartner(reportId, last + 1, input);
        db.ReportPartners.Add(partner);
        await db.SaveChangesAsync(ct);
        await TouchAsync(projectId, reportId, actorUserId, "report.partner-added", ct);
        return Result.Ok(partner);
    }

    public async Task<bool> RemovePartnerAsync(int projectId, int reportId, int partnerId, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return false;
        if (await db.ReportPartners.Where(p => p.Id == partnerId && p.ReportId == reportId).ExecuteDeleteAsync(ct) == 0) return false;
        await TouchAsync(projectId, reportId, actorUserId, "report.partner-removed", ct);
        return true;
    }

    // ---------- Outline ----------

    /// <summary>The report's sections in reading order (a section, then its sub-sections), or null when there is no such report.</summary>
    public async Task<List<OutlineEntry>?> OutlineAsync(int projectId, int reportId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var sections = await db.ReportSections.AsNoTracking().Where(s => s.ReportId == reportId).ToListAsync(ct);
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var children = sections.ToLookup(s => s.ParentId);
        var list = new List<OutlineEntry>();
        void Walk(int? parentId, int depth)
        {
            var siblings = children[parentId].OrderBy(s => s.Position).ThenBy(s => s.Id).ToList();
            for (var i = 0; i < siblings.Count; i++)
            {
                var s = siblings[i];
                var heading = s.Title.Trim().Length > 0 ? s.Title.Trim()
                    : s.Kind == ReportSectionKind.Theme ? (s.ThemeId is { } t && themes.TryGetValue(t, out var name) ? name : "(a theme no longer in the codebook)")
                    : "(no heading)";
                list.Add(new OutlineEntry(s, depth, heading, i == 0, i == siblings.Count - 1, children[s.Id].Any()));
                Walk(s.Id, depth + 1);
            }
        }
        Walk(null, 0);
        return list;
    }

    /// <summary>Adds a section right after <paramref name="afterSectionId"/> (as its next sibling), or at the end of the outline.</summary>
    public async Task<Result<ReportSection>?> AddSectionAsync(int projectId, int reportId, SectionInput input, int? afterSectionId, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var sections = await db.ReportSections.Where(s => s.ReportId == reportId).ToListAsync(ct);
        var after = afterSectionId is { } a ? sections.FirstOrDefault(s => s.Id == a) : null;
        var errors = new List<string>();
        if (input.Kind is not { } kind || !Enum.IsDefined(kind)) errors.Add("Choose what kind of section to add.");
        if (afterSectionId is not null && after is null) errors.Add("The section to add it after is no longer in this report.");
        var section = new ReportSection { ReportId = reportId, Kind = input.Kind ?? ReportSectionKind.Writing };
        if (errors.Count == 0) errors.AddRange(await ApplyAsync(projectId, section, input, ct));
        if (errors.Count > 0) return Result.Fail<ReportSection>(errors);
        section.ParentId = after?.ParentId;
        var siblings = Siblings(sections, section.ParentId);
        siblings.Insert(after is null ? siblings.Count : siblings.IndexOf(after) + 1, section);
        for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
        db.ReportSections.Add(section);
        await db.SaveChangesAsync(ct);
        await TouchAsync(projectId, reportId, actorUserId, "report.section-added", ct);
        return Result.Ok(section);
    }

    /// <summary>Changes a section's title, writing and choice (theme, chart, level, question); its kind stays.</summary>
    public async Task<Result<ReportSection>?> UpdateSectionAsync(int projectId, int reportId, int sectionId, SectionInput input, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var section = await db.ReportSections.SingleOrDefaultAsync(s => s.Id == sectionId && s.ReportId == reportId, ct);
        if (section is null) return null;
        if (input.Kind is { } kind && kind != section.Kind)
            return Result.Fail<ReportSection>(["A section's kind cannot be changed. Add a new section of the kind you want, then delete this one."]);
        var errors = await ApplyAsync(projectId, section, input, ct);
        if (errors.Count > 0) return Result.Fail<ReportSection>(errors);
        await TouchAsync(projectId, reportId, actorUserId, "report.section-updated", ct);
        return Result.Ok(section);
    }

    /// <summary>The ways a section can move: up or down among its siblings, in (under the section above it) or out (after its parent).</summary>
    public static readonly IReadOnlyList<string> Directions = ["up", "down", "in", "out"];

    /// <summary>Moves a section with its sub-sections; an error says why a move cannot be made (e.g. already first).</summary>
    public async Task<Result<ReportSection>?> MoveSectionAsync(int projectId, int reportId, int sectionId, string? direction, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var sections = await db.ReportSections.Where(s => s.ReportId == reportId).ToListAsync(ct);
        var section = sections.FirstOrDefault(s => s.Id == sectionId);
        if (section is null) return null;
        var siblings = Siblings(sections, section.ParentId);
        var index = siblings.IndexOf(section);
        string? error = null;
        switch (direction)
        {
            case "up" when index == 0:
                error = "It is already the first section at its level.";
                break;
            case "up":
                (siblings[index - 1], siblings[index]) = (siblings[index], siblings[index - 1]);
                break;
            case "down" when index == siblings.Count - 1:
                error = "It is already the last section at its level.";
                break;
            case "down":
                (siblings[index + 1], siblings[index]) = (siblings[index], siblings[index + 1]);
                break;
            case "in" when index == 0:
                error = "There is no section above it at the same level to put it under.";
                break;
            // Under the section above, it sits one level below that section, and its own sub-sections below it.
            case "in" when Depth(sections, siblings[index - 1]) + Height(sections, section) > ReportSection.MaxDepth:
                error = $"Sections go at most {ReportSection.MaxDepth} levels deep (section, sub-section, sub-sub-section).";
                break;
            case "in":
                var parent = siblings[index - 1];
                siblings.RemoveAt(index);
                var under = Siblings(sections, parent.Id);
                section.ParentId = parent.Id;
                under.Add(section);
                for (var i = 0; i < under.Count; i++) under[i].Position = i;
                break;
            case "out" when section.ParentId is null:
                error = "It is already a top-level section.";
                break;
            case "out":
                var oldParent = sections.Single(s => s.Id == section.ParentId);
                siblings.RemoveAt(index);
                var outer = Siblings(sections, oldParent.ParentId);
                section.ParentId = oldParent.ParentId;
                outer.Insert(outer.IndexOf(oldParent) + 1, section);
                for (var i = 0; i < outer.Count; i++) outer[i].Position = i;
                break;
            default:
                error = "Say which way to move the section: \"up\", \"down\", \"in\" (under the section above) or \"out\".";
                break;
        }
        if (error is not null) return Result.Fail<ReportSection>([error]);
        for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
        await db.SaveChangesAsync(ct);
        await TouchAsync(projectId, reportId, actorUserId, "report.section-moved", ct);
        return Result.Ok(section);
    }

    /// <summary>Deletes a section and its sub-sections (their writing goes with them; quotes chosen for themes stay).</summary>
    public async Task<bool> DeleteSectionAsync(int projectId, int reportId, int sectionId, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return false;
        var sections = await db.ReportSections.Where(s => s.ReportId == reportId).ToListAsync(ct);
        var section = sections.FirstOrDefault(s => s.Id == sectionId);
        if (section is null) return false;
        var doomed = new List<ReportSection>();
        void Collect(ReportSection s)
        {
            foreach (var child in sections.Where(c => c.ParentId == s.Id)) Collect(child);
            doomed.Add(s);
        }
        Collect(section);
        // Children first, so no row ever points at a deleted parent.
        foreach (var s in doomed) db.ReportSections.Remove(s);
        var siblings = Siblings(sections, section.ParentId).Where(s => s != section).ToList();
        for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
        await db.SaveChangesAsync(ct);
        await TouchAsync(projectId, reportId, actorUserId, "report.section-deleted", ct);
        return true;
    }

    private static List<ReportSection> Siblings(List<ReportSection> sections, int? parentId) =>
        sections.Where(s => s.ParentId == parentId).OrderBy(s => s.Position).ThenBy(s => s.Id).ToList();

    /// <summary>1 for a top-level section, 2 for its sub-section, and so on.</summary>
    private static int Depth(List<ReportSection> sections, ReportSection s) =>
        s.ParentId is { } p && sections.FirstOrDefault(x => x.Id == p) is { } parent ? 1 + Depth(sections, parent) : 1;

    /// <summary>Levels a section takes with its sub-sections: 1 without any.</summary>
    private static int Height(List<ReportSection> sections, ReportSection s) =>
        1 + sections.Where(c => c.ParentId == s.Id).Select(c => Height(sections, c)).DefaultIfEmpty(0).Max();

    /// <summary>Checks a section's fields for its kind and sets them; the errors say what to fix, in plain words.</summary>
    private async Task<List<string>> ApplyAsync(int projectId, ReportSection section, SectionInput input, CancellationToken ct)
    {
        var errors = new List<string>();
        var title = input.Title?.Trim() ?? "";
        var body = input.Body?.Replace("\r\n", "\n", StringComparison.Ordinal).Trim() ?? "";
        var setting = input.Setting?.Trim() ?? "";
        if (title.Length > ReportSection.MaxTitle) errors.Add($"The heading can be at most {ReportSection.MaxTitle} characters.");
        if (body.Length > MaxText) errors.Add($"The writing can be at most {MaxText.ToString("N0", CultureInfo.GetCultureInfo("en-GB"))} characters.");
        int? themeId = null;
        string? matrix = null;
        switch (section.Kind)
        {
            case ReportSectionKind.Writing:
                if (setting is not ("" or BoxSetting)) errors.Add("A writing section is either plain or in a box.");
                break;
            case ReportSectionKind.Theme:
                if (input.ThemeId is not { } tid) errors.Add("Choose the theme this section shows.");
                else if (!await db.Themes.AnyAsync(t => t.Id == tid && t.ProjectId == projectId && t.DeletedAt == null, ct))
                    errors.Add("That theme is not in this project's codebook (it may have been deleted or merged).");
                else themeId = tid;
                setting = "";
                break;
            case ReportSectionKind.WhoTookPart:
                if (setting is not ("" or ShortSetting)) errors.Add("Choose whether to show the tables of how storytellers described themselves.");
                break;
            case ReportSectionKind.Figure:
                var questionIds = await db.CategoryQuestions.Where(q => q.ProjectId == projectId).Select(q => q.Id).ToListAsync(ct);
                var known = ReportFigures.Fixed.Any(f => f.Key == setting)
                    || (setting.StartsWith(ReportFigures.QuestionPrefix, StringComparison.Ordinal)
                        && int.TryParse(setting[ReportFigures.QuestionPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var q) && questionIds.Contains(q));
                if (!known) errors.Add("Choose which chart or table this section shows.");
                break;
            case ReportSectionKind.ValueForAll:
                if (setting is not ("" or "individuals" or "organisations" or "society"))
                    errors.Add("Choose the changes to show: for individuals, for organisations, for society, or all three side by side.");
                break;
            case ReportSectionKind.Matrix:
                setting = "";
                var stored = section.Matrix is null ? null : ReportMatrix.Parse(section.Matrix);
                if (input.Matrix is null)
                {
                    matrix = (stored ?? ReportMatrix.Default()).ToJson();
                    break;
                }
                var problems = ReportMatrix.Check(input.Matrix);
                if (problems.Count > 0)
                {
                    errors.AddRange(problems);
                    break;
                }
                var table = input.Matrix.Normalised();
                // A quote already chosen stays chosen when the rest of the table is edited, even if consent now leaves it out
                // (the page says why); a newly chosen one must be quotable now.
                for (var i = 0; i < table.Quotes.Count; i++)
                    if (table.Quotes[i] is { } chosen && stored?.Quotes.Contains(chosen) != true && await MatrixQuoteProblemAsync(projectId, chosen, ct) is { } problem)
                        errors.Add($"Column {i + 1} ({table.Columns[i]}), the quote: {problem}");
                matrix = table.ToJson();
                break;
            case ReportSectionKind.CrossTab:
                if (!int.TryParse(setting, NumberStyles.None, CultureInfo.InvariantCulture, out var question)
                    || !await db.CategoryQuestions.AnyAsync(x => x.Id == question && x.ProjectId == projectId, ct))
                    errors.Add(await db.CategoryQuestions.AnyAsync(x => x.ProjectId == projectId, ct)
                        ? "Choose the call-out question to compare the themes by (for example, the sector storytellers work in)."
                        : "This project's call-out has no questions to compare the themes by. Add one to the call-out first.");
                break;
        }
        if (errors.Count > 0) return errors;
        section.Title = title;
        section.Body = body;
        section.ThemeId = themeId;
        section.Setting = setting;
        section.Matrix = matrix;
        return errors;
    }

    // ---------- Matrix sections ("Table you write") ----------

    /// <summary>Why this passage or key quote cannot be chosen for a table's column, or null when it can (the checks every report quote gets).</summary>
    private async Task<string?> MatrixQuoteProblemAsync(int projectId, ReportMatrixQuote q, CancellationToken ct)
    {
        if (!await VisibleInAnalysisAsync(projectId, q.PassageId, q.PassageId is null ? q.KeyQuoteId : null, ct))
            return q.PassageId is not null
                ? "that coded passage is not in this project, or is not available for analysis."
                : "that key quote is not in this project, or is not available for analysis.";
        var view = (await builder.MatrixQuotesAsync(projectId, [q], ct))[q];
        return view.Answer.Allowed ? null : "it cannot be quoted in reports: " + view.Answer.Reason;
    }

    /// <summary>
    /// Changes a matrix section's table with <paramref name="change"/> (given the stored table, it returns the new one, or errors that
    /// say what to fix), keeping the section's heading and writing: the page's row, column and quote forms use it.
    /// </summary>
    public async Task<Result<ReportSection>?> ChangeMatrixAsync(int projectId, int reportId, int sectionId, Func<ReportMatrix, Result<ReportMatrix>> change, string? actorUserId, CancellationToken ct = default)
    {
        var section = await db.ReportSections.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sectionId && s.ReportId == reportId && s.Report!.ProjectId == projectId, ct);
        if (section is null) return null;
        if (section.Kind != ReportSectionKind.Matrix) return Result.Fail<ReportSection>(["That section is not a table you write."]);
        var changed = change(ReportMatrix.Parse(section.Matrix));
        if (!changed.Succeeded) return Result.Fail<ReportSection>(changed.Errors);
        return await UpdateSectionAsync(projectId, reportId, sectionId, new SectionInput(null, section.Title, section.Body, null, "", changed.Value), actorUserId, ct);
    }

    /// <summary>How a fill went: the rows written and the changes left out because a table holds at most <see cref="ReportMatrix.MaxRows"/> rows.</summary>
    public sealed record FillResult(ReportSection Section, int Rows, int LeftOut);

    /// <summary>
    /// Fills a matrix section's rows from the value-for-all changes review sheets record
    /// (<see cref="ReportContentBuilder.ValueForAllChangesAsync"/>: individuals, organisations, society as columns 1–3), replacing its
    /// rows, for the curator to edit. A table of three columns keeps its headings and quotes; any other gets the three default headings.
    /// </summary>
    public async Task<Result<FillResult>?> FillMatrixFromValueForAllAsync(int projectId, int reportId, int sectionId, string? actorUserId, CancellationToken ct = default)
    {
        var levels = await builder.ValueForAllChangesAsync(projectId, ct);
        if (levels.All(l => l.Count == 0))
            return Result.Fail<FillResult>(["The review sheets record no changes for individuals, organisations or society that may be quoted yet, so there is nothing to fill the table with."]);
        var height = levels.Max(l => l.Count);
        var rows = Enumerable.Range(0, Math.Min(height, ReportMatrix.MaxRows))
            .Select(i => (IReadOnlyList<string>)levels.Select(l => i < l.Count ? l[i] : "").ToList()).ToList();
        var result = await ChangeMatrixAsync(projectId, reportId, sectionId, m => Result.Ok(m.Columns.Count == 3
            ? m with { Rows = rows }
            : new ReportMatrix(ReportMatrix.DefaultColumns, rows, [null, null, null])), actorUserId, ct);
        if (result is null) return null;
        return result.Succeeded ? Result.Ok(new FillResult(result.Value!, rows.Count, levels.Sum(l => Math.Max(0, l.Count - ReportMatrix.MaxRows)))) : Result.Fail<FillResult>(result.Errors);
    }

    /// <summary>
    /// The quotes a table's columns can show: every coded passage and review-sheet key quote of the project the team may read in
    /// analysis and whose storyteller agrees to quotes in reports (with the credit they chose), in story order.
    /// </summary>
    public async Task<List<Candidate>> MatrixCandidatesAsync(int projectId, CancellationToken ct = default)
    {
        var passages = await db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId)
            .OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset)
            .Select(p => new { p.Id, p.StoryId, p.Story!.Title, p.Speaker, p.Snippet }).ToListAsync(ct);
        var keyQuotes = await db.KeyQuotes.AsNoTracking().Where(q => db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
            .OrderBy(q => q.StoryId).ThenBy(q => q.Position)
            .Select(q => new { q.Id, q.StoryId, Title = db.Stories.Where(s => s.Id == q.StoryId).Select(s => s.Title).First(), q.Speaker, q.Text }).ToListAsync(ct);
        var storyIds = passages.Select(p => p.StoryId).Concat(keyQuotes.Select(q => q.StoryId)).Distinct().ToList();
        var scope = await AnalysisScope.LoadForStoriesAsync(db, policy, projectId, storyIds, ct);
        var visiblePassages = passages.Where(p => scope.IsTurnVisible(p.StoryId, p.Speaker)).ToList();
        var visibleQuotes = keyQuotes.Where(q => scope.IsTurnVisible(q.StoryId, q.Speaker)).ToList();
        var answers = await quoteConsent.DecideAsync(projectId,
            visiblePassages.Select(p => new ReportQuoteConsent.Source(p.StoryId, p.Speaker)).Concat(visibleQuotes.Select(q => new ReportQuoteConsent.Source(q.StoryId, q.Speaker))).ToList(), ct);
        return visiblePassages.Select(p => (Candidate: new Candidate(p.Id, null, p.StoryId, p.Title, p.Snippet.Trim(), true, "", ""), Answer: answers[new(p.StoryId, p.Speaker)]))
            .Concat(visibleQuotes.Select(q => (Candidate: new Candidate(null, q.Id, q.StoryId, q.Title, q.Text.Trim(), true, "", ""), Answer: answers[new(q.StoryId, q.Speaker)])))
            .Where(x => x.Answer.Allowed).Select(x => x.Candidate with { Credit = x.Answer.Credit })
            .OrderBy(c => c.StoryId).ThenBy(c => c.KeyQuoteId is null ? 0 : 1).ToList();
    }

    public async Task<bool> DeleteAsync(int projectId, int reportId, string actorUserId, CancellationToken ct = default)
    {
        var report = await db.Reports.Include(r => r.Files).SingleOrDefaultAsync(r => r.Id == reportId && r.ProjectId == projectId, ct);
        if (report is null) return false;
        foreach (var f in report.Files) storage.Delete(f);
        db.Reports.Remove(report);
        db.Record(clock, projectId, actorUserId, "report.deleted", "report", reportId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    // ---------- Quotes ----------

    /// <summary>A theme at any depth: its id and its sub-themes' ids (any depth), its depth (0 = main theme) and "Main › Sub".</summary>
    public sealed record ReportTheme(Theme Theme, HashSet<int> Ids, int Depth, string Path);

    /// <summary>Every theme at any depth, in codebook order (a sub-theme follows its parent): quotes can be chosen for each.</summary>
    public async Task<List<ReportTheme>> AllThemesAsync(int projectId, CancellationToken ct = default)
    {
        var list = new List<ReportTheme>();
        void Walk(IEnumerable<CodebookService.ThemeNode> nodes, int depth, string path)
        {
            foreach (var n in nodes)
            {
                var p = path.Length == 0 ? n.Theme.Name : $"{path} \u203a {n.Theme.Name}";
                list.Add(new ReportTheme(n.Theme, CodebookService.Flatten([n]).Select(x => x.Node.Theme.Id).ToHashSet(), depth, p));
                Walk(n.Children, depth + 1, p);
            }
        }
        Walk(await builder.TopThemesAsync(projectId, ct), 0, "");
        return list;
    }

    /// <summary>Top-level themes in codebook order with the ids of each one's sub-themes (any depth).</summary>
    public async Task<List<(Theme Theme, HashSet<int> Ids)>> ThemesAsync(int projectId, CancellationToken ct = default) =>
        (await builder.TopThemesAsync(projectId, ct))
            .Select(t => (t.Theme, CodebookService.Flatten([t]).Select(x => x.Node.Theme.Id).ToHashSet())).ToList();

    /// <summary>
    /// The passages coded with a theme (or its sub-themes) and the key quotes of stories whose review
    /// sheet names it, that the team may see in analysis; each with the policy's answer about quoting it.
    /// </summary>
    public async Task<List<Candidate>?> CandidatesAsync(int projectId, int themeId, CancellationToken ct = default)
    {
        var theme = (await AllThemesAsync(projectId, ct)).FirstOrDefault(t => t.Theme.Id == themeId);
        if (theme is null) return null;
        var ids = theme.Ids;
        var passages = await db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId && p.Themes.Any(x => ids.Contains(x.ThemeId)))
            .OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset)
            .Select(p => new { p.Id, p.StoryId, p.Story!.Title, p.Speaker, p.Snippet }).ToListAsync(ct);
        var sheetStories = db.ReviewSheetThemes.Where(x => ids.Contains(x.ThemeId)).Select(x => x.StoryId);
        var keyQuotes = await db.KeyQuotes.AsNoTracking().Where(q => sheetStories.Contains(q.StoryId) && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
            .OrderBy(q => q.StoryId).ThenBy(q => q.Position)
            .Select(q => new { q.Id, q.StoryId, Title = db.Stories.Where(s => s.Id == q.StoryId).Select(s => s.Title).First(), q.Speaker, q.Text }).ToListAsync(ct);
        var storyIds = passages.Select(p => p.StoryId).Concat(keyQuotes.Select(q => q.StoryId)).Distinct().ToList();
        var scope = await AnalysisScope.LoadForStoriesAsync(db, policy, projectId, storyIds, ct);
        var visiblePassages = passages.Where(p => scope.IsTurnVisible(p.StoryId, p.Speaker)).ToList();
        var visibleQuotes = keyQuotes.Where(q => scope.IsTurnVisible(q.StoryId, q.Speaker)).ToList();
        var answers = await quoteConsent.DecideAsync(projectId,
            visiblePassages.Select(p => new ReportQuoteConsent.Source(p.StoryId, p.Speaker)).Concat(visibleQuotes.Select(q => new ReportQuoteConsent.Source(q.StoryId, q.Speaker))).ToList(), ct);
        return visiblePassages.Select(p => Make(p.Id, null, p.StoryId, p.Title, p.Snippet, answers[new(p.StoryId, p.Speaker)]))
            .Concat(visibleQuotes.Select(q => Make(null, q.Id, q.StoryId, q.Title, q.Text, answers[new(q.StoryId, q.Speaker)]))).ToList();

        static Candidate Make(int? passageId, int? quoteId, int storyId, string title, string text, ReportQuoteConsent.Answer a) =>
            new(passageId, quoteId, storyId, title, text.Trim(), a.Allowed, a.Credit, a.Reason);
    }

    /// <summary>
    /// Adds a passage or key quote to the end of a theme's quotes (a theme at any depth). A quote coded with the
    /// theme (or its sub-themes) may carry a note; one coded only elsewhere may illustrate this theme too, when
    /// the team may read it in analysis and the curator's <paramref name="note"/> says why (shown in the report).
    /// </summary>
    public async Task<Result<ReportQuote>?> AddQuoteAsync(int projectId, int reportId, int themeId, int? passageId, int? keyQuoteId, string? note, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var candidates = await CandidatesAsync(projectId, themeId, ct);
        if (candidates is null) return Result.Fail<ReportQuote>(["That theme is not in this project's codebook (it may have been deleted or merged)."]);
        if ((passageId is null) == (keyQuoteId is null)) return Result.Fail<ReportQuote>(["Choose one coded passage or one key quote."]);
        note = note?.Trim() ?? "";
        if (note.Length > MaxQuoteNote) return Result.Fail<ReportQuote>([$"The note can be at most {MaxQuoteNote} characters: it is a sentence or two shown with the quote."]);
        if (!candidates.Any(c => c.PassageId == passageId && c.KeyQuoteId == keyQuoteId))
        {
            if (!await VisibleInAnalysisAsync(projectId, passageId, keyQuoteId, ct))
                return Result.Fail<ReportQuote>(["That quote is not coded with this theme (or is not available for analysis), so it cannot support it."]);
            if (note.Length == 0)
                return Result.Fail<ReportQuote>(["That quote is not coded with this theme. To use it to illustrate this theme, add a short note saying why it fits: the note is shown with the quote in the report."]);
        }
        var existing = await db.ReportQuotes.Where(q => q.ReportId == reportId && q.ThemeId == themeId).ToListAsync(ct);
        if (existing.Any(q => q.PassageId == passageId && q.KeyQuoteId == keyQuoteId)) return Result.Fail<ReportQuote>(["That quote is already chosen for this theme."]);
        var quote = new ReportQuote { ReportId = reportId, ThemeId = themeId, PassageId = passageId, KeyQuoteId = keyQuoteId, Note = note, Position = existing.Count == 0 ? 0 : existing.Max(q => q.Position) + 1 };
        db.ReportQuotes.Add(quote);
        await TouchAsync(projectId, reportId, actorUserId, "report.quote-added", ct);
        return Result.Ok(quote);
    }

    /// <summary>Whether the team may read this passage or key quote of the project in analysis (<see cref="AnalysisScope"/>).</summary>
    private async Task<bool> VisibleInAnalysisAsync(int projectId, int? passageId, int? keyQuoteId, CancellationToken ct)
    {
        var source = passageId is { } pid
            ? await db.Passages.AsNoTracking().Where(p => p.Id == pid && p.ProjectId == projectId).Select(p => new { p.StoryId, p.Speaker }).SingleOrDefaultAsync(ct)
            : await db.KeyQuotes.AsNoTracking().Where(q => q.Id == keyQuoteId && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
                .Select(q => new { q.StoryId, q.Speaker }).SingleOrDefaultAsync(ct);
        if (source is null) return false;
        var scope = await AnalysisScope.LoadForStoriesAsync(db, policy, projectId, [source.StoryId], ct);
        return scope.IsTurnVisible(source.StoryId, source.Speaker);
    }

    /// <summary>Moves a chosen quote one place up (-1) or down (+1) within its theme.</summary>
    public async Task<bool> MoveQuoteAsync(int projectId, int reportId, int reportQuoteId, int direction, string actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return false;
        var quote = await db.ReportQuotes.SingleOrDefaultAsync(q => q.Id == reportQuoteId && q.ReportId == reportId, ct);
        if (quote is null) return false;
        var siblings = await db.ReportQuotes.Where(q => q.ReportId == reportId && q.ThemeId == quote.ThemeId).OrderBy(q => q.Position).ThenBy(q => q.Id).ToListAsync(ct);
        var index = siblings.IndexOf(quote);
        var target = index + Math.Sign(direction);
        if (target >= 0 && target < siblings.Count)
        {
            (siblings[index], siblings[target]) = (siblings[target], siblings[index]);
            for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
        }
        await TouchAsync(projectId, reportId, actorUserId, "report.quote-moved", ct);
        return true;
    }

    public async Task<bool> RemoveQuoteAsync(int projectId, int reportId, int reportQuoteId, string actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return false;
        var quote = await db.ReportQuotes.SingleOrDefaultAsync(q => q.Id == reportQuoteId && q.ReportId == reportId, ct);
        if (quote is null) return false;
        db.ReportQuotes.Remove(quote);
        await TouchAsync(projectId, reportId, actorUserId, "report.quote-removed", ct);
        return true;
    }

    private async Task TouchAsync(int projectId, int reportId, string? actorUserId, string action, CancellationToken ct)
    {
        // Every edit moves the content version on, so the files made before it say so (see ReportFile.ContentVersion).
        await db.Reports.Where(r => r.Id == reportId).ExecuteUpdateAsync(s => s.SetProperty(r => r.UpdatedAt, clock.GetUtcNow().UtcDateTime)
            .SetProperty(r => r.ContentVersion, r => r.ContentVersion + 1), ct);
        db.Record(clock, projectId, actorUserId, action, "report", reportId);
        await db.SaveChangesAsync(ct);
    }

    // ---------- Files ----------

    /// <summary>
    /// Makes the report's file in the given format, from the report as it is now. A format has one current
    /// file: while one is being made, asking again returns it (a second click queues nothing); a current file
    /// that cannot be downloaded (out of date or failed) holds nothing worth keeping and is made again in its
    /// place; a ready one stays current until a new file is ready, which then supersedes it
    /// (<see cref="SupersedeEarlierAsync"/>), so a download keeps working meanwhile.
    /// </summary>
    public async Task<ReportFile?> GenerateAsync(int projectId, int reportId, ReportFormat format, string? actorUserId, CancellationToken ct = default)
    {
        if (await FindAsync(projectId, reportId, ct) is null) return null;
        var current = await db.ReportFiles.Where(f => f.ReportId == reportId && f.Format == format && f.SupersededAt == null)
            .OrderByDescending(f => f.Id).ToListAsync(ct);
        if (current.FirstOrDefault(f => f.Status is OutputStatus.Queued or OutputStatus.Running) is { } busy) return busy;
        if (current.FirstOrDefault() is { } newest && (newest.Status == OutputStatus.Failed || newest.OutOfDateAt is not null))
            return await RemakeInPlaceAsync(projectId, newest, actorUserId, ct);
        var file = new ReportFile
        {
            ProjectId = projectId,
            ReportId = reportId,
            Format = format,
            Status = OutputStatus.Queued,
            ProgressText = "Waiting to start",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedByUserId = actorUserId,
        };
        db.ReportFiles.Add(file);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "report-file.queued", "report-file", file.Id, format.ToString());
        await db.SaveChangesAsync(ct);
        await ReportJob.EnqueueAsync(jobs, file.Id, CancellationToken.None);
        return file;
    }

    /// <summary>
    /// "Make again" on one file: the same as making its format again (<see cref="GenerateAsync"/>), so an
    /// out-of-date or failed file is made again in its place (one click) and a ready one gets a newer version.
    /// </summary>
    public async Task<ReportFile?> RegenerateAsync(int projectId, int fileId, string actorUserId, CancellationToken ct = default)
    {
        var file = await db.ReportFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId && f.ProjectId == projectId, ct);
        if (file is null) return null;
        return await GenerateAsync(projectId, file.ReportId, file.Format, actorUserId, ct);
    }

    private async Task<ReportFile> RemakeInPlaceAsync(int projectId, ReportFile file, string? actorUserId, CancellationToken ct)
    {
        storage.Delete(file);
        file.StoredName = null;
        file.SizeBytes = 0;
        file.Status = OutputStatus.Queued;
        file.Progress = 0;
        file.ProgressText = "Waiting to start";
        file.Error = "";
        file.OutOfDateAt = null;
        file.OutOfDateReason = "";
        file.CompletedAt = null;
        file.ConsentBasis = "[]";
        file.CreatedAt = clock.GetUtcNow().UtcDateTime;
        file.CreatedByUserId = actorUserId;
        db.Record(clock, projectId, actorUserId, "report-file.regenerated", "report-file", file.Id);
        await db.SaveChangesAsync(ct);
        await ReportJob.EnqueueAsync(jobs, file.Id, CancellationToken.None);
        return file;
    }

    /// <summary>
    /// Called when a file has just become ready: the earlier files of the same report and format (ready, out of
    /// date or failed; never one still being made) are superseded. A superseded file keeps its bytes (leads can
    /// still ask for it) but leaves the public story site; if it was published, the new file takes its place
    /// there, because the lead who published the report asked for the new version. Should a newer file already
    /// be ready (files finishing out of order), this one is superseded instead.
    /// </summary>
    public static async Task SupersedeEarlierAsync(StoryweaveDb db, TimeProvider clock, int fileId, CancellationToken ct)
    {
        var file = await db.ReportFiles.SingleOrDefaultAsync(f => f.Id == fileId && f.Status == OutputStatus.Ready && f.SupersededAt == null, ct);
        if (file is null) return;
        var siblings = await db.ReportFiles.Where(f => f.ReportId == file.ReportId && f.Format == file.Format && f.Id != file.Id && f.SupersededAt == null
            && f.Status != OutputStatus.Queued && f.Status != OutputStatus.Running).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (siblings.Any(f => f.Id > file.Id && f.Status == OutputStatus.Ready && f.OutOfDateAt == null))
        {
            file.SupersededAt = now;
            file.PublishedAt = null;
            db.Record(clock, file.ProjectId, null, "report-file.superseded", "report-file", file.Id);
        }
        else
        {
            foreach (var older in siblings.Where(f => f.Id < file.Id))
            {
                older.SupersededAt = now;
                if (older.PublishedAt is not null)
                {
                    file.PublishedAt ??= now;
                    older.PublishedAt = null;
                }
                db.Record(clock, file.ProjectId, null, "report-file.superseded", "report-file", older.Id, $"by:{file.Id}");
            }
        }
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteFileAsync(int projectId, int fileId, string actorUserId, CancellationToken ct = default)
    {
        var file = await db.ReportFiles.SingleOrDefaultAsync(f => f.Id == fileId && f.ProjectId == projectId, ct);
        if (file is null) return false;
        storage.Delete(file);
        db.ReportFiles.Remove(file);
        db.Record(clock, projectId, actorUserId, "report-file.deleted", "report-file", fileId);
        await db.SaveChangesAsync(ct);
        return true;
    }
}
