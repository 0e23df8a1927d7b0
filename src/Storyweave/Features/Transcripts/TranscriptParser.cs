namespace Storyweave.Features.Transcripts;

/// <summary>
/// The single way in: reads a transcript file in one of the <see cref="Formats"/>, detecting the
/// format from the content when none is given. The file name is only used in messages: people
/// rename files, and a Zoom .vtt saved as .txt is still WebVTT.
/// </summary>
public static class TranscriptParser
{
    public const long MaxFileBytes = 20L * 1024 * 1024;

    public static readonly IReadOnlyList<string> Formats =
        [VttParser.FormatId, SrtParser.FormatId, OtrParser.FormatId, TimestampedTextParser.FormatId, TimeMarkParser.FormatId, DocxParser.FormatId, PlainTextParser.FormatId];

    public static string FormatList => string.Join(", ", Formats);

    /// <summary>The format id for a user-supplied value (any case, surrounding spaces ignored), or null when it is none of them.</summary>
    public static string? KnownFormat(string? format) =>
        Formats.FirstOrDefault(f => string.Equals(f, format?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static string UnknownFormatMessage(string format) =>
        $"'{Captions.Shorten(format)}' is not a transcript format Storyweave knows. Use one of: {FormatList}; or leave the format out to have it recognised from the file.";

    public static ParsedTranscript Parse(Stream content, string? fileName, string? format)
    {
        string? id = null;
        if (!string.IsNullOrWhiteSpace(format))
            id = KnownFormat(format) ?? throw new TranscriptFormatException(UnknownFormatMessage(format));
        return Parse(ReadLimited(content, fileName), fileName, id);
    }

    public static ParsedTranscript Parse(byte[] bytes, string? fileName, string? format)
    {
        if (bytes.Length == 0) throw new TranscriptFormatException($"{Describe(fileName)} is empty.");
        if (Hosting.FileSignatures.ProgramKind(bytes) is { } program)
            throw new TranscriptFormatException(Hosting.FileSignatures.ProgramMessage(program, "a transcript"));
        if (NotATranscript.Message(bytes) is { } notTranscript) throw new TranscriptFormatException(notTranscript);
        var id = format is null ? (DocxParser.LooksLikeZip(bytes) ? DocxParser.FormatId : null)
            : KnownFormat(format) ?? throw new TranscriptFormatException(UnknownFormatMessage(format));
        if (id == DocxParser.FormatId) return DocxParser.Parse(bytes);
        if (DocxParser.LooksLikeZip(bytes))
            throw new TranscriptFormatException($"{Describe(fileName)} is a Word document or another ZIP archive, not {id} text. Choose the format docx, or leave the format out.");
        // Decoded once, for detection and parsing both.
        var text = TranscriptText.Decode(bytes);
        if (string.IsNullOrWhiteSpace(text)) throw new TranscriptFormatException($"{Describe(fileName)} has no transcript text in it.");
        id ??= DetectText(text);
        return id switch
        {
            VttParser.FormatId => VttParser.Parse(text),
            SrtParser.FormatId => SrtParser.Parse(text),
            OtrParser.FormatId => OtrParser.Parse(text),
            TimestampedTextParser.FormatId => TimestampedTextParser.Parse(text),
            TimeMarkParser.FormatId => TimeMarkParser.Parse(text),
            _ => PlainTextParser.Parse(text),
        };
    }

    /// <summary>The format of a file, from its content alone. Throws when it is not text (and not a .docx).</summary>
    public static string Detect(byte[] bytes) =>
        DocxParser.LooksLikeZip(bytes) ? DocxParser.FormatId : DetectText(TranscriptText.Decode(bytes));

    public static string DetectText(string text)
    {
        var start = text.TrimStart();
        if (start.StartsWith("WEBVTT", StringComparison.Ordinal)) return VttParser.FormatId;
        // oTranscribe is the only JSON format accepted; other JSON gets its "no text" message.
        if (start.StartsWith('{')) return OtrParser.FormatId;

        var source = SourceLines.FromText(text);
        int arrowsWithComma = 0, arrowsWithDot = 0, timeLines = 0, markLines = 0, nonEmpty = 0;
        var numbered = false;
        // The first few hundred lines say enough; a 20 MB file need not be scanned twice. Lines are looked at as spans.
        for (var i = 0; i < source.Count && nonEmpty < 500; i++)
        {
            var line = source.Span(i).Trim();
            if (line.Length == 0) continue;
            // The first line all digits: numbered blocks (SRT).
            if (nonEmpty++ == 0) numbered = !line.ContainsAnyExceptInRange('0', '9');
            var arrow = line.IndexOf("-->", StringComparison.Ordinal);
            if (arrow >= 0)
            {
                if (line[..arrow].Contains(',')) arrowsWithComma++;
                else arrowsWithDot++;
            }
            else if (TimestampedTextParser.IsTimeLine(line)) timeLines++;
            else if (TimeMarkParser.HasEdgeMark(line)) markLines++;
        }
        if (arrowsWithComma + arrowsWithDot > 0)
        {
            // Numbered blocks are SRT even with full stops in the times; otherwise full stops mean
            // WebVTT that lost its header, which the WebVTT parser then says plainly.
            return numbered || arrowsWithComma >= arrowsWithDot ? SrtParser.FormatId : VttParser.FormatId;
        }
        if (markLines > timeLines && (markLines >= 2 || nonEmpty <= 2)) return TimeMarkParser.FormatId;
        return timeLines >= 2 || (timeLines == 1 && nonEmpty <= 2) ? TimestampedTextParser.FormatId : PlainTextParser.FormatId;
    }

    /// <summary>Reads at most <see cref="MaxFileBytes"/>; a longer stream is refused after one byte more, never read to its end.</summary>
    public static byte[] ReadLimited(Stream content, string? fileName)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = content.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > MaxFileBytes) throw new TranscriptFormatException(TooLargeMessage(fileName));
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public static string TooLargeMessage(string? fileName) =>
        $"{Describe(fileName)} is larger than {MaxFileBytes / 1024 / 1024} MB, the most Storyweave reads. Transcripts are usually far smaller: check that this is the transcript and not the recording.";

    private static string Describe(string? fileName) =>
        string.IsNullOrWhiteSpace(fileName) ? "The file" : $"The file '{Captions.Shorten(Path.GetFileName(fileName))}'";
}
