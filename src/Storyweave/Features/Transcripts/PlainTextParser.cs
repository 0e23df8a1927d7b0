namespace Storyweave.Features.Transcripts;

/// <summary>
/// Text without times. Turns are separated by blank lines, or start with a "Name: " prefix; a file
/// with neither has one turn per line. Prefixes are only taken as speakers when they look like a
/// name, so "Here is the thing: nobody came" stays one sentence.
/// </summary>
public static class PlainTextParser
{
    public const string FormatId = "text";

    public static ParsedTranscript Parse(string text) => Parse(SourceLines.FromText(text));

    public static ParsedTranscript Parse(SourceLines source, string formatId = FormatId)
    {
        var hasBlankBetween = false;
        var hasSpeakers = false;
        var seenText = false;
        var blankAfterText = false;
        for (var i = 0; i < source.Count; i++)
        {
            var line = source[i].Trim();
            if (line.Length == 0)
            {
                blankAfterText = seenText;
                continue;
            }
            hasBlankBetween |= blankAfterText;
            seenText = true;
            hasSpeakers |= TranscriptText.SplitSpeaker(line).Speaker.Length > 0;
        }
        var turnPerLine = !hasBlankBetween && !hasSpeakers;

        var drafts = new List<CueDraft>();
        CueDraft? current = null;
        for (var i = 0; i < source.Count; i++)
        {
            var line = source[i].Trim();
            if (line.Length == 0)
            {
                current = null;
                continue;
            }
            var (speaker, text) = TranscriptText.SplitSpeaker(line);
            if (speaker.Length > 0 || current is null || turnPerLine)
            {
                current = new CueDraft(i, null, null, speaker);
                drafts.Add(current);
            }
            current.Lines.Add(text);
        }
        return TimestampedTextParser.Build(source, drafts, formatId, new ErrorList());
    }
}
