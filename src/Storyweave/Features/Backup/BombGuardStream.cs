namespace Storyweave.Features.Backup;

/// <summary>
/// Reads one ZIP entry and stops with a <see cref="RestoreException"/> as soon as it has unpacked to
/// far more than it takes up in the archive (a "zip bomb"). Counted while reading, never taken from
/// the archive's own size claims, which a crafted file can fake. Media and JSON compress by well under
/// 100 to 1; the limit only applies once an entry has unpacked past <see cref="FreeBytes"/>.
/// </summary>
public sealed class BombGuardStream(Stream inner, string entryName, long compressedLength) : Stream
{
    public const long MaxRatio = 200;
    public const long FreeBytes = 64L * 1024 * 1024;

    private long _read;

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        _read += read;
        if (_read > FreeBytes && _read > Math.Max(compressedLength, 1) * MaxRatio)
            throw new RestoreException($"The backup entry {entryName} unpacks to far more than it takes up in the archive (over {MaxRatio} to 1), " +
                "which is how a 'zip bomb' fills a disk, so the restore was stopped and nothing was restored. Use a backup made by 'storyweave backup'.");
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
