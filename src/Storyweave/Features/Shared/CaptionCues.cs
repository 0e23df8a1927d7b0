using System.Globalization;
using System.Text.RegularExpressions;

namespace Storyweave.Features.Shared;

/// <summary>
/// The one caption maker: turns timed transcript lines into cues people can read on a screen, the
/// same for WebVTT (<see cref="WebVtt"/>), SRT (<see cref="Srt"/>) and captions burned into a clip.
/// A transcript line is one turn and may run for a minute; a cue shows at most
/// <see cref="MaxLines"/> lines of about <see cref="MaxLineLength"/> characters for about
/// <see cref="MaxSeconds"/> seconds (the usual subtitling limits, e.g. BBC and Netflix guidelines).
/// <para>A line is cut into cues at sentence ends first, then at phrase breaks (a comma, semicolon,
/// colon or dash, or before "and/but/so/because/or"), and only then between other words — never
/// inside a word. The line's time is shared out in proportion to the characters in each cue, and no
/// cue is shorter than <see cref="MinSeconds"/> when the line is long enough for that. A line that
/// runs into the next line's start is stopped there, so cues never overlap. Every cue of a line keeps
/// the line's voice (speaker name), so a speaker change keeps its label.</para>
/// <para>This only lays out the words it is given: which lines, which names and which redaction
/// apply is decided before (consent and redaction come first, captions after).</para>
/// </summary>
public static partial class CaptionCues
{
    public const int MaxLineLength = 42;
    public const int MaxLines = 2;
    public const double MaxSeconds = 7;
    public const double MinSeconds = 1;

    // Costs of a way of cutting a line (lower is better): every extra cue costs, a cut at a
    // sentence end costs nothing, a phrase break a little, a cut between other words the most.
    private const double CueCost = 100, PhraseBreak = 40, ConjunctionBreak = 50, WordBreak = 150, TooShortCost = 200;
    private const int ShortText = 15;

    /// <summary>
    /// The reading cues of transcript lines (each <see cref="WebVtt.Cue"/> one line with its times),
    /// in time order. A cue's <see cref="WebVtt.Cue.Text"/> holds its one or two lines separated by
    /// "\n". Lines with no words or no length are left out.
    /// </summary>
    public static IReadOnlyList<WebVtt.Cue> Split(IEnumerable<WebVtt.Cue> lines)
    {
        var ordered = lines.Where(l => l.End > l.Start && l.Text.Trim().Length > 0).OrderBy(l => l.Start).ToList();
        var cues = new List<WebVtt.Cue>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var line = ordered[i];
            // Stop at the next line's start so the two never show at once. Two lines starting at the
            // same moment keep their times: there is no time to give either one alone.
            if (i + 1 < ordered.Count && ordered[i + 1].Start > line.Start && ordered[i + 1].Start < line.End) line = line with { End = ordered[i + 1].Start };
            cues.AddRange(SplitLine(line));
        }
        return cues;
    }

    /// <summary>
    /// The reading cues of a whole transcript, whose lines may lack times: a line without an end runs
    /// until the next timed line starts (the last one for <see cref="WebVtt.LastLineSeconds"/>); a line
    /// without a start cannot be placed and is left out.
    /// </summary>
    public static IReadOnlyList<WebVtt.Cue> FromTranscript(IEnumerable<WebVtt.Line> lines)
    {
        var timed = lines.Where(l => l.Start is not null).OrderBy(l => l.Start).ToList();
        return Split(timed.Select((l, i) => new WebVtt.Cue(l.Start!.Value,
            l.End ?? (i + 1 < timed.Count ? timed[i + 1].Start!.Value : l.Start!.Value + WebVtt.LastLineSeconds), l.Voice, l.Text)));
    }

    /// <summary>How wide a piece of text is on screen: characters as a reader counts them (é is one).</summary>
    public static int Width(string text) => new StringInfo(text).LengthInTextElements;

    private static IEnumerable<WebVtt.Cue> SplitLine(WebVtt.Cue line)
    {
        var words = Whitespace().Split(line.Text.Trim());
        var n = words.Length;
        var width = words.Select(Width).ToArray();
        // A piece's share of the line's time: its characters plus one space, so the shares add up to the whole.
        var total = width.Sum() + n;
        var duration = line.End - line.Start;

        // Fewest, best-placed cuts (dynamic programming over the places between words).
        var best = new double[n + 1];
        var from = new int[n + 1];
        Array.Fill(best, double.PositiveInfinity);
        best[0] = 0;
        for (var j = 1; j <= n; j++)
        {
            var chars = -1;
            for (var i = j - 1; i >= 0; i--)
            {
                chars += width[i] + 1;
                var single = j - i == 1;
                if (!single && chars > MaxLines * MaxLineLength) break; // longer pieces only grow
                var seconds = duration * (chars + 1) / total;
                if (!single && (seconds > MaxSeconds || Wrap(words, width, i, j) is null)) continue;
                var cost = best[i] + CueCost + (j < n ? BreakCost(words, j) : 0);
                if (i > 0 || j < n)
                {
                    if (seconds < MinSeconds) cost += TooShortCost;
                    if (chars < ShortText) cost += (ShortText - chars) * 3;
                }
                if (cost < best[j]) (best[j], from[j]) = (cost, i);
            }
        }

        var pieces = new List<(int From, int To)>();
        for (var j = n; j > 0; j = from[j]) pieces.Add((from[j], j));
        pieces.Reverse();

        var weights = pieces.Select(p => (double)Enumerable.Range(p.From, p.To - p.From).Sum(k => width[k] + 1)).ToArray();
        var shares = Shares(duration, weights);
        var start = line.Start;
        for (var k = 0; k < pieces.Count; k++)
        {
            var (i, j) = pieces[k];
            var end = k == pieces.Count - 1 ? line.End : start + shares[k];
            var text = Wrap(words, width, i, j) ?? string.Join(' ', words[i..j]);
            yield return line with { Start = start, End = end, Text = text };
            start = end;
        }
    }

    /// <summary>
    /// The line's time shared in proportion to <paramref name="weights"/>, then any share below
    /// <see cref="MinSeconds"/> raised to it (taken from the others in proportion) when the line is
    /// long enough for every piece to have that much.
    /// </summary>
    private static double[] Shares(double duration, double[] weights)
    {
        var sum = weights.Sum();
        var shares = weights.Select(w => duration * w / sum).ToArray();
        if (duration < MinSeconds * shares.Length) return shares;
        var fixedAtMinimum = new bool[shares.Length];
        for (var round = 0; round < shares.Length; round++)
        {
            var shortOnes = Enumerable.Range(0, shares.Length).Where(k => !fixedAtMinimum[k] && shares[k] < MinSeconds).ToList();
            if (shortOnes.Count == 0) break;
            foreach (var k in shortOnes) fixedAtMinimum[k] = true;
            var left = duration - MinSeconds * fixedAtMinimum.Count(f => f);
            var freeWeight = Enumerable.Range(0, shares.Length).Where(k => !fixedAtMinimum[k]).Sum(k => weights[k]);
            for (var k = 0; k < shares.Length; k++) shares[k] = fixedAtMinimum[k] ? MinSeconds : left * weights[k] / freeWeight;
        }
        return shares;
    }

    /// <summary>
    /// Words i..j-1 laid out in at most two lines of <see cref="MaxLineLength"/> (a word longer than
    /// that has a line to itself), broken where the two lines are most even, preferring a phrase
    /// break; null when they do not fit.
    /// </summary>
    private static string? Wrap(string[] words, int[] width, int i, int j)
    {
        var chars = Enumerable.Range(i, j - i).Sum(k => width[k]) + (j - i - 1);
        if (chars <= MaxLineLength || j - i == 1) return string.Join(' ', words[i..j]);
        string? best = null;
        var bestCost = double.PositiveInfinity;
        var first = -1;
        for (var k = i + 1; k < j; k++)
        {
            first += width[k - 1] + 1;
            var second = chars - first - 1;
            if ((first > MaxLineLength && k - i > 1) || (second > MaxLineLength && j - k > 1)) continue;
            var cost = Math.Abs(first - second) - (BreakCost(words, k) < WordBreak ? 12 : 0);
            if (cost < bestCost) (bestCost, best) = (cost, string.Join(' ', words[i..k]) + "\n" + string.Join(' ', words[k..j]));
        }
        return best;
    }

    /// <summary>The cost of cutting before word k.</summary>
    private static double BreakCost(string[] words, int k)
    {
        var before = words[k - 1];
        if (SentenceEnd().IsMatch(before)) return 0;
        if (PhraseEnd().IsMatch(before) || words[k] is "—" or "–" or "-") return PhraseBreak;
        if (Conjunction().IsMatch(words[k])) return ConjunctionBreak;
        return WordBreak;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // A sentence ends with . ! ? or …, possibly followed by closing quotes or brackets.
    [GeneratedRegex(@"[.!?…][""'”’)\]]*$")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"([,;:]|[—–-])[""'”’)\]]*$")]
    private static partial Regex PhraseEnd();

    [GeneratedRegex(@"^(and|but|so|because|or)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Conjunction();
}
