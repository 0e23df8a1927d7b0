using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Coding;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Search;

/// <summary>
/// Keeps search in step with the texts it finds. Transcript lines are not copied: the database indexes
/// <c>TranscriptCues.Text</c> itself (an external-content FTS5 table kept by triggers on SQLite, a stored
/// generated tsvector with a GIN index on PostgreSQL), so inserting, editing or deleting a line — a
/// transcript save, a withdrawal, a deleted story — changes the index in the same statement with nothing
/// to remember here. What this class keeps: each line's <see cref="TranscriptCue.StartOffset"/> where a
/// writer did not set it, and the <see cref="SearchEntry"/> rows of the team's small texts (review
/// sheets, key quotes, memos), which are left out while held for review. Call it inside the same
/// transaction as the change (before SaveChanges/commit).
/// </summary>
public sealed class SearchIndex(StoryweaveDb db)
{
    /// <summary>
    /// Brings one story's search data up to date after its lines or team texts changed: each line's offset in
    /// the story's plain text (only lines whose offset moved are written; tracked, saved by the caller), and the
    /// entries of its review sheet, key quotes, and memos on the story or its passages (those held for review
    /// after a withdrawal are left out).
    /// </summary>
    public async Task ReindexStoryAsync(int projectId, int storyId, CancellationToken ct = default)
    {
        var cues = await db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync(ct);
        var offset = 0;
        foreach (var c in cues)
        {
            if (c.StartOffset != offset) c.StartOffset = offset;
            offset += c.Text.Length + 1; // cues are joined by "\n" in the story's plain text
        }

        await db.SearchEntries.Where(e => e.StoryId == storyId).ExecuteDeleteAsync(ct);
        var sheet = await db.ReviewSheets.AsNoTracking().SingleOrDefaultAsync(r => r.StoryId == storyId, ct);
        if (sheet is { HeldForReview: false })
        {
            var text = string.Join("\n", new[] { sheet.Ideas, sheet.ChangesForIndividuals, sheet.ChangesForOrganisations, sheet.ChangesForSociety }.Where(t => t.Length > 0));
            if (text.Length > 0)
                db.SearchEntries.Add(new SearchEntry { ProjectId = projectId, StoryId = storyId, Kind = SearchKind.ReviewSheet, SourceId = storyId, Text = text });
        }
        foreach (var q in await db.KeyQuotes.AsNoTracking().Where(q => q.StoryId == storyId).ToListAsync(ct))
            db.SearchEntries.Add(new SearchEntry { ProjectId = projectId, StoryId = storyId, Kind = SearchKind.KeyQuote, SourceId = q.Id, Speaker = q.Speaker, StartSeconds = q.StartSeconds, StartOffset = q.StartOffset, Text = q.Text });

        var passageIds = db.Passages.Where(p => p.StoryId == storyId).Select(p => p.Id);
        var memos = await db.Memos.AsNoTracking()
            .Where(m => m.ProjectId == projectId && !m.HeldForReview && ((m.TargetType == MemoTarget.Story && m.TargetId == storyId) || (m.TargetType == MemoTarget.Passage && passageIds.Contains(m.TargetId))))
            .ToListAsync(ct);
        foreach (var m in memos)
            db.SearchEntries.Add(new SearchEntry { ProjectId = projectId, StoryId = storyId, Kind = SearchKind.Memo, SourceId = m.Id, Text = m.Text });
    }

    /// <summary>
    /// Where each of a story's lines starts in its plain text (the lines joined by "\n"), for writers that
    /// set <see cref="TranscriptCue.StartOffset"/> as they write (the bulk import), starting at <paramref name="from"/>.
    /// </summary>
    public static void SetOffsets(IEnumerable<TranscriptCue> lines, int from = 0)
    {
        var offset = from;
        foreach (var line in lines)
        {
            line.StartOffset = offset;
            offset += line.Text.Length + 1;
        }
    }

    /// <summary>
    /// One memo's entry after the memo was written or changed (none while it is held for review). Coding
    /// itself changes nothing that is searched, so a memo is the only thing a coding action re-indexes:
    /// rebuilding the whole story's entries on every coded passage cost hundreds of rows per request.
    /// </summary>
    public async Task PutMemoAsync(Memo memo, int? storyId, CancellationToken ct = default)
    {
        await RemoveMemosAsync(memo.ProjectId, [memo.Id], ct);
        if (!memo.HeldForReview)
            db.SearchEntries.Add(new SearchEntry { ProjectId = memo.ProjectId, StoryId = storyId, Kind = SearchKind.Memo, SourceId = memo.Id, Text = memo.Text });
    }

    /// <summary>Takes deleted memos out of search.</summary>
    public async Task RemoveMemosAsync(int projectId, IReadOnlyCollection<int> memoIds, CancellationToken ct = default)
    {
        if (memoIds.Count == 0) return;
        var ids = memoIds.Select(id => (long)id).ToList();
        await db.SearchEntries.Where(e => e.ProjectId == projectId && e.Kind == SearchKind.Memo && ids.Contains(e.SourceId)).ExecuteDeleteAsync(ct);
    }

    /// <summary>Rebuilds the entries of memos on themes (they belong to no story).</summary>
    public async Task ReindexThemeMemosAsync(int projectId, CancellationToken ct = default)
    {
        await db.SearchEntries.Where(e => e.ProjectId == projectId && e.StoryId == null && e.Kind == SearchKind.Memo).ExecuteDeleteAsync(ct);
        foreach (var m in await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Theme && !m.HeldForReview).ToListAsync(ct))
            db.SearchEntries.Add(new SearchEntry { ProjectId = projectId, Kind = SearchKind.Memo, SourceId = m.Id, Text = m.Text });
    }
}
