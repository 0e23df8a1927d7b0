using System.Globalization;
using Storyweave.Hosting;

namespace Storyweave.Features.Media;

/// <summary>
/// Owns where recordings live: <c>media/{projectId}/{StoredName}</c> in the data folder (work in progress
/// is in the job scratch space, <see cref="JobScratch"/>). Stored names are generated here and never come
/// from an uploaded file name, so nothing a user sends can choose a path.
/// </summary>
public sealed class MediaStorage(StoryweaveOptions options) : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string MediaDir => options.MediaDir;

    /// <summary>
    /// Held while a recording's original is replaced and while a file made from an original is accepted after checking
    /// its SHA-256 (see <see cref="Media.FileSwapLock"/>): one lock for every node sharing the data folder.
    /// </summary>
    public FileSwapLock FileSwapLock { get; } = new(Path.Combine(options.LocksDir, FileSwapLock.FileName), TimeSpan.FromMinutes(2));

    public void Dispose() => FileSwapLock.Dispose();

    public string ProjectDir(int projectId) => Path.Combine(MediaDir, projectId.ToString(CultureInfo.InvariantCulture));

    public string PathOf(int projectId, string storedName)
    {
        // Stored names are ours (a GUID and an extension), but a path is only ever built from a bare name.
        if (storedName.Length == 0 || storedName != Path.GetFileName(storedName) || storedName.StartsWith('.'))
            throw new InvalidOperationException($"Not a stored media name: {storedName}");
        return Path.Combine(ProjectDir(projectId), storedName);
    }

    public string OriginalPath(MediaFile media) => PathOf(media.ProjectId, media.StoredName);

    public string? RenditionPath(MediaFile media) =>
        media.RenditionStoredName is { } name ? PathOf(media.ProjectId, name) : null;

    /// <summary>A GUID plus an extension chosen from what ffprobe found, e.g. <c>3f2a….m4a</c>.</summary>
    public static string NewStoredName(string extension) => Guid.NewGuid().ToString("N") + extension;

    /// <summary>Opens a new file that only this user can read: recordings are the most sensitive data we hold.</summary>
    public static FileStream CreatePrivateFile(string path)
    {
        var fileOptions = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = OwnerOnly;
        return new FileStream(path, fileOptions);
    }

    /// <summary>Moves a finished temporary file into the project's folder under its stored name.</summary>
    public string MoveIntoPlace(string tempPath, int projectId, string storedName)
    {
        DataFolder.CreatePrivate(MediaDir);
        DataFolder.CreatePrivate(ProjectDir(projectId));
        var target = PathOf(projectId, storedName);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tempPath, OwnerOnly);
        File.Move(tempPath, target);
        return target;
    }

    public static void DeleteQuietly(string? path)
    {
        if (path is null) return;
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
