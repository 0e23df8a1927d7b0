using System.Text.RegularExpressions;

namespace Storyweave.Features.Transcription;

/// <summary>One line of a draft: what an engine heard between two times.</summary>
public sealed record DraftLine(double Start, double End, string Text);

/// <summary>
/// Turns an engine's phrases into transcript lines a person can check one at a time: a line per
/// sentence (Whisper punctuates) or per pause-separated phrase (pocketsphinx does not), and a long
/// run of speech without a pause is cut into lines of at most <see cref="MaxWords"/> words. Inside a
/// phrase there are no word times, so a cut phrase's times are shared out by the length of its
/// words: close, but the reason a person checks every line against the recording.
/// </summary>
public static partial class DraftLines
{
    public const int MaxWords = 20;

    public static List<DraftLine> Build(IEnumerable<RecognisedPhrase> phrases)
    {
        var lines = new List<DraftLine>();
        foreach (var phrase in phrases.OrderBy(p => p.Start))
        {
            var text = Whitespace().Replace(phrase.Text, " ").Trim();
            if (text.Length == 0) continue;
            var pieces = Sentences(text).SelectMany(Chunks).ToList();
            var total = pieces.Sum(p => p.Length);
            var span = Math.Max(0, phrase.End - phrase.Start);
            var done = 0;
            foreach (var piece in pieces)
            {
                var start = phrase.Start + span * done / total;
                done += piece.Length;
                var end = phrase.Start + span * done / total;
                lines.Add(new DraftLine(Math.Round(start, 2), Math.Round(end, 2), Tidy(piece)));
            }
        }
        return lines;
    }

    /// <summary>Sentences, cut after . ? ! followed by a space (Whisper's punctuation); unpunctuated text stays whole.</summary>
    private static IEnumerable<string> Sentences(string text) =>
        SentenceEnd().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0);

    /// <summary>Cuts a sentence longer than <see cref="MaxWords"/> into nearly equal runs of words.</summary>
    private static IEnumerable<string> Chunks(string sentence)
    {
        var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length <= MaxWords) return [sentence];
        var count = (words.Length + MaxWords - 1) / MaxWords;
        var size = (words.Length + count - 1) / count;
        return words.Chunk(size).Select(c => string.Join(' ', c));
    }

    /// <summary>Pocketsphinx writes all lower case: a capital to start the line and for "I" make it quicker to read.</summary>
    private static string Tidy(string line)
    {
        line = LowerI().Replace(line, "I");
        return char.IsLower(line[0]) ? char.ToUpperInvariant(line[0]) + line[1..] : line;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?<=[.?!])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\bi(?=\b(?!-))")]
    private static partial Regex LowerI();
}
