using Storyweave.Features.Shared;

namespace Storyweave.Features.Clips;

/// <summary>
/// WebVTT captions for a clip from the story's transcript: every timed cue that overlaps the clip,
/// shifted so the clip starts at 0:00 and cut to the clip's bounds. Cues without times cannot be
/// placed and are left out. A cue carries a voice tag (<c>&lt;v Name&gt;</c>) only when the caller
/// gives a name for its speaker, i.e. when that person's credit for clips allows naming them.
/// </summary>
public static class ClipCaptions
{
    public sealed record Line(double? Start, double? End, string Speaker, string Text);

    /// <summary>Shorter than this after cutting to the clip, a cue is only a sliver of another turn: left out.</summary>
    private const double MinimumSeconds = 0.05;

    /// <summary>The lines with their words redacted (speaker labels are not shown, so they stay).</summary>
    public static IEnumerable<Line> Redact(IEnumerable<Line> lines, Redaction.Redactor redactor) =>
        redactor.IsEmpty ? lines : lines.Select(l => l with { Text = redactor.Apply(l.Text) });

    public static string Build(IEnumerable<Line> lines, double clipStart, double clipEnd, Func<string, string?> voiceName) =>
        WebVtt.Write(Cues(lines, clipStart, clipEnd, voiceName));

    /// <summary>The caption cues of a clip (also shown in the clip editor before the clip is made).</summary>
    public static IEnumerable<WebVtt.Cue> Cues(IEnumerable<Line> lines, double clipStart, double clipEnd, Func<string, string?> voiceName) =>
        lines.Where(l => l.Start is not null && l.End is not null).OrderBy(l => l.Start)
            .Select(l => new WebVtt.Cue(Math.Max(l.Start!.Value, clipStart) - clipStart, Math.Min(l.End!.Value, clipEnd) - clipStart, voiceName(l.Speaker), l.Text))
            .Where(c => c.End - c.Start >= MinimumSeconds);
}
