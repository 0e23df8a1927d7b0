using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Clips;

/// <summary>
/// Choosing what to clip: coded passages and key quotes whose storytellers all agreed to clips (and
/// whose story has a recording). Others are counted, never listed.
/// </summary>
[Authorize(Policy = Policies.Code)]
public sealed class AddClipModel(StoryweaveDb db, ProjectAccessService access, ClipService clips) : ProjectPageModel(db, access)
{
    [FromRoute] public int PlaylistId { get; set; }
    public Playlist Playlist { get; private set; } = null!;
    public ClipService.Sources Sources { get; private set; } = new([], 0);

    public async Task<IActionResult> OnGetAsync()
    {
        var playlist = await Db.Playlists.AsNoTracking().SingleOrDefaultAsync(p => p.Id == PlaylistId && p.ProjectId == ProjectId);
        if (playlist is null) return NotFound();
        Playlist = playlist;
        Sources = await clips.SourcesAsync(ProjectId);
        return Page();
    }
}
