using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Redaction;

public static class RedactionEndpoints
{
    public sealed record RuleDto(int Id, string Term, string Replacement, DateTime CreatedAt);
    public sealed record RuleRequest(string? Term, string? Replacement);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/redaction").WithTags("Redaction");

        group.MapGet("/rules", async (int projectId, RedactionService redaction, CancellationToken ct) =>
            Results.Ok((await redaction.ListAsync(projectId, ct)).Select(ToDto).ToList())).RequireAuthorization(Policies.ViewProject);

        group.MapPost("/rules", async (int projectId, RuleRequest r, RedactionService redaction, CurrentUser current, CancellationToken ct) =>
        {
            var result = await redaction.AddAsync(projectId, r.Term, r.Replacement, current.RequiredId, ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/redaction/rules/{result.Value!.Id}", ToDto(result.Value))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);

        group.MapPut("/rules/{ruleId:int}", async (int projectId, int ruleId, RuleRequest r, RedactionService redaction, CurrentUser current, CancellationToken ct) =>
        {
            var result = await redaction.UpdateAsync(projectId, ruleId, r.Term, r.Replacement, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(ToDto(result.Value!)) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);

        group.MapDelete("/rules/{ruleId:int}", async (int projectId, int ruleId, RedactionService redaction, CurrentUser current, CancellationToken ct) =>
            await redaction.DeleteAsync(projectId, ruleId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.ManageProject);

        // Suggestions quote lines of transcripts, so only those who edit the rules see them.
        group.MapGet("/suggestions", async (int projectId, RedactionSuggestions suggestions, CancellationToken ct) =>
            Results.Ok(await suggestions.FindAsync(projectId, ct))).RequireAuthorization(Policies.ManageProject);

        group.MapGet("/check", async (int projectId, RedactionCheck check, CancellationToken ct) =>
            Results.Ok(await check.RunAsync(projectId, ct))).RequireAuthorization(Policies.ViewProject);
    }

    public static RuleDto ToDto(RedactionRule r) => new(r.Id, r.Term, r.Replacement, r.CreatedAt);
}
