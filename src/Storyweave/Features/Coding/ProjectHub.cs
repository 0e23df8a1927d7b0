using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Coding;

/// <summary>
/// Live updates for a project's pages at /hubs/project. It only says "these event ids were
/// appended"; browsers then fetch what they need through the API, where the usual policies apply.
/// The hub URL carries no projectId, so the project policies cannot run on connect: membership is
/// checked here on every <see cref="JoinProject"/>.
/// </summary>
[Authorize(Policy = Policies.SignedIn)]
public sealed class ProjectHub(StoryweaveDb db) : Hub
{
    public const string EventsAppended = "eventsAppended";

    public sealed record EventsAppendedMessage(int ProjectId, int? StoryId, IReadOnlyList<long> EventIds);

    public static string GroupName(int projectId) => $"project-{projectId}";

    public async Task JoinProject(int projectId)
    {
        var userId = Context.User?.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) throw new HubException("Sign in to follow this project.");
        // Read from the database on every join (as the project policies do), so a removed member cannot rejoin.
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsAdmin }).SingleOrDefaultAsync(Context.ConnectionAborted);
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.ArchivedAt, Role = p.Members.Where(m => m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault() })
            .SingleOrDefaultAsync(Context.ConnectionAborted);
        var access = project is null || user is null ? ProjectAccess.None : new ProjectAccess(project.Role, user.IsAdmin, project.ArchivedAt is not null);
        if (!access.CanView) throw new HubException("You are not a member of this project.");
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupName(projectId), Context.ConnectionAborted);
    }

    public Task LeaveProject(int projectId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupName(projectId), Context.ConnectionAborted);
}
