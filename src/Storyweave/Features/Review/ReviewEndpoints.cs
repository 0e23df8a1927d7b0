using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Review;

public static class ReviewEndpoints
{
    public sealed record KeyQuoteDto(int Id, int StartOffset, int EndOffset, string Text, double? StartSeconds, double? EndSeconds, string Speaker);
    /// <summary>A theme in the reporter's own words; <paramref name="ThemeId"/> and <paramref name="ThemeName"/> once linked to the codebook.</summary>
    public sealed record NotedThemeDto(int Id, string Text, int? ThemeId, string? ThemeName);
    public sealed record SheetDto(int StoryId, string Ideas, string ChangesForIndividuals, string ChangesForOrganisations, string ChangesForSociety,
        Experience Experience, bool IsComplete, IReadOnlyList<int> ThemeIds, IReadOnlyList<KeyQuoteDto> KeyQuotes, DateTime? UpdatedAt, string? UpdatedByUserId,
        IReadOnlyList<NotedThemeDto> NotedThemes);
    public sealed record QuoteRequest(long? CueId, string? Part, int? StartOffset, int? EndOffset);
    public sealed record NotedThemeRequest(int? Id, string? Text, int? ThemeId);

    /// <summary><paramref name="NotedThemes"/>: the sheet's themes in the reporter's own words, all of them; leave it out to keep them as they are.</summary>
    public sealed record SheetRequest(string? Ideas, string? ChangesForIndividuals, string? ChangesForOrganisations, string? ChangesForSociety,
        Experience Experience, bool IsComplete, IReadOnlyList<int>? ThemeIds, IReadOnlyList<QuoteRequest>? KeyQuotes, IReadOnlyList<NotedThemeRequest>? NotedThemes = null);
    public sealed record LinkRequest(int? ThemeId);
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
            return Results.Ok(sheet is null ? new SheetDto(storyId, "", "", "", "", Experience.NotSaid, false, [], [], null, null, []) : ToDto(sheet));
        }).RequireAuthorization(Policies.ViewProject);

        group.MapPut("/stories/{storyId:int}/review", async (int projectId, int storyId, SheetRequest r, ReviewService reviews, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reviews.SaveAsync(projectId, storyId, new ReviewService.SheetInput(r.Ideas, r.ChangesForIndividuals, r.ChangesForOrganisations,
                r.ChangesForSociety, r.Experience, r.IsComplete, r.ThemeIds, (r.KeyQuotes ?? []).Select(q => new ReviewService.QuoteInput(q.CueId, q.Part, q.StartOffset, q.EndOffset)).ToList(),
                r.NotedThemes?.Select(n => new ReviewService.NotedThemeInput(n.Id, n.Text, n.ThemeId)).ToList()),
                current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(ToDto(result.Value!)) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.GatherStories);

        // One key quote at a time, leaving the rest of the sheet as it is (the page picks quotes this way, in place).
        group.MapPost("/stories/{storyId:int}/review/key-quotes", async (int projectId, int storyId, QuoteRequest r, ReviewService reviews, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reviews.AddKeyQuoteAsync(projectId, storyId, new ReviewService.QuoteInput(r.CueId, r.Part, r.StartOffset, r.EndOffset), current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            var q = result.Value!;
            return Results.Created($"/api/projects/{projectId}/stories/{storyId}/review/key-quotes/{q.Id}", ToDto(q));
        }).RequireAuthorization(Policies.GatherStories);

        group.MapDelete("/stories/{storyId:int}/review/key-quotes/{keyQuoteId:int}", async (int projectId, int storyId, int keyQuoteId, ReviewService reviews, CurrentUser current, CancellationToken ct) =>
            await reviews.RemoveKeyQuoteAsync(projectId, storyId, keyQuoteId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.GatherStories);

        // Link a theme noted in the reporter's own words to a codebook theme once there is one (themeId null unlinks it).
        group.MapPut("/stories/{storyId:int}/review/noted-themes/{notedThemeId:int}", async (int projectId, int storyId, int notedThemeId, LinkRequest r, ReviewService reviews, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reviews.LinkNotedThemeAsync(projectId, storyId, notedThemeId, r.ThemeId, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            return Results.Ok(ToDto((await reviews.GetAsync(projectId, storyId, ct))!));
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
        s.KeyQuotes.OrderBy(q => q.Position).Select(ToDto).ToList(),
        s.UpdatedAt, s.UpdatedByUserId,
        s.NotedThemes.OrderBy(n => n.Position).Select(n => new NotedThemeDto(n.Id, n.Text, n.ThemeId, n.Theme?.Name)).ToList());

    public static KeyQuoteDto ToDto(KeyQuote q) => new(q.Id, q.StartOffset, q.EndOffset, q.Text, q.StartSeconds, q.EndSeconds, q.Speaker);
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
