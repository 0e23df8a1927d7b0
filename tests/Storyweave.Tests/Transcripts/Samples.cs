using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Storyweave.Tests.Transcripts;

/// <summary>
/// The sample transcripts: text files in Samples/ (copied to the output folder) and Word documents
/// made here with the OpenXml SDK, so their paragraphs are readable in the source. Every speaker and
/// place is made up.
/// </summary>
public static class Samples
{
    public static readonly IReadOnlyDictionary<string, string[]> WordParagraphs = new Dictionary<string, string[]>
    {
        ["word-timed.docx"] =
        [
            "[00:00:01] Vessa Krainholt: I kept a diary that year.",
            "[00:00:06] Interviewer: Do you still have it?",
            "[00:00:09] Vessa Krainholt: Somewhere in the loft, under the sails.",
        ],
        ["word-speakers.docx"] =
        [
            "Interviewer: What did the square look like then?",
            "",
            "Vessa Krainholt: Cobbles, and a pump that never worked.",
            "We called it the Grumbler.",
        ],
        ["teams-captions.docx"] =
        [
            "0:0:3.120 --> 0:0:8.500",
            "Tavi Quorrel",
            "Welcome, everyone, to the listening circle.",
            "0:0:8.900 --> 0:0:12.40",
            "Benna Strake",
            "Thanks. Shall I start?",
        ],
        ["teams-headers.docx"] =
        [
            "Tavi Quorrel   0:03",
            "Welcome back to the second session.",
            "Benna Strake\t1:15",
            "I brought the map of the old allotments.",
        ],
        ["bad-time-teams.docx"] =
        [
            "0:0:3.120 --> 0:0:8.500",
            "Tavi Quorrel",
            "Hello.",
            "0:0:9.000 --> 0:75:8",
            "Benna Strake",
            "This time cannot be.",
        ],
    };

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Transcripts", "Samples", name);

    public static byte[] Bytes(string name) =>
        WordParagraphs.TryGetValue(name, out var paragraphs) ? Docx(paragraphs) : File.ReadAllBytes(Path(name));

    /// <summary>All valid samples, by name.</summary>
    public static readonly string[] Valid =
    [
        "zoom.vtt", "interview.srt", "interview.otr", "timestamped-brackets.txt", "timestamped-inline.txt",
        "timestamped-headers.txt", "plain.txt", "plain-lines.txt", "word-timed.docx", "word-speakers.docx",
        "teams-captions.docx", "teams-headers.docx",
    ];

    /// <summary>A Word document with one paragraph per string; a tab in the string becomes a Word tab.</summary>
    public static byte[] Docx(IEnumerable<string> paragraphs)
    {
        using var stream = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            var body = new Body();
            foreach (var text in paragraphs)
            {
                var run = new Run();
                var pieces = text.Split('\t');
                for (var i = 0; i < pieces.Length; i++)
                {
                    if (i > 0) run.Append(new TabChar());
                    run.Append(new Text(pieces[i]) { Space = SpaceProcessingModeValues.Preserve });
                }
                body.Append(new Paragraph(run));
            }
            main.Document = new Document(body);
            main.Document.Save();
        }
        return stream.ToArray();
    }

    /// <summary>
    /// A .docx-shaped ZIP whose document.xml unpacks to <paramref name="unpackedBytes"/> of one
    /// repeated letter, a few hundred KB compressed. When <paramref name="lieAboutSize"/> the
    /// archive's directory claims the part is tiny, as a crafted bomb would.
    /// </summary>
    public static byte[] ZipBomb(long unpackedBytes, bool lieAboutSize = false)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, "[Content_Types].xml", """<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>""");
            Write(zip, "_rels/.rels", """<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>""");
            var entry = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize);
            using var part = entry.Open();
            part.Write("""<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"""u8);
            var chunk = new byte[1024 * 1024];
            Array.Fill(chunk, (byte)'a');
            for (long written = 0; written < unpackedBytes; written += chunk.Length) part.Write(chunk);
            part.Write("</w:t></w:r></w:p></w:body></w:document>"u8);
        }
        var bytes = stream.ToArray();
        if (lieAboutSize) ClaimSmallSizes(bytes);
        return bytes;
    }

    private static void Write(ZipArchive zip, string name, string content)
    {
        using var s = zip.CreateEntry(name).Open();
        s.Write(Encoding.UTF8.GetBytes(content));
    }

    /// <summary>Overwrites every "uncompressed size" field (local headers and central directory) with 100 bytes.</summary>
    private static void ClaimSmallSizes(byte[] zip)
    {
        for (var i = 0; i + 46 <= zip.Length; i++)
        {
            if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 3 && zip[i + 3] == 4) BitConverter.TryWriteBytes(zip.AsSpan(i + 22, 4), 100u);
            else if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 1 && zip[i + 3] == 2) BitConverter.TryWriteBytes(zip.AsSpan(i + 24, 4), 100u);
        }
    }
}
