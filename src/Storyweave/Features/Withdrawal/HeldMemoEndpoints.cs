using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Coding;
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

        group.MapGet("", async (int projectId, StoryweaveDb db, CancellationToken ct) =>
            Results.Ok(await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.HeldForReview).OrderBy(m => m.Id)
                .Select(m => new HeldMemoDto(m.Id, m.TargetType, m.TargetId, m.Text, m.UpdatedAt)).ToListAsync(ct)))
            .RequireAuthorization(Policies.ManageProject);

        group.MapPost("/{memoId:int}/keep", async (int projectId, int memoId, StoryweaveDb db, SearchIndex search, CancellationToken ct) =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var memo = await db.Memos.SingleOrDefaultAsync(m => m.Id == memoId && m.ProjectId == projectId, ct);
            if (memo is null) return ProjectEndpoints.Problem(["That memo is not there any more (it may have been deleted)."], StatusCodes.Status404NotFound);
            if (!memo.HeldForReview) return Results.NoContent();
            memo.HeldForReview = false;
            await db.SaveChangesAsync(ct);
            // Back in search, in the same transaction as the release.
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
            return Results.NoContent();
        }).RequireAuthorization(Policies.ManageProject);
    }
}
