using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Transcription;

/// <summary>
/// "Make an automatic first draft": choose the engine, confirm replacing lines already typed, follow the progress
/// (js/draft.js polls the JSON endpoint; without script the page can be reloaded), and decide about a draft that was
/// kept aside because the transcript changed meanwhile.
/// </summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class DraftModel(StoryweaveDb db, ProjectAccessService access, DraftService drafts, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    public DraftService.Situation Situation { get; private set; } = null!;
    public List<string> Errors { get; } = [];
    [BindProperty] public string? Engine { get; set; }
    [BindProperty] public bool Replace { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        var outcome = await drafts.StartAsync(ProjectId, StoryId, Engine, Replace, current.RequiredId, enqueue: true, HttpContext.RequestAborted);
        return await AfterAsync(outcome);
    }

    public async Task<IActionResult> OnPostApplyAsync(int jobId) =>
        await AfterAsync(await drafts.ApplyAsync(ProjectId, StoryId, jobId, current.RequiredId, HttpContext.RequestAborted));

    public async Task<IActionResult> OnPostDiscardAsync(int jobId) =>
        await AfterAsync(await drafts.DiscardAsync(ProjectId, StoryId, jobId, current.RequiredId, HttpContext.RequestAborted));

    private async Task<IActionResult> AfterAsync(DraftService.Outcome outcome)
    {
        if (outcome.Succeeded) return RedirectToPage();
        if (outcome.Status == StatusCodes.Status404NotFound) return NotFound();
        Errors.AddRange(outcome.Errors);
        return await LoadAsync() ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync()
    {
        var situation = await drafts.SituationAsync(ProjectId, StoryId, HttpContext.RequestAborted);
        if (situation is null) return false;
        Situation = situation;
        return true;
    }
}
