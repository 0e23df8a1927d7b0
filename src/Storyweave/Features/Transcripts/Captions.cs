using System.Net;
using System.Text.RegularExpressions;

namespace Storyweave.Features.Transcripts;

/// <summary>What WebVTT and SRT share: blank-line separated blocks, "start --> end" lines and light markup.</summary>
internal static partial class Captions
{
    /// <summary>Runs of non-blank lines from <paramref name="from"/> on, as [Start, End) line indexes.</summary>
    public static IEnumerable<(int Start, int End)> Blocks(SourceLines source, int from)
    {
        var i = from;
        while (i < source.Count)
        {
            while (i < source.Count && string.IsNullOrWhiteSpace(source[i])) i++;
            var start = i;
            while (i < source.Count && !string.IsNullOrWhiteSpace(source[i])) i++;
            if (i > start) yield return (start, i);
        }
    }

    public static bool IsTimingLine(string line) => line.Contains("-->", StringComparison.Ordinal);

    /// <summary>
    /// Reads "start --> end [settings]" into a cue draft, reporting unreadable times with the
    /// format's own pattern (hh:mm:ss.mmm or hh:mm:ss,mmm).
    /// </summary>
    public static CueDraft? ReadTiming(SourceLines source, int index, bool hoursRequired, string pattern, ErrorList errors)
    {
        var parts = source[index].Split("-->", 2);
        var startText = parts[0].Trim();
        var endText = parts[1].Trim().Split([' ', '\t'], 2)[0];
        var ok = true;
        foreach (var value in new[] { startText, endText })
        {
            if (TranscriptText.TryParseCueTime(value, hoursRequired, out _)) continue;
            errors.Add(source.Error(index, value.Length == 0
                ? $"a time is missing; expected two times like '{Example(pattern)} --> {Example(pattern)}'."
                : $"the time '{Shorten(value)}' is not a valid time; expected {pattern}."));
            ok = false;
        }
        if (!ok) return null;
        TranscriptText.TryParseCueTime(startText, hoursRequired, out var start);
        TranscriptText.TryParseCueTime(endText, hoursRequired, out var end);
        return new CueDraft(index, start, end, "");
    }

    /// <summary>
    /// Turns the cue's text lines into one text. Caption line breaks only wrap the display, so lines
    /// join with a space. Tags are dropped and entities decoded: the result is plain text that is
    /// never rendered as HTML.
    /// </summary>
    public static (string Speaker, string Text) CueText(IEnumerable<string> lines, bool anyCaseSpeakers)
    {
        var joined = string.Join(" ", lines.Select(l => l.Trim()).Where(l => l.Length > 0));
        var speaker = "";
        var voice = VoiceTag().Match(joined);
        if (voice.Success) speaker = WebUtility.HtmlDecode(voice.Groups[1].Value).Trim();
        var text = Whitespace().Replace(WebUtility.HtmlDecode(Tag().Replace(joined, "")), " ").Trim();
        if (speaker.Length == 0) (speaker, text) = TranscriptText.SplitSpeaker(text, anyCaseSpeakers);
        return (speaker, text);
    }

    /// <summary>Adds a finished draft as a cue, after the checks every timed cue gets.</summary>
    public static void AddCue(SourceLines source, CueDraft draft, bool anyCaseSpeakers, List<ParsedCue> cues, ref double? previousStart, ErrorList errors)
    {
        var (speaker, text) = CueText(draft.Lines, anyCaseSpeakers);
        TranscriptText.CheckTimes(source, draft.Index, draft.Start!.Value, draft.End, ref previousStart, errors);
        if (text.Length == 0)
        {
            errors.Add(source.Error(draft.Index, "this cue has a time but no text."));
            return;
        }
        cues.Add(new ParsedCue(draft.Start, draft.End, speaker, text));
    }

    public static string Shorten(string value) => value.Length > 40 ? value[..40] + "…" : value;

    private static string Example(string pattern) => pattern.Replace("hh", "00", StringComparison.Ordinal).Replace("mm:ss", "01:07", StringComparison.Ordinal).Replace("mmm", "000", StringComparison.Ordinal);

    // The patterns avoid overlapping repeats, so a 20 MB line of "<" or spaces takes linear time.
    [GeneratedRegex(@"^<v(?:\.[^\s>]*)?[ \t]+([^>\s][^>]*)>", RegexOptions.CultureInvariant)]
    private static partial Regex VoiceTag();

    [GeneratedRegex(@"<[^<>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
