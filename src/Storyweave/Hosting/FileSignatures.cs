namespace Storyweave.Hosting;

/// <summary>
/// Recognises programs by their first bytes, whatever the file is called, so an upload of a
/// renamed executable is refused with a message that says what it is.
/// </summary>
public static class FileSignatures
{
    /// <summary>"a Linux program", "a Windows program", … or null when the bytes do not start like a program.</summary>
    public static string? ProgramKind(ReadOnlySpan<byte> start) => start switch
    {
        [0x7F, (byte)'E', (byte)'L', (byte)'F', ..] => "a Linux program",
        // "MZ" then a byte that is not text: a transcript line may well start "MZ: …" (a speaker's initials).
        [(byte)'M', (byte)'Z', var b, ..] when b is >= 0x7F or (< 0x20 and not ((byte)'\t' or (byte)'\n' or (byte)'\r')) => "a Windows program",
        [0xCF, 0xFA, 0xED, 0xFE, ..] or [0xCE, 0xFA, 0xED, 0xFE, ..] or [0xFE, 0xED, 0xFA, 0xCF, ..] or [0xFE, 0xED, 0xFA, 0xCE, ..] => "a Mac program",
        [0xCA, 0xFE, 0xBA, 0xBE, ..] => "a Mac or Java program",
        [(byte)'#', (byte)'!', (byte)'/', ..] => "a script (a program)",
        [0x00, (byte)'a', (byte)'s', (byte)'m', ..] => "a WebAssembly program",
        _ => null,
    };

    public static string ProgramMessage(string kind, string expected) =>
        $"This file is {kind}, not {expected}, so it was refused. Programs are never accepted, whatever the file is called.";

    /// <summary>
    /// "ZIP", "GZIP", "7-Zip" or "RAR" for a compressed archive, or null. A ZIP that is really an Office
    /// or OpenDocument file (its first entry is <c>[Content_Types].xml</c> or <c>mimetype</c>) is not
    /// called an archive: telling someone to unzip their Word document would only confuse them.
    /// Needs the first 64 bytes to see the first entry's name.
    /// </summary>
    public static string? ArchiveKind(ReadOnlySpan<byte> start) => start switch
    {
        [0x50, 0x4B, 0x03, 0x04, ..] when IsOfficeDocument(start) => null,
        [0x50, 0x4B, 0x03, 0x04, ..] or [0x50, 0x4B, 0x05, 0x06, ..] or [0x50, 0x4B, 0x07, 0x08, ..] => "ZIP",
        [0x1F, 0x8B, ..] => "GZIP",
        [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, ..] => "7-Zip",
        [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, ..] => "RAR",
        _ => null,
    };

    /// <summary>A ZIP whose first entry names it as a Word/Excel/PowerPoint or OpenDocument file.</summary>
    public static bool IsOfficeDocument(ReadOnlySpan<byte> start)
    {
        // ZIP local file header: the name's length at byte 26, the name itself from byte 30.
        if (start.Length < 30 || start[0] != 0x50 || start[1] != 0x4B || start[2] != 0x03 || start[3] != 0x04) return false;
        var length = start[26] | (start[27] << 8);
        if (start.Length < 30 + length) return false;
        var name = start.Slice(30, length);
        return name.SequenceEqual("[Content_Types].xml"u8) || name.SequenceEqual("mimetype"u8);
    }

    public static string ArchiveMessage(string kind) =>
        $"This file is a compressed archive ({kind}), not a recording. Unzip it on your computer and upload the audio or video file inside.";

    public const string OfficeDocumentMessage =
        "This file is a document (such as Word, Excel, PowerPoint or OpenDocument), not a recording. Upload an audio or video file such as MP4, M4A, MP3, WAV, OGG or WebM.";

    /// <summary>The first bytes of a file on disk (at most <paramref name="count"/>).</summary>
    public static byte[] Head(string path, int count = 16)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[count];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return buffer[..read];
    }
}
