using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;
using Storyweave.Features.Sessions;
using Storyweave.Features.Shared;

namespace Storyweave.Features.Stories;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StoriesIndexModel(StoryweaveDb db, ProjectAccessService access, SessionService sessions) : ProjectPageModel(db, access)
{
    public sealed record Row(int Id, string Title, DateOnly? RecordedOn, List<string> Tellers, SessionMode? Mode, bool Copied, int Cues);
    public List<Row> Stories { get; private set; } = [];
    public SessionService.Counts Counts { get; private set; } = null!;

    /// <summary>Words to find in a story's title or its storytellers' names.</summary>
    [FromQuery(Name = "find")] public string? Find { get; set; }

    // Not "page": Razor Pages keeps that name for its own routing.
    [FromQuery(Name = "pageNumber")] public int PageNumber { get; set; } = 1;

    /// <summary>The page of stories shown (50 at a time).</summary>
    public ListPage List { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        var words = ListPage.Words(Find);
        var stories = Db.Stories.AsNoTracking().Where(s => s.ProjectId == ProjectId);
        if (words is not null) stories = stories.Holding(words);
        var total = await stories.CountAsync();
        List = ListPage.For($"/projects/{ProjectId}/stories", "stories", PageNumber, total, words);
        Stories = await stories.OrderBy(s => s.RecordedOn).ThenBy(s => s.Id).Skip(List.Skip).Take(ListPage.Size)
            .Select(s => new Row(s.Id, s.Title, s.RecordedOn, s.Storytellers.Select(x => x.Storyteller!.Name).ToList(),
                s.Session == null ? null : s.Session.Mode, s.CopiedFromStoryId != null, s.Cues.Count))
            .ToListAsync();
        Counts = await sessions.CountAsync(ProjectId);
    }
}
