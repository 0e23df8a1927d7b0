using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Reports;

/// <summary>
/// One report: its texts, the quotes picked for each theme (moved with Up/Down buttons, so it all
/// works by keyboard and without script), and its files with their progress. Everyone in the project
/// can read it and download files that are still allowed; curators (Project.Publish) change it.
/// </summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class ReportPageModel(StoryweaveDb db, ProjectAccessService access, ReportService reports, ReportContentBuilder builder, PublicSite.PublicationService publication, CurrentUser current)
    : ProjectPageModel(db, access)
{
    [FromRoute] public int ReportId { get; set; }
    public Report Report { get; private set; } = null!;
    public List<(Theme Theme, HashSet<int> Ids)> Themes { get; private set; } = [];
    public ILookup<int, ReportContentBuilder.PickedQuote> Picked { get; private set; } = Array.Empty<ReportContentBuilder.PickedQuote>().ToLookup(q => q.ThemeId);
    public Dictionary<int, List<ReportService.Candidate>> Candidates { get; } = [];
    public List<ReportFile> Files { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string ErrorsFor { get; private set; } = "";
    [TempData] public string? Done { get; set; }

    [BindProperty] public ReportEndpoints.UpdateRequest? Texts { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostSaveAsync()
    {
        if (!Access.CanPublish) return Forbid();
        var t = Texts ?? new ReportEndpoints.UpdateRequest(null, null, null, null, null, null, null, null, null, null);
        var result = await reports.UpdateAsync(ProjectId, ReportId, new ReportService.TextsInput(t.Title, t.Version, t.Date, t.Purpose, t.Introduction, t.Method,
            t.Challenges, t.ValueForAll, t.Conditions, t.Conclusion), current.RequiredId);
        if (result is null) return NotFound();
        if (result.Succeeded) return Back("Saved the report's texts.", "texts-title");
        return await ShowErrorsAsync(result.Errors, "texts");
    }

    public async Task<IActionResult> OnPostAddAsync(int themeId, int? passageId, int? keyQuoteId)
    {
        if (!Access.CanPublish) return Forbid();
        var result = await reports.AddQuoteAsync(ProjectId, ReportId, themeId, passageId, keyQuoteId, current.RequiredId);
        if (result is null) return NotFound();
        if (result.Succeeded) return Back("Added the quote.", $"quote-{result.Value!.Id}");
        return await ShowErrorsAsync(result.Errors, $"theme-{themeId}");
    }

    public async Task<IActionResult> OnPostMoveAsync(int quoteId, string? direction)
    {
        if (!Access.CanPublish) return Forbid();
        var step = direction == "up" ? -1 : 1;
        return await reports.MoveQuoteAsync(ProjectId, ReportId, quoteId, step, current.RequiredId, HttpContext.RequestAborted)
            ? Back(step < 0 ? "Moved the quote up." : "Moved the quote down.", $"quote-{quoteId}") : NotFound();
    }

    public async Task<IActionResult> OnPostRemoveAsync(int quoteId, int themeId)
    {
        if (!Access.CanPublish) return Forbid();
        return await reports.RemoveQuoteAsync(ProjectId, ReportId, quoteId, current.RequiredId) ? Back("Removed the quote.", $"theme-{themeId}") : NotFound();
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

    private RedirectResult Back(string done, string anchor)
    {
        Done = done;
        return Redirect($"/projects/{ProjectId}/reports/{ReportId}#{anchor}");
    }

    private async Task<IActionResult> ShowErrorsAsync(IReadOnlyList<string> errors, string form)
    {
        if (!await LoadAsync(keepTexts: true)) return NotFound();
        Errors.AddRange(errors);
        ErrorsFor = form;
        return Page();
    }

    private async Task<bool> LoadAsync(bool keepTexts = false)
    {
        if (await reports.FindAsync(ProjectId, ReportId) is not { } report) return false;
        Report = report;
        if (!keepTexts || Texts is null)
            Texts = new ReportEndpoints.UpdateRequest(report.Title, report.Version, report.Date, report.Purpose, report.Introduction, report.Method,
                report.Challenges, report.ValueForAll, report.Conditions, report.Conclusion);
        Themes = await reports.ThemesAsync(ProjectId);
        Picked = (await builder.PickedQuotesAsync(ReportId, ProjectId)).ToLookup(q => q.ThemeId);
        if (Access.CanPublish)
        {
            foreach (var (theme, _) in Themes) Candidates[theme.Id] = await reports.CandidatesAsync(ProjectId, theme.Id) ?? [];
        }
        Files = await ReportEndpoints.FilesAsync(Db, ReportId, HttpContext.RequestAborted);
        return true;
    }
}
