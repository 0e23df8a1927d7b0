using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Review;

public static class ReviewEndpoints
{
    public sealed record KeyQuoteDto(int Id, int StartOffset, int EndOffset, string Text, double? StartSeconds, double? EndSeconds, string Speaker);
    public sealed record SheetDto(int StoryId, string Ideas, string ChangesForIndividuals, string ChangesForOrganisations, string ChangesForSociety,
        Experience Experience, bool IsComplete, IReadOnlyList<int> ThemeIds, IReadOnlyList<KeyQuoteDto> KeyQuotes, DateTime? UpdatedAt, string? UpdatedByUserId);
    public sealed record QuoteRequest(long? CueId, string? Part, int? StartOffset, int? EndOffset);
    public sealed record SheetRequest(string? Ideas, string? ChangesForIndividuals, string? ChangesForOrganisations, string? ChangesForSociety,
        Experience Experience, bool IsComplete, IReadOnlyList<int>? ThemeIds, IReadOnlyList<QuoteRequest>? KeyQuotes);
    public sealed record StoryStatusDto(int StoryId, string Title, string Status, DateTime? UpdatedAt);
    public sealed record ProgressDto(int Stories, int Complete, int Started, string Summary, IReadOnlyList<StoryStatusDto> Items);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}").WithTags("Review sheets");

        group.MapGet("/stories/{storyId:int}/review", async (int projectId, int storyId, ReviewService reviews, StoryweaveDb db, CancellationToken ct) =>
        {
            if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return Results.NotFound();
            var sheet = await reviews.GetAsync(projectId, storyId, ct);
            // A story nobody has reviewed yet answers with an empty sheet, so clients need no special case.
            return Results.Ok(sheet is null ? new SheetDto(storyId, "", "", "", "", Experience.NotSaid, false, [], [], null, null) : ToDto(sheet));
        }).RequireAuthorization(Policies.ViewProject);

        group.MapPut("/stories/{storyId:int}/review", async (int projectId, int storyId, SheetRequest r, ReviewService reviews, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reviews.SaveAsync(projectId, storyId, new ReviewService.SheetInput(r.Ideas, r.ChangesForIndividuals, r.ChangesForOrganisations,
                r.ChangesForSociety, r.Experience, r.IsComplete, r.ThemeIds, (r.KeyQuotes ?? []).Select(q => new ReviewService.QuoteInput(q.CueId, q.Part, q.StartOffset, q.EndOffset)).ToList()),
                current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(ToDto(result.Value!)) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.GatherStories);

        group.MapGet("/review", async (int projectId, ReviewService reviews, CancellationToken ct) =>
        {
            var p = await reviews.ProgressAsync(projectId, ct);
            return Results.Ok(new ProgressDto(p.Stories, p.Complete, p.Started, ReviewText.Summary(p),
                p.Items.Select(i => new StoryStatusDto(i.StoryId, i.Title, ReviewText.Status(i), i.UpdatedAt)).ToList()));
        }).RequireAuthorization(Policies.ViewProject);
    }

    public static SheetDto ToDto(ReviewSheet s) => new(s.StoryId, s.Ideas, s.ChangesForIndividuals, s.ChangesForOrganisations, s.ChangesForSociety,
        s.Experience, s.IsComplete, s.Themes.Select(t => t.ThemeId).Order().ToList(),
        s.KeyQuotes.OrderBy(q => q.Position).Select(q => new KeyQuoteDto(q.Id, q.StartOffset, q.EndOffset, q.Text, q.StartSeconds, q.EndSeconds, q.Speaker)).ToList(),
        s.UpdatedAt, s.UpdatedByUserId);
}

/// <summary>Plain words for review status, shared by the pages and the API.</summary>
public static class ReviewText
{
    public static string Summary(ReviewService.Progress p) =>
        $"{p.Complete} of {p.Stories} {(p.Stories == 1 ? "story" : "stories")} reviewed";

    public static string Status(ReviewService.StoryStatus s) => s.Complete ? "Complete" : s.Started ? "In progress" : "Not started";

    public static string Label(Experience e) => e switch
    {
        Experience.Positive => "Positive",
        Experience.Negative => "Negative",
        Experience.Mixed => "Mixed",
        _ => "Not said",
    };
}
