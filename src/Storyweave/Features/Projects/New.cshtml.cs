using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.SignedIn)]
public sealed class NewProjectModel(ProjectService projects, CurrentUser current, Data.StoryweaveDb db) : PageModel
{
    [BindProperty] public ProjectForm Form { get; set; } = new();
    public List<string> Errors { get; } = [];

    public bool MayStart { get; private set; } = true;

    public async Task OnGetAsync() => MayStart = await Admin.ProjectStarters.MayStartAsync(db, await current.GetAsync());

    public async Task<IActionResult> OnPostAsync()
    {
        if (!(MayStart = await Admin.ProjectStarters.MayStartAsync(db, await current.GetAsync())))
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        if (!ModelState.IsValid)
        {
            Errors.Add("Check the dates: give the day, month and year, for example 31/10/2026.");
            return Page();
        }
        var result = await projects.CreateAsync(Form.ToDetails(), current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return Redirect($"/projects/{result.Value!.Id}");
    }
}
