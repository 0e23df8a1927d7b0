using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Features.Projects;

/// <summary>
/// Base for pages under /projects/{projectId}: loads the project and the caller's access once.
/// Authorization itself is the page's [Authorize(Policy = …)]; this only supplies what to show.
/// </summary>
public abstract class ProjectPageModel(StoryweaveDb db, ProjectAccessService accessService) : PageModel
{
    [FromRoute] public int ProjectId { get; set; }
    public Project Project { get; private set; } = null!;
    public ProjectAccess Access { get; private set; } = ProjectAccess.None;
    protected StoryweaveDb Db => db;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == ProjectId);
        if (project is null)
        {
            context.Result = NotFound();
            return;
        }
        Project = project;
        Access = await accessService.ForProjectAsync(ProjectId);
        await next();
    }
}
