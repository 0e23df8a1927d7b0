using System.Text;

namespace Storyweave.Features.Search;

/// <summary>
/// A person's search words, parsed once into a small tree and written out for each database
/// engine. Only letters and digits reach the engine, always quoted (FTS5) or as plain lexemes
/// (PostgreSQL tsquery), so nothing a person types can become query syntax.
/// Supported: words (all must appear), "exact phrases", OR between words or phrases, and a
/// trailing * on a word for words starting with it. AND, NOT, NEAR, brackets and other symbols
/// are treated as ordinary words or ignored.
/// </summary>
public sealed class SearchQuery
{
    /// <summary>One word or phrase: its words in order, and whether the last word is a prefix.</summary>
    public sealed record Term(IReadOnlyList<string> Words, bool Prefix);

    /// <summary>All groups must match; within a group, any of its terms (OR).</summary>
    public IReadOnlyList<IReadOnlyList<Term>> Groups { get; }

    private SearchQuery(IReadOnlyList<IReadOnlyList<Term>> groups) => Groups = groups;

    public bool IsEmpty => Groups.Count == 0;

    public static SearchQuery Parse(string? text)
    {
        var groups = new List<List<Term>>();
        var orPending = false;
        foreach (var (raw, quoted) in Tokens(text ?? ""))
        {
            if (!quoted && raw == "OR")
            {
                orPending = groups.Count > 0;
                continue;
            }
            var prefix = !quoted && raw.EndsWith('*');
            var words = Words(raw);
            if (words.Count == 0) continue;
            var term = new Term(words, prefix && words.Count == 1);
            if (orPending) groups[^1].Add(term);
            else groups.Add([term]);
            orPending = false;
        }
        return new SearchQuery(groups);
    }

    /// <summary>Splits on spaces, keeping "quoted phrases" together; an unclosed quote runs to the end.</summary>
    private static IEnumerable<(string Text, bool Quoted)> Tokens(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            if (text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0) end = text.Length;
                yield return (text[(i + 1)..end], true);
                i = end + 1;
                continue;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != '"') i++;
            yield return (text[start..i], false);
        }
    }

    private static List<string> Words(string raw)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in raw)
        {
            if (char.IsLetterOrDigit(ch)) current.Append(char.ToLowerInvariant(ch));
            else if (current.Length > 0) { words.Add(current.ToString()); current.Clear(); }
        }
        if (current.Length > 0) words.Add(current.ToString());
        return words;
    }

    /// <summary>An FTS5 MATCH expression: every word double-quoted, so FTS5 reads none of it as syntax.</summary>
    public string ToFts5()
    {
        static string Term(Term t) => "\"" + string.Join(' ', t.Words) + "\"" + (t.Prefix ? "*" : "");
        return string.Join(" AND ", Groups.Select(g => g.Count == 1 ? Term(g[0]) : "(" + string.Join(" OR ", g.Select(Term)) + ")"));
    }

    /// <summary>
    /// The words to look for together when ranking (bm25 alone ignores how close they are): every
    /// word of the query in order, as typed and lower-cased. Null when there is nothing to gain
    /// (one word, or OR in the query).
    /// </summary>
    public IReadOnlyList<string>? ProximityWords()
    {
        if (Groups.Count < 2 || Groups.Any(g => g.Count > 1)) return null;
        return [.. Groups.SelectMany(g => g[0].Words)];
    }

    /// <summary>A PostgreSQL tsquery text for to_tsquery: lexemes only (letters and digits), phrases as &lt;-&gt;, prefixes as :*.</summary>
    public string ToTsQuery()
    {
        static string Term(Term t)
        {
            var words = t.Words.Select((w, i) => i == t.Words.Count - 1 && t.Prefix ? w + ":*" : w);
            return t.Words.Count == 1 ? words.First() : "(" + string.Join(" <-> ", words) + ")";
        }
        return string.Join(" & ", Groups.Select(g => g.Count == 1 ? Term(g[0]) : "(" + string.Join(" | ", g.Select(Term)) + ")"));
    }

    public override string ToString() => ToFts5();
}
