using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Reports;

/// <summary>The project's reports; curators (Project.Publish) start a new full report or overview here.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class ReportsIndexModel(StoryweaveDb db, ProjectAccessService access, ReportService reports, CurrentUser current) : ProjectPageModel(db, access)
{
    public List<Report> Reports { get; private set; } = [];
    public List<string> Errors { get; } = [];
    [BindProperty] public string? Title { get; set; }
    [BindProperty] public ReportKind Kind { get; set; } = ReportKind.Full;

    public async Task OnGetAsync() => Reports = await reports.ListAsync(ProjectId);

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Access.CanPublish) return Forbid();
        var result = await reports.CreateAsync(ProjectId, Kind, Title, current.RequiredId);
        if (result.Succeeded) return Redirect($"/projects/{ProjectId}/reports/{result.Value!.Id}");
        Errors.AddRange(result.Errors);
        Reports = await reports.ListAsync(ProjectId);
        return Page();
    }
}
