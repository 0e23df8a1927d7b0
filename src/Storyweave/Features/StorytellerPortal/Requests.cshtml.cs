using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// Leads' list of what storytellers asked for on their own pages: corrections, and requests to
/// withdraw entirely. Each is answered once; the answer shows on the storyteller's page.
/// </summary>
[Authorize(Policy = Policies.ManageProject)]
public sealed class RequestsModel(StoryweaveDb db, ProjectAccessService access, StorytellerPortalService portal, CurrentUser current)
    : ProjectPageModel(db, access)
{
    public sealed record Row(CorrectionRequest Request, string StorytellerName);

    public List<Row> Open { get; private set; } = [];
    public List<Row> Answered { get; private set; } = [];
    public Dictionary<string, string> Names { get; private set; } = [];
    public int? FailedId { get; private set; }
    public string? FailedResponse { get; private set; }
    public List<string> Errors { get; } = [];

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostResolveAsync(int requestId, string? response)
    {
        var result = await portal.ResolveAsync(ProjectId, requestId, response, current.RequiredId, HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            FailedId = requestId;
            FailedResponse = response;
            await LoadAsync();
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/storyteller-requests#answered-title");
    }

    private async Task LoadAsync()
    {
        var rows = await Db.CorrectionRequests.AsNoTracking().Where(c => c.ProjectId == ProjectId)
            .OrderByDescending(c => c.Id)
            .Select(c => new { Request = c, Name = c.Storyteller!.Name }).ToListAsync();
        var all = rows.Select(r => new Row(r.Request, r.Name)).ToList();
        Open = all.Where(r => r.Request.ResolvedAt is null).ToList();
        Answered = all.Where(r => r.Request.ResolvedAt is not null).ToList();
        var ids = Answered.Select(r => r.Request.ResolvedByUserId).OfType<string>().Distinct().ToList();
        Names = await Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName);
    }
}
