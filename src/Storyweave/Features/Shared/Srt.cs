using System.Globalization;
using System.Text;

namespace Storyweave.Features.Shared;

/// <summary>
/// Writes SubRip (.srt) captions, the format most video sites and editors take besides WebVTT: cues
/// numbered from 1, hh:mm:ss,mmm times, CRLF line ends (what Windows tools expect; others accept it),
/// a blank line after each cue. The cues are the same as the WebVTT file's (<see cref="CaptionCues"/>),
/// cue for cue. SRT has no voice tag, so no names are written: the words only, as burned-in captions
/// show them.
/// </summary>
public static class Srt
{
    /// <summary>The file, cues in the order given; a cue with no words or no length is left out (as in <see cref="WebVtt.Write"/>).</summary>
    public static string Write(IEnumerable<WebVtt.Cue> cues)
    {
        var srt = new StringBuilder();
        var n = 0;
        foreach (var cue in cues)
        {
            var lines = WebVtt.Lines(cue.Text);
            if (lines.Count == 0 || cue.End <= cue.Start) continue;
            n++;
            srt.Append(n.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
                .Append(Time(cue.Start)).Append(" --> ").Append(Time(cue.End)).Append("\r\n");
            // "-->" inside the words would read as a time line to some players.
            foreach (var line in lines) srt.Append(line.Replace("-->", "->", StringComparison.Ordinal)).Append("\r\n");
            srt.Append("\r\n");
        }
        return srt.ToString();
    }

    /// <summary>The captions for a whole transcript, as readable cues (<see cref="CaptionCues.FromTranscript"/>).</summary>
    public static string FromTranscript(IEnumerable<WebVtt.Line> lines) => Write(CaptionCues.FromTranscript(lines));

    /// <summary>hh:mm:ss,mmm (a comma before the milliseconds, unlike WebVTT).</summary>
    public static string Time(double seconds) => WebVtt.Time(seconds).Replace('.', ',');

    /// <summary>The media type for a served .srt file.</summary>
    public const string ContentType = "application/x-subrip; charset=utf-8";
}
