using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace Storyweave.Features.Transcripts;

/// <summary>
/// Numbered lines of a transcript: the lines of a text file, or the paragraphs of a Word document.
/// Errors name the place the way the person would find it ("Line 14", "Paragraph 7 ('Sam…')").
/// A text file's lines are kept as places in its text (<see cref="Span"/>), each made a string only when asked for
/// (the indexer), so the parsers that read spans copy a line's words once, into the cue (issue #17).
/// </summary>
public sealed class SourceLines
{
    private readonly IReadOnlyList<string>? list;
    private readonly bool paragraphs;
    private readonly string text = "";
    private readonly List<(int Start, int Length)> places = [];
    private string?[]? made;

    public SourceLines(IReadOnlyList<string> lines, bool paragraphs = false)
    {
        list = lines;
        this.paragraphs = paragraphs;
    }

    /// <summary>The lines of <paramref name="text"/>, split at "\r\n", "\r" or "\n" (a text ending in one has an empty last line).</summary>
    private SourceLines(string text)
    {
        this.text = text;
        var span = text.AsSpan();
        places = new List<(int, int)>(text.Length / 64 + 1);
        for (var start = 0; ;)
        {
            var end = span[start..].IndexOfAny('\r', '\n');
            if (end < 0)
            {
                places.Add((start, span.Length - start));
                break;
            }
            places.Add((start, end));
            end += start;
            start = end + (span[end] == '\r' && end + 1 < span.Length && span[end + 1] == '\n' ? 2 : 1);
        }
    }

    public int Count => list?.Count ?? places.Count;

    public string this[int index] => list is not null ? list[index] : (made ??= new string?[places.Count])[index] ??= text.Substring(places[index].Start, places[index].Length);

    /// <summary>The line as it is in the text, without making a string of it.</summary>
    public ReadOnlySpan<char> Span(int index) => list is not null ? list[index].AsSpan() : text.AsSpan(places[index].Start, places[index].Length);

    public static SourceLines FromText(string text) => new(text);

    public TranscriptError Error(int index, string message)
    {
        if (!paragraphs) return new TranscriptError(index + 1, $"Line {index + 1}: {message}");
        var text = this[index].Trim();
        var snippet = text.Length == 0 ? "" : $" ('{(text.Length > 30 ? text[..30] + "…" : text)}')";
        return new TranscriptError(null, $"Paragraph {index + 1}{snippet}: {message}");
    }
}

/// <summary>Collects errors so one upload reports several problems at once, up to a readable number.</summary>
internal sealed class ErrorList
{
    private const int Max = 20;
    private readonly List<TranscriptError> _items = [];

    public bool Any => _items.Count > 0;

    public void Add(TranscriptError error)
    {
        if (_items.Count < Max) _items.Add(error);
    }

    public void ThrowIfAny()
    {
        if (_items.Count > 0) throw new TranscriptFormatException(_items);
    }
}

/// <summary>A cue being assembled from one or more lines.</summary>
internal sealed class CueDraft(int index, double? start, double? end, string speaker)
{
    public int Index { get; } = index;
    public double? Start { get; set; } = start;
    public double? End { get; set; } = end;
    public string Speaker { get; set; } = speaker;
    public List<string> Lines { get; } = [];

    public string Text(string separator) => Lines.Count == 1 ? Lines[0].Trim() : string.Join(separator, Lines.Select(l => l.Trim()).Where(l => l.Length > 0));
}

/// <summary>Shared rules: text decoding, times, speaker prefixes and the checks every timed format gets.</summary>
public static partial class TranscriptText
{
    /// <summary>Cues may overlap a little (captions often do); starts going back more than this are reported.</summary>
    public const double BackwardsTolerance = 1.0;

    /// <summary>
    /// Decodes a text file: UTF-8 with or without BOM, or UTF-16 with BOM. Anything else is refused
    /// with the line of the first bad byte, rather than guessed at and shown as garbled text.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        string text;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            var encoding = new UnicodeEncoding(bigEndian: bytes[0] == 0xFE, byteOrderMark: false, throwOnInvalidBytes: true);
            try
            {
                text = encoding.GetString(bytes[2..]);
            }
            catch (DecoderFallbackException)
            {
                throw new TranscriptFormatException("The file says it is UTF-16 text but some of its characters are damaged. Save it again as UTF-8 text and try again.");
            }
        }
        else
        {
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
            var chars = ArrayPool<char>.Shared.Rent(Math.Max(bytes.Length, 1));
            try
            {
                var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
                if (status != OperationStatus.Done)
                {
                    var line = bytes[..read].Count((byte)'\n') + 1;
                    throw new TranscriptFormatException([new TranscriptError(line,
                        $"Line {line}: this is not readable text: the file has bytes that are not UTF-8 characters. " +
                        "If it is a transcript, open it in a text editor and save it as 'UTF-8' text; if it is a Word document, upload the .docx file.")]);
                }
                text = new string(chars, 0, written);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars);
            }
        }
        if (text.StartsWith('\uFEFF')) text = text[1..];
        var binary = FirstBinaryCharacter(text);
        if (binary >= 0)
        {
            var line = text.AsSpan(0, binary).Count('\n') + 1;
            throw new TranscriptFormatException([new TranscriptError(line,
                $"Line {line}: this file contains binary data, not text, so it is not a transcript in a text format.")]);
        }
        return text;
    }

    /// <summary>
    /// Where a text stops looking like text: a NUL anywhere, or (in its first 4,000 characters) more
    /// than one in twenty characters being control codes, unassigned or lone surrogates — which is
    /// how binary data that happens to start with a UTF-16 byte order mark decodes. -1 when it is text.
    /// </summary>
    private static int FirstBinaryCharacter(string text)
    {
        var nul = text.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0) return nul;
        var sample = text.AsSpan(0, Math.Min(text.Length, 4000));
        int odd = 0, first = -1;
        for (var i = 0; i < sample.Length; i++)
        {
            var c = sample[i];
            var category = char.GetUnicodeCategory(c);
            var isOdd = (char.IsControl(c) && !char.IsWhiteSpace(c)) || category == System.Globalization.UnicodeCategory.OtherNotAssigned
                || (char.IsHighSurrogate(c) && !(i + 1 < sample.Length && char.IsLowSurrogate(sample[i + 1])))
                || (char.IsLowSurrogate(c) && !(i > 0 && char.IsHighSurrogate(sample[i - 1])));
            if (!isOdd) continue;
            odd++;
            if (first < 0) first = i;
        }
        return odd * 20 > sample.Length ? first : -1;
    }

    /// <summary>A strict WebVTT or SRT cue time: [hh:]mm:ss.mmm, with a full stop or a comma before the milliseconds.</summary>
    public static bool TryParseCueTime(string value, bool hoursRequired, out double seconds)
    {
        seconds = 0;
        var m = CueTime().Match(value);
        if (!m.Success || (hoursRequired && !m.Groups[1].Success)) return false;
        var hours = m.Groups[1].Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var minutes = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var secs = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        if (minutes > 59 || secs > 59) return false;
        seconds = (hours * 3600) + (minutes * 60) + secs + (int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) / 1000.0);
        return true;
    }

    /// <summary>
    /// A looser clock time as people and tools write it in text: h:mm:ss, mm:ss, 0:0:3.120. Returns
    /// null and a reason when it is not a time.
    /// </summary>
    public static double? ParseClockTime(string value, out string? problem)
    {
        problem = null;
        var m = ClockTime().Match(value);
        if (!m.Success)
        {
            problem = "expected a time like 00:01:07 or 1:07.";
            return null;
        }
        var hasHours = m.Groups[3].Success;
        var hours = hasHours ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var minutes = int.Parse(hasHours ? m.Groups[2].Value : m.Groups[1].Value, CultureInfo.InvariantCulture);
        var secs = int.Parse(hasHours ? m.Groups[3].Value : m.Groups[2].Value, CultureInfo.InvariantCulture);
        // Without hours, long recordings may well say 75:10; with hours, minutes stop at 59.
        if (secs > 59 || (hasHours && minutes > 59))
        {
            problem = "minutes and seconds go up to 59.";
            return null;
        }
        var fraction = m.Groups[4].Success ? double.Parse("0." + m.Groups[4].Value, CultureInfo.InvariantCulture) : 0;
        return (hours * 3600) + (minutes * 60) + secs + fraction;
    }

    /// <summary>Seconds as a person reads them in a message: 00:01:07.500.</summary>
    public static string Format(double seconds)
    {
        var ms = (long)Math.Round(Math.Clamp(seconds, 0, 1e9) * 1000);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}.{ms % 1000:000}");
    }

    /// <summary>
    /// Splits "Name: text" into speaker and text when the part before the colon looks like a name:
    /// short, at most four words, no sentence punctuation and, unless <paramref name="anyCase"/>,
    /// capitalised words ("Sam Rivers", "Speaker 2", "Ama de la Cruz"). Zoom display names may be
    /// lower case, so WebVTT passes anyCase.
    /// </summary>
    public static (string Speaker, string Text) SplitSpeaker(string text, bool anyCase = false) =>
        TrySplitSpeaker(text, anyCase, out var name, out var words) ? (text[name], text[words]) : ("", text);

    /// <summary>
    /// <see cref="SplitSpeaker"/> without making strings: where the speaker's name and the words after the colon are
    /// in <paramref name="text"/> (both trimmed), or false when the line does not start with a name.
    /// </summary>
    public static bool TrySplitSpeaker(ReadOnlySpan<char> text, bool anyCase, out Range name, out Range words)
    {
        name = words = default;
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon > 40) return false;
        var after = colon + 1;
        // "10:30" is a time and "https://" an address, not a speaker.
        if (after < text.Length && (char.IsAsciiDigit(text[after]) || text[after] == '/')) return false;
        name = Trimmed(text, 0, colon);
        if (!LooksLikeName(text[name], anyCase)) return false;
        words = Trimmed(text, after, text.Length);
        return true;
    }

    /// <summary>Where <c>text[from..to]</c> is without the white space around it (as <see cref="string.Trim()"/> would leave it).</summary>
    public static Range Trimmed(ReadOnlySpan<char> text, int from, int to)
    {
        while (from < to && char.IsWhiteSpace(text[from])) from++;
        while (to > from && char.IsWhiteSpace(text[to - 1])) to--;
        return new Range(from, to);
    }

    public static bool LooksLikeName(string name, bool anyCase = false) => LooksLikeName(name.AsSpan(), anyCase);

    public static bool LooksLikeName(ReadOnlySpan<char> name, bool anyCase = false)
    {
        // Zoom display names often carry pronouns or a note in brackets: "Sam Rivers (she/her)".
        var open = name.IndexOf('(');
        if (open > 0 && name[^1] == ')' && name.Length - open <= 22 && name.Slice(open + 1, name.Length - open - 2).IndexOfAny("()\"\n") < 0)
            name = name[..open].TrimEnd();
        if (name.Length is 0 or > 40 || name.IndexOfAny(NotInNames) >= 0) return false;
        // At most four words, the first starting with a letter; "Dr. Ilo" and "J. Marrow" are names, "Yes." or
        // "It rained." end a sentence.
        var count = 0;
        var last = ReadOnlySpan<char>.Empty;
        foreach (var range in name.Split(' '))
        {
            var word = name[range];
            if (word.IsEmpty) continue;
            if (++count > 4 || (count == 1 && !char.IsLetter(word[0]))) return false;
            if (word[^1] == '.' && word.Length > 4) return false;
            if (!anyCase && !(char.IsUpper(word[0]) || char.IsAsciiDigit(word[0]) || word[0] == '(' || Particles.Contains(word))) return false;
            last = word;
        }
        return count > 0 && last[^1] != '.';
    }

    private static readonly System.Buffers.SearchValues<char> NotInNames = System.Buffers.SearchValues.Create("?!,;:\"“”[]<>{}=/\\\n\t|*#@");

    private static readonly HashSet<string> NameParticles = new(StringComparer.Ordinal) { "de", "la", "le", "da", "di", "du", "van", "von", "der", "den", "bin", "al", "el", "y" };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Particles = NameParticles.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// The checks every timed cue gets: the end not before the start, and starts not going back in
    /// time by more than <see cref="BackwardsTolerance"/>. <paramref name="previousStart"/> is updated.
    /// </summary>
    internal static void CheckTimes(SourceLines source, int index, double start, double? end, ref double? previousStart, ErrorList errors)
    {
        if (end is { } e && e < start)
            errors.Add(source.Error(index, $"the cue ends ({Format(e)}) before it starts ({Format(start)})."));
        if (previousStart is { } p && start < p - BackwardsTolerance)
            errors.Add(source.Error(index, $"the time {Format(start)} is earlier than the cue before it ({Format(p)}); cues must be in time order."));
        previousStart = start;
    }

    /// <summary>A file that yields no cue at all is an error, never an empty transcript.</summary>
    internal static ParsedTranscript Finish(string format, List<ParsedCue> cues, ErrorList errors)
    {
        errors.ThrowIfAny();
        if (cues.Count == 0) throw new TranscriptFormatException("The file has no transcript text in it.");
        return new ParsedTranscript(format, cues);
    }

    [GeneratedRegex(@"^(?:([0-9]{1,4}):)?([0-9]{2}):([0-9]{2})[.,]([0-9]{3})$", RegexOptions.CultureInvariant)]
    private static partial Regex CueTime();

    [GeneratedRegex(@"^([0-9]{1,4}):([0-9]{1,2})(?::([0-9]{1,2}))?(?:[.,]([0-9]{1,3}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ClockTime();
}
