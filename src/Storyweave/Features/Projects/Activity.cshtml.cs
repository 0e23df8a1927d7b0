using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Events;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.ViewAudit)]
public sealed class ActivityModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    public List<ProjectEvent> Events { get; private set; } = [];
    public Dictionary<string, string> Names { get; private set; } = [];

    public async Task OnGetAsync()
    {
        Events = await Db.Events.AsNoTracking().Where(e => e.ProjectId == ProjectId).OrderByDescending(e => e.Id).Take(500).ToListAsync();
        var ids = Events.Where(e => e.ActorUserId != null).Select(e => e.ActorUserId!).Distinct().ToList();
        Names = await Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName);
    }
}
