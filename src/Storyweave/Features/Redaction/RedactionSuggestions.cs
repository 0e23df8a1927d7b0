using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;

namespace Storyweave.Features.Redaction;

[JsonConverter(typeof(JsonStringEnumConverter<SuggestionSource>))]
public enum SuggestionSource
{
    /// <summary>A capitalised word in the middle of a sentence.</summary>
    CapitalisedWord,

    /// <summary>A storyteller's name (or first name) from the registry.</summary>
    StorytellerName,

    /// <summary>A reporter's or team member's name.</summary>
    ReporterName,
}

/// <summary>A word that may identify someone, how often it occurs and one line it occurs in.</summary>
public sealed record RedactionSuggestion(string Term, SuggestionSource Source, int Count, string Example, string SuggestedReplacement);

/// <summary>
/// Finds candidate identifying words in a project's transcripts (cues within <see cref="AnalysisScope"/>,
/// the material outputs can use) and key quotes: capitalised words that do not start a sentence
/// (leaving out "I", months, weekdays and a short list of common words), and the names in the
/// storyteller registry and of reporters that occur in that text. Words a rule already covers are left out.
/// </summary>
public sealed partial class RedactionSuggestions(StoryweaveDb db, ConsentPolicy policy)
{
    public const int MaxSuggestions = 60;

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "I", "I'm", "I've", "I'd", "I'll", "OK", "Okay", "TV", "Mr", "Mrs", "Ms", "Dr", "Mum", "Dad", "God", "Christmas", "Easter", "English", "British", "Covid", "NHS",
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "The", "A", "An", "And", "But", "So", "Then", "Yes", "No", "Oh", "Well", "Yeah", "Um", "Er",
    };

    public async Task<IReadOnlyList<RedactionSuggestion>> FindAsync(int projectId, CancellationToken ct = default)
    {
        var scope = await AnalysisScope.LoadAsync(db, policy, projectId, ct);
        var cues = await db.TranscriptCues.AsNoTracking().Where(c => c.Story!.ProjectId == projectId)
            .Select(c => new { c.StoryId, c.Speaker, c.Text }).ToListAsync(ct);
        var texts = cues.Where(c => scope.IsTurnVisible(c.StoryId, c.Speaker)).Select(c => c.Text).ToList();
        var quotes = await db.KeyQuotes.AsNoTracking().Where(q => db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
            .Select(q => new { q.StoryId, q.Speaker, q.Text }).ToListAsync(ct);
        texts.AddRange(quotes.Where(q => scope.IsTurnVisible(q.StoryId, q.Speaker)).Select(q => q.Text));

        var rules = new Redactor((await db.RedactionRules.AsNoTracking().Where(r => r.ProjectId == projectId).Select(r => r.Term).ToListAsync(ct))
            .Select(t => new RedactionPair(t, "")));
        var result = new List<RedactionSuggestion>();
        var taken = new HashSet<string>(StringComparer.Ordinal);

        // Registry names first: they are the most likely to identify someone.
        foreach (var (name, source) in await RegistryNamesAsync(projectId, ct))
        {
            if (IsCovered(rules, name)) continue;
            if (!taken.Add(Redactor.Key(name))) continue;
            var matcher = new Redactor([new RedactionPair(name, "")]);
            var count = 0;
            string? example = null;
            foreach (var text in texts)
            {
                var n = matcher.Count(text).Values.Sum();
                if (n == 0) continue;
                count += n;
                example ??= Shorten(text);
            }
            if (count > 0) result.Add(new RedactionSuggestion(name, source, count, example!, "[name]"));
        }

        var words = new Dictionary<string, (string Term, int Count, string Example)>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var word in MidSentenceCapitalised(text))
            {
                if (StopWords.Contains(word) || IsCovered(rules, word)) continue;
                var key = Redactor.Key(word);
                if (taken.Contains(key)) continue;
                words[key] = words.TryGetValue(key, out var w) ? (w.Term, w.Count + 1, w.Example) : (word, 1, Shorten(text));
            }
        }
        result.AddRange(words.Values.OrderByDescending(w => w.Count).ThenBy(w => w.Term, StringComparer.Ordinal)
            .Select(w => new RedactionSuggestion(w.Term, SuggestionSource.CapitalisedWord, w.Count, w.Example, "[name]")));
        return result.Take(MaxSuggestions).ToList();
    }

    /// <summary>Capitalised words that are not the first word of a sentence (nor of the text).</summary>
    public static IEnumerable<string> MidSentenceCapitalised(string text)
    {
        foreach (Match m in Word().Matches(text))
        {
            var word = m.Value;
            if (word.Length < 2 || !char.IsUpper(word[0])) continue;
            if (word.All(c => !char.IsLetter(c) || char.IsUpper(c))) continue; // ALL CAPS is shouting or an acronym, not a name
            if (StartsSentence(text, m.Index)) continue;
            yield return TrimPossessive(word);
        }
    }

    private static bool StartsSentence(string text, int index)
    {
        var i = index - 1;
        while (i >= 0 && (char.IsWhiteSpace(text[i]) || text[i] is '"' or '\u201c' or '\u2018' or '\'' or '(' or '-' or '\u2014' or '\u2013')) i--;
        return i < 0 || text[i] is '.' or '!' or '?' or '\u2026' or ':';
    }

    private static string TrimPossessive(string word) =>
        word.EndsWith("'s", StringComparison.Ordinal) || word.EndsWith("\u2019s", StringComparison.Ordinal) ? word[..^2] : word;

    private static bool IsCovered(Redactor rules, string word) => !rules.IsEmpty && rules.Apply(word).Length == 0;

    private static string Shorten(string text)
    {
        var t = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return t.Length <= 140 ? t : t[..137] + "\u2026";
    }

    private async Task<List<(string Name, SuggestionSource Source)>> RegistryNamesAsync(int projectId, CancellationToken ct)
    {
        var names = new List<(string, SuggestionSource)>();
        var tellers = await db.Storytellers.AsNoTracking().Where(s => s.ProjectId == projectId).Select(s => s.Name).ToListAsync(ct);
        foreach (var n in tellers) AddWithFirstName(names, n, SuggestionSource.StorytellerName);
        var reporterLabels = await db.SpeakerLabels.AsNoTracking().Where(l => l.IsReporter && l.Story!.ProjectId == projectId).Select(l => l.Label).Distinct().ToListAsync(ct);
        var members = await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId)
            .Select(m => m.User!.DisplayName).ToListAsync(ct);
        foreach (var n in reporterLabels.Concat(members)) AddWithFirstName(names, n, SuggestionSource.ReporterName);
        return names;
    }

    private static void AddWithFirstName(List<(string, SuggestionSource)> names, string? name, SuggestionSource source)
    {
        var words = (name ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !words[0].Any(char.IsLetter)) return;
        if (words.Length > 1) names.Add((string.Join(' ', words), source));
        if (words[0].Length > 1 && !StopWords.Contains(words[0])) names.Add((words[0], source));
    }

    [GeneratedRegex(@"[\p{L}][\p{L}\p{N}'\u2019-]*", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}

/// <summary>Plain words for the page.</summary>
public static class RedactionText
{
    public static string Source(SuggestionSource source) => source switch
    {
        SuggestionSource.StorytellerName => "a storyteller’s name",
        SuggestionSource.ReporterName => "a reporter’s name",
        _ => "capitalised mid-sentence",
    };
}
