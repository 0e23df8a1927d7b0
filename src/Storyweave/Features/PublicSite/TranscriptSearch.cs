namespace Storyweave.Features.PublicSite;

/// <summary>
/// The search within one public transcript: the visitor's words, matched case-insensitively as
/// plain text in each line. The server uses it for the no-JavaScript form; public-story.js does the
/// same in the browser. Results are text parts, so nothing typed is ever emitted as HTML.
/// </summary>
public sealed class TranscriptSearch
{
    public const int MaxLength = 200;

    private TranscriptSearch(string query, IReadOnlyList<string> terms)
    {
        Query = query;
        Terms = terms;
    }

    public string Query { get; }
    public IReadOnlyList<string> Terms { get; }
    public bool IsEmpty => Terms.Count == 0;

    public static TranscriptSearch Parse(string? query)
    {
        var q = (query ?? "").Trim();
        if (q.Length > MaxLength) q = q[..MaxLength];
        var terms = q.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.Trim('"', '\'', ',', '.', ';', ':', '!', '?')).Where(t => t.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new TranscriptSearch(q, terms);
    }

    public bool Matches(string text) => Terms.Any(t => text.Contains(t, StringComparison.OrdinalIgnoreCase));

    /// <summary>The text cut into parts, each marked as a match or not (overlapping matches merged).</summary>
    public IReadOnlyList<(string Text, bool Match)> Split(string text)
    {
        if (IsEmpty) return [(text, false)];
        var marked = new bool[text.Length];
        foreach (var term in Terms)
        {
            for (var i = text.IndexOf(term, StringComparison.OrdinalIgnoreCase); i >= 0; i = text.IndexOf(term, i + 1, StringComparison.OrdinalIgnoreCase))
                for (var k = i; k < i + term.Length; k++) marked[k] = true;
        }
        var parts = new List<(string, bool)>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || marked[i] != marked[start])
            {
                parts.Add((text[start..i], marked[start]));
                start = i;
            }
        }
        return parts.Count == 0 ? [(text, false)] : parts;
    }
}
