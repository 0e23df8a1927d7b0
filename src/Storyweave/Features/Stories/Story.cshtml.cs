using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StoryModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    public Story Story { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync()
    {
        var story = await StoryQueries.LoadAsync(Db, ProjectId, StoryId, HttpContext.RequestAborted);
        if (story is null) return NotFound();
        Story = story;
        return Page();
    }
}
