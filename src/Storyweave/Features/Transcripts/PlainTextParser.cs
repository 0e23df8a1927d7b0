namespace Storyweave.Features.Transcripts;

/// <summary>
/// Text without times. Turns are separated by blank lines, or start with a "Name: " prefix; a file
/// with neither has one turn per line. Prefixes are only taken as speakers when they look like a
/// name, so "Here is the thing: nobody came" stays one sentence.
/// <para>Each line is looked at once, as a span of the file's text: its speaker (one string per name in a file) and
/// its words (copied once, into the turn) are found in the first pass and used in the second (issue #17).</para>
/// </summary>
public static class PlainTextParser
{
    public const string FormatId = "text";

    public static ParsedTranscript Parse(string text) => Parse(SourceLines.FromText(text));

    public static ParsedTranscript Parse(SourceLines source, string formatId = FormatId)
    {
        // Per line: where its speaker's name is (an empty range: none) and where its words are; both empty: a blank line.
        var places = new (Range Name, Range Words)[source.Count];
        var hasBlankBetween = false;
        var hasSpeakers = false;
        var seenText = false;
        var blankAfterText = false;
        for (var i = 0; i < source.Count; i++)
        {
            var line = source.Span(i);
            var trimmed = TranscriptText.Trimmed(line, 0, line.Length);
            if (trimmed.Start.Value == trimmed.End.Value)
            {
                blankAfterText = seenText;
                continue;
            }
            hasBlankBetween |= blankAfterText;
            seenText = true;
            if (TranscriptText.TrySplitSpeaker(line[trimmed], false, out var name, out var words))
            {
                var at = trimmed.Start.Value;
                places[i] = (new Range(at + name.Start.Value, at + name.End.Value), new Range(at + words.Start.Value, at + words.End.Value));
                hasSpeakers = true;
            }
            else
            {
                places[i] = (default, trimmed);
            }
        }
        var turnPerLine = !hasBlankBetween && !hasSpeakers;

        var speakers = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = speakers.GetAlternateLookup<ReadOnlySpan<char>>();
        var drafts = new List<CueDraft>();
        CueDraft? current = null;
        for (var i = 0; i < source.Count; i++)
        {
            var (nameAt, wordsAt) = places[i];
            var line = source.Span(i);
            if (nameAt.Start.Value == nameAt.End.Value && wordsAt.Start.Value == wordsAt.End.Value)
            {
                current = null; // a blank line ends the turn
                continue;
            }
            var speaker = "";
            if (nameAt.Start.Value != nameAt.End.Value)
            {
                var name = line[nameAt];
                if (!names.TryGetValue(name, out speaker!))
                {
                    speaker = name.ToString();
                    speakers[speaker] = speaker;
                }
            }
            if (speaker.Length > 0 || current is null || turnPerLine)
            {
                current = new CueDraft(i, null, null, speaker);
                drafts.Add(current);
            }
            current.Lines.Add(line[wordsAt].ToString());
        }
        return TimestampedTextParser.Build(source, drafts, formatId, new ErrorList());
    }
}
