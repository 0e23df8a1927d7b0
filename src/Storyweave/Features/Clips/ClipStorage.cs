using System.Globalization;
using Storyweave.Features.Media;
using Storyweave.Hosting;

namespace Storyweave.Features.Clips;

/// <summary>
/// Where clips live: <c>clips/{projectId}/{StoredName}</c> in the data folder (cut files and their
/// .vtt captions). Names are generated here (a GUID and an extension) and never come from a user.
/// </summary>
public sealed class ClipStorage(StoryweaveOptions options)
{
    public string ClipsDir => Path.Combine(options.DataDir, "clips");

    public string ProjectDir(int projectId) => Path.Combine(ClipsDir, projectId.ToString(CultureInfo.InvariantCulture));

    public string PathOf(int projectId, string storedName)
    {
        if (storedName.Length == 0 || storedName != Path.GetFileName(storedName) || storedName.StartsWith('.'))
            throw new InvalidOperationException($"Not a stored clip name: {storedName}");
        return Path.Combine(ProjectDir(projectId), storedName);
    }

    public string? FilePath(Clip clip) => clip.StoredName is { } name ? PathOf(clip.ProjectId, name) : null;

    public string? CaptionsPath(Clip clip) => clip.CaptionsStoredName is { } name ? PathOf(clip.ProjectId, name) : null;

    public string MoveIntoPlace(string tempPath, int projectId, string storedName)
    {
        DataFolder.CreatePrivate(ClipsDir);
        DataFolder.CreatePrivate(ProjectDir(projectId));
        var target = PathOf(projectId, storedName);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tempPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tempPath, target);
        return target;
    }

    /// <summary>Deletes a clip's cut file and captions file (if any); the row is the caller's to update.</summary>
    public void DeleteFiles(Clip clip)
    {
        MediaStorage.DeleteQuietly(FilePath(clip));
        MediaStorage.DeleteQuietly(CaptionsPath(clip));
    }
}
