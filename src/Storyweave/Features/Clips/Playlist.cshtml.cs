using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Clips;

/// <summary>
/// One playlist: plays its clips in order with captions (previous/next work as plain links without
/// JavaScript), shows each clip's state, and lets leads and analysts reorder, edit and delete clips.
/// </summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class PlaylistModel(StoryweaveDb db, ProjectAccessService access, ClipService clips, PublicSite.PublicationService publication, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int PlaylistId { get; set; }
    [FromQuery(Name = "clip")] public int? ClipId { get; set; }
    public ClipService.PlaylistView View { get; private set; } = null!;
    public List<ClipService.ClipView> Playable { get; private set; } = [];
    public ClipService.ClipView? Current { get; private set; }
    [TempData] public string? Done { get; set; }

    public int CurrentIndex => Current is null ? -1 : Playable.IndexOf(Current);
    public ClipService.ClipView? Previous => CurrentIndex > 0 ? Playable[CurrentIndex - 1] : null;
    public ClipService.ClipView? Next => CurrentIndex >= 0 && CurrentIndex < Playable.Count - 1 ? Playable[CurrentIndex + 1] : null;
    public bool AnyPending => View.Clips.Any(c => c.Allowed && c.Clip.Status is Reports.OutputStatus.Queued or Reports.OutputStatus.Running);

    public async Task<IActionResult> OnGetAsync()
    {
        if (await clips.PlaylistAsync(ProjectId, PlaylistId) is not { } view) return NotFound();
        View = view;
        Playable = view.Clips.Where(c => c.Playable).ToList();
        Current = Playable.FirstOrDefault(c => c.Clip.Id == ClipId) ?? Playable.FirstOrDefault();
        return Page();
    }

    public async Task<IActionResult> OnPostMoveAsync(int clipId, string? direction)
    {
        if (!Access.CanCode) return Forbid();
        if (!await clips.MoveClipAsync(ProjectId, clipId, direction == "up", current.RequiredId)) return NotFound();
        Done = direction == "up" ? "Moved the clip up." : "Moved the clip down.";
        return Redirect($"/projects/{ProjectId}/playlists/{PlaylistId}#clip-{clipId}");
    }

    public async Task<IActionResult> OnPostDeleteAsync(int clipId)
    {
        if (!Access.CanCode) return Forbid();
        if (!await clips.DeleteClipAsync(ProjectId, clipId, current.RequiredId)) return NotFound();
        Done = "Deleted the clip and its files.";
        return Redirect($"/projects/{ProjectId}/playlists/{PlaylistId}");
    }

    public async Task<IActionResult> OnPostPublishAsync(bool publish)
    {
        if (!Access.CanPublish) return Forbid();
        if (!await publication.SetPlaylistPublishedAsync(ProjectId, PlaylistId, publish, current.RequiredId, HttpContext.RequestAborted)) return NotFound();
        Done = publish ? "Published: the playlist is on the public story site, with the clips that may be shared now." : "Unpublished: the playlist is no longer on the public story site.";
        return Redirect($"/projects/{ProjectId}/playlists/{PlaylistId}#public-title");
    }

    public async Task<IActionResult> OnPostDeletePlaylistAsync()
    {
        if (!Access.CanCode) return Forbid();
        if (!await clips.DeletePlaylistAsync(ProjectId, PlaylistId, current.RequiredId)) return NotFound();
        return Redirect($"/projects/{ProjectId}/playlists");
    }
}
