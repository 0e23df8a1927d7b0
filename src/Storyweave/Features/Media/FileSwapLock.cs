using Storyweave.Hosting;

namespace Storyweave.Features.Media;

/// <summary>
/// The lock held while a recording's original is replaced (a withdrawal swapping in the silenced file and its new
/// SHA-256) and while a file made from an original (a rendition, a clip) is accepted after checking that original's
/// SHA-256: so nothing made from the old sound is kept once the new one is in place. Held only for those short steps,
/// never while ffmpeg runs.
/// <para>It holds across every node sharing the data folder: it is an exclusive lock on the file
/// <c>locks/media-swap.lock</c> in the data folder (on Linux, .NET's <see cref="FileShare.None"/> is an advisory <c>flock</c>, as for
/// <see cref="JobScratch"/>'s node folders, released by the kernel if the process dies; on NFS the Linux client maps it
/// to an NFS lock). Within one process a semaphore queues the waiters first, so only one of them polls the file.
/// The file is never deleted (<c>locks/</c> is neither scratch nor backed up), so every process locks the same file.</para>
/// <para>Waiting is asynchronous: the file is tried again every few milliseconds (up to <see cref="MaxPoll"/>) until it is
/// free, the caller's token is cancelled (<see cref="OperationCanceledException"/>), or <see cref="Timeout"/> has passed
/// (<see cref="TimeoutException"/>, naming the file): a node that held the lock that long is stuck (a hung network
/// file system), and the job waiting fails with a message rather than waiting for ever.</para>
/// </summary>
public sealed class FileSwapLock(string path, TimeSpan timeout) : IDisposable
{
    public const string FileName = "media-swap.lock";

    /// <summary>The longest pause between two tries of the file.</summary>
    public static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(100);

    private readonly SemaphoreSlim _inProcess = new(1, 1);

    public string Path { get; } = path;

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>Takes the lock; dispose the result to release it.</summary>
    public async Task<IDisposable> TakeAsync(CancellationToken ct = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        try
        {
            await _inProcess.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw TimedOut();
        }
        try
        {
            var pause = TimeSpan.FromMilliseconds(5);
            while (true)
            {
                if (TryOpen() is { } held) return new Held(held, _inProcess);
                try
                {
                    await Task.Delay(pause, deadline.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw TimedOut();
                }
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPoll.Ticks));
            }
        }
        catch
        {
            _inProcess.Release();
            throw;
        }
    }

    public void Dispose() => _inProcess.Dispose();

    private TimeoutException TimedOut() => new(
        $"Waited {Timeout.TotalSeconds:0} s for the recording swap lock ({Path}) and another Storyweave process still holds it. " +
        "Check that no node sharing the data folder is stuck (for example on a network file system that stopped answering).");

    private FileStream? TryOpen()
    {
        try
        {
            DataFolder.CreatePrivate(System.IO.Path.GetDirectoryName(Path)!);
            var open = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) open.UnixCreateMode = DataFolder.PrivateFile;
            return new FileStream(Path, open);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private sealed class Held(FileStream file, SemaphoreSlim inProcess) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1) return;
            file.Dispose();
            inProcess.Release();
        }
    }
}
