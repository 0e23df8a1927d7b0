using System.Text;
using System.Text.RegularExpressions;

namespace Storyweave.Features.Redaction;

/// <summary>A term and what to show instead, as applied (no database identity).</summary>
public sealed record RedactionPair(string Term, string Replacement);

/// <summary>
/// Replaces a project's identifying words in one output. Built once per project per output by
/// <see cref="RedactionService.ForOutputAsync"/> (which decides, from each storyteller's chosen
/// credit, which terms apply); then <see cref="Apply"/> is cheap and thread-safe.
/// <para>Matching rules:</para>
/// <list type="bullet">
/// <item>Whole words only: a term matches where it is not joined to another letter or digit, so
/// "Sarah" matches "Sarah", "SARAH", "Sarah's", "Sarah’s", "(Sarah)" and "Sarah-Jane", but not
/// "Sarahville" or "Hannah" for "Anna".</item>
/// <item>Ignoring case: the replacement is written as the lead typed it, whatever the case of the match.</item>
/// <item>Longest term first: with "Sarah" and "Sarah Jones" as rules, "Sarah Jones" is replaced
/// by the longer rule's replacement. Spaces inside a term match any run of white space.</item>
/// <item>Possessives and other endings stay: "Sarah's" becomes "[name]'s".</item>
/// </list>
/// </summary>
public sealed class Redactor
{
    public static readonly Redactor None = new([]);

    private readonly Regex? _regex;

    public Redactor(IEnumerable<RedactionPair> pairs)
    {
        Pairs = pairs.Where(p => !string.IsNullOrWhiteSpace(p.Term))
            .GroupBy(p => Key(p.Term)).Select(g => g.First())
            .OrderByDescending(p => p.Term.Trim().Length).ThenBy(p => p.Term, StringComparer.Ordinal).ToList();
        if (Pairs.Count == 0) return;
        // One numbered group per term, so a match maps back to its rule without re-folding case.
        var alternation = string.Join("|", Pairs.Select((p, i) => $"(?<t{i}>{Pattern(p.Term)})"));
        _regex = new Regex($@"(?<![\p{{L}}\p{{N}}])(?:{alternation})(?![\p{{L}}\p{{N}}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(2));
    }

    /// <summary>The rules this output applies, longest term first.</summary>
    public IReadOnlyList<RedactionPair> Pairs { get; }

    /// <summary>Terms a rule names but this output leaves alone, because a storyteller chose to be credited by that name here.</summary>
    public IReadOnlyList<string> KeptNames { get; init; } = [];

    public bool IsEmpty => _regex is null;

    public string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text) || _regex is null) return text ?? "";
        return _regex.Replace(text, m => PairOf(m).Replacement);
    }

    /// <summary>
    /// Where <see cref="Apply"/> replaces words, left to right (the same matches it uses), for an output that must
    /// map positions in the text to positions in its redacted form (REFI-QDA selections in <c>Exports/QdpxSourceText</c>).
    /// </summary>
    public IEnumerable<(int Index, int Length, string Replacement)> Replacements(string? text)
    {
        if (string.IsNullOrEmpty(text) || _regex is null) yield break;
        foreach (Match m in _regex.Matches(text)) yield return (m.Index, m.Length, PairOf(m).Replacement);
    }

    /// <summary>How often each rule's term occurs in the text (for the check).</summary>
    public IReadOnlyDictionary<string, int> Count(string? text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text) || _regex is null) return counts;
        foreach (Match m in _regex.Matches(text))
        {
            var term = PairOf(m).Term;
            counts[term] = counts.GetValueOrDefault(term) + 1;
        }
        return counts;
    }

    /// <summary>True when both apply the same terms (ignoring case and spacing) with the same replacements, so their outputs are the same.</summary>
    public bool SameRulesAs(Redactor other) =>
        Pairs.Count == other.Pairs.Count && Pairs.Zip(other.Pairs).All(p => Key(p.First.Term) == Key(p.Second.Term)
            && string.Equals(p.First.Replacement, p.Second.Replacement, StringComparison.Ordinal));

    public bool Contains(string? text) => !string.IsNullOrEmpty(text) && _regex is not null && _regex.IsMatch(text);

    /// <summary>The same key for "Sarah  Jones" and "sarah jones".</summary>
    public static string Key(string term)
    {
        var sb = new StringBuilder(term.Length);
        var space = false;
        foreach (var ch in term.Trim())
        {
            if (char.IsWhiteSpace(ch))
            {
                space = true;
                continue;
            }
            if (space) sb.Append(' ');
            space = false;
            sb.Append(ch);
        }
        return sb.ToString().ToUpperInvariant();
    }

    private RedactionPair PairOf(Match m)
    {
        for (var i = 0; i < Pairs.Count; i++)
            if (m.Groups[$"t{i}"].Success) return Pairs[i];
        throw new InvalidOperationException("A redaction match belongs to no rule.");
    }

    private static string Pattern(string term) =>
        string.Join(@"\s+", term.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(Regex.Escape));
}
