using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.ViewProject)]
public sealed class OverviewModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    public int StorytellerCount { get; private set; }
    public int StoryCount { get; private set; }
    public List<ProjectEndpoints.MemberDto> Members { get; private set; } = [];

    public async Task OnGetAsync()
    {
        StorytellerCount = await Db.Storytellers.CountAsync(s => s.ProjectId == ProjectId);
        StoryCount = await Db.Stories.CountAsync(s => s.ProjectId == ProjectId);
        Members = await ProjectEndpoints.MembersAsync(Db, ProjectId, HttpContext.RequestAborted);
    }
}
