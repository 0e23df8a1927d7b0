using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Events;
using Storyweave.Features.Review;
using Storyweave.Features.Search;
using Storyweave.Features.Workshops;

namespace Storyweave.Features.Withdrawal;

/// <summary>
/// Team-written text that names a storyteller who withdrew entirely (decision 0008): memos, review
/// sheets, workshop sticky notes and codebook themes. A withdrawal holds every such item of the project
/// (a flag on the item itself, so <see cref="SearchIndex"/> and the board leave it out whenever they are
/// built); a lead then keeps, edits or deletes each one on the "Team notes to review" page.
/// </summary>
public sealed class TeamTextReview(StoryweaveDb db, SearchIndex search, CodingService coding, TimeProvider clock)
{
    public const string MemoKind = "memo", ReviewSheetKind = "review-sheet", StickyNoteKind = "sticky-note", ThemeKind = "theme";

    /// <summary>One held item. <paramref name="Editable"/>: its text can be changed here; otherwise <paramref name="OpenUrl"/> is where it is edited.</summary>
    public sealed record HeldItem(string Kind, int Id, string Where, string Text, string? OpenUrl, bool Editable, bool Deletable);

    /// <summary>Why a keep or delete was refused; <paramref name="NotFound"/> when there is no such held item.</summary>
    public sealed record Refusal(string Message, bool NotFound = false);

    public sealed record HoldCounts(int Memos, int ReviewSheets, int StickyNotes, int Themes)
    {
        public int Total => Memos + ReviewSheets + StickyNotes + Themes;

        /// <summary>"2 memos and 1 sticky note".</summary>
        public string Describe()
        {
            var parts = new[] { (Memos, "memo"), (ReviewSheets, "review sheet"), (StickyNotes, "sticky note"), (Themes, "codebook theme") }
                .Where(p => p.Item1 > 0).Select(p => $"{p.Item1} {p.Item2}{(p.Item1 == 1 ? "" : "s")}").ToList();
            return parts.Count <= 1 ? string.Concat(parts) : $"{string.Join(", ", parts[..^1])} and {parts[^1]}";
        }
    }

    /// <summary>
    /// The forms of a withdrawn person's name that team text may use: the full name, each part of it
    /// of three letters or more (notes usually say only a first name) and their pseudonym. A part that
    /// is also an ordinary word holds a few items too many; a lead releases those in one click, while an
    /// item missed would keep naming the person.
    /// </summary>
    public static IReadOnlyList<string> NamesOf(string name, string? pseudonym)
    {
        var names = new List<string>();
        foreach (var n in new[] { name, pseudonym })
        {
            if (string.IsNullOrWhiteSpace(n)) continue;
            names.Add(n.Trim());
            names.AddRange(n.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(part => part.Length >= 3));
        }
        return [.. names.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Whether a text names one of <paramref name="names"/> as a whole word, ignoring case.</summary>
    public static bool Mentions(string? text, IReadOnlyList<string> names) =>
        !string.IsNullOrEmpty(text) && names.Any(n => Regex.IsMatch(text, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(n)}(?![\p{{L}}\p{{N}}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));

    /// <summary>
    /// Holds every item of the project that names the person and removes the search entries of those
    /// that are searchable. Every item of the project is read, not only those on their stories: a memo on
    /// a theme or a review sheet of another person's story can name them too. Runs inside the
    /// withdrawal's transaction, before the person's name is wiped.
    /// </summary>
    public async Task<HoldCounts> HoldNamingAsync(int projectId, IReadOnlyList<string> names, CancellationToken ct)
    {
        var memos = (await db.Memos.Where(m => m.ProjectId == projectId && !m.HeldForReview).ToListAsync(ct)).Where(m => Mentions(m.Text, names)).ToList();
        foreach (var m in memos) m.HeldForReview = true;
        var memoIds = memos.Select(m => (long)m.Id).ToList();
        await db.SearchEntries.Where(e => e.ProjectId == projectId && e.Kind == SearchKind.Memo && memoIds.Contains(e.SourceId)).ExecuteDeleteAsync(ct);

        var sheets = (await db.ReviewSheets.Where(r => r.ProjectId == projectId && !r.HeldForReview).ToListAsync(ct))
            .Where(r => Mentions(r.Ideas, names) || Mentions(r.ChangesForIndividuals, names) || Mentions(r.ChangesForOrganisations, names) || Mentions(r.ChangesForSociety, names)).ToList();
        foreach (var r in sheets) r.HeldForReview = true;
        var sheetStoryIds = sheets.Select(r => (long)r.StoryId).ToList();
        await db.SearchEntries.Where(e => e.ProjectId == projectId && e.Kind == SearchKind.ReviewSheet && sheetStoryIds.Contains(e.SourceId)).ExecuteDeleteAsync(ct);

        var workshopIds = db.Workshops.Where(w => w.ProjectId == projectId).Select(w => w.Id);
        var notes = (await db.WorkshopCards.Where(c => workshopIds.Contains(c.WorkshopId) && c.Kind == CardKind.Note && !c.HeldForReview).ToListAsync(ct))
            .Where(c => Mentions(c.NoteText, names)).ToList();
        foreach (var c in notes)
        {
            c.HeldForReview = true;
            c.Version++; // a board that still shows the note cannot move it on a stale version
        }

        var themes = (await db.Themes.Where(t => t.ProjectId == projectId && t.DeletedAt == null && !t.HeldForReview).ToListAsync(ct))
            .Where(t => Mentions(t.Name, names) || Mentions(t.Description, names)).ToList();
        foreach (var t in themes) t.HeldForReview = true;

        await db.SaveChangesAsync(ct);
        return new HoldCounts(memos.Count, sheets.Count, notes.Count, themes.Count);
    }

    /// <summary>How many items wait for a lead (the project overview shows this to leads).</summary>
    public static async Task<int> CountAsync(StoryweaveDb db, int projectId, CancellationToken ct)
    {
        var workshopIds = db.Workshops.Where(w => w.ProjectId == projectId).Select(w => w.Id);
        return await db.Memos.CountAsync(m => m.ProjectId == projectId && m.HeldForReview, ct)
            + await db.ReviewSheets.CountAsync(r => r.ProjectId == projectId && r.HeldForReview, ct)
            + await db.WorkshopCards.CountAsync(c => workshopIds.Contains(c.WorkshopId) && c.HeldForReview, ct)
            + await db.Themes.CountAsync(t => t.ProjectId == projectId && t.DeletedAt == null && t.HeldForReview, ct);
    }

    public async Task<List<HeldItem>> ListAsync(int projectId, CancellationToken ct)
    {
        var items = new List<HeldItem>();
        var titles = await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).Select(s => new { s.Id, s.Title }).ToDictionaryAsync(s => s.Id, s => s.Title, ct);
        var themeNames = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId).Select(t => new { t.Id, t.Name }).ToDictionaryAsync(t => t.Id, t => t.Name, ct);

        foreach (var m in await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && m.HeldForReview).OrderBy(m => m.Id).ToListAsync(ct))
        {
            var where = m.TargetType switch
            {
                MemoTarget.Story => $"Memo on the story “{titles.GetValueOrDefault(m.TargetId, "a story")}”",
                MemoTarget.Passage => await db.Passages.AsNoTracking().Where(p => p.Id == m.TargetId).Select(p => (int?)p.StoryId).SingleOrDefaultAsync(ct) is { } storyId
                    ? $"Memo on a coded passage in “{titles.GetValueOrDefault(storyId, "a story")}”"
                    : "Memo on a coded passage",
                _ => $"Memo on the theme “{themeNames.GetValueOrDefault(m.TargetId, "a theme")}”",
            };
            items.Add(new HeldItem(MemoKind, m.Id, where, m.Text, null, Editable: true, Deletable: true));
        }

        foreach (var r in await db.ReviewSheets.AsNoTracking().Where(r => r.ProjectId == projectId && r.HeldForReview).OrderBy(r => r.StoryId).ToListAsync(ct))
        {
            var text = string.Join("\n", new[] { ("Ideas", r.Ideas), ("Changes for individuals", r.ChangesForIndividuals), ("Changes for organisations", r.ChangesForOrganisations), ("Changes for society", r.ChangesForSociety) }
                .Where(f => f.Item2.Length > 0).Select(f => $"{f.Item1}: {f.Item2}"));
            items.Add(new HeldItem(ReviewSheetKind, r.StoryId, $"Review sheet of the story “{titles.GetValueOrDefault(r.StoryId, "a story")}”", text,
                $"/projects/{projectId}/stories/{r.StoryId}/review", Editable: false, Deletable: false));
        }

        var workshops = await db.Workshops.AsNoTracking().Where(w => w.ProjectId == projectId).Select(w => new { w.Id, w.Title }).ToDictionaryAsync(w => w.Id, w => w.Title, ct);
        var workshopIds = workshops.Keys.ToList();
        foreach (var c in await db.WorkshopCards.AsNoTracking().Where(c => workshopIds.Contains(c.WorkshopId) && c.HeldForReview).OrderBy(c => c.Id).ToListAsync(ct))
            items.Add(new HeldItem(StickyNoteKind, c.Id, $"Sticky note on the workshop board “{workshops[c.WorkshopId]}”", c.NoteText,
                $"/projects/{projectId}/workshops/{c.WorkshopId}", Editable: true, Deletable: true));

        foreach (var t in await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null && t.HeldForReview).OrderBy(t => t.Id).ToListAsync(ct))
            items.Add(new HeldItem(ThemeKind, t.Id, $"Codebook theme “{t.Name}” (name and description)", t.Description.Length > 0 ? $"{t.Name}: {t.Description}" : t.Name,
                $"/projects/{projectId}/codebook/{t.Id}", Editable: false, Deletable: false));
        return items;
    }

    /// <summary>
    /// "Reviewed, keep" (with <paramref name="newText"/> null) or "save changes and keep" (memos and sticky
    /// notes): the item is released (back in search where it is searchable), in one transaction.
    /// Returns why it was refused, or null.
    /// </summary>
    public async Task<Refusal?> KeepAsync(int projectId, string kind, int id, string? newText, string userId, CancellationToken ct)
    {
        if (newText is not null)
        {
            newText = newText.Trim();
            if (kind is not (MemoKind or StickyNoteKind)) return new("This kind of text is edited where it lives: open it, change it there, then come back and keep it.");
            if (newText.Length == 0) return new("Write something, or delete it instead.");
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        int? reindexStory = null;
        var reindexThemeMemos = false;
        switch (kind)
        {
            case MemoKind:
                var memo = await db.Memos.SingleOrDefaultAsync(m => m.Id == id && m.ProjectId == projectId && m.HeldForReview, ct);
                if (memo is null) return new(NotThere, NotFound: true);
                if (newText is not null)
                {
                    if (newText.Length > CodingService.MaxMemoLength) return new($"A memo can be at most {CodingService.MaxMemoLength:N0} characters long.");
                    memo.Text = newText;
                    memo.UpdatedAt = clock.GetUtcNow().UtcDateTime;
                }
                memo.HeldForReview = false;
                reindexStory = memo.TargetType switch
                {
                    MemoTarget.Story => memo.TargetId,
                    MemoTarget.Passage => await db.Passages.Where(p => p.Id == memo.TargetId).Select(p => (int?)p.StoryId).SingleOrDefaultAsync(ct),
                    _ => null,
                };
                reindexThemeMemos = memo.TargetType == MemoTarget.Theme;
                break;
            case ReviewSheetKind:
                var sheet = await db.ReviewSheets.SingleOrDefaultAsync(r => r.StoryId == id && r.ProjectId == projectId && r.HeldForReview, ct);
                if (sheet is null) return new(NotThere, NotFound: true);
                sheet.HeldForReview = false;
                reindexStory = sheet.StoryId;
                break;
            case StickyNoteKind:
                var card = await HeldNoteAsync(projectId, id, ct);
                if (card is null) return new(NotThere, NotFound: true);
                if (newText is not null)
                {
                    if (newText.Length > WorkshopService.MaxNoteLength) return new($"A sticky note can be at most {WorkshopService.MaxNoteLength:N0} characters long.");
                    card.NoteText = newText;
                }
                card.HeldForReview = false;
                card.Version++;
                break;
            case ThemeKind:
                var theme = await db.Themes.SingleOrDefaultAsync(t => t.Id == id && t.ProjectId == projectId && t.HeldForReview, ct);
                if (theme is null) return new(NotThere, NotFound: true);
                theme.HeldForReview = false;
                break;
            default:
                return new(UnknownKind, NotFound: true);
        }
        db.Record(clock, projectId, userId, newText is null ? "team-text.review-kept" : "team-text.review-edited", kind, id);
        await db.SaveChangesAsync(ct);
        if (reindexStory is { } storyId) await search.ReindexStoryAsync(projectId, storyId, ct);
        if (reindexThemeMemos) await search.ReindexThemeMemosAsync(projectId, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return null;
    }

    /// <summary>Deletes a held memo or sticky note. Returns why it was refused, or null.</summary>
    public async Task<Refusal?> DeleteAsync(int projectId, string kind, int id, string userId, CancellationToken ct)
    {
        switch (kind)
        {
            case MemoKind:
                if (!await db.Memos.AnyAsync(m => m.Id == id && m.ProjectId == projectId && m.HeldForReview, ct)) return new(NotThere, NotFound: true);
                var result = await coding.DeleteMemoAsync(projectId, id, userId, mayDeleteAny: true, ct);
                return result.Succeeded ? null : new(string.Join(" ", result.Errors));
            case StickyNoteKind:
                await using (var tx = await db.Database.BeginTransactionAsync(ct))
                {
                    var card = await HeldNoteAsync(projectId, id, ct);
                    if (card is null) return new(NotThere, NotFound: true);
                    await db.WorkshopVotes.Where(v => v.CardId == card.Id).ExecuteDeleteAsync(ct);
                    db.WorkshopCards.Remove(card);
                    db.Record(clock, projectId, userId, "team-text.review-deleted", kind, id);
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                }
                return null;
            case ReviewSheetKind or ThemeKind:
                return new("Review sheets and codebook themes are not deleted from here: open them to change the words, then keep them.");
            default:
                return new(UnknownKind, NotFound: true);
        }
    }

    private const string NotThere = "That item is not waiting for review any more (someone may have kept or deleted it already).";
    private const string UnknownKind = "Unknown kind of team text.";

    private async Task<WorkshopCard?> HeldNoteAsync(int projectId, int cardId, CancellationToken ct)
    {
        var workshopIds = db.Workshops.Where(w => w.ProjectId == projectId).Select(w => w.Id);
        return await db.WorkshopCards.SingleOrDefaultAsync(c => c.Id == cardId && workshopIds.Contains(c.WorkshopId) && c.HeldForReview, ct);
    }
}
