using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Reports;

/// <summary>
/// One report: its details, its outline of sections (added, edited, moved up/down/in/out and deleted with
/// plain forms, so it all works by keyboard and without script), the quotes picked for each theme (moved with Up/Down buttons, so it all
/// works by keyboard and without script), and its files with their progress. Everyone in the project
/// can read it and download files that are still allowed; curators (Project.Publish) change it.
/// Picking, moving and removing quotes work in place: reports.js posts the same forms with the
/// <see cref="FragmentHeader"/> and gets back only the changed theme and the files (no reload); without
/// script the forms post and redirect back, with that theme's picker open again.
/// </summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class ReportPageModel(StoryweaveDb db, ProjectAccessService access, ReportService reports, ReportContentBuilder builder, PublicSite.PublicationService publication, CurrentUser current)
    : ProjectPageModel(db, access)
{
    [FromRoute] public int ReportId { get; set; }
    public Report Report { get; private set; } = null!;
    /// <summary>Every theme at any depth, in codebook order: quotes can be chosen for sub-themes too.</summary>
    public List<ReportService.ReportTheme> Themes { get; private set; } = [];
    public ILookup<int, ReportContentBuilder.PickedQuote> Picked { get; private set; } = Array.Empty<ReportContentBuilder.PickedQuote>().ToLookup(q => q.ThemeId);
    public Dictionary<int, List<ReportService.Candidate>> Candidates { get; } = [];
    /// <summary>The current files (one per format, plus any new version being made).</summary>
    public List<ReportFile> Files { get; private set; } = [];

    /// <summary>Files a newer one of the same format replaced; listed for leads only.</summary>
    public List<ReportFile> EarlierFiles { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string ErrorsFor { get; private set; } = "";
    [TempData] public string? Done { get; set; }

    /// <summary>The theme whose quote picker is shown open (after picking without script, or in a fragment).</summary>
    [BindProperty(SupportsGet = true, Name = "open")] public int? OpenPicker { get; set; }

    /// <summary>What the in-place answer says to screen readers (a polite live region on the page).</summary>
    public string Announcement { get; private set; } = "";

    /// <summary>The theme an in-place answer re-renders.</summary>
    public ReportService.ReportTheme? FragmentTheme { get; private set; }

    /// <summary>The theme whose "use a quote chosen for another theme" list is shown open (after using one, or a mistake in it).</summary>
    public int? OpenRelated { get; private set; }

    public const string FragmentHeader = "X-Storyweave-Fragment";

    private bool WantsFragment => Request.Headers.ContainsKey(FragmentHeader);

    [BindProperty] public ReportEndpoints.UpdateRequest? Texts { get; set; }

    /// <summary>The outline in reading order.</summary>
    public List<ReportService.OutlineEntry> Outline { get; private set; } = [];

    /// <summary>Partner organisations in the credits, in order.</summary>
    public List<ReportPartner> Partners { get; private set; } = [];

    /// <summary>What was typed into the add-partner form when it had a mistake (shown again).</summary>
    public ReportService.PartnerInput? PostedPartner { get; private set; }

    /// <summary>The call-out questions (for charts and themes-by-answer tables).</summary>
    public List<(int Id, string Text)> Questions { get; private set; } = [];

    /// <summary>What was posted to a section form that had a mistake, so the form shows it again (nothing typed is lost).</summary>
    public SectionPost? Posted { get; private set; }

    /// <summary>The fields of the add and edit section forms; <see cref="Setting"/> turns the kind's own field into <see cref="ReportSection.Setting"/>.</summary>
    /// <param name="Columns">A table section's column headings as typed (an emptied one removes that column); <paramref name="NewColumn"/> adds one.</param>
    public sealed record SectionPost(ReportSectionKind? Kind, string? Heading, string? Body, int? ThemeId, string? Figure, string? Level, string? Question, bool Box, bool Brief, int? After,
        IReadOnlyList<string>? Columns = null, string? NewColumn = null)
    {
        public string Setting(ReportSectionKind kind) => kind switch
        {
            ReportSectionKind.Writing => Box ? ReportService.BoxSetting : "",
            ReportSectionKind.WhoTookPart => Brief ? ReportService.ShortSetting : "",
            ReportSectionKind.Figure => Figure ?? "",
            ReportSectionKind.ValueForAll => Level ?? "",
            ReportSectionKind.CrossTab => Question ?? "",
            _ => "",
        };

        public static SectionPost From(ReportSection s) => new(s.Kind, s.Title, s.Body, s.ThemeId,
            s.Kind == ReportSectionKind.Figure ? s.Setting : null, s.Kind == ReportSectionKind.ValueForAll ? s.Setting : null,
            s.Kind == ReportSectionKind.CrossTab ? s.Setting : null, s.Setting == ReportService.BoxSetting, s.Setting == ReportService.ShortSetting, null,
            s.Kind == ReportSectionKind.Matrix ? ReportMatrix.Parse(s.Matrix).Columns : null);
    }

    /// <summary>Every matrix section's table, by section id.</summary>
    public Dictionary<int, ReportMatrix> Matrices { get; private set; } = [];

    /// <summary>The matrix quotes resolved through consent (words, credit, or why they are left out).</summary>
    public Dictionary<ReportMatrixQuote, ReportContentBuilder.MatrixQuoteView> MatrixQuotes { get; private set; } = [];

    /// <summary>Quotes a table's columns can show (curators only; loaded when the outline has a table).</summary>
    public List<ReportService.Candidate> MatrixCandidates { get; private set; } = [];

    /// <summary>The table whose editing area is shown open (after a change without script, or a mistake in it).</summary>
    [BindProperty(SupportsGet = true, Name = "table")] public int? OpenMatrix { get; set; }

    /// <summary>What was typed into a table's row form (or chosen in its quotes form) that had a mistake, shown again.</summary>
    public IReadOnlyList<string>? PostedCells { get; private set; }

    public IReadOnlyList<string>? PostedQuotes { get; private set; }

    /// <summary>A quote's value in the page's quote lists: "p{passageId}" or "k{keyQuoteId}"; "" for none.</summary>
    public static string QuoteKey(ReportMatrixQuote? q) => q is null ? "" : q.PassageId is { } p ? $"p{p}" : $"k{q.KeyQuoteId}";

    private static ReportMatrixQuote? ParseQuoteKey(string? key) =>
        key is { Length: > 1 } && int.TryParse(key[1..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? key[0] switch { 'p' => new ReportMatrixQuote(id, null), 'k' => new ReportMatrixQuote(null, id), _ => null }
            : null;

    public static string KindLabel(ReportSectionKind kind) => kind switch
    {
        ReportSectionKind.Writing => "Writing",
        ReportSectionKind.Theme => "Theme and its quotes",
        ReportSectionKind.WhoTookPart => "Who took part",
        ReportSectionKind.Figure => "Chart or table",
        ReportSectionKind.ValueForAll => "Value for all",
        ReportSectionKind.Matrix => "Table you write",
        _ => "Themes compared by a question",
    };

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostSaveAsync()
    {
        if (!Access.CanPublish) return Forbid();
        var t = Texts ?? new ReportEndpoints.UpdateRequest(null, null, null);
        var result = await reports.UpdateAsync(ProjectId, ReportId, new ReportService.TextsInput(t.Title, t.Version, t.Date), current.RequiredId);
        if (result is null) return NotFound();
        if (result.Succeeded) return Back("Saved the report's details.", "texts-title");
        return await ShowErrorsAsync(result.Errors, "texts");
    }

    public async Task<IActionResult> OnPostAddSectionAsync(ReportSectionKind? kind, string? heading, string? body, int? themeId, string? figure, string? level, string? question, bool box, bool brief, int? after)
    {
        if (!Access.CanPublish) return Forbid();
        var post = new SectionPost(kind, heading, body, themeId, figure, level, question, box, brief, after);
        var result = await reports.AddSectionAsync(ProjectId, ReportId,
            new ReportService.SectionInput(kind, heading, body, themeId, kind is { } k ? post.Setting(k) : ""), after, current.RequiredId);
        if (result is null) return NotFound();
        if (result.Succeeded) return Back("Added the section.", $"section-{result.Value!.Id}");
        Posted = post;
        return await ShowErrorsAsync(result.Errors, "add-section");
    }

    public async Task<IActionResult> OnPostSaveSectionAsync(int sectionId, string? heading, string? body, int? themeId, string? figure, string? level, string? question, bool box, bool brief,
        string[]? columns, string? newColumn)
    {
        if (!Access.CanPublish) return Forbid();
        var section = await Db.ReportSections.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sectionId && s.ReportId == ReportId);
        if (section is null) return NotFound();
        var post = new SectionPost(section.Kind, heading, body, themeId, figure, level, question, box, brief, null, columns, newColumn);
        ReportMatrix? matrix = null;
        if (section.Kind == ReportSectionKind.Matrix && columns is not null)
        {
            // A heading emptied removes its column (cells and quote with it); a new heading adds a column at the end.
            var stored = ReportMatrix.Parse(section.Matrix);
            var keep = Enumerable.Range(0, stored.Columns.Count).Where(i => i < columns.Length && !string.IsNullOrWhiteSpace(columns[i])).ToList();
            var adding = !string.IsNullOrWhiteSpace(newColumn);
            matrix = new ReportMatrix(
                [.. keep.Select(i => columns[i]), .. adding ? [newColumn!] : Array.Empty<string>()],
                stored.Rows.Select(r => (IReadOnlyList<string>)[.. keep.Select(i => r[i]), .. adding ? [""] : Array.Empty<string>()]).Where(r => r.Any(c => c.Length > 0)).ToList(),
                [.. keep.Select(i => stored.Quotes[i]), .. adding ? [null] : Array.Empty<ReportMatrixQuote?>()]);
            if (keep.Count == 0 && !adding)
            {
                Posted = post;
                return await ShowErrorsAsync(["The table needs at least one column. Give each column a heading."], $"section-{sectionId}");
            }
        }
        var result = await reports.UpdateSectionAsync(ProjectId, ReportId, sectionId,
            new ReportService.SectionInput(null, heading, body, themeId, post.Setting(section.Kind), matrix), current.RequiredId);
        if (result is null) return NotFound();
        if (result.Succeeded) return Back("Saved the section.", $"section-{sectionId}");
        Posted = post;
        return await ShowErrorsAsync(result.Errors, $"section-{sectionId}");
    }

    public async Task<IActionResult> OnPostMoveSectionAsync(int sectionId, string? direction)
    {
        if (!Access.CanPublish) return Forbid();
        var result = await reports.MoveSectionAsync(ProjectId, ReportId, sectionId, direction, current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded) return await ShowErrorsAsync(result.Errors, $"section-{sectionId}");
        var done = direction switch { "up" => "Moved the section up.", "down" => "Moved the section down.", "in" => "Made it a sub-section of the section above.", _ => "Lifted it out a level." };
        return Back(done, $"section-{sectionId}");
    }

    public async Task<IActionResult> OnPostDeleteSectionAsync(int sectionId)
    {
        if (!Access.CanPublish) return Forbid();
        return await reports.DeleteSectionAsync(ProjectId, ReportId, sectionId, current.RequiredId) ? Back("Deleted the section.", "outline-title") : NotFound();
    }

    // ---------- A table you write (matrix section): rows, quotes, filling from value for all ----------

    /// <summary>Saves one row's cells (<paramref name="row"/>: its number from 0), or adds a row at the end when there is none.</summary>
    public async Task<IActionResult> OnPostMatrixRowAsync(int sectionId, int? row, string[]? cells)
    {
        if (!Access.CanPublish) return Forbid();
        cells ??= [];
        var form = row is { } r0 ? $"matrix-{sectionId}-row-{r0}" : $"matrix-{sectionId}-add";
        var result = await reports.ChangeMatrixAsync(ProjectId, ReportId, sectionId, m =>
        {
            var typed = Enumerable.Range(0, m.Columns.Count).Select(i => i < cells.Length ? (cells[i] ?? "").Trim() : "").ToList();
            if (typed.All(c => c.Length == 0)) return Result.Fail<ReportMatrix>([row is null ? "Write something in at least one cell of the new row." : "Write something in at least one cell, or delete the row instead."]);
            if (row is { } r)
            {
                if (r < 0 || r >= m.Rows.Count) return Result.Fail<ReportMatrix>(["That row is no longer in the table (someone may have deleted it). Look at the table again."]);
                return Result.Ok(m with { Rows = m.Rows.Select((x, i) => i == r ? typed : x).ToList() });
            }
            if (m.Rows.Count >= ReportMatrix.MaxRows) return Result.Fail<ReportMatrix>([$"A table can have at most {ReportMatrix.MaxRows} rows. Delete one first."]);
            return Result.Ok(m with { Rows = [.. m.Rows, typed] });
        }, current.RequiredId);
        if (result is null) return NotFound();
        if (result.Succeeded) return BackToTable(sectionId, row is null ? "Added the row." : "Saved the row.", row is { } saved ? $"matrix-{sectionId}-row-{saved}" : $"matrix-{sectionId}-rows");
        PostedCells = cells;
        OpenMatrix = sectionId;
        return await ShowErrorsAsync(result.Errors, form);
    }

    public async Task<IActionResult> OnPostMatrixMoveRowAsync(int sectionId, int row, string? direction)
    {
        if (!Access.CanPublish) return Forbid();
        var step = direction == "up" ? -1 : 1;
        var result = await reports.ChangeMatrixAsync(ProjectId, ReportId, sectionId, m =>
        {
            var target = row + step;
            if (row < 0 || row >= m.Rows.Count || target < 0 || target >= m.Rows.Count)
                return Result.Fail<ReportMatrix>([step < 0 ? "That row is already the first." : "That row is already the last."]);
            var rows = m.Rows.ToList();
            (rows[row], rows[target]) = (rows[target], rows[row]);
            return Result.Ok(m with { Rows = rows });
        }, current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded)
        {
            OpenMatrix = sectionId;
            return await ShowErrorsAsync(result.Errors, $"matrix-{sectionId}-rows");
        }
        return BackToTable(sectionId, step < 0 ? "Moved the row up." : "Moved the row down.", $"matrix-{sectionId}-row-{row + step}");
    }

    public async Task<IActionResult> OnPostMatrixDeleteRowAsync(int sectionId, int row)
    {
        if (!Access.CanPublish) return Forbid();
        var result = await reports.ChangeMatrixAsync(ProjectId, ReportId, sectionId, m => row >= 0 && row < m.Rows.Count
            ? Result.Ok(m with { Rows = m.Rows.Where((_, i) => i != row).ToList() })
            : Result.Fail<ReportMatrix>(["That row is no longer in the table (someone may have deleted it already)."]), current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded)
        {
            OpenMatrix = sectionId;
            return await ShowErrorsAsync(result.Errors, $"matrix-{sectionId}-rows");
        }
        return BackToTable(sectionId, "Deleted the row.", $"matrix-{sectionId}-rows");
    }

    /// <summary>The quote under each column: "p{id}" (coded passage), "k{id}" (key quote) or "" (none), one per column.</summary>
    public async Task<IActionResult> OnPostMatrixQuotesAsync(int sectionId, string[]? quotes)
    {
        if (!Access.CanPublish) return Forbid();
        quotes ??= [];
        var result = await reports.ChangeMatrixAsync(ProjectId, ReportId, sectionId, m =>
            Result.Ok(m with { Quotes = Enumerable.Range(0, m.Columns.Count).Select(i => i < quotes.Length ? ParseQuoteKey(quotes[i]) : null).ToList() }), current.RequiredId);
        if (result is null) return NotFound();
        if (result.Succeeded) return BackToTable(sectionId, "Saved the quotes under the table.", $"matrix-{sectionId}-quotes");
        PostedQuotes = quotes;
        OpenMatrix = sectionId;
        return await ShowErrorsAsync(result.Errors, $"matrix-{sectionId}-quotes");
    }

    public async Task<IActionResult> OnPostMatrixFillAsync(int sectionId)
    {
        if (!Access.CanPublish) return Forbid();
        var result = await reports.FillMatrixFromValueForAllAsync(ProjectId, ReportId, sectionId, current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded)
        {
            OpenMatrix = sectionId;
            return await ShowErrorsAsync(result.Errors, $"matrix-{sectionId}-fill");
        }
        var (rows, left) = (result.Value!.Rows, result.Value.LeftOut);
        return BackToTable(sectionId, $"Filled the table with {rows} {(rows == 1 ? "row" : "rows")} from the review sheets' value for all." +
            (left > 0 ? $" {left} more {(left == 1 ? "change does" : "changes do")} not fit: a table holds at most {ReportMatrix.MaxRows} rows." : "") + " Shorten and choose the phrases you want.", $"matrix-{sectionId}-rows");
    }

    private RedirectResult BackToTable(int sectionId, string done, string anchor)
    {
        Done = done;
        return Redirect($"/projects/{ProjectId}/reports/{ReportId}?table={sectionId}#{anchor}");
    }

    /// <param name="note">From the "use a quote chosen for another theme" form (null from the ordinary picker).</param>
    public async Task<IActionResult> OnPostAddAsync(int themeId, int? passageId, int? keyQuoteId, string? note)
    {
        if (!Access.CanPublish) return Forbid();
        if (note is not null) OpenRelated = themeId;
        var result = await reports.AddQuoteAsync(ProjectId, ReportId, themeId, passageId, keyQuoteId, note ?? "", current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded) return WantsFragment ? await FragmentAsync(themeId, "", result.Errors) : await ShowErrorsAsync(result.Errors, $"theme-{themeId}");
        if (WantsFragment) return await FragmentAsync(themeId, "Added the quote to {0}. {1}.");
        return Back("Added the quote.", $"quote-{result.Value!.Id}", open: themeId);
    }

    public async Task<IActionResult> OnPostMoveAsync(int quoteId, string? direction, int? themeId)
    {
        if (!Access.CanPublish) return Forbid();
        var step = direction == "up" ? -1 : 1;
        if (!await reports.MoveQuoteAsync(ProjectId, ReportId, quoteId, step, current.RequiredId, HttpContext.RequestAborted)) return NotFound();
        if (WantsFragment && themeId is { } t) return await FragmentAsync(t, step < 0 ? "Moved the quote up." : "Moved the quote down.");
        return Back(step < 0 ? "Moved the quote up." : "Moved the quote down.", $"quote-{quoteId}");
    }

    public async Task<IActionResult> OnPostRemoveAsync(int quoteId, int themeId)
    {
        if (!Access.CanPublish) return Forbid();
        if (!await reports.RemoveQuoteAsync(ProjectId, ReportId, quoteId, current.RequiredId)) return NotFound();
        if (WantsFragment) return await FragmentAsync(themeId, "Removed the quote from {0}. {1}.");
        return Back("Removed the quote.", $"theme-{themeId}");
    }

    /// <summary>
    /// The in-place answer: the changed theme's section and the files section (an edit can leave files behind),
    /// with a sentence for the live region; 422 with the errors shown in the theme's section when it failed.
    /// <paramref name="announce"/> may name the theme ({0}) and how many quotes it now has ({1}).
    /// </summary>
    private async Task<IActionResult> FragmentAsync(int themeId, string announce, IReadOnlyList<string>? errors = null)
    {
        if (!await LoadAsync(onlyTheme: themeId)) return NotFound();
        var theme = Themes.FirstOrDefault(t => t.Theme.Id == themeId);
        if (theme is null) return NotFound();
        FragmentTheme = theme;
        OpenPicker = themeId;
        var count = Picked[themeId].Count();
        if (errors is { Count: > 0 })
        {
            Errors.AddRange(errors);
            ErrorsFor = $"theme-{themeId}";
            Announcement = "Not changed: " + string.Join(" ", errors);
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        }
        else
        {
            Announcement = string.Format(System.Globalization.CultureInfo.InvariantCulture, announce, theme.Theme.Name,
                count == 0 ? "No quotes chosen" : count == 1 ? "1 quote chosen" : $"{count} quotes chosen");
        }
        return Partial("_ReportQuoteUpdate", this);
    }

    public async Task<IActionResult> OnPostAddPartnerAsync(string? partnerName, string? partnerRole, string? partnerLink)
    {
        if (!Access.CanPublish) return Forbid();
        var input = new ReportService.PartnerInput(partnerName, partnerRole, partnerLink);
        var result = await reports.AddPartnerAsync(ProjectId, ReportId, input, current.RequiredId, HttpContext.RequestAborted);
        if (result is null) return NotFound();
        if (result.Succeeded) return Back($"Added {result.Value!.Name} to the credits.", "partners-title");
        PostedPartner = input;
        return await ShowErrorsAsync(result.Errors, "partners");
    }

    public async Task<IActionResult> OnPostRemovePartnerAsync(int partnerId)
    {
        if (!Access.CanPublish) return Forbid();
        return await reports.RemovePartnerAsync(ProjectId, ReportId, partnerId, current.RequiredId, HttpContext.RequestAborted)
            ? Back("Removed the partner from the credits.", "partners-title") : NotFound();
    }

    public async Task<IActionResult> OnPostGenerateAsync(ReportFormat format)
    {
        if (!Access.CanPublish) return Forbid();
        if (!Enum.IsDefined(format)) return await ShowErrorsAsync(["Choose a format."], "files");
        return await reports.GenerateAsync(ProjectId, ReportId, format, current.RequiredId) is null
            ? NotFound() : Back($"Making the {ReportStorage.Label(format)} file. It appears below when ready.", "files-title");
    }

    public async Task<IActionResult> OnPostRegenerateAsync(int fileId)
    {
        if (!Access.CanPublish) return Forbid();
        return await reports.RegenerateAsync(ProjectId, fileId, current.RequiredId) is null ? NotFound() : Back("Making the file again.", "files-title");
    }

    public async Task<IActionResult> OnPostPublishFileAsync(int fileId, bool publish)
    {
        if (!Access.CanPublish) return Forbid();
        if (!await publication.SetReportFilePublishedAsync(ProjectId, fileId, publish, current.RequiredId, HttpContext.RequestAborted)) return NotFound();
        return Back(publish ? "Published: the file is on the public story site while it is up to date." : "Unpublished: the file is no longer on the public story site.", "files-title");
    }

    public async Task<IActionResult> OnPostDeleteFileAsync(int fileId)
    {
        if (!Access.CanPublish) return Forbid();
        return await reports.DeleteFileAsync(ProjectId, fileId, current.RequiredId) ? Back("Deleted the file.", "files-title") : NotFound();
    }

    private RedirectResult Back(string done, string anchor, int? open = null)
    {
        Done = done;
        return Redirect($"/projects/{ProjectId}/reports/{ReportId}{(open is { } t ? $"?open={t}" : "")}#{anchor}");
    }

    private async Task<IActionResult> ShowErrorsAsync(IReadOnlyList<string> errors, string form)
    {
        // Only the details form's own mistakes keep what was typed in it: every post binds Texts (empty when another
        // form was sent), and keeping that emptied the title, version and date after any other form's mistake.
        if (!await LoadAsync(keepTexts: form == "texts")) return NotFound();
        Errors.AddRange(errors);
        ErrorsFor = form;
        return Page();
    }

    /// <param name="onlyTheme">For an in-place answer: the candidates of this theme only (each theme's list costs a query round).</param>
    private async Task<bool> LoadAsync(bool keepTexts = false, int? onlyTheme = null)
    {
        if (await reports.FindAsync(ProjectId, ReportId) is not { } report) return false;
        Report = report;
        if (!keepTexts || Texts is null)
            Texts = new ReportEndpoints.UpdateRequest(report.Title, report.Version, report.Date);
        Outline = await reports.OutlineAsync(ProjectId, ReportId) ?? [];
        Matrices = Outline.Where(e => e.Section.Kind == ReportSectionKind.Matrix).ToDictionary(e => e.Section.Id, e => ReportMatrix.Parse(e.Section.Matrix));
        MatrixQuotes = await builder.MatrixQuotesAsync(ProjectId, Matrices.Values.SelectMany(m => m.Quotes).OfType<ReportMatrixQuote>());
        if (Access.CanPublish && Matrices.Count > 0 && onlyTheme is null) MatrixCandidates = await reports.MatrixCandidatesAsync(ProjectId);
        Partners = await reports.PartnersAsync(ReportId, HttpContext.RequestAborted);
        Questions = (await Db.CategoryQuestions.AsNoTracking().Where(q => q.ProjectId == ProjectId).OrderBy(q => q.Position).ThenBy(q => q.Id)
            .Select(q => new { q.Id, q.Text }).ToListAsync()).Select(q => (q.Id, q.Text)).ToList();
        Themes = await reports.AllThemesAsync(ProjectId);
        Picked = (await builder.PickedQuotesAsync(ReportId, ProjectId)).ToLookup(q => q.ThemeId);
        if (Access.CanPublish)
        {
            foreach (var theme in Themes.Where(t => onlyTheme is null || t.Theme.Id == onlyTheme))
                Candidates[theme.Theme.Id] = await reports.CandidatesAsync(ProjectId, theme.Theme.Id) ?? [];
        }
        var files = await ReportEndpoints.FilesAsync(Db, ReportId, HttpContext.RequestAborted);
        Files = files.Where(f => f.SupersededAt is null).ToList();
        EarlierFiles = Access.CanPublish ? files.Where(f => f.SupersededAt is not null).ToList() : [];
        return true;
    }
}

/// <summary>What a table section's partial needs: the page (tables, quotes, candidates, errors) and the section's outline entry.</summary>
public sealed record ReportMatrixView(ReportPageModel Page, ReportService.OutlineEntry Entry);

/// <summary>What one theme's quotes partial needs.</summary>
public sealed record ReportThemeView(ReportPageModel Page, ReportService.ReportTheme Theme);

/// <summary>What a section form's fields need: the page (themes, questions), the values to show, the kind (null when adding) and a unique id prefix.</summary>
public sealed record ReportSectionFields(ReportPageModel Page, ReportPageModel.SectionPost? Post, ReportSectionKind? Kind, string Prefix);
