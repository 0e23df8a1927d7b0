using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StoryModel(StoryweaveDb db, ProjectAccessService access, ConsentPolicy consent, PublicSite.PublicationService publication, Audit.AccessLog accessLog) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    public Story Story { get; private set; } = null!;
    public string? ReporterName { get; private set; }
    public int RecordingCount { get; private set; }

    /// <summary>Which turns may be shown for analysis (consent to "use in analysis"), per <see cref="AnalysisScope"/>.</summary>
    public AnalysisScope Scope { get; private set; } = null!;

    /// <summary>Whether the story is on the public story site, and which storyteller's consent or embargo holds it back.</summary>
    public PublicSite.PublicationService.Status Publication { get; private set; } = null!;

    [TempData] public string? PublicationDone { get; set; }

    /// <summary>Set by the speakers page after its links are saved.</summary>
    [TempData] public string? SpeakersDone { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var story = await StoryQueries.LoadAsync(Db, ProjectId, StoryId, HttpContext.RequestAborted);
        if (story is null) return NotFound();
        Story = story;
        ReporterName = story.Session?.ReporterUserId is { } id ? await Db.Users.Where(u => u.Id == id).Select(u => u.DisplayName).SingleOrDefaultAsync() : null;
        RecordingCount = await Db.MediaFiles.CountAsync(m => m.StoryId == StoryId);
        Scope = await AnalysisScope.LoadForStoriesAsync(Db, consent, ProjectId, [StoryId], HttpContext.RequestAborted);
        await accessLog.RecordAsync(ProjectId, Audit.AccessActions.Viewed, "story", StoryId, HttpContext.RequestAborted);
        Publication = (await publication.StatusAsync(ProjectId, StoryId, HttpContext.RequestAborted))!;
        return Page();
    }
}
