using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Codebook;

public static class CodebookEndpoints
{
    public sealed record ThemeDto(int Id, int? ParentId, string Name, string Description, string Color, string ShortLabel, int Position, string Origin,
        int Passages, int Stories, IReadOnlyList<ThemeDto> Children);
    public sealed record ThemeRequest(string? Name, string? Description, string? Color, string? ShortLabel, int? ParentId);
    public sealed record MoveRequest(int? ParentId, int? Position);
    public sealed record MergeRequest(int IntoThemeId);
    public sealed record SplitPartRequest(string? Name, IReadOnlyList<int>? PassageIds);
    public sealed record SplitRequest(IReadOnlyList<SplitPartRequest>? Parts);
    public sealed record CopyRequest(int SourceProjectId);
    public sealed record ImpactDto(int Passages, int ReviewSheets, int SubThemes);
    public sealed record ChangeDto(long Id, string Kind, string Summary, DateTime At, string? ActorUserId, DateTime? UndoneAt, bool CanUndo);
    public sealed record CreatedDto(IReadOnlyList<int> ThemeIds);

    public sealed record ImportLineDto(string Name, int Depth, string Action);
    public sealed record ImportPlanDto(int Adding, int Matching, IReadOnlyList<ImportLineDto> Codes);

    public const string QdcEmptyMessage = "The codebook has no themes yet, and a codebook file needs at least one.";

    public static string QdcFileName(Projects.Project project) => $"{project.Slug}-codebook.qdc";

    public static ImportPlanDto ToDto(CodebookService.ImportPlan plan) =>
        new(plan.Adding, plan.Matching, plan.Lines.Select(l => new ImportLineDto(l.Name, l.Depth, l.Action switch
        {
            CodebookService.ImportAction.Add => "add",
            CodebookService.ImportAction.MatchedById => "matched-by-id",
            _ => "matched-by-name",
        })).ToList());

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/codebook").WithTags("Codebook");

        group.MapGet("", async (int projectId, CodebookService codebook, CancellationToken ct) =>
            Results.Ok((await codebook.TreeAsync(projectId, ct)).Select(ToDto).ToList()))
            .RequireAuthorization(Policies.ViewProject);

        // REFI-QDA codebook exchange (.qdc): see QdcCodebook.
        group.MapGet("/export.qdc", async (int projectId, StoryweaveDb db, CodebookService codebook, CancellationToken ct) =>
        {
            var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
            if (project is null) return Results.NotFound();
            var tree = await codebook.TreeAsync(projectId, ct);
            if (tree.Count == 0) return Results.Problem(detail: QdcEmptyMessage, statusCode: StatusCodes.Status409Conflict);
            return Results.File(QdcCodebook.Write(project, tree), QdcCodebook.ContentType, QdcFileName(project));
        }).RequireAuthorization(Policies.ViewProject);

        // The body is the file itself (a .qdc, or a .qdpx/.qde whose codebook is read); ?preview=true changes nothing.
        group.MapPost("/import", async (int projectId, string? name, bool? preview, HttpRequest request, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
        {
            var book = await QdcCodebook.ReadAsync(request.Body, string.IsNullOrWhiteSpace(name) ? "the file" : name.Trim(), ct);
            if (!book.Succeeded) return Unprocessable(book.Errors);
            if (preview == true)
                return (await codebook.PlanImportAsync(projectId, book.Value!, ct)) is { } plan ? Results.Ok(ToDto(plan)) : Results.NotFound();
            var result = await codebook.ImportAsync(projectId, book.Value!, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(ToDto(result.Value!)) : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        group.MapPost("/themes", async (int projectId, ThemeRequest r, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
        {
            var result = await codebook.CreateAsync(projectId, Input(r), current.RequiredId, ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/codebook/themes/{result.Value!.Id}", new CreatedDto([result.Value.Id]))
                : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        group.MapPut("/themes/{themeId:int}", async (int projectId, int themeId, ThemeRequest r, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
            Answer(await codebook.EditAsync(projectId, themeId, Input(r), current.RequiredId, ct)))
            .RequireAuthorization(Policies.Code);

        group.MapPost("/themes/{themeId:int}/move", async (int projectId, int themeId, MoveRequest r, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
            Answer(await codebook.MoveAsync(projectId, themeId, r.ParentId, r.Position, current.RequiredId, ct)))
            .RequireAuthorization(Policies.Code);

        group.MapPost("/themes/{themeId:int}/merge", async (int projectId, int themeId, MergeRequest r, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
            Answer(await codebook.MergeAsync(projectId, themeId, r.IntoThemeId, current.RequiredId, ct)))
            .RequireAuthorization(Policies.Code);

        group.MapPost("/themes/{themeId:int}/split", async (int projectId, int themeId, SplitRequest r, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
        {
            var result = await codebook.SplitAsync(projectId, themeId, (r.Parts ?? []).Select(p => new CodebookService.SplitPart(p.Name, p.PassageIds)).ToList(), current.RequiredId, ct: ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(new CreatedDto(result.Value!.Select(t => t.Id).ToList())) : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        // Without ?confirm=true nothing changes: the answer is what the delete would affect, to show first.
        group.MapDelete("/themes/{themeId:int}", async (int projectId, int themeId, bool? confirm, string? subThemes, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
        {
            if (confirm != true)
            {
                var impact = await codebook.ImpactAsync(projectId, themeId, ct);
                return impact is null ? Results.NotFound() : Results.Ok(new ImpactDto(impact.Passages, impact.ReviewSheets, impact.SubThemes));
            }
            var result = await codebook.DeleteAsync(projectId, themeId, subThemes, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.NoContent() : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        group.MapPost("/templates/{templateKey}", async (int projectId, string templateKey, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
        {
            var result = await codebook.ApplyTemplateAsync(projectId, templateKey, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(new CreatedDto(result.Value!.Select(t => t.Id).ToList())) : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        group.MapPost("/copy", async (int projectId, CopyRequest r, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
        {
            var result = await codebook.CopyFromAsync(projectId, r.SourceProjectId, current.RequiredId, ct);
            // A project the caller cannot see answers like one that does not exist.
            if (result is null) return Unprocessable(["There is no project you can see with that number."]);
            return result.Succeeded ? Results.Ok(new CreatedDto(result.Value!.Select(t => t.Id).ToList())) : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);

        group.MapGet("/changes", async (int projectId, CodebookService codebook, CancellationToken ct) =>
            Results.Ok((await codebook.ChangesAsync(projectId, 200, ct)).Select(c =>
                new ChangeDto(c.Change.Id, c.Change.Kind, c.Summary, c.Change.At, c.Change.ActorUserId, c.Change.UndoneAt, c.CanUndo)).ToList()))
            .RequireAuthorization(Policies.Code);

        group.MapPost("/changes/{changeId:long}/undo", async (int projectId, long changeId, CodebookService codebook, CurrentUser current, CancellationToken ct) =>
        {
            var result = await codebook.UndoAsync(projectId, changeId, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.NoContent() : Unprocessable(result.Errors);
        }).RequireAuthorization(Policies.Code);
    }

    private static CodebookService.ThemeInput Input(ThemeRequest r) => new(r.Name, r.Description, r.Color, r.ShortLabel, r.ParentId);

    private static IResult Unprocessable(IEnumerable<string> errors) => ProjectEndpoints.Problem(errors, StatusCodes.Status422UnprocessableEntity);

    private static IResult Answer(Result<Theme>? result) =>
        result is null ? Results.NotFound() : result.Succeeded ? Results.Ok(new CreatedDto([result.Value!.Id])) : Unprocessable(result.Errors);

    public static ThemeDto ToDto(CodebookService.ThemeNode n) => new(n.Theme.Id, n.Theme.ParentId, n.Theme.Name, n.Theme.Description, n.Theme.Color,
        n.Theme.ShortLabel, n.Theme.Position, n.Theme.Origin, n.Passages, n.Stories, n.Children.Select(ToDto).ToList());
}
