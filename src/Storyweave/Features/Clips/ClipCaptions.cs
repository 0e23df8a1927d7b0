using System.Globalization;
using System.Text;

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

    public static string Build(IEnumerable<Line> lines, double clipStart, double clipEnd, Func<string, string?> voiceName)
    {
        var vtt = new StringBuilder("WEBVTT\n");
        var n = 0;
        foreach (var line in lines.Where(l => l.Start is not null && l.End is not null).OrderBy(l => l.Start))
        {
            var start = Math.Max(line.Start!.Value, clipStart) - clipStart;
            var end = Math.Min(line.End!.Value, clipEnd) - clipStart;
            var text = line.Text.Trim();
            if (end - start < MinimumSeconds || text.Length == 0) continue;
            n++;
            vtt.Append('\n').Append(n.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append(Time(start)).Append(" --> ").Append(Time(end)).Append('\n');
            if (voiceName(line.Speaker) is { Length: > 0 } name) vtt.Append("<v ").Append(EscapeAnnotation(name)).Append('>');
            vtt.Append(Escape(text)).Append('\n');
        }
        return vtt.ToString();
    }

    /// <summary>hh:mm:ss.mmm, the form every WebVTT reader accepts.</summary>
    public static string Time(double seconds)
    {
        var ms = (long)Math.Round(Math.Max(0, seconds) * 1000, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}.{ms % 1000:000}");
    }

    // Cue text is plain words: &, < and > must be escaped, and "-->" cannot appear in a cue.
    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string EscapeAnnotation(string name) =>
        Escape(name).Replace("--&gt;", "", StringComparison.Ordinal).Trim();
}
