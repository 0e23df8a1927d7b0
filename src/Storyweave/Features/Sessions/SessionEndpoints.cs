using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Sessions;

public static class SessionEndpoints
{
    public sealed record SessionDto(int Id, DateOnly Date, SessionMode Mode, string? ReporterUserId, string ConversationStarterUsed, string Notes, int? StoryId, IReadOnlyList<int> StorytellerIds);
    public sealed record SessionRequest(string? Title, DateOnly? Date, SessionMode Mode, string? ReporterUserId, string? ConversationStarterUsed, string? Notes, IReadOnlyList<int>? StorytellerIds);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}").WithTags("Sessions");

        group.MapGet("/sessions", async (int projectId, StoryweaveDb db, CancellationToken ct) =>
            Results.Ok(await db.Sessions.AsNoTracking().Where(s => s.ProjectId == projectId).OrderBy(s => s.Date).ThenBy(s => s.Id)
                .Select(s => new SessionDto(s.Id, s.Date, s.Mode, s.ReporterUserId, s.ConversationStarterUsed, s.Notes,
                    s.Story == null ? null : s.Story.Id, s.Story == null ? new List<int>() : s.Story.Storytellers.Select(x => x.StorytellerId).ToList()))
                .ToListAsync(ct)))
            .RequireAuthorization(Policies.ViewProject);

        group.MapPost("/sessions", async (int projectId, SessionRequest r, SessionService sessions, CurrentUser current, CancellationToken ct) =>
        {
            var result = await sessions.CreateAsync(projectId, new SessionService.SessionInput(r.Title, r.Date, r.Mode, r.ReporterUserId, r.ConversationStarterUsed, r.Notes, r.StorytellerIds ?? []), current.RequiredId, ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/stories/{result.Value!.Id}", new { storyId = result.Value.Id, sessionId = result.Value.SessionId })
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.GatherStories);

        group.MapGet("/counts", async (int projectId, SessionService sessions, CancellationToken ct) => Results.Ok(await sessions.CountAsync(projectId, ct)))
            .RequireAuthorization(Policies.ViewProject);
    }
}
