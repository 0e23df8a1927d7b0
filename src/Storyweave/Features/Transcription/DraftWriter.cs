using Storyweave.Features.Stories;

namespace Storyweave.Features.Transcription;

/// <summary>
/// The one place a draft's lines become a story's transcript (the runner at the end of a job, and
/// "Replace the transcript with the draft"): one transaction through <see cref="TranscriptService.SaveAsync"/>,
/// refused as a conflict unless the transcript is still at <paramref name="baseVersion"/>.
/// </summary>
public static class DraftWriter
{
    /// <summary>The transcript format a draft is saved as, e.g. "draft-pocketsphinx": pages read it to say "automatic draft — check every line".</summary>
    public static string Format(string engine) => "draft-" + engine;

    public static bool IsDraftFormat(string? format) => format?.StartsWith("draft-", StringComparison.Ordinal) == true;

    public static Task<TranscriptService.SaveOutcome> SaveAsync(TranscriptService transcripts, DraftJob job, IReadOnlyList<DraftLine> lines, int baseVersion,
        string? actorUserId, CancellationToken ct)
    {
        // No speaker: neither engine can tell voices apart (ARCHITECTURE.md), and a made-up "Speaker 1"
        // would be wrong for every reporter's turn. The person checking sets each line's speaker.
        var cues = lines.Select(l => new TranscriptService.CueInput(l.Start, l.End, "", l.Text, IsDraft: true)).ToList();
        // A draft asked for from the command line has no account; the transcript's "updated by" stays empty.
        return transcripts.SaveAsync(job.ProjectId, job.StoryId, cues, baseVersion, Format(job.Engine), actorUserId!, ct);
    }
}
