using System.IO.Compression;
using System.Text;

namespace Storyweave.Features.Transcripts;

/// <summary>
/// Names the kinds of file people upload by mistake in place of a transcript — a whole project from
/// another analysis program (REFI-QDA .qdpx/.qde, a codebook .qdc, an NVivo or MAXQDA database), a
/// recording, a PDF, an RTF document, a spreadsheet, an archive — so the message says what the file is
/// and what to do, instead of "not a Word document" or, worse, importing XML as if it were words.
/// Only the first bytes and, for ZIP files, the list of entry names are read; nothing is unpacked.
/// </summary>
public static class NotATranscript
{
    /// <summary>A message saying what the file is and what to do instead, or null when it may be a transcript.</summary>
    public static string? Message(byte[] bytes)
    {
        ReadOnlySpan<byte> head = bytes.AsSpan(0, Math.Min(bytes.Length, 4096));
        if (DocxParser.LooksLikeZip(head)) return ZipMessage(bytes);
        if (head.StartsWith("%PDF"u8))
            return "This file is a PDF, which Storyweave cannot read as a transcript. Export the transcript from the program that made it as Word (.docx), plain text or captions (.vtt, .srt) and import that.";
        if (head.StartsWith(@"{\rtf"u8))
            return "This file is an RTF document (as f4transkript and WordPad save them), which Storyweave cannot read. Open it in Word or LibreOffice and save it as a Word document (.docx) or plain text, then import that: time marks such as #00:01:05-2# are kept.";
        if (head.StartsWith("SQLite format 3\0"u8))
            return "This file is a database (for example an NVivo, MAXQDA or QualCoder project file), not a transcript. Export each transcript from that program as Word (.docx) or plain text and import it here.";
        if (Hosting.FileSignatures.ArchiveKind(head) is { } archive)
            return $"This file is a compressed archive ({archive}), not a transcript. Unpack it on your computer and import the transcript inside.";
        if (IsRecording(head))
            return "This file is a recording, not a transcript. Add recordings on the story's Recordings page; to type or draft a transcript for it, open the transcript editor.";
        return XmlMessage(head);
    }

    private static string? ZipMessage(byte[] bytes)
    {
        List<string> names;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            names = zip.Entries.Take(5000).Select(e => e.FullName.Replace('\\', '/')).ToList();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            return null; // the Word reader gives its own "damaged" message
        }
        bool Has(Func<string, bool> test) => names.Any(test);
        if (Has(n => n.EndsWith(".qde", StringComparison.OrdinalIgnoreCase)))
            return "This file is a REFI-QDA project (.qdpx), the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder, not a single transcript. " +
                   "Export each transcript from that program as Word (.docx) or plain text and import it here.";
        if (Has(n => n.Equals("word/document.xml", StringComparison.OrdinalIgnoreCase))) return null; // a Word document
        if (Has(n => n.StartsWith("xl/", StringComparison.OrdinalIgnoreCase)))
            return "This file is a spreadsheet (Excel), not a transcript. Copy the transcript into a Word document or a plain text file and import that.";
        if (Has(n => n.StartsWith("ppt/", StringComparison.OrdinalIgnoreCase)))
            return "This file is a presentation (PowerPoint), not a transcript.";
        if (Has(n => n.Equals("content.xml", StringComparison.OrdinalIgnoreCase)))
            return "This file is an OpenDocument file (such as LibreOffice Writer's .odt). Open it in LibreOffice and save it as a Word document (.docx), then import that.";
        return "This file is a compressed archive (ZIP), not a transcript. Unpack it on your computer and import the transcript inside.";
    }

    private static bool IsRecording(ReadOnlySpan<byte> head) =>
        head.StartsWith("ID3"u8) || head.StartsWith("OggS"u8) || head.StartsWith("fLaC"u8) || head.StartsWith("#!AMR"u8)
        || head.StartsWith(new byte[] { 0x1A, 0x45, 0xDF, 0xA3 })
        || (head.Length >= 12 && head.StartsWith("RIFF"u8) && (head[8..12].SequenceEqual("WAVE"u8) || head[8..12].SequenceEqual("AVI "u8)))
        || (head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8))
        || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && head[1] != 0xFF && !head.StartsWith(new byte[] { 0xFF, 0xFE }));

    private static string? XmlMessage(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (!text.StartsWith('<')) return null;
        if (text.Contains("urn:QDA-XML:project", StringComparison.OrdinalIgnoreCase))
            return "This file is a REFI-QDA project (.qde), the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder, not a single transcript. " +
                   "Export each transcript from that program as Word (.docx) or plain text and import it here.";
        if (text.Contains("urn:QDA-XML:codebook", StringComparison.OrdinalIgnoreCase))
            return "This file is a REFI-QDA codebook (.qdc): codes, not a transcript. Codebooks go into the project's codebook, not into a story.";
        if (text.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
            return "This file is a web page (HTML), not a transcript. Save the page's text as plain text, or export the transcript as Word (.docx) or captions (.vtt, .srt), and import that.";
        if (text.StartsWith("<?xml", StringComparison.Ordinal) || text.StartsWith("<tt", StringComparison.Ordinal))
            return "This file is an XML file, which Storyweave cannot read as a transcript. Export the transcript as WebVTT (.vtt), SRT, Word (.docx) or plain text and import that.";
        return null;
    }
}
