using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Withdrawal;

/// <summary>"Team notes to review": team writing held after a withdrawal named the person; for each, keep, edit or delete. Leads only (decision 0008).</summary>
[Authorize(Policy = Policies.ManageProject)]
public sealed class TeamNotesModel(StoryweaveDb db, ProjectAccessService access, TeamTextReview review, CurrentUser current)
    : ProjectPageModel(db, access)
{
    public List<TeamTextReview.HeldItem> Items { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string? Done { get; private set; }
    [BindProperty] public string Kind { get; set; } = "";
    [BindProperty] public int ItemId { get; set; }
    [BindProperty] public string? Text { get; set; }

    public async Task OnGetAsync() => Items = await review.ListAsync(ProjectId, HttpContext.RequestAborted);

    public async Task OnPostKeepAsync() =>
        await Finish(await review.KeepAsync(ProjectId, Kind, ItemId, null, current.RequiredId, HttpContext.RequestAborted), "Kept as it is. It shows again everywhere it did before.");

    public async Task OnPostEditAsync() =>
        await Finish(await review.KeepAsync(ProjectId, Kind, ItemId, Text ?? "", current.RequiredId, HttpContext.RequestAborted), "Changes saved. It shows again everywhere it did before.");

    public async Task OnPostDeleteAsync() =>
        await Finish(await review.DeleteAsync(ProjectId, Kind, ItemId, current.RequiredId, HttpContext.RequestAborted), "Deleted.");

    private async Task Finish(TeamTextReview.Refusal? refused, string done)
    {
        if (refused is null) Done = done;
        else Errors.Add(refused.Message);
        await OnGetAsync();
    }
}
