using System.Globalization;
using System.Text;

namespace Storyweave.Features.Shared;

/// <summary>
/// Writes WebVTT captions files: numbered cues with hh:mm:ss.mmm times, an optional voice tag
/// (<c>&lt;v Name&gt;</c>) and the words escaped as plain text. Pure formatting: which lines, which
/// names and which redaction apply is decided by the caller (clip captions, the public story page,
/// the transcript editor), and how lines become readable cues by <see cref="CaptionCues"/>.
/// </summary>
public static class WebVtt
{
    /// <summary>
    /// One caption. <paramref name="Voice"/> null or empty: no voice tag. <paramref name="Text"/> may hold
    /// the cue's lines separated by "\n" (as <see cref="CaptionCues"/> lays them out).
    /// </summary>
    public sealed record Cue(double Start, double End, string? Voice, string Text);

    /// <summary>The file, cues in the order given as they are; a cue with no words or no length is left out.</summary>
    public static string Write(IEnumerable<Cue> cues)
    {
        var vtt = new StringBuilder("WEBVTT\n");
        var n = 0;
        foreach (var cue in cues)
        {
            var lines = Lines(cue.Text);
            if (lines.Count == 0 || cue.End <= cue.Start) continue;
            n++;
            vtt.Append('\n').Append(n.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append(Time(cue.Start)).Append(" --> ").Append(Time(cue.End)).Append('\n');
            if (cue.Voice is { Length: > 0 } name && EscapeAnnotation(name) is { Length: > 0 } voice) vtt.Append("<v ").Append(voice).Append('>');
            vtt.AppendJoin('\n', lines.Select(Escape)).Append('\n');
        }
        return vtt.ToString();
    }

    /// <summary>A cue's lines without blank ones (a blank line would end the cue in both WebVTT and SRT).</summary>
    internal static List<string> Lines(string text) =>
        text.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    /// <summary>A transcript line as a caption source: times may be missing.</summary>
    public sealed record Line(double? Start, double? End, string? Voice, string Text);

    /// <summary>How long the last line shows when it has a start but no end (typed transcripts often give only starts).</summary>
    public const double LastLineSeconds = 5;

    /// <summary>The captions for a whole transcript, in time order, as readable cues (<see cref="CaptionCues.FromTranscript"/>).</summary>
    public static string FromTranscript(IEnumerable<Line> lines) => Write(CaptionCues.FromTranscript(lines));

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
