using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Storyweave.Features.Backup;

/// <summary>
/// Optional passphrase encryption of a backup, streamed in chunks so a backup of any size needs little memory.
/// <list type="bullet">
/// <item>Key: PBKDF2-HMAC-SHA256 with a random 16-byte salt and <see cref="Iterations"/> rounds (OWASP's figure
/// for 2023) gives 64 bytes: a 256-bit AES key and a 256-bit check key. An HMAC of a fixed text under the check
/// key is kept in the header, so a wrong passphrase is told apart from a damaged file.</item>
/// <item>Body: AES-256-GCM per chunk of <see cref="ChunkSize"/> bytes; the nonce is a random 4-byte prefix and
/// the chunk's number, and each chunk authenticates the whole header, its number and whether it is the last:
/// chunks cannot be changed, reordered, dropped, or cut off at the end without the restore noticing.</item>
/// </list>
/// Layout: "SWBKENC1", iterations (int32), salt (16), nonce prefix (4), check (32), chunk size (int32); then per
/// chunk: length (int32), last (1 byte), ciphertext, tag (16). Integers are little-endian.
/// </summary>
public static class BackupCrypto
{
    public const int Iterations = 600_000;
    public const int ChunkSize = 1 << 20;
    public const int MinimumPassphraseLength = 12;
    private static readonly byte[] Magic = "SWBKENC1"u8.ToArray();
    private static readonly byte[] KeyedMagic = "SWBKSEA1"u8.ToArray();
    private static readonly byte[] CheckText = "storyweave-backup-passphrase-check"u8.ToArray();
    private const int HeaderLength = 8 + 4 + 16 + 4 + 32 + 4;

    /// <summary>Whether the file starts like an encrypted Storyweave backup.</summary>
    public static bool IsEncrypted(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> start = stackalloc byte[8];
        return stream.ReadAtLeast(start, 8, throwOnEndOfStream: false) == 8 && start.SequenceEqual(Magic);
    }

    public static string? CheckPassphrase(string passphrase) =>
        passphrase.Length < MinimumPassphraseLength
            ? $"The backup passphrase must be at least {MinimumPassphraseLength} characters long (a few words are easiest to remember)."
            : null;

    /// <summary>A write-only stream that encrypts everything written to it into <paramref name="output"/> (closed with it).</summary>
    public static Stream Encrypt(Stream output, string passphrase)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return Encrypt(output, Magic, Iterations, salt, Derive(passphrase, salt, Iterations));
    }

    /// <summary>
    /// The same chunked encryption under a random 256-bit key instead of a passphrase (a storyteller's sealed file in a
    /// backup, <see cref="BackupSealing"/>): the AES and check keys come from HKDF-SHA256 over the key and the salt.
    /// </summary>
    public static Stream Encrypt(Stream output, byte[] key)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return Encrypt(output, KeyedMagic, 0, salt, DeriveFromKey(key, salt));
    }

    private static EncryptingStream Encrypt(Stream output, byte[] magic, int iterations, byte[] salt, (byte[] Key, byte[] Check) derived)
    {
        var (key, check) = derived;
        var prefix = RandomNumberGenerator.GetBytes(4);
        var header = new byte[HeaderLength];
        magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), iterations);
        salt.CopyTo(header, 12);
        prefix.CopyTo(header, 28);
        check.CopyTo(header, 32);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(64), ChunkSize);
        output.Write(header);
        return new EncryptingStream(output, key, prefix, header);
    }

    /// <summary>
    /// Decrypts <paramref name="input"/> into <paramref name="output"/>, checking every chunk. Throws
    /// <see cref="RestoreException"/> with a message for the person restoring: wrong passphrase, damaged or cut short.
    /// </summary>
    public static async Task DecryptAsync(Stream input, Stream output, string passphrase, CancellationToken ct)
    {
        var header = new byte[HeaderLength];
        if (await input.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, ct) < HeaderLength || !header.AsSpan(0, 8).SequenceEqual(Magic))
            throw new RestoreException("This is not an encrypted Storyweave backup, or its beginning is damaged.");
        var iterations = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        var chunkSize = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(64));
        if (iterations is < 10_000 or > 10_000_000 || chunkSize is < 1024 or > 64 << 20)
            throw new RestoreException("This encrypted backup's header is damaged, so it cannot be read.");
        var (key, check) = Derive(passphrase, header.AsSpan(12, 16).ToArray(), iterations);
        if (!CryptographicOperations.FixedTimeEquals(check, header.AsSpan(32, 32)))
            throw new RestoreException("That is not the passphrase this backup was made with. Check it (capital letters and spaces count) and try again.");
        await DecryptChunksAsync(input, output, header, key, chunkSize, ct);
    }

    /// <summary>Decrypts a stream written by <see cref="Encrypt(Stream, byte[])"/>; false when <paramref name="rawKey"/> is not the key it was sealed with.</summary>
    public static async Task<bool> DecryptAsync(Stream input, Stream output, byte[] rawKey, CancellationToken ct)
    {
        var header = new byte[HeaderLength];
        if (await input.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, ct) < HeaderLength || !header.AsSpan(0, 8).SequenceEqual(KeyedMagic))
            throw Damaged();
        var chunkSize = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(64));
        if (chunkSize is < 1024 or > 64 << 20) throw Damaged();
        var (key, check) = DeriveFromKey(rawKey, header.AsSpan(12, 16).ToArray());
        if (!CryptographicOperations.FixedTimeEquals(check, header.AsSpan(32, 32))) return false;
        await DecryptChunksAsync(input, output, header, key, chunkSize, ct);
        return true;
    }

    private static async Task DecryptChunksAsync(Stream input, Stream output, byte[] header, byte[] key, int chunkSize, CancellationToken ct)
    {
        using var aes = new AesGcm(key, 16);
        var prefix = header.AsSpan(28, 4).ToArray();
        var lengthAndFlag = new byte[5];
        var cipher = new byte[chunkSize];
        var plain = new byte[chunkSize];
        var tag = new byte[16];
        for (long index = 0; ; index++)
        {
            var got = await input.ReadAtLeastAsync(lengthAndFlag, 5, throwOnEndOfStream: false, ct);
            if (got < 5) throw new RestoreException("This encrypted backup is incomplete: it was cut short (perhaps while it was copied). Use a complete copy.");
            var length = BinaryPrimitives.ReadInt32LittleEndian(lengthAndFlag);
            var last = lengthAndFlag[4] == 1;
            if (length < 0 || length > chunkSize || lengthAndFlag[4] > 1) throw Damaged();
            if (await input.ReadAtLeastAsync(cipher.AsMemory(0, length), length, throwOnEndOfStream: false, ct) < length
                || await input.ReadAtLeastAsync(tag, 16, throwOnEndOfStream: false, ct) < 16)
                throw new RestoreException("This encrypted backup is incomplete: it was cut short (perhaps while it was copied). Use a complete copy.");
            try
            {
                aes.Decrypt(Nonce(prefix, index), cipher.AsSpan(0, length), tag, plain.AsSpan(0, length), Aad(header, index, last));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw Damaged();
            }
            await output.WriteAsync(plain.AsMemory(0, length), ct);
            if (last) break;
        }
        if (await input.ReadAsync(new byte[1], ct) != 0) throw Damaged();
        CryptographicOperations.ZeroMemory(plain);
    }

    private static RestoreException Damaged() =>
        new("This encrypted backup is damaged or has been changed since it was made, so it was not restored. Use another copy.");

    private static (byte[] Key, byte[] Check) Derive(string passphrase, byte[] salt, int iterations)
    {
        var bytes = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 64);
        var key = bytes[..32];
        var check = HMACSHA256.HashData(bytes[32..], CheckText);
        CryptographicOperations.ZeroMemory(bytes);
        return (key, check);
    }

    private static (byte[] Key, byte[] Check) DeriveFromKey(byte[] rawKey, byte[] salt)
    {
        var bytes = HKDF.DeriveKey(HashAlgorithmName.SHA256, rawKey, 64, salt, "storyweave-backup-sealed-file"u8.ToArray());
        var key = bytes[..32];
        var check = HMACSHA256.HashData(bytes[32..], CheckText);
        CryptographicOperations.ZeroMemory(bytes);
        return (key, check);
    }

    private static byte[] Nonce(byte[] prefix, long index)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce, 0);
        BinaryPrimitives.WriteInt64LittleEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    private static byte[] Aad(byte[] header, long index, bool last)
    {
        var aad = new byte[header.Length + 9];
        header.CopyTo(aad, 0);
        BinaryPrimitives.WriteInt64LittleEndian(aad.AsSpan(header.Length), index);
        aad[^1] = last ? (byte)1 : (byte)0;
        return aad;
    }

    private sealed class EncryptingStream(Stream output, byte[] key, byte[] prefix, byte[] header) : Stream
    {
        private readonly AesGcm _aes = new(key, 16);
        private readonly byte[] _buffer = new byte[ChunkSize];
        private readonly byte[] _cipher = new byte[ChunkSize];
        private int _filled;
        private long _index;
        private long _written;
        private bool _closed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => !_closed;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            while (buffer.Length > 0)
            {
                if (_filled == ChunkSize) WriteChunk(last: false);
                var n = Math.Min(buffer.Length, ChunkSize - _filled);
                buffer[..n].CopyTo(_buffer.AsSpan(_filled));
                _filled += n;
                _written += n;
                buffer = buffer[n..];
            }
        }

        private void WriteChunk(bool last)
        {
            Span<byte> tag = stackalloc byte[16];
            _aes.Encrypt(Nonce(prefix, _index), _buffer.AsSpan(0, _filled), _cipher.AsSpan(0, _filled), tag, Aad(header, _index, last));
            Span<byte> lengthAndFlag = stackalloc byte[5];
            BinaryPrimitives.WriteInt32LittleEndian(lengthAndFlag, _filled);
            lengthAndFlag[4] = last ? (byte)1 : (byte)0;
            output.Write(lengthAndFlag);
            output.Write(_cipher, 0, _filled);
            output.Write(tag);
            _index++;
            _filled = 0;
        }

        public override void Flush() => output.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                WriteChunk(last: true);
                CryptographicOperations.ZeroMemory(_buffer);
                _aes.Dispose();
                output.Dispose();
            }
            base.Dispose(disposing);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
