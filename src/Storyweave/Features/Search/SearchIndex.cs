using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Coding;

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

    /// <summary>Rebuilds the entries of memos on themes (they belong to no story).</summary>
    public async Task ReindexThemeMemosAsync(int projectId, CancellationToken ct = default)
    {
        await db.SearchEntries.Where(e => e.ProjectId == projectId && e.StoryId == null && e.Kind == SearchKind.Memo).ExecuteDeleteAsync(ct);
        foreach (var m in await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Theme && !m.HeldForReview).ToListAsync(ct))
            db.SearchEntries.Add(new SearchEntry { ProjectId = projectId, Kind = SearchKind.Memo, SourceId = m.Id, Text = m.Text });
    }
}
