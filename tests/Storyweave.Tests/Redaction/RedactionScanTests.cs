using System.Text;
using System.Text.RegularExpressions;
using Storyweave.Features.Redaction;

namespace Storyweave.Tests.Redaction;

/// <summary>
/// The suggestions' scan walks each line by hand instead of with two regular expressions (issue #17: ~0.7 s of the
/// redaction page at 1,000 stories). These compare the walk with the expressions it replaced, on awkward lines and on
/// 20,000 random ones drawn from letters, digits, apostrophes, hyphens, accents, folded letters and surrogate pairs.
/// </summary>
public sealed class RedactionScanTests
{
    private static readonly Regex Word = new(@"[\p{L}][\p{L}\p{N}'\u2019-]*", RegexOptions.CultureInvariant);
    private static readonly Regex Run = new(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant);

    private static readonly string[] Awkward =
    [
        "I went with Marcus to Leeds in May, and Marcus's brother drove.",
        "“Sarah” said: Mary-Jane O’Brien and Zoë met Dr Ahmed at 3rd Street. ÉLODIE? élodie. İstanbul, ıan IAN",
        "Ⅻ o'clock²; 𝒜lice and Ｓarah — K (Kelvin) ſam; ''-'' Bob-- --Bob",
        "",
        "a",
        "   ",
    ];

    private static IEnumerable<string> Lines()
    {
        foreach (var line in Awkward) yield return line;
        var random = new Random(17);
        const string pieces = "abcxyzABCXYZéÉıİſKｓＳ0123456789²Ⅻ'’-.,!?:;\"“( )\u2014\u2013 \n\t";
        string[] pairs = ["𝒜", "😀"];
        for (var i = 0; i < 20_000; i++)
        {
            var sb = new StringBuilder();
            var length = random.Next(0, 40);
            for (var j = 0; j < length; j++)
                sb.Append(random.Next(12) == 0 ? pairs[random.Next(pairs.Length)] : pieces[random.Next(pieces.Length)].ToString());
            yield return sb.ToString();
        }
    }

    /// <summary>The capitalised words as the regular expression found them (the code before the walk).</summary>
    private static List<string> CapitalisedByRegex(string text)
    {
        var words = new List<string>();
        foreach (Match m in Word.Matches(text))
        {
            var w = m.Value;
            if (w.Length < 2 || !char.IsUpper(w[0])) continue;
            if (w.All(c => !char.IsLetter(c) || char.IsUpper(c))) continue;
            var i = m.Index - 1;
            while (i >= 0 && (char.IsWhiteSpace(text[i]) || text[i] is '"' or '\u201c' or '\u2018' or '\'' or '(' or '-' or '\u2014' or '\u2013')) i--;
            if (i < 0 || text[i] is '.' or '!' or '?' or '\u2026' or ':') continue;
            words.Add(w.EndsWith("'s", StringComparison.Ordinal) || w.EndsWith("\u2019s", StringComparison.Ordinal) ? w[..^2] : w);
        }
        return words;
    }

    [Fact]
    public void The_walk_finds_the_same_capitalised_words_as_the_regular_expression()
    {
        var checkedWords = 0;
        foreach (var line in Lines())
        {
            var walked = new List<string>();
            RedactionSuggestions.AddMidSentenceCapitalised(line, walked);
            var expected = CapitalisedByRegex(line);
            Assert.True(expected.SequenceEqual(walked), $"Line \"{line}\": expected [{string.Join(", ", expected)}], walked [{string.Join(", ", walked)}].");
            checkedWords += expected.Count;
        }
        Assert.True(checkedWords > 5_000, $"only {checkedWords} capitalised words were compared");
        var first = new List<string>();
        RedactionSuggestions.AddMidSentenceCapitalised(Awkward[0], first);
        Assert.Equal(["Marcus", "Leeds", "May", "Marcus"], first);
    }

    [Fact]
    public void The_runs_are_the_regular_expression_s_and_a_name_s_first_word_is_never_passed_over_in_any_case()
    {
        string[] names = ["Sarah", "ıan", "Zoë", "Marcus", "O", "élodie", "ＳARAH", "Ⅻ", "42"];
        var filter = new RedactionSuggestions.FoldedFilter(names);
        var passedOver = 0;
        var runs = 0;
        foreach (var line in Lines().Concat(["IAN ian Ian sarah SARAH sArAh ZOË zoë marcus o ÉLODIE ｓarah ⅻ 42 table chair"]))
        {
            var expected = Run.Matches(line).Select(m => (m.Index, m.Length)).ToList();
            var walked = new List<(int, int)>();
            for (var at = 0; RedactionSuggestions.NextRun(line, filter, ref at, out var index, out var mayBe);)
            {
                walked.Add((index, at - index));
                var run = line[index..at];
                if (names.Contains(run, StringComparer.OrdinalIgnoreCase))
                    Assert.True(mayBe, $"\"{run}\" is a name's first word in another case but was passed over");
                else if (!mayBe) passedOver++;
                runs++;
            }
            Assert.Equal(expected, walked);
        }
        // Words that are no name's are passed over without a look-up (most of them: the filter's point).
        Assert.True(passedOver > runs / 2, $"{passedOver} of {runs} runs passed over");
    }
}
