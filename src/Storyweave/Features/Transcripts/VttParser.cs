namespace Storyweave.Features.Transcripts;

/// <summary>
/// WebVTT as Zoom (and most recorders) write it: a WEBVTT header, optional cue ids,
/// "00:01:02.500 --> 00:01:04.000" and text, often starting with the speaker's "Name: ".
/// Consecutive cues by one speaker stay separate so their times are kept.
/// </summary>
public static class VttParser
{
    public const string FormatId = "vtt";

    public static ParsedTranscript Parse(string text) => Parse(SourceLines.FromText(text));

    public static ParsedTranscript Parse(SourceLines source)
    {
        var first = source.Count > 0 ? source[0] : "";
        if (!(first.StartsWith("WEBVTT", StringComparison.Ordinal) && (first.Length == 6 || first[6] is ' ' or '\t')))
            throw new TranscriptFormatException([source.Error(0, $"a WebVTT file must start with the word WEBVTT, but this one starts with '{Captions.Shorten(first.Trim())}'.")]);

        // The header block (WEBVTT and any metadata lines) ends at the first blank line.
        var afterHeader = 1;
        while (afterHeader < source.Count && !string.IsNullOrWhiteSpace(source[afterHeader])) afterHeader++;

        var errors = new ErrorList();
        var cues = new List<ParsedCue>();
        double? previousStart = null;
        foreach (var (start, end) in Captions.Blocks(source, afterHeader))
        {
            var head = source[start].Trim();
            if (head.StartsWith("NOTE", StringComparison.Ordinal) || head.StartsWith("STYLE", StringComparison.Ordinal) || head.StartsWith("REGION", StringComparison.Ordinal))
                continue;
            // An optional cue id line comes before the timing line.
            var timing = Captions.IsTimingLine(source[start]) ? start
                : start + 1 < end && Captions.IsTimingLine(source[start + 1]) ? start + 1 : -1;
            if (timing < 0)
            {
                errors.Add(source.Error(start, "expected a cue time like '00:01:07.000 --> 00:01:09.500' here."));
                continue;
            }
            var draft = Captions.ReadTiming(source, timing, hoursRequired: false, "hh:mm:ss.mmm", errors);
            if (draft is null) continue;
            for (var i = timing + 1; i < end; i++) draft.Lines.Add(source[i]);
            // Zoom display names can be written in any case.
            Captions.AddCue(source, draft, anyCaseSpeakers: true, cues, ref previousStart, errors);
        }
        return TranscriptText.Finish(FormatId, cues, errors);
    }
}
