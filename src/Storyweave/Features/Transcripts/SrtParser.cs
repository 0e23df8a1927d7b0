namespace Storyweave.Features.Transcripts;

/// <summary>SubRip (.srt): numbered blocks, "00:01:02,500 --> 00:01:04,000", then text; "Name: " prefixes become speakers.</summary>
public static class SrtParser
{
    public const string FormatId = "srt";

    public static ParsedTranscript Parse(string text) => Parse(SourceLines.FromText(text));

    public static ParsedTranscript Parse(SourceLines source)
    {
        var errors = new ErrorList();
        var cues = new List<ParsedCue>();
        double? previousStart = null;
        foreach (var (start, end) in Captions.Blocks(source, 0))
        {
            // The number line is expected, but a missing one loses nothing, so it is not an error.
            var timing = Captions.IsTimingLine(source[start]) ? start
                : start + 1 < end && IsNumber(source[start]) && Captions.IsTimingLine(source[start + 1]) ? start + 1 : -1;
            if (timing < 0)
            {
                errors.Add(source.Error(IsNumber(source[start]) && start + 1 < end ? start + 1 : start,
                    "expected a cue number (like 12) and then a time line like '00:01:07,000 --> 00:01:09,500'."));
                continue;
            }
            var draft = Captions.ReadTiming(source, timing, hoursRequired: true, "hh:mm:ss,mmm", errors);
            if (draft is null) continue;
            for (var i = timing + 1; i < end; i++) draft.Lines.Add(source[i]);
            Captions.AddCue(source, draft, anyCaseSpeakers: false, cues, ref previousStart, errors);
        }
        return TranscriptText.Finish(FormatId, cues, errors);
    }

    private static bool IsNumber(string line)
    {
        var t = line.Trim();
        return t.Length is > 0 and < 10 && t.All(char.IsAsciiDigit);
    }
}
