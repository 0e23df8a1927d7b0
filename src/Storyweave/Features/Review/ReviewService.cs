using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Search;
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

    public sealed record SheetInput(string? Ideas, string? ChangesForIndividuals, string? ChangesForOrganisations, string? ChangesForSociety,
        Experience Experience, bool IsComplete, IReadOnlyCollection<int>? ThemeIds, IReadOnlyList<QuoteInput>? KeyQuotes);

    /// <summary>A transcript line with its offset in the story's plain text, and whether it may be used in analysis.</summary>
    public sealed record Line(TranscriptCue Cue, int Offset, bool Usable);

    public sealed record StoryStatus(int StoryId, string Title, bool Started, bool Complete, DateTime? UpdatedAt);

    public sealed record Progress(int Stories, int Complete, int Started, IReadOnlyList<StoryStatus> Items);

    public async Task<ReviewSheet?> GetAsync(int projectId, int storyId, CancellationToken ct = default) =>
        await db.ReviewSheets.AsNoTracking().Include(r => r.KeyQuotes.OrderBy(q => q.Position)).Include(r => r.Themes).AsSplitQuery()
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

    /// <summary>Saves the whole sheet, replacing its key quotes and themes; null when the story is not in the project.</summary>
    public async Task<Result<ReviewSheet>?> SaveAsync(int projectId, int storyId, SheetInput input, string actorUserId, CancellationToken ct = default)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return null;
        var errors = new List<string>();
        foreach (var (text, label) in new[] { (input.Ideas, "Ideas"), (input.ChangesForIndividuals, "Changes for individuals"), (input.ChangesForOrganisations, "Changes for organisations"), (input.ChangesForSociety, "Changes for society") })
            if ((text?.Length ?? 0) > 8000) errors.Add($"\u201c{label}\u201d can be at most 8,000 characters.");
        if (!Enum.IsDefined(input.Experience)) errors.Add("Choose whether the experience was positive, negative, mixed, or not said.");
        var themeIds = (input.ThemeIds ?? []).Distinct().ToList();
        var liveThemes = await db.Themes.Where(t => t.ProjectId == projectId && t.DeletedAt == null && themeIds.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        if (liveThemes.Count != themeIds.Count) errors.Add("Some of the chosen themes are no longer in the codebook. Reload the page and choose again.");

        var lines = await LinesAsync(projectId, storyId, ct);
        var plain = string.Join("\n", lines.Select(l => l.Cue.Text));
        var quotes = new List<KeyQuote>();
        foreach (var (q, i) in (input.KeyQuotes ?? []).Select((q, i) => (q, i + 1)))
        {
            var (quote, error) = Anchor(q, lines, plain, storyId, i);
            if (error is not null) errors.Add(error);
            else quotes.Add(quote!);
        }
        if (errors.Count > 0) return Result.Fail<ReviewSheet>(errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var sheet = await db.ReviewSheets.SingleOrDefaultAsync(r => r.StoryId == storyId, ct);
        if (sheet is null)
        {
            sheet = new ReviewSheet { StoryId = storyId, ProjectId = projectId };
            db.ReviewSheets.Add(sheet);
        }
        sheet.Ideas = input.Ideas?.Trim() ?? "";
        sheet.ChangesForIndividuals = input.ChangesForIndividuals?.Trim() ?? "";
        sheet.ChangesForOrganisations = input.ChangesForOrganisations?.Trim() ?? "";
        sheet.ChangesForSociety = input.ChangesForSociety?.Trim() ?? "";
        sheet.Experience = input.Experience;
        sheet.IsComplete = input.IsComplete;
        sheet.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        sheet.UpdatedByUserId = actorUserId;
        await db.KeyQuotes.Where(q => q.StoryId == storyId).ExecuteDeleteAsync(ct);
        await db.ReviewSheetThemes.Where(x => x.StoryId == storyId).ExecuteDeleteAsync(ct);
        db.KeyQuotes.AddRange(quotes);
        db.ReviewSheetThemes.AddRange(themeIds.Select(id => new ReviewSheetTheme { StoryId = storyId, ThemeId = id }));
        db.Record(clock, projectId, actorUserId, "review.saved", "story", storyId, input.IsComplete ? "complete" : "in progress");
        await db.SaveChangesAsync(ct);
        // The index reads the saved rows, so it runs after SaveChanges, still inside the transaction.
        await search.ReindexStoryAsync(projectId, storyId, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result.Ok((await GetAsync(projectId, storyId, ct))!);
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
