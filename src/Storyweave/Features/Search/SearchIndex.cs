using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Coding;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Search;

/// <summary>
/// Keeps <see cref="SearchEntry"/> rows in step with the texts they copy. Call it inside the same
/// transaction as the change (before SaveChanges/commit), so the full-text index never holds words
/// that were edited out or deleted. Rebuilding one story's entries is cheap (a few hundred rows).
/// </summary>
public sealed class SearchIndex(StoryweaveDb db)
{
    /// <summary>Rebuilds the entries of one story (review sheets and memos held for review after a withdrawal are left out): its cues, review sheet, key quotes, and memos on the story or its passages.</summary>
    public async Task ReindexStoryAsync(int projectId, int storyId, CancellationToken ct = default)
    {
        await db.SearchEntries.Where(e => e.StoryId == storyId).ExecuteDeleteAsync(ct);

        var cues = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync(ct);
        var offset = 0;
        foreach (var c in cues)
        {
            if (c.Text.Length > 0)
                db.SearchEntries.Add(new SearchEntry { ProjectId = projectId, StoryId = storyId, Kind = SearchKind.Cue, SourceId = c.Id, Speaker = c.Speaker, StartSeconds = c.StartSeconds, StartOffset = offset, Text = c.Text });
            offset += c.Text.Length + 1; // cues are joined by "\n" in the story's plain text
        }

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
    /// Keeps a story's line entries in step after a transcript save that replaced the lines
    /// <paramref name="removedCueIds"/> (which began at <paramref name="startOffset"/> in the story's plain text
    /// and took <paramref name="removedChars"/> characters with their separators) by <paramref name="added"/>
    /// (saved, so they have ids): their entries are replaced and the entries of the lines after them move by
    /// the difference, so a one-line correction changes one entry, not the whole story's.
    /// </summary>
    public async Task ReplaceCuesAsync(int projectId, int storyId, IReadOnlyCollection<long> removedCueIds, IReadOnlyList<TranscriptCue> added, int startOffset, int removedChars, CancellationToken ct = default)
    {
        if (removedCueIds.Count > 0)
        {
            await db.SearchEntries.Where(e => e.StoryId == storyId && e.Kind == SearchKind.Cue && removedCueIds.Contains(e.SourceId)).ExecuteDeleteAsync(ct);
        }
        var offset = startOffset;
        var moveBy = added.Sum(c => c.Text.Length + 1) - removedChars;
        if (moveBy != 0)
        {
            var after = startOffset + removedChars;
            await db.SearchEntries.Where(e => e.StoryId == storyId && e.Kind == SearchKind.Cue && e.StartOffset >= after)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.StartOffset, e => e.StartOffset + moveBy), ct);
        }
        foreach (var c in added)
        {
            if (c.Text.Length > 0)
                db.SearchEntries.Add(new SearchEntry { ProjectId = projectId, StoryId = storyId, Kind = SearchKind.Cue, SourceId = c.Id, Speaker = c.Speaker, StartSeconds = c.StartSeconds, StartOffset = offset, Text = c.Text });
            offset += c.Text.Length + 1;
        }
    }

    /// <summary>
    /// The line entries of stories a bulk import has just made (their lines written, with ids), written in bulk
    /// in the caller's transaction (<see cref="BulkInsert"/>): the same entries <see cref="ReindexStoryAsync"/> makes
    /// for a story that has only lines.
    /// </summary>
    public async Task AddLinesOfNewStoriesAsync(int projectId, IReadOnlyList<(int StoryId, IReadOnlyList<TranscriptCue> Lines)> stories, CancellationToken ct = default)
    {
        var ids = await BulkInsert.AllocateIdsAsync(db, "SearchEntries", stories.Sum(s => s.Lines.Count(l => l.Text.Length > 0)), ct);
        IEnumerable<object?[]> Rows()
        {
            var next = 0;
            foreach (var (storyId, lines) in stories)
            {
                var offset = 0;
                foreach (var line in lines)
                {
                    if (line.Text.Length > 0)
                        yield return [ids[next++], projectId, storyId, nameof(SearchKind.Cue), line.Id, line.Speaker, line.StartSeconds, offset, line.Text];
                    offset += line.Text.Length + 1; // lines are joined by "\n" in the story's plain text
                }
            }
        }
        await BulkInsert.InsertAsync(db, "SearchEntries", EntryColumns, Rows(), ct);
    }

    private static readonly BulkInsert.Column[] EntryColumns =
    [
        new("Id", NpgsqlTypes.NpgsqlDbType.Bigint), new("ProjectId", NpgsqlTypes.NpgsqlDbType.Integer), new("StoryId", NpgsqlTypes.NpgsqlDbType.Integer),
        new("Kind", NpgsqlTypes.NpgsqlDbType.Varchar), new("SourceId", NpgsqlTypes.NpgsqlDbType.Bigint), new("Speaker", NpgsqlTypes.NpgsqlDbType.Varchar),
        new("StartSeconds", NpgsqlTypes.NpgsqlDbType.Double), new("StartOffset", NpgsqlTypes.NpgsqlDbType.Integer), new("Text", NpgsqlTypes.NpgsqlDbType.Text),
    ];

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
