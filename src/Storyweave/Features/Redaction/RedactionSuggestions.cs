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
        var rules = new Redactor((await db.RedactionRules.AsNoTracking().Where(r => r.ProjectId == projectId).Select(r => r.Term).ToListAsync(ct))
            .Select(t => new RedactionPair(t, "")));
        var taken = new HashSet<string>(StringComparer.Ordinal);

        // Registry names first: they are the most likely to identify someone. Each is counted on its own (so "Sarah" counts
        // inside "Sarah Jones" too), but only in the lines that hold its first word: a name's match always contains its
        // first run of letters and digits as a whole word, so the lines are read once and each name's matcher runs only
        // where it could match (issue #17: a matcher per name over every line took minutes at 1,000 storytellers).
        var names = new List<Found>();
        var byFirstWord = new Dictionary<string, List<Found>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, source) in await RegistryNamesAsync(projectId, ct))
        {
            if (IsCovered(rules, name)) continue;
            if (!taken.Add(Redactor.Key(name))) continue;
            var found = new Found(name, source, new Redactor([new RedactionPair(name, "")]));
            names.Add(found);
            if (FirstWord(name) is not { } first) continue;
            if (!byFirstWord.TryGetValue(first, out var list)) byFirstWord[first] = list = [];
            list.Add(found);
        }

        var words = new Dictionary<string, (string Term, int Count, string Example)>(StringComparer.Ordinal);
        var candidates = new HashSet<Found>();
        var firstWords = byFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();
        var maybeFirst = new FoldedFilter(byFirstWord.Keys);
        var capitalised = new List<string>();
        // Every word of 40 MB passes through here (issue #17: two regular expressions over every line took ~0.7 s of
        // the page's ~1 s at 1,000 stories): each line is walked by hand, a run of letters is looked up among the names'
        // first words only when a cheap fold of it may be one, capitals are found by a vectorised search, and only
        // capitalised words become strings.
        void Read(string text)
        {
            candidates.Clear();
            if (byFirstWord.Count > 0)
                for (var at = 0; NextRun(text, maybeFirst, ref at, out var start, out var mayBe);)
                    if (mayBe && firstWords.TryGetValue(text.AsSpan(start, at - start), out var list)) candidates.UnionWith(list);
            foreach (var found in candidates)
            {
                var n = found.Matcher.Count(text).Values.Sum();
                if (n == 0) continue;
                found.Count += n;
                found.Example ??= Shorten(text);
            }
            capitalised.Clear();
            AddMidSentenceCapitalised(text, capitalised);
            foreach (var word in capitalised)
            {
                if (StopWords.Contains(word) || IsCovered(rules, word)) continue;
                var key = Redactor.Key(word);
                if (taken.Contains(key)) continue;
                words[key] = words.TryGetValue(key, out var w) ? (w.Term, w.Count + 1, w.Example) : (word, 1, Shorten(text));
            }
        }

        // The material outputs can use: lines within the analysis scope, then key quotes, each read as it arrives (the
        // project's text is never held whole: 40 MB of it at 1,000 stories), straight from the reader (EF's shaping of
        // 255,000 lines was ~0.05 s more).
        await ProjectRows.EachLineAsync(db, projectId, (storyId, speaker, text) =>
        {
            if (scope.IsTurnVisible(storyId, speaker)) Read(text);
        }, ct);
        await foreach (var q in db.KeyQuotes.AsNoTracking().Where(q => db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
            .Select(q => new { q.StoryId, q.Speaker, q.Text }).AsAsyncEnumerable().WithCancellation(ct))
            if (scope.IsTurnVisible(q.StoryId, q.Speaker)) Read(q.Text);

        var result = names.Where(f => f.Count > 0).Select(f => new RedactionSuggestion(f.Name, f.Source, f.Count, f.Example!, "[name]")).ToList();
        result.AddRange(words.Values.OrderByDescending(w => w.Count).ThenBy(w => w.Term, StringComparer.Ordinal)
            .Select(w => new RedactionSuggestion(w.Term, SuggestionSource.CapitalisedWord, w.Count, w.Example, "[name]")));
        return result.Take(MaxSuggestions).ToList();
    }

    /// <summary>A registry name being counted: its own matcher, how often it matched and the first line it matched in.</summary>
    private sealed class Found(string name, SuggestionSource source, Redactor matcher)
    {
        public string Name { get; } = name;
        public SuggestionSource Source { get; } = source;
        public Redactor Matcher { get; } = matcher;
        public int Count { get; set; }
        public string? Example { get; set; }
    }

    /// <summary>A name's first run of letters and digits (null when it has none); compared with the lines' runs ignoring case.</summary>
    private static string? FirstWord(string name) => Run().Match(name) is { Success: true } m ? m.Value : null;

    /// <summary>Adds to <paramref name="words"/> the capitalised words that are not the first word of a sentence (nor of the text).</summary>
    /// <remarks>
    /// A word is what <c>[\p{L}][\p{L}\p{N}'\u2019-]*</c> matches, left to right (<see cref="char.IsLetter(char)"/> is
    /// \p{L}, <see cref="char.IsNumber(char)"/> \p{N}), walked by hand: a regular expression over every line was
    /// ~0.35 s of the redaction page at 1,000 stories. <c>RedactionScanTests</c> compares the two on awkward and random lines.
    /// </remarks>
    internal static void AddMidSentenceCapitalised(string text, List<string> words)
    {
        var span = text.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            // Only a capital can start a word kept here: jump (vectorised) to the next ASCII capital or character past ASCII.
            var next = span[i..].IndexOfAnyExcept(NoCapital);
            if (next < 0) return;
            i += next;
            if (!char.IsUpper(span[i]) || !StartsWord(span, i))
            {
                i++;
                continue;
            }
            var start = i++;
            while (i < span.Length && InWord(span[i])) i++;
            var word = span[start..i];
            if (word.Length < 2) continue;
            if (AllCaps(word)) continue; // ALL CAPS is shouting or an acronym, not a name
            if (StartsSentence(text, start)) continue;
            words.Add(TrimPossessive(word.ToString()));
        }
    }

    /// <summary>Every ASCII character but A–Z: nothing in a run of them starts a capitalised word.</summary>
    private static readonly System.Buffers.SearchValues<char> NoCapital =
        System.Buffers.SearchValues.Create(Enumerable.Range(0, 128).Select(c => (char)c).Where(c => !char.IsAsciiLetterUpper(c)).ToArray());

    private static bool InWord(char c) => char.IsLetter(c) || char.IsNumber(c) || c is '\'' or '\u2019' or '-';

    /// <summary>
    /// Whether a word (as the left-to-right match of <c>[\p{L}][\p{L}\p{N}'\u2019-]*</c>) starts at the letter at
    /// <paramref name="i"/>: it does unless a letter comes before it with only word characters between, as that letter's
    /// word would run on through it.
    /// </summary>
    private static bool StartsWord(ReadOnlySpan<char> text, int i)
    {
        for (var j = i - 1; j >= 0 && InWord(text[j]); j--)
            if (char.IsLetter(text[j])) return false;
        return true;
    }

    private static bool AllCaps(ReadOnlySpan<char> word)
    {
        foreach (var c in word)
            if (char.IsLetter(c) && !char.IsUpper(c)) return false;
        return true;
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

    /// <summary>A run of letters and digits: what <see cref="Redactor"/> treats as a whole word's inside.</summary>
    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Run();

    private static bool InRun(char c) => char.IsLetter(c) || char.IsNumber(c);

    /// <summary>
    /// The next run of letters and digits of <paramref name="text"/> from <paramref name="at"/> (what <see cref="Run"/>
    /// matches, left to right): false when there is none; else its start, <paramref name="at"/> moved to its end, and whether
    /// it may be one of <paramref name="filter"/>'s words (false only when it certainly is not one).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static bool NextRun(string text, FoldedFilter filter, ref int at, out int start, out bool mayBe)
    {
        var i = at;
        while (i < text.Length && !(text[i] < 128 ? char.IsAsciiLetterOrDigit(text[i]) : InRun(text[i]))) i++;
        start = i;
        if (i >= text.Length)
        {
            at = i;
            mayBe = false;
            return false;
        }
        var hash = FoldedFilter.Seed;
        var ascii = true;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 128)
            {
                if (!char.IsAsciiLetterOrDigit(c)) break;
                hash = FoldedFilter.Mix(hash, c);
            }
            else if (InRun(c)) ascii = false;
            else break;
        }
        at = i;
        mayBe = !ascii || filter.MayContain(hash);
        return true;
    }

    /// <summary>
    /// A bit per hash of a word folded to upper case (each character's <see cref="char.ToUpperInvariant(char)"/>), set for each
    /// word given. <see cref="StringComparer.OrdinalIgnoreCase"/> equals two strings only when their characters fold alike, so a
    /// run of ASCII letters and digits whose bit is clear is none of the words, whatever case it is in and even when a word
    /// holds a letter outside ASCII that folds into it (the dotless "ı" to "I"). A clear bit spares a dictionary look-up with
    /// that comparer, ~8 million at 1,000 stories; a set bit says only "maybe". Runs with other letters are always looked up.
    /// </summary>
    internal sealed class FoldedFilter
    {
        public const uint Seed = 2166136261;

        private const int Bits = 1 << 16;

        private readonly ulong[] _bits = new ulong[Bits / 64];

        public FoldedFilter(IEnumerable<string> words)
        {
            foreach (var w in words)
            {
                var hash = Seed;
                foreach (var c in w) hash = Mix(hash, char.ToUpperInvariant(c));
                var bit = hash % Bits;
                _bits[bit / 64] |= 1UL << (int)(bit % 64);
            }
        }

        /// <summary>Adds one character, an ASCII one folded to upper case as <see cref="char.ToUpperInvariant(char)"/> folds it (FNV-1a).</summary>
        public static uint Mix(uint hash, char c) => (hash ^ (c is >= 'a' and <= 'z' ? (uint)(c - 32) : c)) * 16777619;

        public bool MayContain(uint hash)
        {
            var bit = hash % Bits;
            return (_bits[bit / 64] & (1UL << (int)(bit % 64))) != 0;
        }
    }
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
