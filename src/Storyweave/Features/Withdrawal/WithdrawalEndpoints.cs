using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Storytellers;

namespace Storyweave.Features.Withdrawal;

/// <summary>A lead withdraws a storyteller on their behalf: from some or all uses, or entirely. Leads only (Project.Manage).</summary>
public static class WithdrawalEndpoints
{
    public sealed record FromUseRequest(IReadOnlyList<ConsentUse>? Uses, string? HowTold);

    public sealed record EntirelyRequest(bool Confirm);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/storytellers/{storytellerId:int}/withdrawal").WithTags("Withdrawal");
        TeamTextEndpoints.Map(api);

        group.MapGet("", async (int projectId, int storytellerId, WithdrawalService withdrawal, CancellationToken ct) =>
            await withdrawal.ImpactAsync(projectId, storytellerId, ct) is { } impact ? Results.Ok(impact) : Results.NotFound())
            .RequireAuthorization(Policies.ManageProject);

        group.MapPost("/from-use", async (int projectId, int storytellerId, FromUseRequest r, WithdrawalService withdrawal, CurrentUser current, CancellationToken ct) =>
        {
            var result = await withdrawal.WithdrawFromUseAsync(projectId, storytellerId, r.Uses ?? [], WithdrawalActor.Lead(current.RequiredId), r.HowTold, ct);
            return result.Succeeded
                ? Results.Ok(StorytellerEndpoints.ToDto(result.Value!))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);

        group.MapPost("/entirely", async (int projectId, int storytellerId, EntirelyRequest r, WithdrawalService withdrawal, CurrentUser current, CancellationToken ct) =>
        {
            if (!r.Confirm)
                return ProjectEndpoints.Problem(["A full withdrawal deletes the person's recordings, transcript and details for good. Send \"confirm\": true to go ahead."], StatusCodes.Status422UnprocessableEntity);
            var result = await withdrawal.WithdrawEntirelyAsync(projectId, storytellerId, WithdrawalActor.Lead(current.RequiredId), ct);
            return result.Succeeded ? Results.Ok(result.Value) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);
    }
}
