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

    /// <summary>The first bytes of a file on disk (at most 16).</summary>
    public static byte[] Head(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[16];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return buffer[..read];
    }
}
