using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.SignedIn)]
public sealed class ProjectsIndexModel(StoryweaveDb db, CurrentUser current) : PageModel
{
    public sealed record Row(Project Project, ProjectRole? Role);
    public List<Row> Active { get; private set; } = [];
    public List<Row> Archived { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await current.GetAsync();
        if (user is null) return Challenge();
        var rows = await ProjectEndpoints.VisibleTo(db, user)
            .OrderBy(p => p.Name)
            .Select(p => new Row(p, p.Members.Where(m => m.UserId == user.Id).Select(m => (ProjectRole?)m.Role).FirstOrDefault()))
            .ToListAsync();
        Active = rows.Where(r => r.Project.ArchivedAt == null).ToList();
        Archived = rows.Where(r => r.Project.ArchivedAt != null).ToList();
        return Page();
    }
}
