using System.Globalization;
using System.Text.RegularExpressions;

namespace Storyweave.Features.Transcripts;

/// <summary>
/// Transcripts with time marks between hashes, as f4/f5transkript and MAXQDA write them ("I: How did it
/// start? #00:00:05-2#": the mark ends the paragraph, and the digit after the dash is tenths of a second)
/// and as ATLAS.ti and others write them at the start ("#00:00:01.5# Sam: It started in the garden.").
/// A mark at the start of a paragraph is when it starts; a mark at its end is when it ends, which is also
/// when the next paragraph starts (the first starts at 0:00). Marks in the middle of a paragraph are left
/// out of the words. Speakers ("I:", "Sam Rivers:") are read as in any other transcript.
/// </summary>
public static partial class TimeMarkParser
{
    public const string FormatId = "f4";

    public static ParsedTranscript Parse(string text) => Parse(SourceLines.FromText(text));

    /// <summary>Whether a line has a time mark at its start or end (used by detection).</summary>
    public static bool HasEdgeMark(string line) => HasEdgeMark(line.AsSpan());

    public static bool HasEdgeMark(ReadOnlySpan<char> line)
    {
        var t = line.Trim();
        return t.Length > 0 && (Leading().IsMatch(t) || Trailing().IsMatch(t));
    }

    public static ParsedTranscript Parse(SourceLines source, string formatId = FormatId)
    {
        var errors = new ErrorList();
        var cues = new List<ParsedCue>();
        var paragraphs = new List<(int Index, double? Start, double? End, string Speaker, string Text)>();
        var anyTrailing = false;
        var open = false; // the last paragraph has not ended with a mark yet, so a plain line continues it
        for (var i = 0; i < source.Count; i++)
        {
            var line = source[i].Trim();
            if (line.Length == 0) continue;
            double? start = null, end = null;
            var lead = Leading().Match(line);
            if (lead.Success)
            {
                start = Seconds(lead.Groups["time"].Value, source, i, errors);
                line = line[lead.Length..].Trim();
            }
            var trail = Trailing().Match(line);
            if (trail.Success)
            {
                end = Seconds(trail.Groups["time"].Value, source, i, errors);
                line = line[..trail.Index].Trim();
                anyTrailing = true;
            }
            line = Spaces().Replace(AnyMark().Replace(line, " "), " ").Trim();
            var (speaker, words) = TranscriptText.SplitSpeaker(line);
            if (!lead.Success && speaker.Length == 0 && open && paragraphs.Count > 0)
            {
                // A turn typed over several lines: this line carries on the paragraph before it.
                var last = paragraphs[^1];
                paragraphs[^1] = last with { End = end ?? last.End, Text = (last.Text + " " + words).Trim() };
            }
            else
            {
                paragraphs.Add((i, start, end, speaker, words));
            }
            open = !trail.Success;
        }

        double? previousStart = null;
        for (var k = 0; k < paragraphs.Count; k++)
        {
            var p = paragraphs[k];
            // A paragraph starts at its own mark, else where the one before it ended (f4: the first starts at 0:00).
            var start = p.Start ?? (k > 0 ? paragraphs[k - 1].End : anyTrailing ? 0 : null);
            var end = p.End ?? (k + 1 < paragraphs.Count ? paragraphs[k + 1].Start : null);
            if (start is { } s)
            {
                TranscriptText.CheckTimes(source, p.Index, s, end, ref previousStart, errors);
            }
            if (p.Text.Length == 0)
            {
                if (p.Speaker.Length > 0) errors.Add(source.Error(p.Index, $"'{p.Speaker}:' has no text after it."));
                continue; // a paragraph that is only a time mark
            }
            cues.Add(new ParsedCue(start, end, p.Speaker, p.Text));
        }
        return TranscriptText.Finish(formatId, cues, errors);
    }

    private static double? Seconds(string mark, SourceLines source, int index, ErrorList errors)
    {
        var m = Time().Match(mark);
        if (!m.Success)
        {
            errors.Add(source.Error(index, $"the time mark '#{Captions.Shorten(mark)}#' is not a time; write it like #00:01:05-2#."));
            return null;
        }
        int Part(string name) => int.Parse(m.Groups[name].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        var (h, min, sec) = (Part("h"), Part("m"), Part("s"));
        if (min > 59 || sec > 59)
        {
            errors.Add(source.Error(index, $"the time mark '#{mark}#' has more than 59 minutes or seconds."));
            return null;
        }
        var fraction = m.Groups["f"].Success ? double.Parse("0." + m.Groups["f"].Value, CultureInfo.InvariantCulture) : 0;
        return h * 3600 + min * 60 + sec + fraction;
    }

    // #00:00:05-2# (f4, MAXQDA: tenths after a dash), #00:00:01.5# or #0:01:02,25# (a decimal point or comma).
    [GeneratedRegex(@"^#(?<time>[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:[-.,][0-9]{1,3})?)#", RegexOptions.CultureInvariant)]
    private static partial Regex Leading();

    [GeneratedRegex(@"#(?<time>[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:[-.,][0-9]{1,3})?)#$", RegexOptions.CultureInvariant)]
    private static partial Regex Trailing();

    [GeneratedRegex(@"#[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:[-.,][0-9]{1,3})?#", RegexOptions.CultureInvariant)]
    private static partial Regex AnyMark();

    [GeneratedRegex(@"^(?<h>[0-9]{1,2}):(?<m>[0-9]{1,2}):(?<s>[0-9]{1,2})(?:[-.,](?<f>[0-9]{1,3}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Time();

    [GeneratedRegex(@"\s{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
