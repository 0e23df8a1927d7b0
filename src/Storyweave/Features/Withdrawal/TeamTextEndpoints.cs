using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Withdrawal;

/// <summary>
/// Team writing held for review after a full withdrawal named the person (<see cref="TeamTextReview"/>,
/// decision 0008): list, keep (optionally with new words) or delete. Leads only.
/// </summary>
public static class TeamTextEndpoints
{
    public sealed record KeepRequest(string? Text);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/team-notes").WithTags("Withdrawal");

        group.MapGet("", async (int projectId, TeamTextReview review, CancellationToken ct) => Results.Ok(await review.ListAsync(projectId, ct)))
            .RequireAuthorization(Policies.ManageProject);

        group.MapPost("/{kind}/{id:int}/keep", async (int projectId, string kind, int id, KeepRequest? r, TeamTextReview review, CurrentUser current, CancellationToken ct) =>
            await review.KeepAsync(projectId, kind, id, r?.Text, current.RequiredId, ct) is { } refused
                ? ProjectEndpoints.Problem([refused.Message], refused.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status422UnprocessableEntity)
                : Results.NoContent())
            .RequireAuthorization(Policies.ManageProject);

        group.MapDelete("/{kind}/{id:int}", async (int projectId, string kind, int id, TeamTextReview review, CurrentUser current, CancellationToken ct) =>
            await review.DeleteAsync(projectId, kind, id, current.RequiredId, ct) is { } refused
                ? ProjectEndpoints.Problem([refused.Message], refused.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status422UnprocessableEntity)
                : Results.NoContent())
            .RequireAuthorization(Policies.ManageProject);
    }
}
