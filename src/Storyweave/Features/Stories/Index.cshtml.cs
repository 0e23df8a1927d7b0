using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;
using Storyweave.Features.Sessions;

namespace Storyweave.Features.Stories;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StoriesIndexModel(StoryweaveDb db, ProjectAccessService access, SessionService sessions) : ProjectPageModel(db, access)
{
    public sealed record Row(int Id, string Title, DateOnly? RecordedOn, List<string> Tellers, SessionMode? Mode, bool Copied, int Cues);
    public List<Row> Stories { get; private set; } = [];
    public SessionService.Counts Counts { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        Stories = await Db.Stories.AsNoTracking().Where(s => s.ProjectId == ProjectId).OrderBy(s => s.RecordedOn).ThenBy(s => s.Id)
            .Select(s => new Row(s.Id, s.Title, s.RecordedOn, s.Storytellers.Select(x => x.Storyteller!.Name).ToList(),
                s.Session == null ? null : s.Session.Mode, s.CopiedFromStoryId != null, s.Cues.Count))
            .ToListAsync();
        Counts = await sessions.CountAsync(ProjectId);
    }
}
