using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Workshops;

/// <summary>The board for project members who take part (or can run workshops).</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class BoardModel(StoryweaveDb db, ProjectAccessService access, WorkshopService workshops) : ProjectPageModel(db, access)
{
    [FromRoute] public int WorkshopId { get; set; }
    public Workshop Workshop { get; private set; } = null!;
    public WorkshopService.ProvenanceDto? Provenance { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var (outcome, _, workshop) = await WorkshopActors.ResolveAsync(Db, User, ProjectId, WorkshopId, HttpContext.RequestAborted);
        if (outcome == ActorOutcome.NotFound) return NotFound();
        if (outcome == ActorOutcome.Forbidden) return Forbid();
        Workshop = workshop!;
        if (Workshop.ConvertedAt is not null) Provenance = await workshops.ProvenanceAsync(WorkshopId, HttpContext.RequestAborted);
        return Page();
    }
}
