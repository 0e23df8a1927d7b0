using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;

namespace Storyweave.Features.Stories;

/// <summary>
/// Stores a story's transcript: replacing it from an import, saving edits from the editor, and
/// mapping speaker labels to the session's storytellers and reporter. Every save bumps
/// <see cref="Story.TranscriptVersion"/>; a save based on an older version is refused as a
/// conflict, so two editors never silently overwrite each other.
/// </summary>
public sealed class TranscriptService(StoryweaveDb db, TimeProvider clock)
{
    /// <summary>One line to save. <paramref name="IsDraft"/>: machine-made and not yet checked by a person (kept as sent, never guessed).</summary>
    public sealed record CueInput(double? Start, double? End, string? Speaker, string? Text, bool IsDraft = false);
    public sealed record SpeakerMapping(string Label, int? StorytellerId, bool IsReporter);

    public sealed record SaveOutcome(bool Saved, bool Conflict, int Version, IReadOnlyList<string> Errors)
    {
        public static SaveOutcome Invalid(IReadOnlyList<string> errors) => new(false, false, 0, errors);
    }

    public const int MaxCues = 20_000;

    /// <summary>100 hours: longer than any recording; also keeps every time formattable as h:mm:ss.s.</summary>
    public const double MaxSeconds = 360_000;

    public static List<string> Validate(IReadOnlyList<CueInput> cues)
    {
        var errors = new List<string>();
        if (cues.Count > MaxCues) errors.Add($"A transcript can have at most {MaxCues:N0} lines.");
        for (var i = 0; i < cues.Count && errors.Count < 10; i++)
        {
            var c = cues[i];
            if (c.Start is < 0 || c.End is < 0) errors.Add($"Line {i + 1}: times cannot be negative.");
            else if (c.Start is >= MaxSeconds || c.End is >= MaxSeconds) errors.Add($"Line {i + 1}: times must be under 100 hours.");
            if (c.Start is { } s && c.End is { } e && e < s) errors.Add($"Line {i + 1}: it ends ({TimeText.FormatTenths(e)}) before it starts ({TimeText.FormatTenths(s)}).");
            if ((c.Speaker?.Length ?? 0) > 200) errors.Add($"Line {i + 1}: the speaker name is longer than 200 characters.");
            if ((c.Text?.Length ?? 0) > 100_000) errors.Add($"Line {i + 1}: the text is longer than 100,000 characters.");
        }
        return errors;
    }

    /// <summary>Replaces the transcript (import or editor save). <paramref name="baseVersion"/> null skips the check (first import).</summary>
    public async Task<SaveOutcome> SaveAsync(int projectId, int storyId, IReadOnlyList<CueInput> cues, int? baseVersion, string? format, string actorUserId, CancellationToken ct = default)
    {
        var errors = Validate(cues);
        if (errors.Count > 0) return SaveOutcome.Invalid(errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var story = await db.Stories.Include(s => s.Speakers).Include(s => s.Storytellers).ThenInclude(x => x.Storyteller)
            .Include(s => s.Session).ThenInclude(x => x!.Reporter)
            .SingleOrDefaultAsync(s => s.Id == storyId && s.ProjectId == projectId, ct);
        if (story is null) return SaveOutcome.Invalid(["That story is not part of this project."]);
        if (baseVersion is { } v && v != story.TranscriptVersion) return new SaveOutcome(false, true, story.TranscriptVersion, []);

        // The version check and the bump happen in one statement, so two saves racing past the
        // read above still cannot both succeed.
        var bumped = await db.Stories.Where(s => s.Id == storyId && s.TranscriptVersion == story.TranscriptVersion)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.TranscriptVersion, s => s.TranscriptVersion + 1)
                .SetProperty(s => s.TranscriptUpdatedAt, clock.GetUtcNow().UtcDateTime)
                .SetProperty(s => s.TranscriptUpdatedByUserId, actorUserId)
                .SetProperty(s => s.TranscriptFormat, format ?? story.TranscriptFormat), ct);
        if (bumped == 0) return new SaveOutcome(false, true, story.TranscriptVersion + 1, []);

        // Only the lines that changed are written: the longest unchanged run at the start and at the end
        // keep their rows (those after the change move by the difference in line count), the lines between
        // are replaced. An editor's autosave of one corrected line in a 4,000-line transcript thus writes one
        // line (and its index entry) instead of all of them. A first import has nothing in common: all is new.
        var wanted = new List<TranscriptCue>();
        foreach (var c in cues)
        {
            var text = (c.Text ?? "").Trim();
            if (text.Length == 0 && string.IsNullOrWhiteSpace(c.Speaker)) continue; // an emptied line is a removed line
            wanted.Add(new TranscriptCue { StoryId = storyId, StartSeconds = c.Start, EndSeconds = c.End, Speaker = (c.Speaker ?? "").Trim(), Text = text, IsDraft = c.IsDraft });
        }
        var existing = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync(ct);
        var prefix = 0;
        while (prefix < existing.Count && prefix < wanted.Count && SameLine(existing[prefix], wanted[prefix])) prefix++;
        var suffix = 0;
        while (suffix < existing.Count - prefix && suffix < wanted.Count - prefix && SameLine(existing[^(suffix + 1)], wanted[^(suffix + 1)])) suffix++;
        var removed = existing.Skip(prefix).Take(existing.Count - prefix - suffix).ToList();
        var added = wanted.Skip(prefix).Take(wanted.Count - prefix - suffix).ToList();

        // The full-text index reads the lines' own text (triggers on SQLite, a generated column on PostgreSQL), so
        // deleting and adding lines here is all search needs, besides where each line starts in the story's text.
        var removedIds = removed.Select(c => c.Id).ToList();
        if (removedIds.Count > 0) await db.TranscriptCues.Where(c => c.StoryId == storyId && removedIds.Contains(c.Id)).ExecuteDeleteAsync(ct);
        static int Chars(IEnumerable<TranscriptCue> lines) => lines.Sum(c => c.Text.Length + 1); // lines are joined by "\n"
        var moveBy = added.Count - removed.Count;
        var charsMoveBy = Chars(added) - Chars(removed);
        var firstKept = existing.Count - suffix;
        if ((moveBy != 0 || charsMoveBy != 0) && suffix > 0)
            await db.TranscriptCues.Where(c => c.StoryId == storyId && c.Position >= firstKept).ExecuteUpdateAsync(u => u
                .SetProperty(c => c.Position, c => c.Position + moveBy)
                .SetProperty(c => c.StartOffset, c => c.StartOffset + charsMoveBy), ct);
        for (var i = 0; i < added.Count; i++) added[i].Position = prefix + i;
        Search.SearchIndex.SetOffsets(added, Chars(existing.Take(prefix)));
        await InsertLinesAsync(db, added, ct);

        // New speaker labels are matched to the session's people by name (SpeakerMatch); the rest wait for a person to link them.
        var labels = cues.Select(c => (c.Speaker ?? "").Trim()).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var people = story.Storytellers.Select(x => new SpeakerMatch.Person(x.StorytellerId, x.Storyteller!.Name)).ToList();
        var reporterName = story.Session?.Reporter?.DisplayName;
        foreach (var label in labels.Where(l => story.Speakers.All(s => s.Label != l)))
        {
            var match = SpeakerMatch.Find(label, people, reporterName);
            db.SpeakerLabels.Add(new SpeakerLabel { StoryId = storyId, Label = label, StorytellerId = match?.StorytellerId, IsReporter = match is { StorytellerId: null } });
        }
        foreach (var unused in story.Speakers.Where(s => !labels.Contains(s.Label)).ToList()) db.SpeakerLabels.Remove(unused);

        db.Record(clock, projectId, actorUserId, baseVersion is null ? "transcript.imported" : "transcript.saved", "story", storyId, format);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new SaveOutcome(true, false, story.TranscriptVersion + 1, []);
    }

    /// <summary>
    /// Writes new transcript lines (their story, position, text and offset set) inside the caller's transaction, in bulk
    /// (<see cref="BulkInsert"/>), giving them their ids. The save and import of a transcript, the story copy and the qdpx
    /// project import use this instead of EF's change tracker (a restore from a backup and the small sample project still
    /// write through EF): EF sends one INSERT per line, and on SQLite each statement that writes the full-text index ends by
    /// flushing its pending words into a new segment that later has to be merged — bringing in a 4,600-line transcript
    /// took 0.7–2.5 s in a 1,000-story project, 0.3–0.5 s this way (issue #17).
    /// </summary>
    public static async Task InsertLinesAsync(StoryweaveDb db, IReadOnlyList<TranscriptCue> lines, CancellationToken ct)
    {
        if (lines.Count == 0) return;
        var ids = await BulkInsert.AllocateIdsAsync(db, "TranscriptCues", lines.Count, ct);
        for (var i = 0; i < lines.Count; i++) lines[i].Id = ids[i];
        await BulkInsert.InsertEntitiesAsync(db, lines, ct);
    }

    private static bool SameLine(TranscriptCue a, TranscriptCue b) =>
        a.Text == b.Text && a.Speaker == b.Speaker && a.StartSeconds == b.StartSeconds && a.EndSeconds == b.EndSeconds && a.IsDraft == b.IsDraft;

    public async Task<Result<bool>> MapSpeakersAsync(int projectId, int storyId, IReadOnlyList<SpeakerMapping> mappings, string actorUserId, CancellationToken ct = default)
    {
        var story = await db.Stories.Include(s => s.Speakers).Include(s => s.Storytellers).SingleOrDefaultAsync(s => s.Id == storyId && s.ProjectId == projectId, ct);
        if (story is null) return Result.Fail<bool>(["That story is not part of this project."]);
        var tellers = story.Storytellers.Select(x => x.StorytellerId).ToHashSet();
        foreach (var m in mappings)
        {
            var label = story.Speakers.SingleOrDefault(s => s.Label == m.Label);
            if (label is null) return Result.Fail<bool>([$"The transcript has no speaker called \"{m.Label}\"."]);
            if (m.StorytellerId is { } id && !tellers.Contains(id))
                return Result.Fail<bool>([$"\"{m.Label}\" can only be linked to a storyteller of this story's session."]);
            if (m.StorytellerId is not null && m.IsReporter) return Result.Fail<bool>([$"\"{m.Label}\" cannot be both a storyteller and the reporter."]);
            label.StorytellerId = m.StorytellerId;
            label.IsReporter = m.IsReporter;
        }
        db.Record(clock, projectId, actorUserId, "transcript.speakers-mapped", "story", storyId);
        await db.SaveChangesAsync(ct);
        return Result.Ok(true);
    }
}
