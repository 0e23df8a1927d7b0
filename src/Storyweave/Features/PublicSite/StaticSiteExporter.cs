using Storyweave.Hosting;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// <c>storyweave publish --out DIR</c>: the public story site as static files (HTML, recordings,
/// clips, report files, CSS and JS) with relative links, for hosting anywhere. It renders the same
/// components from the same <see cref="PublicSiteReader"/> as the live site, so it holds exactly what
/// is public at the moment it runs — and nothing else.
/// </summary>
public sealed class StaticSiteExporter(PublicSiteReader reader, PublicSiteRenderer renderer, IWebHostEnvironment env, StoryweaveOptions options)
{
    public sealed record Summary(int Stories, int Playlists, int Reports, int Files, long Bytes);

    /// <summary>
    /// Checks the output folder. An empty or missing folder is used as it is; a non-empty one only with
    /// <paramref name="force"/>, and then its contents are replaced (so nothing from an earlier export —
    /// perhaps a story unpublished since — survives). Returns a problem in plain words, or null.
    /// </summary>
    public string? CheckOutput(string outDir, bool force)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir));
        if (File.Exists(full)) return $"{full} is a file, not a folder. Choose a folder for the site.";
        var data = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.DataDir));
        if (IsSameOrInside(full, data) || IsSameOrInside(data, full))
            return $"{full} overlaps the data folder ({data}). Choose a folder outside it: the site is meant to be copied to a web host.";
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (full == Path.GetPathRoot(full) || (home.Length > 0 && full == Path.TrimEndingDirectorySeparator(home)))
            return $"{full} is too broad a folder to write a site into. Choose (or create) a folder just for the site.";
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !force)
            return $"{full} is not empty. Choose an empty folder, or add --force to replace what is in it.";
        return null;
    }

    public async Task<Summary> ExportAsync(string outDir, TextWriter progress, CancellationToken ct = default)
    {
        var root = Path.GetFullPath(outDir);
        if (Directory.Exists(root))
        {
            foreach (var dir in Directory.EnumerateDirectories(root)) Directory.Delete(dir, recursive: true);
            foreach (var file in Directory.EnumerateFiles(root)) File.Delete(file);
        }
        Directory.CreateDirectory(root);
        var files = 0;
        long bytes = 0;

        async Task WriteTextAsync(string sitePath, string text)
        {
            var target = Target(root, sitePath);
            await File.WriteAllTextAsync(target, text, ct);
            files++;
            bytes += new FileInfo(target).Length;
        }

        async Task WritePageAsync(string sitePath, Func<StaticPublicLinks, Task<string>> render) =>
            await WriteTextAsync(sitePath, await render(new StaticPublicLinks(sitePath)));

        void Copy(string source, string sitePath)
        {
            var target = Target(root, sitePath);
            File.Copy(source, target, overwrite: false);
            files++;
            bytes += new FileInfo(target).Length;
        }

        var site = await reader.SiteAsync(ct);
        var stories = site.Projects.SelectMany(p => p.Stories).ToList();
        var playlists = site.Projects.SelectMany(p => p.Playlists).ToList();
        var reports = site.Projects.SelectMany(p => p.Reports).ToList();
        var steps = 3 + site.Projects.Count + stories.Count + playlists.Count + reports.Count;
        var step = 0;
        Task Say(string what) => progress.WriteLineAsync($"[{++step}/{steps}] {what}");

        await Say("Stylesheet and script");
        Copy(Path.Combine(env.WebRootPath, "css", "site.css"), StaticPublicLinks.StylesheetPath);
        Copy(Path.Combine(env.WebRootPath, "js", "public-story.js"), StaticPublicLinks.ScriptPath);
        await Say("Front page");
        await WritePageAsync(StaticPublicLinks.HomePath, links => renderer.FrontAsync(site, links));
        await Say($"List of all {stories.Count} stories");
        await WritePageAsync(StaticPublicLinks.AllStoriesPath, links => renderer.AllStoriesAsync(site, links));
        foreach (var project in site.Projects)
        {
            await Say($"Project: {project.Name}");
            await WritePageAsync(StaticPublicLinks.ProjectPath(project.Id), links => renderer.ProjectAsync(project, links));
        }
        foreach (var summary in stories)
        {
            // Read again, one story at a time: the same check the live page makes.
            if (await reader.StoryAsync(summary.ProjectId, summary.Id, ct) is not { } story) continue;
            await Say($"Story: {story.Story.Title}{(story.Media is null ? " (transcript only)" : "")}");
            await WritePageAsync(StaticPublicLinks.StoryPath(summary.ProjectId, summary.Id), links => renderer.StoryAsync(story, links, TranscriptSearch.Parse(null)));
            if (story.Media is { } media && File.Exists(media.FilePath))
                Copy(media.FilePath, StaticPublicLinks.StoryMediaPath(summary.ProjectId, summary.Id, media));
            if (story.HasCaptions)
            {
                await WriteTextAsync(StaticPublicLinks.StoryCaptionsPath(summary.ProjectId, summary.Id), story.CaptionsVtt());
                await WriteTextAsync(StaticPublicLinks.StoryCaptionsSrtPath(summary.ProjectId, summary.Id), story.CaptionsSrt());
            }
        }
        foreach (var summary in playlists)
        {
            if (await reader.PlaylistAsync(summary.ProjectId, summary.Id, ct) is not { } playlist) continue;
            await Say($"Playlist: {summary.Title} ({playlist.Clips.Count} clips)");
            await WritePageAsync(StaticPublicLinks.PlaylistPath(summary.ProjectId, summary.Id), links => renderer.PlaylistAsync(playlist, links));
            foreach (var clip in playlist.Clips)
            {
                if (File.Exists(clip.FilePath)) Copy(clip.FilePath, StaticPublicLinks.ClipPath(summary.ProjectId, summary.Id, clip));
                if (clip.CaptionsPath is { } vtt && File.Exists(vtt))
                {
                    Copy(vtt, StaticPublicLinks.ClipCaptionsPath(summary.ProjectId, summary.Id, clip));
                    await WriteTextAsync(StaticPublicLinks.ClipCaptionsSrtPath(summary.ProjectId, summary.Id, clip), ClipCaptionsSrt.FromVtt(await File.ReadAllTextAsync(vtt, ct)));
                }
            }
        }
        foreach (var report in reports)
        {
            await Say($"Report: {report.Title} ({PublicFiles.ReportFormatLabel(report.Format)})");
            if (File.Exists(report.FilePath)) Copy(report.FilePath, StaticPublicLinks.ReportPath(report));
        }
        return new Summary(stories.Count, playlists.Count, reports.Count, files, bytes);
    }

    private static string Target(string root, string sitePath)
    {
        var target = Path.GetFullPath(Path.Combine(root, sitePath));
        if (!IsSameOrInside(target, root)) throw new InvalidOperationException($"Not a path inside the site: {sitePath}");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return target;
    }

    private static bool IsSameOrInside(string path, string folder) =>
        path == folder || path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
