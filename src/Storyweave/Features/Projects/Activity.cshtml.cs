using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Events;

namespace Storyweave.Features.Projects;

[Authorize(Policy = Policies.ViewAudit)]
public sealed class ActivityModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    public List<ProjectEvent> Events { get; private set; } = [];
    public Dictionary<string, string> Names { get; private set; } = [];

    private const string Guest = "participant:";

    public async Task OnGetAsync()
    {
        Events = await Db.Events.AsNoTracking().Where(e => e.ProjectId == ProjectId).OrderByDescending(e => e.Id).Take(500).ToListAsync();
        var ids = Events.Where(e => e.ActorUserId != null).Select(e => e.ActorUserId!).Distinct().ToList();
        Names = await Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName);
        // Workshop guests act as "participant:{id}" (they have no account): name them as the board credits them.
        var guests = ids.Where(a => a.StartsWith(Guest, StringComparison.Ordinal))
            .Select(a => int.TryParse(a.AsSpan(Guest.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : 0).ToList();
        foreach (var p in await Db.WorkshopParticipants.AsNoTracking().Where(p => guests.Contains(p.Id) && Db.Workshops.Any(w => w.Id == p.WorkshopId && w.ProjectId == ProjectId)).Select(p => new { p.Id, p.DisplayName }).ToListAsync())
            Names[Guest + p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = $"{p.DisplayName} (workshop guest)";
    }
}
