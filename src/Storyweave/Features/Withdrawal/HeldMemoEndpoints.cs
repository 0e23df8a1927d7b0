using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Coding;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Features.Search;

namespace Storyweave.Features.Withdrawal;

/// <summary>
/// Memos held for review after a full withdrawal named the person (<see cref="Memo.HeldForReview"/>).
/// A lead lists them and, for each, keeps it as it is ("reviewed, keep": back in search), or edits or
/// deletes it with the ordinary memo endpoints (an edited memo stays held until it is kept). Leads only.
/// </summary>
public static class HeldMemoEndpoints
{
    public sealed record HeldMemoDto(int Id, MemoTarget TargetType, int TargetId, string Text, DateTime UpdatedAt);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/held-memos").WithTags("Withdrawal");

        group.MapGet("", async (int projectId, StoryweaveDb db, CancellationToken ct) => Results.Ok(await ListAsync(db, projectId, ct)))
            .RequireAuthorization(Policies.ManageProject);

        group.MapPost("/{memoId:int}/keep", async (int projectId, int memoId, StoryweaveDb db, SearchIndex search, TimeProvider clock, CurrentUser current, CancellationToken ct) =>
            await KeepAsync(db, search, clock, projectId, memoId, null, current.RequiredId, ct) is { } error
                ? ProjectEndpoints.Problem([error], StatusCodes.Status404NotFound)
                : Results.NoContent())
            .RequireAuthorization(Policies.ManageProject);
    }

    public static Task<List<HeldMemoDto>> ListAsync(StoryweaveDb db, int projectId, CancellationToken ct) =>
        db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.HeldForReview).OrderBy(m => m.Id)
            .Select(m => new HeldMemoDto(m.Id, m.TargetType, m.TargetId, m.Text, m.UpdatedAt)).ToListAsync(ct);

    /// <summary>
    /// "Reviewed, keep" (with <paramref name="newText"/> null) or "edit" (the lead's new text, then kept):
    /// the memo is released and back in search, in one transaction. Returns an error message, or null.
    /// </summary>
    public static async Task<string?> KeepAsync(StoryweaveDb db, SearchIndex search, TimeProvider clock, int projectId, int memoId, string? newText, string userId, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var memo = await db.Memos.SingleOrDefaultAsync(m => m.Id == memoId && m.ProjectId == projectId, ct);
        if (memo is null) return "That memo is not there any more (it may have been deleted).";
        if (newText is not null)
        {
            var body = newText.Trim();
            if (body.Length == 0) return "Write something in the memo, or delete it.";
            if (body.Length > CodingService.MaxMemoLength) return $"A memo can be at most {CodingService.MaxMemoLength:N0} characters long.";
            memo.Text = body;
            memo.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        }
        memo.HeldForReview = false;
        db.Record(clock, projectId, userId, newText is null ? "memo.review-kept" : "memo.review-edited", "memo", memo.Id);
        await db.SaveChangesAsync(ct);
        var storyId = memo.TargetType switch
        {
            MemoTarget.Story => (int?)memo.TargetId,
            MemoTarget.Passage => await db.Passages.Where(p => p.Id == memo.TargetId).Select(p => (int?)p.StoryId).SingleOrDefaultAsync(ct),
            _ => null,
        };
        if (storyId is { } id) await search.ReindexStoryAsync(projectId, id, ct);
        else if (memo.TargetType == MemoTarget.Theme) await search.ReindexThemeMemosAsync(projectId, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return null;

    }
}
