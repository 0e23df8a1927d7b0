using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Findings;

public static class FindingsEndpoints
{
    /// <summary>Both halves of the findings page. Every count is a <see cref="GuardedCount"/>: read <c>display</c>; <c>value</c> is null when the guard hides it.</summary>
    public sealed record FindingsDto(WhoTold WhoTold, ThemeFindings Themes);
    public sealed record ThresholdRequest(int? Threshold);
    public sealed record ThresholdDto(int Threshold, string Note);

    public static void Map(WebApplication app, RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/findings").WithTags("Findings");

        group.MapGet("", async (int projectId, int? crossTabQuestionId, FindingsService findings, CancellationToken ct) =>
            Results.Ok(new FindingsDto(await findings.WhoToldAsync(projectId, ct), await findings.ThemesAsync(projectId, crossTabQuestionId, ct))))
            .RequireAuthorization(Policies.ViewProject);

        group.MapPut("/small-numbers", async (int projectId, ThresholdRequest request, FindingsService findings, CurrentUser current, CancellationToken ct) =>
        {
            var result = await findings.SetThresholdAsync(projectId, request.Threshold, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded
                ? Results.Ok(new ThresholdDto(result.Value, new SmallNumberGuard(result.Value).Note))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);

        // Chart downloads for people (not JSON): the same figures as the page, guard applied.
        var charts = app.MapGroup("/projects/{projectId:int}/findings/charts");
        foreach (var format in new[] { "svg", "png" })
        {
            charts.MapGet($"/questions/{{questionId:int}}.{format}", async (int projectId, int questionId, FindingsService findings, HttpContext http, CancellationToken ct) =>
            {
                var who = await findings.WhoToldAsync(projectId, ct);
                if (who.Questions.FirstOrDefault(q => q.QuestionId == questionId) is not { } question) return Results.NotFound();
                return Chart(http, FindingsCharts.ForQuestion(question, who.Threshold), format, $"question-{questionId}");
            }).RequireAuthorization(Policies.ViewProject);

            charts.MapGet($"/themes.{format}", async (int projectId, FindingsService findings, HttpContext http, CancellationToken ct) =>
                Chart(http, FindingsCharts.ForThemes(await findings.ThemesAsync(projectId, null, ct)), format, "themes"))
                .RequireAuthorization(Policies.ViewProject);

            charts.MapGet($"/cross-tab/{{questionId:int}}.{format}", async (int projectId, int questionId, FindingsService findings, HttpContext http, CancellationToken ct) =>
            {
                var themes = await findings.ThemesAsync(projectId, questionId, ct);
                if (themes.CrossTab is not { } crossTab) return Results.NotFound();
                var map = FindingsCharts.ForCrossTab(crossTab, themes.Threshold);
                NoStore(http, $"cross-tab-{questionId}.{format}");
                return format == "svg"
                    ? Results.Text(FindingsCharts.ToSvg(map, "chart"), "image/svg+xml; charset=utf-8")
                    : Results.File(FindingsCharts.ToPng(map), "image/png");
            }).RequireAuthorization(Policies.ViewProject);
        }
    }

    private static IResult Chart(HttpContext http, BarChart chart, string format, string name)
    {
        NoStore(http, $"{name}.{format}");
        return format == "svg"
            ? Results.Text(FindingsCharts.ToSvg(chart, "chart"), "image/svg+xml; charset=utf-8")
            : Results.File(FindingsCharts.ToPng(chart), "image/png");
    }

    private static void NoStore(HttpContext http, string fileName)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "private, no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentDisposition = $"attachment; filename=\"findings-{fileName}\"";
    }
}
