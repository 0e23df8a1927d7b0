using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Workshops;

[Authorize(Policy = Policies.ViewProject)]
public sealed class IndexModel(StoryweaveDb db, ProjectAccessService access, WorkshopService workshops, CurrentUser current) : ProjectPageModel(db, access)
{
    public List<WorkshopEndpoints.WorkshopDto> Workshops { get; private set; } = [];
    public HashSet<int> Mine { get; private set; } = [];
    public List<string> Errors { get; } = [];

    public async Task OnGetAsync()
    {
        Workshops = await Db.Workshops.AsNoTracking().Where(w => w.ProjectId == ProjectId).OrderByDescending(w => w.CreatedAt)
            .Select(w => new WorkshopEndpoints.WorkshopDto(w.Id, w.Title, w.Kind, w.VotesPerParticipant, w.IsLocked, w.ConvertedAt != null, w.CreatedAt)).ToListAsync();
        var me = current.Id;
        Mine = (await Db.WorkshopParticipants.Where(p => p.UserId == me && p.RevokedAt == null).Select(p => p.WorkshopId).ToListAsync()).ToHashSet();
    }

    public async Task<IActionResult> OnPostAsync(string? title, WorkshopKind kind, int votesPerParticipant)
    {
        if (!Access.CanRunWorkshops) return Forbid();
        var result = await workshops.CreateAsync(ProjectId, title, kind, votesPerParticipant, current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            await OnGetAsync();
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/workshops/{result.Value!.Id}/setup");
    }
}
