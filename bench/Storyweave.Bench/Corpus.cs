using System.Text;

namespace Storyweave.Bench;

/// <summary>
/// A deterministic synthetic corpus: interview transcripts made of everyday words drawn with a
/// Zipf-like frequency, a few stock phrases, and rare made-up words, so queries range from
/// matching most stories to matching a handful. No real person's words are used.
/// </summary>
public sealed class Corpus
{
    /// <summary>Everyday words; the first ones are the most frequent. Query words come from here.</summary>
    private static readonly string[] Core = """
        the and i to a was it of that in my you we he she they but so then me had for on with at like just
        what not be all there this when her him his them about know out up one have were got been did would
        could said went really because time people home family work felt day mum dad years back go going
        think thought get me our your if no yes well more very now never always still again some any how
        who where why which after before into over down off around through help life friends friend school
        money house housing support worker doctor nurse hospital prison job centre kids children sister brother
        partner drink drugs problem worry worried scared happy sad angry tired sleep sleeping night morning week
        month year street town city bus car walk talk talked told ask asked care carer hostel room flat rent
        council benefits letter phone call called group meeting church park garden food shop kitchen dinner
        tea cup bed door window stairs court police probation officer sentence cell wing visit visits visitor
        mental health anxiety depression therapy counsellor medication pills tablets recovery relapse clean
        sober meeting sponsor step steps feelings feeling hope hoped trust trusted alone lonely together
        safe unsafe kind kindness listen listened heard voice story stories change changed better worse
        learn learned learning course college training volunteer volunteering paid wages debt bills gas
        electric cold warm winter summer rain sun holiday seaside beach train station ticket late early
        grandmother grandad nan baby son daughter wife husband boyfriend girlfriend mate mates neighbour
        letterbox key keys wall floor chair table television radio music song songs dance football team
        game cards book books read write wrote writing pen paper form forms appointment waiting list queue
        first last next little big small long short old new young good bad hard easy right wrong best worst
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();

    public static readonly string[] StockPhrases =
    [
        "mental health", "support worker", "back on my feet", "the job centre", "kind nurse", "my mum",
        "one day at a time", "housing officer", "on the waiting list", "my probation officer",
    ];

    private static readonly string[] Syllables = ["ba", "ber", "cal", "dor", "en", "fi", "gan", "hol", "im", "jas", "kel", "lo", "mar", "nes", "or", "pel", "quin", "ros", "sa", "tor", "ul", "ven", "wil", "yar", "zen"];

    private readonly string[] _vocabulary;
    private readonly double[] _cumulative;

    /// <summary>Made-up words that appear in roughly 1 story in 500 each.</summary>
    public string[] RareWords { get; }

    public Corpus(int seed)
    {
        var random = new Random(seed);
        // About 3,000 words: the everyday list, then invented ones for the long tail.
        var words = new List<string>(Core);
        var seen = new HashSet<string>(Core, StringComparer.Ordinal);
        while (words.Count < 3000)
        {
            var w = string.Concat(Enumerable.Range(0, random.Next(2, 4)).Select(_ => Syllables[random.Next(Syllables.Length)]));
            if (seen.Add(w)) words.Add(w);
        }
        _vocabulary = [.. words];
        _cumulative = new double[_vocabulary.Length];
        double total = 0;
        for (var i = 0; i < _vocabulary.Length; i++) _cumulative[i] = total += 1.0 / Math.Pow(i + 1, 1.05);
        for (var i = 0; i < _cumulative.Length; i++) _cumulative[i] /= total;

        var rare = new List<string>();
        while (rare.Count < 200)
        {
            var w = "x" + string.Concat(Enumerable.Range(0, 3).Select(_ => Syllables[random.Next(Syllables.Length)])) + "a";
            if (seen.Add(w)) rare.Add(w);
        }
        RareWords = [.. rare];
    }

    public sealed record Line(string Speaker, string Text, int Words);

    /// <summary>One story of about <paramref name="targetWords"/> words: a reporter asks, storytellers answer.</summary>
    public List<Line> Story(Random random, string reporter, IReadOnlyList<string> tellers, int targetWords)
    {
        var lines = new List<Line>();
        var count = 0;
        while (count < targetWords)
        {
            var question = Sentence(random, random.Next(5, 16), question: true);
            lines.Add(new Line(reporter, question.Text, question.Words));
            count += question.Words;
            var answers = random.Next(1, Math.Min(tellers.Count, 2) + 1);
            for (var a = 0; a < answers; a++)
            {
                var teller = tellers[random.Next(tellers.Count)];
                var text = new StringBuilder();
                var words = 0;
                for (var s = random.Next(1, 7); s > 0; s--)
                {
                    var sentence = Sentence(random, Math.Clamp((int)Normal(random, 14, 6), 3, 40), question: false);
                    if (text.Length > 0) text.Append(' ');
                    text.Append(sentence.Text);
                    words += sentence.Words;
                }
                lines.Add(new Line(teller, text.ToString(), words));
                count += words;
            }
        }
        return lines;
    }

    private (string Text, int Words) Sentence(Random random, int length, bool question)
    {
        var words = new List<string>(length + 4);
        for (var i = 0; i < length; i++) words.Add(Word(random));
        if (random.NextDouble() < 0.05) words.Insert(random.Next(words.Count + 1), StockPhrases[random.Next(StockPhrases.Length)]);
        if (random.NextDouble() < 0.0015) words.Insert(random.Next(words.Count + 1), RareWords[random.Next(RareWords.Length)]);
        var text = string.Join(' ', words);
        var count = text.Count(c => c == ' ') + 1;
        return (char.ToUpperInvariant(text[0]) + text[1..] + (question ? "?" : random.NextDouble() < 0.1 ? "…" : "."), count);
    }

    private string Word(Random random)
    {
        var i = Array.BinarySearch(_cumulative, random.NextDouble());
        return _vocabulary[Math.Min(i < 0 ? ~i : i, _vocabulary.Length - 1)];
    }

    private static double Normal(Random random, double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
