using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;
using Storyweave.Hosting;

namespace Storyweave.Features.Media;

/// <summary>A story's recordings: a player for each, how far a browser version has got, and the upload form.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class RecordingsModel(StoryweaveDb db, ProjectAccessService access, StoryweaveOptions options) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    public Story Story { get; private set; } = null!;
    public List<MediaFile> Recordings { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public UploadFormModel UploadForm => new(ProjectId, StoryId, options.MaxUploadBytes);

    /// <summary>Set by the upload page after a form upload without JavaScript.</summary>
    [TempData] public string? UploadedName { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var story = await Db.Stories.AsNoTracking().SingleOrDefaultAsync(s => s.Id == StoryId && s.ProjectId == ProjectId, HttpContext.RequestAborted);
        if (story is null) return NotFound();
        Story = story;
        Recordings = await MediaEndpoints.ForStoryAsync(Db, ProjectId, StoryId, HttpContext.RequestAborted);
        return Page();
    }
}

/// <summary>What the upload form needs to know.</summary>
public sealed record UploadFormModel(int ProjectId, int StoryId, long MaxUploadBytes)
{
    public string ApiUrl => $"/api/projects/{ProjectId}/stories/{StoryId}/media";
    public string RecordingsUrl => $"/projects/{ProjectId}/stories/{StoryId}/recordings";
    public string PageAction => RecordingsUrl + "/upload";
}
