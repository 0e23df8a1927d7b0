using System.Globalization;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// Where the public pages link to. The same components render the live site (absolute paths served
/// by <see cref="PublicSiteEndpoints"/>) and the static export (relative links between files, so the
/// folder can be hosted anywhere or opened from disk). Pages never build URLs themselves.
/// </summary>
public abstract class PublicLinks
{
    /// <summary>True on the running site: a sign-in link and the server-side transcript search exist only there.</summary>
    public abstract bool IsLive { get; }

    public abstract string Home { get; }
    public abstract string AllStories { get; }
    public abstract string Project(int projectId);
    public abstract string Story(int projectId, int storyId);
    public abstract string StoryMedia(int projectId, int storyId, PublicMedia media);
    public abstract string StoryCaptions(int projectId, int storyId);
    public abstract string StoryCaptionsSrt(int projectId, int storyId);
    public abstract string Playlist(int projectId, int playlistId);
    public abstract string Clip(int projectId, int playlistId, PublicClip clip);
    public abstract string ClipCaptions(int projectId, int playlistId, PublicClip clip);
    public abstract string ClipCaptionsSrt(int projectId, int playlistId, PublicClip clip);
    public abstract string Report(PublicReportFile file);
    public abstract string Stylesheet { get; }
    public abstract string Script { get; }

    protected static string N(int id) => id.ToString(CultureInfo.InvariantCulture);
}

public sealed class LivePublicLinks : PublicLinks
{
    public static readonly LivePublicLinks Instance = new();

    public override bool IsLive => true;
    public override string Home => "/";
    public override string AllStories => "/stories";
    public override string Project(int projectId) => $"/stories/{N(projectId)}";
    public override string Story(int projectId, int storyId) => $"/stories/{N(projectId)}/{N(storyId)}";
    public override string StoryMedia(int projectId, int storyId, PublicMedia media) => $"/stories/{N(projectId)}/{N(storyId)}/recording/{N(media.Id)}";
    public override string StoryCaptions(int projectId, int storyId) => $"/stories/{N(projectId)}/{N(storyId)}/captions";
    public override string StoryCaptionsSrt(int projectId, int storyId) => $"/stories/{N(projectId)}/{N(storyId)}/captions.srt";
    public override string Playlist(int projectId, int playlistId) => $"/stories/{N(projectId)}/playlists/{N(playlistId)}";
    public override string Clip(int projectId, int playlistId, PublicClip clip) => $"/stories/{N(projectId)}/playlists/{N(playlistId)}/clips/{N(clip.Id)}";
    public override string ClipCaptions(int projectId, int playlistId, PublicClip clip) => $"/stories/{N(projectId)}/playlists/{N(playlistId)}/clips/{N(clip.Id)}/captions";
    public override string ClipCaptionsSrt(int projectId, int playlistId, PublicClip clip) => $"/stories/{N(projectId)}/playlists/{N(playlistId)}/clips/{N(clip.Id)}/captions.srt";
    public override string Report(PublicReportFile file) => $"/stories/{N(file.ProjectId)}/reports/{N(file.Id)}";
    public override string Stylesheet => "/css/site.css";
    public override string Script => "/js/public-story.js";
}

/// <summary>
/// Links for the static export: every target is a file path inside the output folder, written
/// relative to the page being rendered (<see cref="PagePath"/>), with explicit index.html so the
/// site also works when opened straight from disk.
/// </summary>
public sealed class StaticPublicLinks(string pagePath) : PublicLinks
{
    public string PagePath { get; } = pagePath;

    public override bool IsLive => false;
    public override string Home => Rel(HomePath);
    public override string AllStories => Rel(AllStoriesPath);
    public override string Project(int projectId) => Rel(ProjectPath(projectId));
    public override string Story(int projectId, int storyId) => Rel(StoryPath(projectId, storyId));
    public override string StoryMedia(int projectId, int storyId, PublicMedia media) => Rel(StoryMediaPath(projectId, storyId, media));
    public override string StoryCaptions(int projectId, int storyId) => Rel(StoryCaptionsPath(projectId, storyId));
    public override string StoryCaptionsSrt(int projectId, int storyId) => Rel(StoryCaptionsSrtPath(projectId, storyId));
    public override string Playlist(int projectId, int playlistId) => Rel(PlaylistPath(projectId, playlistId));
    public override string Clip(int projectId, int playlistId, PublicClip clip) => Rel(ClipPath(projectId, playlistId, clip));
    public override string ClipCaptions(int projectId, int playlistId, PublicClip clip) => Rel(ClipCaptionsPath(projectId, playlistId, clip));
    public override string ClipCaptionsSrt(int projectId, int playlistId, PublicClip clip) => Rel(ClipCaptionsSrtPath(projectId, playlistId, clip));
    public override string Report(PublicReportFile file) => Rel(ReportPath(file));
    public override string Stylesheet => Rel(StylesheetPath);
    public override string Script => Rel(ScriptPath);

    public const string HomePath = "index.html";
    public const string AllStoriesPath = "stories/index.html";
    public const string StylesheetPath = "css/site.css";
    public const string ScriptPath = "js/public-story.js";
    public static string ProjectPath(int projectId) => $"stories/{N(projectId)}/index.html";
    public static string StoryPath(int projectId, int storyId) => $"stories/{N(projectId)}/{N(storyId)}/index.html";
    public static string StoryMediaPath(int projectId, int storyId, PublicMedia media) => $"stories/{N(projectId)}/{N(storyId)}/recording-{N(media.Id)}{media.Extension}";
    public static string StoryCaptionsPath(int projectId, int storyId) => $"stories/{N(projectId)}/{N(storyId)}/captions.vtt";
    public static string StoryCaptionsSrtPath(int projectId, int storyId) => $"stories/{N(projectId)}/{N(storyId)}/captions.srt";
    public static string PlaylistPath(int projectId, int playlistId) => $"stories/{N(projectId)}/playlists/{N(playlistId)}/index.html";
    public static string ClipPath(int projectId, int playlistId, PublicClip clip) => $"stories/{N(projectId)}/playlists/{N(playlistId)}/clip-{N(clip.Id)}{clip.Extension}";
    public static string ClipCaptionsPath(int projectId, int playlistId, PublicClip clip) => $"stories/{N(projectId)}/playlists/{N(playlistId)}/clip-{N(clip.Id)}.vtt";
    public static string ClipCaptionsSrtPath(int projectId, int playlistId, PublicClip clip) => $"stories/{N(projectId)}/playlists/{N(playlistId)}/clip-{N(clip.Id)}.srt";
    public static string ReportPath(PublicReportFile file) => $"stories/{N(file.ProjectId)}/reports/report-{N(file.Id)}{file.Extension}";

    private string Rel(string target)
    {
        var fromDir = Path.GetDirectoryName(PagePath) ?? "";
        return Path.GetRelativePath(fromDir.Length == 0 ? "." : fromDir, target).Replace('\\', '/');
    }
}
