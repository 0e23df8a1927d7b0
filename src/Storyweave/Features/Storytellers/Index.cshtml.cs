using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StorytellersModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    public List<Storyteller> Storytellers { get; private set; } = [];

    public async Task OnGetAsync() =>
        Storytellers = await Db.Storytellers.AsNoTracking().Where(s => s.ProjectId == ProjectId).OrderBy(s => s.Name).ToListAsync();
}
