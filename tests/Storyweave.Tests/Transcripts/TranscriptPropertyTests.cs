using System.Text;
using FsCheck;
using FsCheck.Xunit;
using Storyweave.Features.Transcripts;

namespace Storyweave.Tests.Transcripts;

/// <summary>
/// Whatever arrives, every parser and the detector either return a transcript or throw
/// <see cref="TranscriptFormatException"/> (which becomes a 422 with a message), never anything
/// else (which would be a 500). Returned transcripts also keep the basic promises.
/// </summary>
public sealed class TranscriptPropertyTests
{
    private static readonly byte[][] ValidSamples = Samples.Valid.Select(Samples.Bytes).ToArray();

    /// <summary>Pieces of every format, so random strings often look almost right.</summary>
    private static readonly string[] Tokens =
    [
        "WEBVTT", "\n", "\n\n", "\r\n", " ", "-->", " --> ", "00:00:01.000", "00:00:0", "01:02.500", "00:00:03,200", "1", "12",
        "Tavi Quorrel: ", "Interviewer:", "text", "[00:01:02]", "[75:10]", "0:03", "0:0:3.120", "NOTE", "<v Benna>", "<i>", "</i>", "&amp;", "&#x0;",
        "{\"text\":\"", "\"}", "<p>", "</p>", "<span class=\\\"timestamp\\\" data-timestamp=\\\"", "12.3", "-1", "1e400", "NaN", "\\\">0:12</span>",
        "</span>", "<br>", "<script>", ":", "\t", "\uFEFF", "é", "\0",
    ];

    private static void ReadsOrRefuses(Func<ParsedTranscript> parse)
    {
        ParsedTranscript result;
        try
        {
            result = parse();
        }
        catch (TranscriptFormatException e)
        {
            Assert.NotEmpty(e.Errors);
            Assert.All(e.Errors, x => Assert.False(string.IsNullOrWhiteSpace(x.Message)));
            return;
        }
        Assert.Contains(result.Format, TranscriptParser.Formats);
        Assert.NotEmpty(result.Cues);
        foreach (var cue in result.Cues)
        {
            Assert.False(string.IsNullOrWhiteSpace(cue.Text));
            Assert.NotNull(cue.Speaker);
            if (cue is { Start: { } start, End: { } end }) Assert.True(end >= start, $"cue ends at {end} before it starts at {start}");
        }
    }

    private static void AllParsersReadOrRefuse(byte[] bytes)
    {
        foreach (var format in TranscriptParser.Formats.Append(null))
            ReadsOrRefuses(() => TranscriptParser.Parse(new MemoryStream(bytes), "file.txt", format));
        ReadsOrRefuses(() => new ParsedTranscript(TranscriptParser.Detect(bytes), [new ParsedCue(null, null, "", "detected")]));
    }

    private static void AllTextParsersReadOrRefuse(string text)
    {
        ReadsOrRefuses(() => VttParser.Parse(text));
        ReadsOrRefuses(() => SrtParser.Parse(text));
        ReadsOrRefuses(() => OtrParser.Parse(text));
        ReadsOrRefuses(() => TimestampedTextParser.Parse(text));
        ReadsOrRefuses(() => PlainTextParser.Parse(text));
        ReadsOrRefuses(() => new ParsedTranscript(TranscriptParser.DetectText(text), [new ParsedCue(null, null, "", "detected")]));
        AllParsersReadOrRefuse(Encoding.UTF8.GetBytes(text));
    }

    [Property]
    public void Arbitrary_strings_are_read_or_refused_with_a_format_error(string text) => AllTextParsersReadOrRefuse(text ?? "");

    [Property]
    public void Strings_made_of_transcript_pieces_are_read_or_refused_with_a_format_error(NonNegativeInt[] picks) =>
        AllTextParsersReadOrRefuse(string.Concat((picks ?? []).Select(p => Tokens[p.Get % Tokens.Length])));

    [Property]
    public void Arbitrary_bytes_are_read_or_refused_with_a_format_error(byte[] bytes) => AllParsersReadOrRefuse(bytes ?? []);

    [Property]
    public void Mutated_samples_are_read_or_refused_with_a_format_error(NonNegativeInt sample, NonNegativeInt operation, NonNegativeInt position, NonNegativeInt other, byte value)
    {
        var original = ValidSamples[sample.Get % ValidSamples.Length];
        var mutated = Mutate(original, operation.Get % 4, position.Get, other.Get, value);
        AllParsersReadOrRefuse(mutated);
    }

    /// <summary>Truncate, duplicate a line, swap two lines, or flip a byte.</summary>
    private static byte[] Mutate(byte[] bytes, int operation, int position, int other, byte value)
    {
        if (bytes.Length == 0) return bytes;
        var at = position % bytes.Length;
        switch (operation)
        {
            case 0:
                return bytes[..at];
            case 3:
                var flipped = (byte[])bytes.Clone();
                flipped[at] ^= value == 0 ? (byte)1 : value;
                return flipped;
        }
        var lines = Split(bytes);
        var a = position % lines.Count;
        var b = other % lines.Count;
        if (operation == 1) lines.Insert(a, lines[a]);
        else (lines[a], lines[b]) = (lines[b], lines[a]);
        return lines.SelectMany(l => l).ToArray();
    }

    /// <summary>Lines with their line feeds, so joining them gives the bytes back.</summary>
    private static List<byte[]> Split(byte[] bytes)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n') continue;
            lines.Add(bytes[start..(i + 1)]);
            start = i + 1;
        }
        if (start < bytes.Length) lines.Add(bytes[start..]);
        return lines;
    }
}
