using Storyweave.Features.Projects;

namespace Storyweave.Features.Search;

public static class SearchEndpoints
{
    public sealed record ResultDto(int StoryId, string StoryTitle, SearchKind Kind, string Snippet, string SnippetHtml, string Speaker, double? Start, int? StartOffset);

    /// <summary>
    /// <c>TotalIsCapped</c>: there are more matches than <c>Total</c>; only the best <c>MaxResults</c>
    /// (<see cref="SearchService.MaxCandidates"/>) are listed, so the pages end there.
    /// </summary>
    public sealed record ResultsDto(IReadOnlyList<ResultDto> Results, int Total, bool TotalIsCapped, int MaxResults, int Page, int PageSize);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects/{projectId:int}/search", async (int projectId, string? q, int? themeId, int? optionId, string? speaker, string? coderId, int? page,
            SearchService search, Audit.AccessLog accessLog, CancellationToken ct) =>
        {
            var outcome = await search.SearchAsync(projectId, q, new SearchService.Filters(themeId, optionId, NullIfEmpty(speaker), NullIfEmpty(coderId)), page ?? 1, ct);
            // That a search was made, never its words.
            await accessLog.RecordAsync(projectId, Audit.AccessActions.Searched, "search", null, ct);
            if (outcome.Error is not null) return ProjectEndpoints.Problem([outcome.Error]);
            return Results.Ok(new ResultsDto(
                outcome.Results.Select(h => new ResultDto(h.StoryId, h.StoryTitle, h.Kind, h.SnippetText, h.SnippetHtml, h.Speaker, h.Start, h.StartOffset)).ToList(),
                outcome.Total, outcome.TotalIsCapped, SearchService.MaxCandidates, outcome.Page, SearchService.PageSize));
        }).WithTags("Search").RequireAuthorization(Policies.ViewProject);
    }

    public static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
