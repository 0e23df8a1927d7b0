using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Reports;

/// <summary>The project's reports; curators (Project.Publish) start a new one here from a template (full report, overview or short summary).</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class ReportsIndexModel(StoryweaveDb db, ProjectAccessService access, ReportService reports, ReportContentBuilder builder, CurrentUser current) : ProjectPageModel(db, access)
{
    /// <summary>The codebook's main themes: an overview or summary features the ones ticked as key findings.</summary>
    public List<Codebook.Theme> MainThemes { get; private set; } = [];
    [BindProperty] public List<int> KeyThemeIds { get; set; } = [];
    public List<Report> Reports { get; private set; } = [];
    public List<string> Errors { get; } = [];
    [BindProperty] public string? Title { get; set; }
    [BindProperty] public ReportKind Kind { get; set; } = ReportKind.Full;

    /// <summary>
    /// The current files only (earlier versions a newer file replaced are not counted): how many can be
    /// downloaded as they are, how many were made before the report's latest changes, how many are out of date.
    /// </summary>
    public static string FilesSummary(Report r)
    {
        var current = r.Files.Where(f => f.SupersededAt == null).ToList();
        var outOfDate = current.Count(f => f.OutOfDateAt != null);
        var behind = current.Count(f => f.Status == OutputStatus.Ready && f.OutOfDateAt == null && f.ContentVersion < r.ContentVersion);
        var ready = current.Count(f => f.Status == OutputStatus.Ready && f.OutOfDateAt == null) - behind;
        var parts = new List<string> { $"{ready} ready" };
        if (behind > 0) parts.Add($"{behind} made before the latest changes");
        if (outOfDate > 0) parts.Add($"{outOfDate} out of date");
        return string.Join(", ", parts);
    }

    public async Task OnGetAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        Reports = await reports.ListAsync(ProjectId);
        MainThemes = (await builder.TopThemesAsync(ProjectId, HttpContext.RequestAborted)).Select(t => t.Theme).ToList();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Access.CanPublish) return Forbid();
        // A full report has a section for every main theme; the ticks are for the shorter kinds only.
        var result = await reports.CreateAsync(ProjectId, Kind, Title, current.RequiredId, Kind == ReportKind.Full ? [] : KeyThemeIds, HttpContext.RequestAborted);
        if (result.Succeeded) return Redirect($"/projects/{ProjectId}/reports/{result.Value!.Id}");
        Errors.AddRange(result.Errors);
        await LoadAsync();
        return Page();
    }
}
