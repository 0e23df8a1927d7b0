using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.ManageProject)]
public sealed class SettingsModel(StoryweaveDb db, ProjectAccessService access, ProjectService projects, CurrentUser current)
    : ProjectPageModel(db, access)
{
    [BindProperty] public ProjectForm Form { get; set; } = new();
    public List<string> Errors { get; } = [];
    [TempData] public bool Saved { get; set; }

    public void OnGet() => Form = ProjectForm.From(Project);

    public async Task<IActionResult> OnPostSaveAsync()
    {
        if (!ModelState.IsValid)
        {
            Errors.Add("Check the dates: give the day, month and year, for example 31/10/2026.");
            return Page();
        }
        var result = await projects.UpdateAsync(ProjectId, Form.ToDetails(), current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        Saved = true;
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostArchiveAsync()
    {
        await projects.SetArchivedAsync(ProjectId, true, current.RequiredId);
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostUnarchiveAsync()
    {
        await projects.SetArchivedAsync(ProjectId, false, current.RequiredId);
        return RedirectToPage();
    }
}
