using Microsoft.AspNetCore.Authorization;
using Storyweave.Data;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.ViewProject)]
public sealed class OverviewModel(StoryweaveDb db, ProjectAccessService access, Sessions.SessionService sessions) : ProjectPageModel(db, access)
{
    public Sessions.SessionService.Counts Counts { get; private set; } = null!;
    public List<ProjectEndpoints.MemberDto> Members { get; private set; } = [];
    public int TeamNotesToReview { get; private set; }

    public async Task OnGetAsync()
    {
        Counts = await sessions.CountAsync(ProjectId, HttpContext.RequestAborted);
        Members = await ProjectEndpoints.MembersAsync(Db, ProjectId, HttpContext.RequestAborted);
        if (Access.CanManageProject) TeamNotesToReview = await Withdrawal.TeamTextReview.CountAsync(Db, ProjectId, HttpContext.RequestAborted);
    }
}
