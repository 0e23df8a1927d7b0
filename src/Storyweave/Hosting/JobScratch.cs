using System.Globalization;
using System.Text.RegularExpressions;

namespace Storyweave.Hosting;

/// <summary>
/// Scratch space for jobs (clip cuts, renditions, report files, uploads in progress, silencing, a
/// storyteller's download, and any job to come): a private folder per run under this node's own folder in the data
/// folder's <c>tmp/</c>, named after what it belongs to, so it can be found by construction:
/// <list type="bullet">
/// <item><c>tmp/node-{n}/project-{p}/story-{s}/{job}-{guid}/</c>: work on one story (its recording, transcript, clips);</item>
/// <item><c>tmp/node-{n}/project-{p}/storyteller-{t}/{job}-{guid}/</c>: work about one storyteller;</item>
/// <item><c>tmp/node-{n}/project-{p}/{job}-{guid}/</c>: work drawing on the whole project (report files);</item>
/// <item><c>tmp/node-{n}/{job}-{guid}/</c>: work that belongs to no project.</item>
/// </list>
/// Each process (node) has its own <c>node-{n}</c> folder, chosen at random as it starts and held by a lock on its
/// <c>.lock</c> file for as long as the process runs, so nodes sharing one data folder never touch each other's work.
/// A job disposes its <see cref="Folder"/> however it ends (success, failure, cancellation), which
/// overwrites and deletes everything in it. What a crash (kill -9, power cut) leaves is erased when a node next
/// starts: every node folder whose lock is free belongs to a process that has gone (<see cref="JobScratchCleanup"/>).
/// A full withdrawal erases the scratch of the person's stories, of the person, and of project-wide jobs on every
/// node (<see cref="EraseForWithdrawal"/>); a job whose folder is erased under it fails and can be run again.
/// </summary>
public sealed partial class JobScratch(StoryweaveOptions options, ILogger<JobScratch> logger) : IDisposable
{
    private const string NodePrefix = "node-";
    private const string LockName = ".lock";

    private readonly Lock _gate = new();
    private string _nodeFolder = NewNodeFolder(options);
    private FileStream? _lock;

    private static string NewNodeFolder(StoryweaveOptions options) => Path.Combine(options.TempDir, NodePrefix + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>This node's own scratch folder (made and locked on first use).</summary>
    public string Root
    {
        get
        {
            lock (_gate)
            {
                if (_lock is not null) return _nodeFolder;
                // Another node starting at this very moment may find the new folder before it is locked and erase it:
                // then this node takes another name.
                for (var attempt = 1; ; attempt++)
                {
                    DataFolder.CreatePrivate(options.TempDir);
                    DataFolder.CreatePrivate(_nodeFolder);
                    _lock = TryLock(_nodeFolder);
                    if (_lock is not null) return _nodeFolder;
                    if (attempt == 3) throw new IOException($"Could not take a scratch folder of its own under {options.TempDir}.");
                    _nodeFolder = NewNodeFolder(options);
                }
            }
        }
    }

    public Folder ForStory(int projectId, int storyId, string job) =>
        Create([ProjectName(projectId), Invariant($"story-{storyId}")], job);

    public Folder ForStoryteller(int projectId, int storytellerId, string job) =>
        Create([ProjectName(projectId), Invariant($"storyteller-{storytellerId}")], job);

    public Folder ForProject(int projectId, string job) => Create([ProjectName(projectId)], job);

    public Folder ForInstance(string job) => Create([], job);

    /// <summary>
    /// A kept folder (not a job's) for a cache made from one story, e.g. a storyteller's own turns cut from a group
    /// recording: <c>tmp/node-{n}/project-{p}/story-{s}/{name}/</c>. Being under the story's scratch, it is erased when
    /// the node is gone and by any full withdrawal from the story, like the jobs' folders.
    /// </summary>
    public string CacheForStory(int projectId, int storyId, string name)
    {
        if (!JobName().IsMatch(name)) throw new ArgumentException("A cache name is a few lower-case letters, digits and dashes.", nameof(name));
        var path = Root;
        foreach (var part in new[] { ProjectName(projectId), Invariant($"story-{storyId}"), name })
        {
            path = Path.Combine(path, part);
            DataFolder.CreatePrivate(path);
        }
        return path;
    }

    /// <summary>
    /// Erases what processes that have stopped left in the scratch space: every node folder whose lock is free (its
    /// process is gone). What lies in <c>tmp/</c> outside node folders (an older version's scratch, a project file
    /// waiting to be imported, a backup's temporary file) is erased only when no other node is running. Only at
    /// start-up, before the workers and the web server start.
    /// </summary>
    public int EraseLeftovers()
    {
        if (!Directory.Exists(options.TempDir)) return 0;
        var erased = 0;
        var othersRunning = false;
        foreach (var folder in Directory.EnumerateDirectories(options.TempDir, NodePrefix + "*"))
        {
            if (Path.GetFullPath(folder) == Path.GetFullPath(_nodeFolder)) continue;
            using var held = TryLock(folder);
            if (held is null)
            {
                othersRunning = true;
                continue;
            }
            // Nobody holds it: its process is gone. The lock file goes last, while this node still holds it.
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos().Where(e => e.Name != LockName))
                erased += entry is DirectoryInfo ? FileErasure.EraseDirectory(entry.FullName, Failed) : EraseOne(entry.FullName);
            held.Dispose();
            erased += FileErasure.EraseDirectory(folder, Failed);
        }
        if (!othersRunning)
        {
            foreach (var entry in new DirectoryInfo(options.TempDir).EnumerateFileSystemInfos().Where(e => !e.Name.StartsWith(NodePrefix, StringComparison.Ordinal)))
                erased += entry is DirectoryInfo ? FileErasure.EraseDirectory(entry.FullName, Failed) : EraseOne(entry.FullName);
        }
        return erased;
    }

    /// <summary>
    /// A full withdrawal: erases the scratch of each story they were in, their own, and that of jobs drawing on the
    /// whole project (a report being written may quote them), on every node, and what waits in <c>tmp/</c> for the
    /// project outside node folders. Other stories' scratch (an upload to someone else's story) is left alone.
    /// </summary>
    public int EraseForWithdrawal(int projectId, int storytellerId, IEnumerable<int> storyIds)
    {
        if (!Directory.Exists(options.TempDir)) return 0;
        var stories = storyIds.Distinct().ToList();
        var erased = EraseForWithdrawalUnder(options.TempDir, projectId, storytellerId, stories);
        foreach (var folder in Directory.EnumerateDirectories(options.TempDir, NodePrefix + "*"))
            erased += EraseForWithdrawalUnder(folder, projectId, storytellerId, stories);
        return erased;
    }

    private int EraseForWithdrawalUnder(string root, int projectId, int storytellerId, List<int> storyIds)
    {
        var project = Path.Combine(root, ProjectName(projectId));
        if (!Directory.Exists(project)) return 0;
        var erased = 0;
        foreach (var storyId in storyIds)
            erased += FileErasure.EraseDirectory(Path.Combine(project, Invariant($"story-{storyId}")), Failed);
        erased += FileErasure.EraseDirectory(Path.Combine(project, Invariant($"storyteller-{storytellerId}")), Failed);
        foreach (var entry in new DirectoryInfo(project).EnumerateFileSystemInfos())
        {
            if (entry.Name.StartsWith("story-", StringComparison.Ordinal) || entry.Name.StartsWith("storyteller-", StringComparison.Ordinal)) continue;
            erased += entry is DirectoryInfo ? FileErasure.EraseDirectory(entry.FullName, Failed) : EraseOne(entry.FullName);
        }
        return erased;
    }

    /// <summary>
    /// Takes the lock of a node folder: an exclusive lock on its <c>.lock</c> file (on Linux, .NET's
    /// <see cref="FileShare.None"/> is an advisory <c>flock</c>, released by the kernel when the process dies).
    /// Null if another process (or another node in this one) holds it, or the folder has just been erased.
    /// </summary>
    private static FileStream? TryLock(string folder)
    {
        try
        {
            return new FileStream(Path.Combine(folder, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _lock?.Dispose();
            _lock = null;
        }
    }

    private Folder Create(string[] owner, string job)
    {
        if (!JobName().IsMatch(job)) throw new ArgumentException("A job name is a few lower-case letters, digits and dashes.", nameof(job));
        var path = Root;
        foreach (var part in owner)
        {
            path = Path.Combine(path, part);
            DataFolder.CreatePrivate(path);
        }
        path = Path.Combine(path, $"{job}-{Guid.NewGuid():N}");
        DataFolder.CreatePrivate(path);
        return new Folder(path, this);
    }

    private int EraseOne(string path)
    {
        try
        {
            return FileErasure.EraseFile(path) ? 1 : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Failed(path, e);
            return 0;
        }
    }

    private void Failed(string path, Exception e) => logger.LogError(e, "Could not erase the job scratch file {Path}", path);

    private static string ProjectName(int projectId) => Invariant($"project-{projectId}");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,30}$")]
    private static partial Regex JobName();

    /// <summary>One job's private scratch folder; disposing it erases everything in it.</summary>
    public sealed class Folder : IDisposable
    {
        private readonly JobScratch _owner;
        private int _disposed;

        internal Folder(string path, JobScratch owner)
        {
            Path = path;
            _owner = owner;
        }

        public string Path { get; }

        /// <summary>A file in this folder, by a bare name the job chooses (never a user's).</summary>
        public string File(string name)
        {
            if (name.Length == 0 || name != System.IO.Path.GetFileName(name) || name.StartsWith('.'))
                throw new ArgumentException("A scratch file name must be a plain name.", nameof(name));
            return System.IO.Path.Combine(Path, name);
        }

        /// <summary>
        /// Opens a finished file for reading; the folder is erased when the stream is closed. For a file that is
        /// streamed to someone after the job that made it ends (a download): dispose the folder instead if it is never sent.
        /// </summary>
        public Stream OpenReadThenErase(string name) => new ErasingStream(new FileStream(File(name), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous), this);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            FileErasure.EraseDirectory(Path, _owner.Failed);
        }
    }

    /// <summary>A read-only file stream that erases its scratch folder when it is closed.</summary>
    private sealed class ErasingStream(FileStream inner, Folder folder) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                folder.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            folder.Dispose();
            await base.DisposeAsync();
        }
    }
}

/// <summary>
/// Erases the job scratch space as the app starts: <see cref="IHostedLifecycleService.StartingAsync"/> runs before
/// any hosted service starts (the workers, and the web server that takes uploads), so nothing here is in use.
/// Only hosted apps (<c>serve</c>, the tests' app) run it; the other CLI verbs never start the host, so a
/// <c>backup</c> run beside a running server does not touch its uploads in progress.
/// </summary>
public sealed class JobScratchCleanup(JobScratch scratch, ILogger<JobScratchCleanup> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var erased = scratch.EraseLeftovers();
        if (erased > 0) logger.LogWarning("Erased {Count} file(s) left in the job scratch space by a run that stopped part-way", erased);
        _ = scratch.Root; // this node's folder, made and locked before anything can use it
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
