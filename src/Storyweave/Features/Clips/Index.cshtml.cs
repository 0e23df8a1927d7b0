using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Clips;

/// <summary>The project's playlists; leads and analysts (Project.Code) make new ones here.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class PlaylistsModel(StoryweaveDb db, ProjectAccessService access, ClipService clips, CurrentUser current) : ProjectPageModel(db, access)
{
    public List<ClipService.PlaylistSummary> Playlists { get; private set; } = [];
    public List<string> Errors { get; private set; } = [];

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Description { get; set; }

    public async Task OnGetAsync() => Playlists = await clips.PlaylistsAsync(ProjectId);

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Access.CanCode) return Forbid();
        var result = await clips.CreatePlaylistAsync(ProjectId, new(Title, Description), current.RequiredId);
        if (result.Succeeded) return Redirect($"/projects/{ProjectId}/playlists/{result.Value!.Id}");
        Errors = result.Errors.ToList();
        Playlists = await clips.PlaylistsAsync(ProjectId);
        return Page();
    }
}
