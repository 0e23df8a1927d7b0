using System.Globalization;
using System.Net;
using Storyweave.Features.Shared;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// A public clip's captions as SRT. The clip's .vtt was written when the clip was cut (redacted, laid
/// out by <see cref="CaptionCues"/>, no names) and is what the player shows; reading its cues back and
/// writing them with <see cref="Srt"/> gives the same words and times cue for cue, with no second
/// path to the transcript that could disagree with the published clip.
/// </summary>
public static class ClipCaptionsSrt
{
    public static string FromVtt(string vtt) => Srt.Write(Cues(vtt));

    /// <summary>The cues of a WebVTT file as <see cref="WebVtt.Write"/> makes them; a block without a valid time line is skipped.</summary>
    public static IReadOnlyList<WebVtt.Cue> Cues(string vtt)
    {
        var cues = new List<WebVtt.Cue>();
        foreach (var block in vtt.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var timeAt = Array.FindIndex(lines, l => l.Contains("-->", StringComparison.Ordinal));
            if (timeAt < 0) continue;
            var times = lines[timeAt].Split("-->", 2);
            // Cue settings may follow the end time ("00:00:04.000 align:start").
            if (Seconds(times[0]) is not { } start || Seconds(times[1].Trim().Split(' ')[0]) is not { } end) continue;
            var text = lines.Skip(timeAt + 1).Select(StripVoice).Select(WebUtility.HtmlDecode);
            cues.Add(new WebVtt.Cue(start, end, null, string.Join('\n', text)));
        }
        return cues;
    }

    // SRT has no voice tag (see Srt): "<v Name>words" keeps the words only.
    private static string StripVoice(string line) =>
        line.StartsWith("<v", StringComparison.Ordinal) && line.IndexOf('>', StringComparison.Ordinal) is var close and > 0 ? line[(close + 1)..] : line;

    /// <summary>hh:mm:ss.mmm or mm:ss.mmm, in seconds; null when not a time.</summary>
    private static double? Seconds(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length is < 2 or > 3) return null;
        double total = 0;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return null;
            total = total * 60 + n;
        }
        return double.TryParse(parts[^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) ? total * 60 + s : null;
    }
}
