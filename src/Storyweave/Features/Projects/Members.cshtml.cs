using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.ManageProject)]
public sealed class MembersModel(StoryweaveDb db, ProjectAccessService access, ProjectService projects, CurrentUser current)
    : ProjectPageModel(db, access)
{
    public List<ProjectEndpoints.MemberDto> Members { get; private set; } = [];
    public List<string> Errors { get; } = [];
    [TempData] public string? Message { get; set; }

    public async Task OnGetAsync() => Members = await ProjectEndpoints.MembersAsync(Db, ProjectId, HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostAddAsync(string? email, ProjectRole role) => await SetAsync(email, role, "added");

    public async Task<IActionResult> OnPostRoleAsync(string? email, ProjectRole role) => await SetAsync(email, role, "updated");

    public async Task<IActionResult> OnPostPersonalDetailsAsync(string userId, bool allow)
    {
        var result = await projects.SetPersonalDetailsAccessAsync(ProjectId, userId, allow, current.RequiredId);
        if (!result.Succeeded) return await ShowErrorsAsync(result.Errors);
        var name = (await ProjectEndpoints.MembersAsync(Db, ProjectId, HttpContext.RequestAborted)).FirstOrDefault(m => m.UserId == userId)?.DisplayName ?? "They";
        Message = allow
            ? $"{name} can now see storytellers' contact details, access needs and facets. This is recorded in the activity log."
            : $"{name} can no longer see storytellers' contact details, access needs and facets.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string userId)
    {
        var result = await projects.RemoveMemberAsync(ProjectId, userId, current.RequiredId);
        if (!result.Succeeded) return await ShowErrorsAsync(result.Errors);
        Message = "Removed from the project. They lose access straight away.";
        return RedirectToPage();
    }

    private async Task<IActionResult> SetAsync(string? email, ProjectRole role, string verb)
    {
        if (string.IsNullOrWhiteSpace(email)) return await ShowErrorsAsync(["Enter the person's email address."]);
        var result = await projects.SetMemberAsync(ProjectId, email, role, current.RequiredId);
        if (!result.Succeeded) return await ShowErrorsAsync(result.Errors);
        Message = $"{result.Value!.User!.DisplayName} {verb}: {role.Label()}.";
        return RedirectToPage();
    }

    private async Task<IActionResult> ShowErrorsAsync(IEnumerable<string> errors)
    {
        Errors.AddRange(errors);
        await OnGetAsync();
        return Page();
    }
}
