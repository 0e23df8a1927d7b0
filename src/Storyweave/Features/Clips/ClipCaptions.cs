using Storyweave.Features.Shared;

namespace Storyweave.Features.Clips;

/// <summary>
/// Captions for a clip from the story's transcript: every timed line that overlaps the clip, made into
/// reading cues by <see cref="CaptionCues"/> on the story's own timeline, then shifted so the clip
/// starts at 0:00 and cut to the clip's bounds (so a clip starting mid-line shows the words said in it,
/// not the whole line squeezed in). Lines without times cannot be placed and are left out. A cue
/// carries a voice tag (<c>&lt;v Name&gt;</c>) only when the caller gives a name for its speaker, i.e.
/// when that person's credit for clips allows naming them. The served, exported, stored and burned-in
/// captions all come from <see cref="Cues"/>, so they show the same cues.
/// </summary>
public static class ClipCaptions
{
    public sealed record Line(double? Start, double? End, string Speaker, string Text);

    /// <summary>Shorter than this after cutting to the clip, a cue is only a sliver of another turn: left out.</summary>
    private const double MinimumSeconds = 0.05;

    /// <summary>The lines with their words redacted (speaker labels are not shown, so they stay).</summary>
    public static IEnumerable<Line> Redact(IEnumerable<Line> lines, Redaction.Redactor redactor) =>
        redactor.IsEmpty ? lines : lines.Select(l => l with { Text = redactor.Apply(l.Text) });

    /// <summary>The clip's captions as WebVTT.</summary>
    public static string Build(IEnumerable<Line> lines, double clipStart, double clipEnd, Func<string, string?> voiceName) =>
        WebVtt.Write(Cues(lines, clipStart, clipEnd, voiceName));

    /// <summary>The clip's captions as SRT: the same cues as <see cref="Build"/>.</summary>
    public static string BuildSrt(IEnumerable<Line> lines, double clipStart, double clipEnd, Func<string, string?> voiceName) =>
        Srt.Write(Cues(lines, clipStart, clipEnd, voiceName));

    /// <summary>The caption cues of a clip (also shown in the clip editor before the clip is made).</summary>
    public static IEnumerable<WebVtt.Cue> Cues(IEnumerable<Line> lines, double clipStart, double clipEnd, Func<string, string?> voiceName) =>
        // Only the lines overlapping the clip, whoever asks: a line is stopped at the next line's start,
        // so the same set of lines must go in for the stored and the served captions to match.
        CaptionCues.Split(lines.Where(l => l.Start is not null && l.End is not null && l.Start < clipEnd && l.End > clipStart)
                .Select(l => new WebVtt.Cue(l.Start!.Value, l.End!.Value, voiceName(l.Speaker), l.Text)))
            .Select(c => c with { Start = Math.Max(c.Start, clipStart) - clipStart, End = Math.Min(c.End, clipEnd) - clipStart })
            .Where(c => c.End - c.Start >= MinimumSeconds);
}
