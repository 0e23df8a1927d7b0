namespace Storyweave.Hosting;

/// <summary>
/// Overwrite-then-delete for files that hold personal material (withdrawn people's files, job scratch
/// space). Overwriting with zeros first means the bytes do not linger in free disk blocks on ordinary
/// file systems; on copy-on-write and flash storage it is best effort (see docs/operations.md).
/// Symbolic links are removed, never followed; sockets and pipes are removed, never opened.
/// </summary>
public static class FileErasure
{
    /// <summary>Overwrites a file's bytes with zeros and flushes them to the disk.</summary>
    public static void Overwrite(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var zeros = new byte[81920];
        for (long left = stream.Length; left > 0; left -= zeros.Length)
            stream.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Overwrites and deletes one file; false when it was not there. IO errors are the caller's.</summary>
    public static bool EraseFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return false;
        // Nothing to overwrite in an empty file; and sockets and pipes (Chromium leaves a SingletonSocket in its
        // profile) report no length and must not be opened: a pipe would block, a socket cannot be written.
        if (info.LinkTarget is null && info.Length > 0) Overwrite(path);
        File.Delete(path);
        return true;
    }

    /// <summary>
    /// Erases every file under <paramref name="path"/> and removes the folders. Keeps going past a file
    /// it cannot erase (reported through <paramref name="failed"/>); returns how many files were erased.
    /// </summary>
    public static int EraseDirectory(string path, Action<string, Exception>? failed = null)
    {
        var dir = new DirectoryInfo(path);
        if (!dir.Exists) return 0;
        if (dir.LinkTarget is not null)
        {
            dir.Delete();
            return 0;
        }
        var erased = 0;
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = dir.EnumerateFileSystemInfos().ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return 0; // erased meanwhile (a job ending at the same moment)
        }
        foreach (var entry in entries)
        {
            try
            {
                if (entry is DirectoryInfo sub) erased += EraseDirectory(sub.FullName, failed);
                else if (EraseFile(entry.FullName)) erased++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (e is FileNotFoundException or DirectoryNotFoundException) continue;
                failed?.Invoke(entry.FullName, e);
            }
        }
        try
        {
            dir.Delete(recursive: false);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failed?.Invoke(path, e);
        }
        return erased;
    }
}
