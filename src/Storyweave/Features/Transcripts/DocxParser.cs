using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Storyweave.Features.Transcripts;

/// <summary>
/// Word documents (.docx), including Microsoft Teams transcript exports. The paragraphs are read
/// as lines, then: Teams caption blocks ("0:0:3.120 --> 0:0:8.500", speaker, text), else timed
/// turns ("Sam Rivers   0:03" then text, or "[00:01:02] Sam: text"), else plain "Sam: text" turns.
/// A .docx is a ZIP archive, so the archive is checked before anything is unpacked for real: a small
/// upload must not be able to unpack into gigabytes (a "zip bomb").
/// </summary>
public static partial class DocxParser
{
    public const string FormatId = "docx";

    /// <summary>The most a document's XML parts may unpack to, together.</summary>
    public const long MaxUnpackedBytes = 50L * 1024 * 1024;

    /// <summary>Real documents have a few dozen parts; thousands only make the archive costly to read.</summary>
    public const int MaxEntries = 1000;

    private const string NotAWordDocument = "This file is not a Word document (.docx), or it is damaged, so it cannot be read. " +
        "Open it in Word (or LibreOffice) and save it again as a .docx file.";

    public static bool LooksLikeZip(ReadOnlySpan<byte> bytes) => bytes.StartsWith("PK\u0003\u0004"u8);

    public static ParsedTranscript Parse(byte[] bytes)
    {
        var source = new SourceLines(ReadParagraphs(bytes), paragraphs: true);
        var isTeamsCaptions = false;
        var isTimed = false;
        var marks = 0;
        for (var i = 0; i < source.Count && !isTeamsCaptions; i++)
        {
            isTeamsCaptions = TeamsTiming().IsMatch(source[i].Trim());
            isTimed |= TimestampedTextParser.IsTimeLine(source[i]);
            if (TimeMarkParser.HasEdgeMark(source[i])) marks++;
        }
        return isTeamsCaptions ? ParseTeamsCaptions(source)
            : marks > 0 && !isTimed ? TimeMarkParser.Parse(source, FormatId)
            : isTimed ? TimestampedTextParser.Parse(source, FormatId)
            : PlainTextParser.Parse(source, FormatId);
    }

    /// <summary>The text of each body paragraph, in order; tabs kept, line breaks as spaces, deleted (tracked) text left out.</summary>
    public static List<string> ReadParagraphs(byte[] bytes)
    {
        if (!LooksLikeZip(bytes)) throw new TranscriptFormatException(NotAWordDocument);
        CheckArchive(bytes);
        try
        {
            using var doc = WordprocessingDocument.Open(new MemoryStream(bytes, writable: false), false,
                new OpenSettings { MaxCharactersInPart = MaxUnpackedBytes });
            if (doc.MainDocumentPart is null) throw new TranscriptFormatException(NotAWordDocument);
            var body = doc.MainDocumentPart.Document?.Body
                ?? throw new TranscriptFormatException("This Word document has no text in it.");
            var paragraphs = new List<string>();
            foreach (var paragraph in body.Descendants<Paragraph>())
            {
                var text = new StringBuilder();
                foreach (var element in paragraph.Descendants())
                {
                    switch (element)
                    {
                        case Text t: text.Append(t.Text); break;
                        case TabChar: text.Append('\t'); break;
                        case Break or CarriageReturn: text.Append(' '); break;
                    }
                }
                paragraphs.Add(text.ToString());
            }
            return paragraphs;
        }
        catch (Exception e) when (e is OpenXmlPackageException or InvalidDataException or XmlException or IOException
                                       or FormatException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            throw new TranscriptFormatException(NotAWordDocument, e);
        }
    }

    /// <summary>
    /// Refuses archives with too many entries, or whose XML parts (the ones that get parsed)
    /// unpack to more than <see cref="MaxUnpackedBytes"/>. Sizes are counted while unpacking, not
    /// taken from the archive's own claims, which a crafted file can fake. Unpacking stops at the limit.
    /// (.NET also refuses an entry that unpacks to more than its header claims, as damaged.)
    /// </summary>
    private static void CheckArchive(byte[] bytes)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            if (zip.Entries.Count > MaxEntries)
                throw new TranscriptFormatException($"This Word document has too many parts ({zip.Entries.Count}; the most allowed is {MaxEntries}), so it was not opened.");
            var total = 0L;
            var buffer = new byte[81920];
            foreach (var entry in zip.Entries)
            {
                // Nothing is ever unpacked to disk, but a part named like a path out of the archive
                // ("../…", "/…", "C:…") only comes from a crafted file, never from Word.
                var name = entry.FullName.Replace('\\', '/');
                if (name.StartsWith('/') || name.Contains(':', StringComparison.Ordinal) || name.Split('/').Contains(".."))
                    throw new TranscriptFormatException("This Word document contains a part whose name points outside the document (such as '../'), " +
                        "which Word never makes, so it was not opened. Open the transcript in Word (or LibreOffice) and save it again as a .docx file.");
                if (!(entry.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) || entry.FullName.EndsWith(".rels", StringComparison.OrdinalIgnoreCase)))
                    continue;
                using var stream = entry.Open();
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += read;
                    if (total > MaxUnpackedBytes) throw TooBig();
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new TranscriptFormatException(NotAWordDocument, e);
        }
    }

    private static TranscriptFormatException TooBig() =>
        new($"This Word document unpacks to more than {MaxUnpackedBytes / 1024 / 1024} MB of text and layout, which is far more than a transcript needs, so it was not opened. " +
            "If it is a real transcript, copy its text into a new document and upload that.");

    private static ParsedTranscript ParseTeamsCaptions(SourceLines source)
    {
        var errors = new ErrorList();
        var cues = new List<ParsedCue>();
        var blocks = new List<CueDraft>();
        CueDraft? current = null;
        for (var i = 0; i < source.Count; i++)
        {
            var line = source[i].Trim();
            if (line.Length == 0) continue;
            var m = TeamsTiming().Match(line);
            if (!m.Success)
            {
                if (current is null)
                {
                    current = new CueDraft(i, null, null, ""); // a title before the first caption is kept as an untimed turn
                    blocks.Add(current);
                }
                current.Lines.Add(line);
                continue;
            }
            var start = TranscriptText.ParseClockTime(m.Groups["start"].Value, out var startProblem);
            var end = TranscriptText.ParseClockTime(m.Groups["end"].Value, out var endProblem);
            if (start is null) errors.Add(source.Error(i, $"the time '{Captions.Shorten(m.Groups["start"].Value)}' is not a valid time; {startProblem}"));
            if (end is null) errors.Add(source.Error(i, $"the time '{Captions.Shorten(m.Groups["end"].Value)}' is not a valid time; {endProblem}"));
            current = new CueDraft(i, start, end, "");
            blocks.Add(current);
        }

        double? previousStart = null;
        foreach (var block in blocks)
        {
            // Teams puts the speaker's name on the paragraph after the times, and the words below it.
            var lines = block.Lines;
            var (speaker, text) = lines.Count >= 2 && TranscriptText.LooksLikeName(lines[0], anyCase: true)
                ? (lines[0], string.Join("\n", lines.Skip(1)))
                : TranscriptText.SplitSpeaker(string.Join("\n", lines));
            if (block.Start is { } start) TranscriptText.CheckTimes(source, block.Index, start, block.End, ref previousStart, errors);
            if (text.Length == 0)
            {
                errors.Add(source.Error(block.Index, "there is a time here but no text after it."));
                continue;
            }
            cues.Add(new ParsedCue(block.Start, block.End, speaker, text));
        }
        return TranscriptText.Finish(FormatId, cues, errors);
    }

    [GeneratedRegex(@"^(?<start>[0-9][0-9:.,]*)\s*-->\s*(?<end>[0-9][0-9:.,]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex TeamsTiming();
}
