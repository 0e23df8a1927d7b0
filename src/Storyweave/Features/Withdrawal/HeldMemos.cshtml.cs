using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Coding;
using Storyweave.Features.Projects;
using Storyweave.Features.Search;

namespace Storyweave.Features.Withdrawal;

/// <summary>"Team notes to review": memos held after a withdrawal named the person; for each, keep, edit or delete. Leads only.</summary>
[Authorize(Policy = Policies.ManageProject)]
public sealed class HeldMemosModel(StoryweaveDb db, ProjectAccessService access, SearchIndex search, CodingService coding, TimeProvider clock, CurrentUser current)
    : ProjectPageModel(db, access)
{
    public List<HeldMemoEndpoints.HeldMemoDto> Memos { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string? Done { get; private set; }
    [BindProperty] public int MemoId { get; set; }
    [BindProperty] public string? Text { get; set; }

    public async Task OnGetAsync() => Memos = await HeldMemoEndpoints.ListAsync(Db, ProjectId, HttpContext.RequestAborted);

    public async Task OnPostKeepAsync() => await Finish(await HeldMemoEndpoints.KeepAsync(Db, search, clock, ProjectId, MemoId, null, current.RequiredId, HttpContext.RequestAborted), "Kept as it is. It is back in search.");

    public async Task OnPostEditAsync() => await Finish(await HeldMemoEndpoints.KeepAsync(Db, search, clock, ProjectId, MemoId, Text ?? "", current.RequiredId, HttpContext.RequestAborted), "Changes saved. The memo is back in search.");

    public async Task OnPostDeleteAsync()
    {
        var result = await coding.DeleteMemoAsync(ProjectId, MemoId, current.RequiredId, mayDeleteAny: true, HttpContext.RequestAborted);
        await Finish(result.Succeeded ? null : string.Join(" ", result.Errors), "Memo deleted.");
    }

    private async Task Finish(string? error, string done)
    {
        if (error is null) Done = done;
        else Errors.Add(error);
        await OnGetAsync();
    }
}
