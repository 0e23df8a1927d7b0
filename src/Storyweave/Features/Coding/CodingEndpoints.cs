using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Coding;

public static class CodingEndpoints
{
    public sealed record CodeRequest(int? StartOffset, int? EndOffset, IReadOnlyList<int>? ThemeIds);
    public sealed record SpeakerRequest(string? Speaker, IReadOnlyList<int>? ThemeIds);
    public sealed record MemoRequest(string? TargetType, int? TargetId, string? Text);
    public sealed record MemoEdit(string? Text);

    public static void Map(RouteGroupBuilder api)
    {
        var project = api.MapGroup("/projects/{projectId:int}").WithTags("Coding");

        // What the coding page refetches when told that events were appended: the current passages, not the events
        // (the event log itself is for leads only).
        project.MapGet("/stories/{storyId:int}/passages", async (int projectId, int storyId, string? coder, CodingService coding, CurrentUser current, CancellationToken ct) =>
        {
            var scope = await coding.ScopeAsync(projectId, ct);
            return Results.Ok(await coding.PassagesAsync(projectId, storyId, CoderFilter(coder, current), scope, ct));
        }).RequireAuthorization(Policies.ViewProject);

        project.MapPost("/stories/{storyId:int}/passages", async (int projectId, int storyId, CodeRequest r, CodingService coding, CurrentUser current, CancellationToken ct) =>
        {
            if (r.StartOffset is not { } start || r.EndOffset is not { } end) return Unprocessable(["Select some words of the transcript to code."]);
            var result = await coding.CodeSelectionAsync(projectId, storyId, start, end, r.ThemeIds ?? [], current.RequiredId, ct);
            return result.Succeeded ? Results.Ok(new { passageId = result.Value }) : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        project.MapPost("/stories/{storyId:int}/passages/by-speaker", async (int projectId, int storyId, SpeakerRequest r, CodingService coding, CurrentUser current, CancellationToken ct) =>
        {
            var result = await coding.CodeSpeakerAsync(projectId, storyId, r.Speaker, r.ThemeIds ?? [], current.RequiredId, ct);
            return result.Succeeded ? Results.Ok(new { passageIds = result.Value }) : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        project.MapDelete("/passages/{passageId:int}/themes/{themeId:int}", async (int projectId, int passageId, int themeId, CodingService coding, CurrentUser current, CancellationToken ct) =>
        {
            var result = await coding.RemoveThemeAsync(projectId, passageId, themeId, current.RequiredId, ct);
            return result.Succeeded ? Results.NoContent() : Results.NotFound(new ProjectEndpoints.ErrorsDto(result.Errors.Select(e => new ProjectEndpoints.ErrorDto(e)).ToList()));
        }).RequireAuthorization(Policies.Code);

        project.MapGet("/theme-counts", async (int projectId, int? storyId, CodingService coding, CancellationToken ct) =>
            Results.Ok(await coding.CountsAsync(projectId, storyId, await coding.ScopeAsync(projectId, ct), ct)))
            .RequireAuthorization(Policies.ViewProject);

        project.MapGet("/memos", async (int projectId, string? targetType, int? targetId, CodingService coding, CancellationToken ct) =>
        {
            if (ParseTarget(targetType) is not { } target || targetId is not { } id)
                return Unprocessable(["Say what the memos are about: targetType (story, passage or theme) and targetId."]);
            return Results.Ok(await coding.MemosAsync(projectId, target, id, ct));
        }).RequireAuthorization(Policies.Code);

        project.MapPost("/memos", async (int projectId, string? targetType, int? targetId, MemoRequest r, CodingService coding, CurrentUser current, CancellationToken ct) =>
        {
            // The target may come in the query string (as for GET) or in the body.
            if (ParseTarget(targetType ?? r.TargetType) is not { } target || (targetId ?? r.TargetId) is not { } id)
                return Unprocessable(["Say what the memo is about: targetType (story, passage or theme) and targetId."]);
            var result = await coding.AddMemoAsync(projectId, target, id, r.Text, current.RequiredId, ct);
            return result.Succeeded ? Results.Ok(new { memoId = result.Value }) : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        project.MapPut("/memos/{memoId:int}", async (int projectId, int memoId, MemoEdit r, CodingService coding, CurrentUser current, CancellationToken ct) =>
        {
            var result = await coding.EditMemoAsync(projectId, memoId, r.Text, current.RequiredId, ct);
            return result.Succeeded ? Results.NoContent() : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        project.MapDelete("/memos/{memoId:int}", async (int projectId, int memoId, CodingService coding, CurrentUser current, ProjectAccessService access, CancellationToken ct) =>
        {
            var mayDeleteAny = (await access.ForProjectAsync(projectId, ct)).CanManageProject;
            var result = await coding.DeleteMemoAsync(projectId, memoId, current.RequiredId, mayDeleteAny, ct);
            return result.Succeeded ? Results.NoContent() : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);
    }

    /// <summary>"me" means the caller; any other value is a user id; empty means everyone's coding.</summary>
    public static string? CoderFilter(string? coder, CurrentUser current) => coder switch
    {
        null or "" or "all" => null,
        "me" or "mine" => current.RequiredId,
        var id => id,
    };

    public static MemoTarget? ParseTarget(string? value) =>
        Enum.TryParse<MemoTarget>(value, ignoreCase: true, out var t) && Enum.IsDefined(t) ? t : null;

    private static IResult Unprocessable(IReadOnlyList<string> errors) => ProjectEndpoints.Problem(errors, StatusCodes.Status422UnprocessableEntity);
}
