using System.Text.RegularExpressions;
using Storyweave.Hosting;

namespace Storyweave.Features.Interop;

/// <summary>
/// Where an uploaded project file waits between the preview and "Import" on the page: streamed to the data folder's
/// scratch space (<c>tmp/project-{p}/qdpx-upload-{token}/</c>, never held in memory), named by a random token the page
/// carries, erased after the import, when a newer upload finds it a day old, at every start (<see cref="JobScratch"/>),
/// and by a withdrawal with the project's other scratch. The file itself is read again at "Import", with every check.
/// </summary>
public sealed partial class QdpxUploads(StoryweaveOptions options, ILogger<QdpxUploads> logger)
{
    private const string Prefix = "qdpx-upload-";
    private const string FileName = "upload.qdpx";

    /// <summary>Streams <paramref name="body"/> to a new scratch file; null (and nothing kept) when it is larger than the limit.</summary>
    public async Task<string?> SaveAsync(int projectId, Stream body, CancellationToken ct)
    {
        var project = Path.Combine(options.TempDir, $"project-{projectId}");
        DataFolder.CreatePrivate(options.TempDir);
        DataFolder.CreatePrivate(project);
        foreach (var old in new DirectoryInfo(project).EnumerateDirectories(Prefix + "*").Where(d => d.CreationTimeUtc < DateTime.UtcNow.AddDays(-1)))
            FileErasure.EraseDirectory(old.FullName, Failed);
        var token = Guid.NewGuid().ToString("N");
        var folder = Path.Combine(project, Prefix + token);
        DataFolder.CreatePrivate(folder);
        if (await CopyLimitedAsync(body, Path.Combine(folder, FileName), ct)) return token;
        FileErasure.EraseDirectory(folder, Failed);
        return null;
    }

    /// <summary>The waiting file of <paramref name="token"/> in this project, or null when there is none (any more).</summary>
    public string? PathOf(int projectId, string? token)
    {
        if (token is null || !Token().IsMatch(token)) return null;
        var path = Path.Combine(options.TempDir, $"project-{projectId}", Prefix + token, FileName);
        return File.Exists(path) ? path : null;
    }

    public void Erase(int projectId, string? token)
    {
        if (token is null || !Token().IsMatch(token)) return;
        FileErasure.EraseDirectory(Path.Combine(options.TempDir, $"project-{projectId}", Prefix + token), Failed);
    }

    /// <summary>Copies at most <see cref="QdpxProjectFile.MaxFileBytes"/> (counted as it goes, not taken from a header).</summary>
    public static async Task<bool> CopyLimitedAsync(Stream from, string path, CancellationToken ct)
    {
        await using var to = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
        DataFolder.MakePrivate(path);
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(chunk, ct)) > 0)
        {
            total += read;
            if (total > QdpxProjectFile.MaxFileBytes) return false;
            await to.WriteAsync(chunk.AsMemory(0, read), ct);
        }
        return true;
    }

    private void Failed(string path, Exception e) => logger.LogWarning(e, "Could not erase the waiting project file {Path}", path);

    [GeneratedRegex("^[a-f0-9]{32}$")]
    private static partial Regex Token();
}
