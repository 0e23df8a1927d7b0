using System.Text.RegularExpressions;

namespace Storyweave.Features.Transcripts;

/// <summary>
/// Text with times at the start of turns, as transcription services and people write it:
/// "[00:01:02] Sam: text", "[01:02] text", "00:01:02 Sam: text", or a header line
/// ("Sam Rivers  0:03" or "00:00:03 Sam Rivers") followed by the turn's text. A cue ends where the
/// next one starts; the last has no end.
/// </summary>
public static partial class TimestampedTextParser
{
    public const string FormatId = "timestamped";

    public static ParsedTranscript Parse(string text) => Parse(SourceLines.FromText(text));

    public static ParsedTranscript Parse(SourceLines source, string formatId = FormatId)
    {
        var errors = new ErrorList();
        var drafts = new List<CueDraft>();
        CueDraft? current = null;
        for (var i = 0; i < source.Count; i++)
        {
            var line = source[i].Trim();
            if (line.Length == 0) continue;
            if (!TryReadTimeLine(line, out var time, out var rest, out var headerName))
            {
                if (current is null)
                {
                    // Words before the first time (a title, a note) are kept as an untimed turn.
                    current = new CueDraft(i, null, null, "");
                    drafts.Add(current);
                }
                current.Lines.Add(line);
                continue;
            }
            var start = TranscriptText.ParseClockTime(time, out var problem);
            if (start is null) errors.Add(source.Error(i, $"the time '{Captions.Shorten(time)}' is not a valid time; {problem}"));
            current = new CueDraft(i, start, null, "");
            drafts.Add(current);
            if (headerName is not null)
            {
                current.Speaker = headerName;
                continue;
            }
            var (speaker, text) = TranscriptText.SplitSpeaker(rest);
            if (speaker.Length == 0 && TranscriptText.LooksLikeName(rest) && NextLineIsText(source, i))
                (speaker, text) = (rest, ""); // "00:00:03 Sam Rivers" heading the lines below it
            current.Speaker = speaker;
            current.Lines.Add(text);
        }
        return Build(source, drafts, formatId, errors);
    }

    /// <summary>Whether a line starts a timed turn in any of the accepted styles (used by detection too).</summary>
    public static bool IsTimeLine(string line) => IsTimeLine(line.AsSpan());

    /// <summary><see cref="IsTimeLine(string)"/> without making strings (detection looks at the first 500 lines of every file).</summary>
    public static bool IsTimeLine(ReadOnlySpan<char> line)
    {
        line = line.Trim();
        if (Bracketed().IsMatch(line) || Leading().IsMatch(line)) return true;
        // As TryReadTimeLine: "Sam Rivers  0:03", the last word a time and the words before it a name.
        var lastSpace = line.LastIndexOfAny(' ', '\t');
        return lastSpace > 0 && line.Length - lastSpace <= 16 && TrailingTime().IsMatch(line[(lastSpace + 1)..])
            && TranscriptText.LooksLikeName(line[..lastSpace].Trim());
    }

    internal static ParsedTranscript Build(SourceLines source, List<CueDraft> drafts, string formatId, ErrorList errors)
    {
        var cues = new List<ParsedCue>(drafts.Count);
        double? previousStart = null;
        // Each timed turn ends where the next timed one starts: found from the end, once.
        var nextStarts = new double?[drafts.Count];
        for (var k = drafts.Count - 2; k >= 0; k--) nextStarts[k] = drafts[k + 1].Start ?? nextStarts[k + 1];
        for (var k = 0; k < drafts.Count; k++)
        {
            var draft = drafts[k];
            var speaker = draft.Speaker;
            var text = draft.Text("\n");
            if (speaker.Length == 0) (speaker, text) = TranscriptText.SplitSpeaker(text);
            if (draft.Start is { } start)
            {
                TranscriptText.CheckTimes(source, draft.Index, start, null, ref previousStart, errors);
                var next = nextStarts[k];
                // Small overlaps within the tolerance must not produce an end before the start.
                draft.End = next is { } n ? Math.Max(n, start) : null;
            }
            if (text.Length == 0)
            {
                errors.Add(source.Error(draft.Index, draft.Start is null && speaker.Length > 0
                    ? $"'{speaker}:' has no text after it."
                    : "there is a time here but no text after it."));
                continue;
            }
            cues.Add(new ParsedCue(draft.Start, draft.End, speaker, text));
        }
        return TranscriptText.Finish(formatId, cues, errors);
    }

    private static bool TryReadTimeLine(string line, out string time, out string rest, out string? headerName)
    {
        headerName = null;
        var m = Bracketed().Match(line);
        if (!m.Success) m = Leading().Match(line);
        if (m.Success)
        {
            time = m.Groups["time"].Value;
            rest = m.Groups["rest"].Value.Trim();
            return true;
        }
        // "Sam Rivers  0:03": the last word is the time. Found by hand rather than by a pattern like
        // "(.+?)\s+(time)$", which backtracks for ages over a long line of spaces.
        var lastSpace = line.AsSpan().LastIndexOfAny(' ', '\t');
        if (lastSpace > 0 && line.Length - lastSpace <= 16)
        {
            m = TrailingTime().Match(line, lastSpace + 1);
            var name = line[..lastSpace].Trim();
            if (m.Success && TranscriptText.LooksLikeName(name))
            {
                time = m.Groups["time"].Value;
                rest = "";
                headerName = name;
                return true;
            }
        }
        time = rest = "";
        return false;
    }

    private static bool NextLineIsText(SourceLines source, int index)
    {
        for (var j = index + 1; j < source.Count; j++)
        {
            if (string.IsNullOrWhiteSpace(source[j])) continue;
            return !IsTimeLine(source[j]);
        }
        return false;
    }

    // [00:01:02] or (1:02) at the start; the inside is checked by ParseClockTime so that a
    // mistyped time is reported rather than taken as text.
    [GeneratedRegex(@"^[\[(](?<time>[0-9]{1,4}:[0-9:.,]*)[\])]\s*(?<rest>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"^(?<time>[0-9]{1,4}:[0-9]{1,2}(?::[0-9]{1,2})?(?:[.,][0-9]{1,3})?)(?:\s+(?<rest>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Leading();

    [GeneratedRegex(@"\G[\[(]?(?<time>[0-9]{1,4}:[0-9]{1,2}(?::[0-9]{1,2})?(?:[.,][0-9]{1,3})?)[\])]?$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingTime();
}
