using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StoriesIndexModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    public sealed record Row(int Id, string Title, DateOnly? RecordedOn, List<string> Tellers);
    public List<Row> Stories { get; private set; } = [];

    public async Task OnGetAsync() =>
        Stories = await Db.Stories.AsNoTracking().Where(s => s.ProjectId == ProjectId).OrderBy(s => s.RecordedOn).ThenBy(s => s.Id)
            .Select(s => new Row(s.Id, s.Title, s.RecordedOn, s.Storytellers.Select(x => x.Storyteller!.Name).ToList()))
            .ToListAsync();
}
