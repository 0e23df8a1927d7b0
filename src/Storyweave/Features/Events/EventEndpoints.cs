using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Events;

public static class EventEndpoints
{
    public sealed record EventDto(long Id, string Action, string? ActorUserId, string? ObjectType, string? ObjectId, string? Detail, DateTime OccurredAt);

    public static void Map(RouteGroupBuilder api)
    {
        // "Events after N": a client that reconnects asks for what it missed.
        api.MapGet("/projects/{projectId:int}/events", async (int projectId, long? after, int? limit, StoryweaveDb db, CancellationToken ct) =>
        {
            var take = Math.Clamp(limit ?? 200, 1, 1000);
            var rows = await db.Events.AsNoTracking()
                .Where(e => e.ProjectId == projectId && e.Id > (after ?? 0))
                .OrderBy(e => e.Id).Take(take)
                .Select(e => new EventDto(e.Id, e.Action, e.ActorUserId, e.ObjectType, e.ObjectId, e.Detail, e.OccurredAt))
                .ToListAsync(ct);
            return Results.Ok(rows);
        }).WithTags("Events").RequireAuthorization(Policies.ViewAudit);
    }
}
