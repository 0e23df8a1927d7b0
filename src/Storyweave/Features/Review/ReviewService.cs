using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Search;
using Storyweave.Features.Shared;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Review;

/// <summary>
/// The story review sheet: read, save (with key quotes anchored to the transcript) and progress.
/// Key quotes are checked against <see cref="AnalysisScope"/>: only turns whose speaker agreed to
/// analysis may be picked.
/// </summary>
public sealed class ReviewService(StoryweaveDb db, TimeProvider clock, ConsentPolicy consent, SearchIndex search)
{
    /// <summary>
    /// A key quote to save: either a cue (optionally with <see cref="Part"/>, the words of the line to
    /// keep) or offsets into the story's plain text (cue texts joined by "\n").
    /// </summary>
    public sealed record QuoteInput(long? CueId, string? Part, int? StartOffset, int? EndOffset);

    /// <summary>
    /// A theme in the reporter's own words: <see cref="Id"/> for one already on the sheet (omitted for a new one);
    /// empty <see cref="Text"/> removes it; <see cref="ThemeId"/> links it to a codebook theme (null: not linked yet).
    /// </summary>
    public sealed record NotedThemeInput(int? Id, string? Text, int? ThemeId);

    /// <summary><see cref="NotedThemes"/> null leaves the sheet's noted themes as they are (older clients never send them).</summary>
    public sealed record SheetInput(string? Ideas, string? ChangesForIndividuals, string? ChangesForOrganisations, string? ChangesForSociety,
        Experience Experience, bool IsComplete, IReadOnlyCollection<int>? ThemeIds, IReadOnlyList<QuoteInput>? KeyQuotes,
        IReadOnlyList<NotedThemeInput>? NotedThemes = null);

    /// <summary>A transcript line with its offset in the story's plain text, and whether it may be used in analysis.</summary>
    public sealed record Line(TranscriptCue Cue, int Offset, bool Usable);

    public sealed record StoryStatus(int StoryId, string Title, bool Started, bool Complete, DateTime? UpdatedAt);

    public sealed record Progress(int Stories, int Complete, int Started, IReadOnlyList<StoryStatus> Items);

    public async Task<ReviewSheet?> GetAsync(int projectId, int storyId, CancellationToken ct = default) =>
        await db.ReviewSheets.AsNoTracking().Include(r => r.KeyQuotes.OrderBy(q => q.Position)).Include(r => r.Themes)
            .Include(r => r.NotedThemes.OrderBy(n => n.Position)).ThenInclude(n => n.Theme).AsSplitQuery()
            .SingleOrDefaultAsync(r => r.StoryId == storyId && r.ProjectId == projectId, ct);

    public async Task<List<Line>> LinesAsync(int projectId, int storyId, CancellationToken ct = default)
    {
        var scope = await AnalysisScope.LoadForStoriesAsync(db, consent, projectId, [storyId], ct);
        var cues = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync(ct);
        var lines = new List<Line>();
        var offset = 0;
        foreach (var c in cues)
        {
            lines.Add(new Line(c, offset, scope.IsTurnVisible(storyId, c.Speaker)));
            offset += c.Text.Length + 1;
        }
        return lines;
    }

    public async Task<Progress> ProgressAsync(int projectId, CancellationToken ct = default)
    {
        var stories = await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).OrderBy(s => s.Title).Select(s => new { s.Id, s.Title }).ToListAsync(ct);
        var sheets = await db.ReviewSheets.AsNoTracking().Where(r => r.ProjectId == projectId).ToDictionaryAsync(r => r.StoryId, ct);
        var items = stories.Select(s => sheets.TryGetValue(s.Id, out var r)
            ? new StoryStatus(s.Id, s.Title, true, r.IsComplete, r.UpdatedAt)
            : new StoryStatus(s.Id, s.Title, false, false, null)).ToList();
        return new Progress(items.Count, items.Count(i => i.Complete), items.Count(i => i.Started), items);
    }

    /// <summary>Which stories the review sheets list shows, by how far their sheet has got.</summary>
    public enum Shown { All, NotStarted, InProgress, Complete }

    /// <summary>
    /// One page of the review sheets list: the project's counts (all stories), how many stories match
    /// <paramref name="find"/> (in the title or a storyteller's name, any case) and <paramref name="shown"/>, and the
    /// <see cref="ListPage.Size"/> of them on page <paramref name="asked"/> (clamped as <see cref="ListPage.Clamp"/>), by
    /// title. A project of 1,000 stories listed every one (289 KB); the page shows 50 at a time.
    /// </summary>
    public async Task<(Progress Counts, int Matching, List<StoryStatus> Items)> PageAsync(int projectId, string? find, Shown shown,
        int asked, CancellationToken ct = default)
    {
        var stories = db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId);
        var sheets = db.ReviewSheets.AsNoTracking().Where(r => r.ProjectId == projectId && stories.Any(s => s.Id == r.StoryId));
        var all = await stories.CountAsync(ct);
        var started = await sheets.CountAsync(ct);
        var complete = await sheets.CountAsync(r => r.IsComplete, ct);

        if (find is not null) stories = stories.Holding(find);
        var rows = from s in stories
                   join r in db.ReviewSheets.Where(r => r.ProjectId == projectId) on s.Id equals r.StoryId into rs
                   from r in rs.DefaultIfEmpty()
                   select new { s.Id, s.Title, Sheet = r };
        rows = shown switch
        {
            Shown.NotStarted => rows.Where(x => x.Sheet == null),
            Shown.InProgress => rows.Where(x => x.Sheet != null && !x.Sheet.IsComplete),
            Shown.Complete => rows.Where(x => x.Sheet != null && x.Sheet.IsComplete),
            _ => rows,
        };
        var matching = await rows.CountAsync(ct);
        var items = await rows.OrderBy(x => x.Title).ThenBy(x => x.Id).Skip((ListPage.Clamp(asked, matching) - 1) * ListPage.Size).Take(ListPage.Size)
            .Select(x => new StoryStatus(x.Id, x.Title, x.Sheet != null, x.Sheet != null && x.Sheet.IsComplete, x.Sheet == null ? null : x.Sheet.UpdatedAt))
            .ToListAsync(ct);
        return (new Progress(all, complete, started, []), matching, items);
    }

    /// <summary>Saves the whole sheet, replacing its key quotes and themes; null when the story is not in the project.</summary>
    public async Task<Result<ReviewSheet>?> SaveAsync(int projectId, int storyId, SheetInput input, string? actorUserId, CancellationToken ct = default)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return null;
        var errors = new List<string>();
        foreach (var (text, label) in new[] { (input.Ideas, "Ideas"), (input.ChangesForIndividuals, "Changes for individuals"), (input.ChangesForOrganisations, "Changes for organisations"), (input.ChangesForSociety, "Changes for society") })
            if ((text?.Length ?? 0) > 8000) errors.Add($"\u201c{label}\u201d can be at most 8,000 characters.");
        if (!Enum.IsDefined(input.Experience)) errors.Add("Choose whether the experience was positive, negative, mixed, or not said.");
        var themeIds = (input.ThemeIds ?? []).Distinct().ToList();
        var notes = input.NotedThemes?.Select(n => n with { Text = n.Text?.Trim() ?? "" }).Where(n => n.Text!.Length > 0).ToList();
        foreach (var n in notes ?? [])
            if (n.Text!.Length > ReviewSheetNotedTheme.MaxLength) errors.Add($"A theme in your own words can be at most {ReviewSheetNotedTheme.MaxLength} characters: \u201c{n.Text[..40]}\u2026\u201d.");
        var linkedIds = (notes ?? []).Where(n => n.ThemeId is not null).Select(n => n.ThemeId!.Value).ToList();
        var wanted = themeIds.Concat(linkedIds).Distinct().ToList();
        var liveThemes = await db.Themes.Where(t => t.ProjectId == projectId && t.DeletedAt == null && wanted.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        if (liveThemes.Count != wanted.Count) errors.Add("Some of the chosen themes are no longer in the codebook. Reload the page and choose again.");
        var existingNotes = await db.ReviewSheetNotedThemes.Where(n => n.StoryId == storyId).ToListAsync(ct);
        if ((notes ?? []).Any(n => n.Id is { } id && existingNotes.All(e => e.Id != id)))
            errors.Add("One of your themes in your own words is not on this review sheet any more. Reload the page and try again.");

        var lines = await LinesAsync(projectId, storyId, ct);
        var plain = string.Join("\n", lines.Select(l => l.Cue.Text));
        var quotes = new List<KeyQuote>();
        foreach (var (q, i) in (input.KeyQuotes ?? []).Select((q, i) => (q, i + 1)))
        {
            var (quote, error) = Anchor(q, lines, plain, storyId, i);
            if (error is not null) errors.Add(error);
            else if (quotes.Any(x => x.StartOffset == quote!.StartOffset && x.EndOffset == quote.EndOffset)) continue; // the same words twice: keep one
            else quotes.Add(quote!);
        }
        if (errors.Count > 0) return Result.Fail<ReviewSheet>(errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var sheet = await SheetForChangeAsync(projectId, storyId, actorUserId, ct);
        sheet.Ideas = input.Ideas?.Trim() ?? "";
        sheet.ChangesForIndividuals = input.ChangesForIndividuals?.Trim() ?? "";
        sheet.ChangesForOrganisations = input.ChangesForOrganisations?.Trim() ?? "";
        sheet.ChangesForSociety = input.ChangesForSociety?.Trim() ?? "";
        sheet.Experience = input.Experience;
        sheet.IsComplete = input.IsComplete;

        // Key quotes that are kept keep their rows (and ids): a report quote picked from one must survive the sheet being saved.
        var existingQuotes = await db.KeyQuotes.Where(q => q.StoryId == storyId).ToListAsync(ct);
        var kept = new HashSet<KeyQuote>();
        for (var i = 0; i < quotes.Count; i++)
        {
            var same = existingQuotes.FirstOrDefault(e => e.StartOffset == quotes[i].StartOffset && e.EndOffset == quotes[i].EndOffset && !kept.Contains(e));
            if (same is null)
            {
                quotes[i].Position = i;
                db.KeyQuotes.Add(quotes[i]);
                continue;
            }
            (same.Position, same.Text, same.StartSeconds, same.EndSeconds, same.Speaker) = (i, quotes[i].Text, quotes[i].StartSeconds, quotes[i].EndSeconds, quotes[i].Speaker);
            kept.Add(same);
        }
        db.KeyQuotes.RemoveRange(existingQuotes.Where(e => !kept.Contains(e)));

        if (notes is not null) ApplyNotes(storyId, notes, existingNotes, actorUserId);
        var notedLinks = notes is not null ? linkedIds : existingNotes.Where(n => n.ThemeId is not null).Select(n => n.ThemeId!.Value).ToList();
        await db.ReviewSheetThemes.Where(x => x.StoryId == storyId).ExecuteDeleteAsync(ct);
        db.ReviewSheetThemes.AddRange(themeIds.Concat(notedLinks).Distinct().Select(id => new ReviewSheetTheme { StoryId = storyId, ThemeId = id }));
        db.Record(clock, projectId, actorUserId, "review.saved", "story", storyId, input.IsComplete ? "complete" : "in progress");
        await FinishAsync(projectId, storyId, tx, ct);
        return Result.Ok((await GetAsync(projectId, storyId, ct))!);
    }

    private void ApplyNotes(int storyId, List<NotedThemeInput> notes, List<ReviewSheetNotedTheme> existing, string? actorUserId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var keep = new HashSet<int>();
        var position = 0;
        foreach (var n in notes.DistinctBy(n => n.Text!.ToUpperInvariant()))
        {
            var row = n.Id is { } id ? existing.Single(e => e.Id == id) : null;
            if (row is null)
            {
                row = new ReviewSheetNotedTheme { StoryId = storyId, Text = n.Text!, CreatedAt = now };
                db.ReviewSheetNotedThemes.Add(row);
            }
            else
            {
                keep.Add(row.Id);
            }
            row.Text = n.Text!;
            row.Position = position++;
            if (row.ThemeId != n.ThemeId)
            {
                row.ThemeId = n.ThemeId;
                row.LinkedAt = n.ThemeId is null ? null : now;
                row.LinkedByUserId = n.ThemeId is null ? null : actorUserId;
            }
        }
        db.ReviewSheetNotedThemes.RemoveRange(existing.Where(e => !keep.Contains(e.Id)));
    }

    /// <summary>
    /// Links a theme in the reporter's own words to a codebook theme (or unlinks it with null); the sheet then
    /// carries the codebook theme too. Unlinking or relinking takes the old theme off the sheet unless another
    /// of its noted themes still links it. Null when the story or the noted theme is not there.
    /// </summary>
    public async Task<Result<ReviewSheetNotedTheme>?> LinkNotedThemeAsync(int projectId, int storyId, int notedThemeId, int? themeId, string actorUserId, CancellationToken ct = default)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return null;
        var note = await db.ReviewSheetNotedThemes.SingleOrDefaultAsync(n => n.Id == notedThemeId && n.StoryId == storyId, ct);
        if (note is null) return null;
        if (themeId is { } tid && !await db.Themes.AnyAsync(t => t.Id == tid && t.ProjectId == projectId && t.DeletedAt == null && t.MergedIntoId == null, ct))
            return Result.Fail<ReviewSheetNotedTheme>(["That theme is not in this project's codebook. Choose one from the list."]);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var old = note.ThemeId;
        note.ThemeId = themeId;
        note.LinkedAt = themeId is null ? null : clock.GetUtcNow().UtcDateTime;
        note.LinkedByUserId = themeId is null ? null : actorUserId;
        if (old is { } o && o != themeId && !await db.ReviewSheetNotedThemes.AnyAsync(n => n.StoryId == storyId && n.Id != note.Id && n.ThemeId == o, ct))
            await db.ReviewSheetThemes.Where(x => x.StoryId == storyId && x.ThemeId == o).ExecuteDeleteAsync(ct);
        if (themeId is { } t && !await db.ReviewSheetThemes.AnyAsync(x => x.StoryId == storyId && x.ThemeId == t, ct))
            db.ReviewSheetThemes.Add(new ReviewSheetTheme { StoryId = storyId, ThemeId = t });
        db.Record(clock, projectId, actorUserId, themeId is null ? "review.theme-unlinked" : "review.theme-linked", "story", storyId, $"noted:{note.Id}" + (themeId is null ? "" : $",theme:{themeId}"));
        var sheet = await db.ReviewSheets.SingleAsync(r => r.StoryId == storyId, ct);
        (sheet.UpdatedAt, sheet.UpdatedByUserId) = (clock.GetUtcNow().UtcDateTime, actorUserId);
        await FinishAsync(projectId, storyId, tx, ct);
        return Result.Ok(note);
    }

    /// <summary>
    /// Adds one key quote at the end of the sheet's list (the sheet is started if it was not), leaving everything
    /// else on the sheet as it is: how the page picks quotes in place. Null when the story is not in the project.
    /// </summary>
    public async Task<Result<KeyQuote>?> AddKeyQuoteAsync(int projectId, int storyId, QuoteInput input, string actorUserId, CancellationToken ct = default)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return null;
        var lines = await LinesAsync(projectId, storyId, ct);
        var existing = await db.KeyQuotes.Where(q => q.StoryId == storyId).ToListAsync(ct);
        var (quote, error) = Anchor(input, lines, string.Join("\n", lines.Select(l => l.Cue.Text)), storyId, existing.Count + 1);
        if (error is not null) return Result.Fail<KeyQuote>([error.Replace($"Key quote {existing.Count + 1}: ", "", StringComparison.Ordinal)]);
        if (existing.Any(e => e.StartOffset == quote!.StartOffset && e.EndOffset == quote.EndOffset))
            return Result.Fail<KeyQuote>(["Those words are already a key quote on this sheet."]);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await SheetForChangeAsync(projectId, storyId, actorUserId, ct);
        quote!.Position = existing.Count == 0 ? 0 : existing.Max(e => e.Position) + 1;
        db.KeyQuotes.Add(quote);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "review.quote-added", "story", storyId, $"key-quote:{quote.Id}");
        await FinishAsync(projectId, storyId, tx, ct);
        return Result.Ok(quote);
    }

    /// <summary>Takes one key quote off the sheet (and so out of any report that picked it). False when it is not there.</summary>
    public async Task<bool> RemoveKeyQuoteAsync(int projectId, int storyId, int keyQuoteId, string actorUserId, CancellationToken ct = default)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return false;
        var quote = await db.KeyQuotes.SingleOrDefaultAsync(q => q.Id == keyQuoteId && q.StoryId == storyId, ct);
        if (quote is null) return false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await SheetForChangeAsync(projectId, storyId, actorUserId, ct);
        db.KeyQuotes.Remove(quote);
        db.Record(clock, projectId, actorUserId, "review.quote-removed", "story", storyId, $"key-quote:{keyQuoteId}");
        await FinishAsync(projectId, storyId, tx, ct);
        return true;
    }

    /// <summary>The tracked sheet, started (empty, in progress) if the story has none yet, stamped with who changed it and when.</summary>
    private async Task<ReviewSheet> SheetForChangeAsync(int projectId, int storyId, string? actorUserId, CancellationToken ct)
    {
        var sheet = await db.ReviewSheets.SingleOrDefaultAsync(r => r.StoryId == storyId, ct);
        if (sheet is null)
        {
            sheet = new ReviewSheet { StoryId = storyId, ProjectId = projectId };
            db.ReviewSheets.Add(sheet);
        }
        sheet.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        sheet.UpdatedByUserId = actorUserId;
        return sheet;
    }

    private async Task FinishAsync(int projectId, int storyId, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        // The index reads the saved rows, so it runs after SaveChanges, still inside the transaction.
        await search.ReindexStoryAsync(projectId, storyId, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static (KeyQuote? Quote, string? Error) Anchor(QuoteInput q, List<Line> lines, string plain, int storyId, int number)
    {
        int start, end;
        if (q.CueId is { } cueId)
        {
            var line = lines.FirstOrDefault(l => l.Cue.Id == cueId);
            if (line is null) return (null, $"Key quote {number}: that line is not in this story's transcript. Reload the page and choose again.");
            start = line.Offset;
            end = line.Offset + line.Cue.Text.Length;
            if (!string.IsNullOrWhiteSpace(q.Part))
            {
                var at = line.Cue.Text.IndexOf(q.Part.Trim(), StringComparison.Ordinal);
                if (at < 0) return (null, $"Key quote {number}: the words you typed are not in that line. Copy them exactly, or leave the box empty to keep the whole line.");
                start = line.Offset + at;
                end = start + q.Part.Trim().Length;
            }
        }
        else if (q is { StartOffset: { } s, EndOffset: { } e })
        {
            if (s < 0 || e > plain.Length || e <= s) return (null, $"Key quote {number}: the chosen part of the transcript is not there any more. Reload the page and choose again.");
            (start, end) = (s, e);
        }
        else
        {
            return (null, $"Key quote {number}: choose a line of the transcript.");
        }
        if (end - start > 8000) return (null, $"Key quote {number}: a key quote can be at most 8,000 characters. Choose a shorter part.");
        var covered = lines.Where(l => l.Offset < end && l.Offset + l.Cue.Text.Length >= start && (l.Offset + l.Cue.Text.Length > start || l.Cue.Text.Length == 0)).ToList();
        if (covered.Count == 0) return (null, $"Key quote {number}: choose a line of the transcript.");
        if (covered.Any(l => !l.Usable))
            return (null, $"Key quote {number}: this part cannot be used. The person who said it has not agreed to their words being used in analysis.");
        return (new KeyQuote
        {
            StoryId = storyId,
            Position = number - 1,
            StartOffset = start,
            EndOffset = end,
            Text = plain[start..end],
            StartSeconds = covered[0].Cue.StartSeconds,
            EndSeconds = covered[^1].Cue.EndSeconds,
            Speaker = covered[0].Cue.Speaker,
        }, null);
    }
}
