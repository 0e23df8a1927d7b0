using Storyweave.Features.Reports;

namespace Storyweave.Features.PublicSite;

// What the public pages show. Built only by PublicSiteReader, after the publication and consent
// checks; a page can therefore only ever render material that is public right now. Paths to files
// in the data folder are kept for serving and copying and are never rendered.

public sealed record PublicSiteView(IReadOnlyList<PublicProjectView> Projects)
{
    public int StoryCount => Projects.Sum(p => p.Stories.Count);
}

public sealed record PublicProjectView(int Id, string Name, string Description,
    IReadOnlyList<PublicStorySummary> Stories, IReadOnlyList<PublicPlaylistSummary> Playlists, IReadOnlyList<PublicReportFile> Reports);

public sealed record PublicStorySummary(int ProjectId, string ProjectName, int Id, string Title, string Summary, DateOnly? RecordedOn,
    IReadOnlyList<string> Credits, bool HasRecording);

public sealed record PublicPlaylistSummary(int ProjectId, int Id, string Title, string Description, int ClipCount);

public sealed record PublicReportFile(int ProjectId, int Id, string Title, string Version, DateOnly Date, ReportKind Kind, ReportFormat Format,
    long SizeBytes, string FilePath)
{
    public string Extension => PublicFiles.ReportExtension(Format);
}

/// <summary>The one recording the public page plays: the web rendition, or the original when browsers play it.</summary>
public sealed record PublicMedia(int Id, bool HasVideo, string ContentType, string Extension, string FilePath);

/// <summary>One transcript line as the public sees it: the speaker is their public credit, never the raw label.</summary>
public sealed record PublicCue(int Index, double? Start, double? End, string Speaker, string Text);

public sealed record PublicStoryView(PublicStorySummary Story, PublicMedia? Media, IReadOnlyList<string> Themes, IReadOnlyList<PublicCue> Cues)
{
    /// <summary>The player gets a captions file when there is a recording and at least one line with a time to place it at.</summary>
    public bool HasCaptions => Media is not null && Cues.Any(c => c.Start is not null);

    /// <summary>
    /// WebVTT captions from exactly the lines the page shows: the same redacted words and the same
    /// speaker names (each person's public credit).
    /// </summary>
    public string CaptionsVtt() =>
        Shared.WebVtt.FromTranscript(Cues.Select(c => new Shared.WebVtt.Line(c.Start, c.End, c.Speaker, c.Text)));

    /// <summary>The same captions as SRT, cue for cue (SRT carries no speaker names).</summary>
    public string CaptionsSrt() =>
        Shared.Srt.FromTranscript(Cues.Select(c => new Shared.WebVtt.Line(c.Start, c.End, c.Speaker, c.Text)));
}

public sealed record PublicPlaylistView(PublicPlaylistSummary Playlist, string ProjectName, IReadOnlyList<PublicClip> Clips);

public sealed record PublicClip(int Id, string Title, string Description, IReadOnlyList<string> Credits, double? DurationSeconds, bool HasVideo,
    string ContentType, string Extension, string FilePath, string? CaptionsPath);

/// <summary>A file a public URL may serve, with how to serve it.</summary>
public sealed record PublicFile(string FilePath, string ContentType, string? DownloadName = null);

public static class PublicFiles
{
    public static string ReportExtension(ReportFormat format) => format switch
    {
        ReportFormat.Docx => ".docx",
        ReportFormat.Pdf => ".pdf",
        ReportFormat.Html => ".html",
        _ => ".md",
    };

    public static string ReportContentType(ReportFormat format) => format switch
    {
        ReportFormat.Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ReportFormat.Pdf => "application/pdf",
        ReportFormat.Html => "text/html; charset=utf-8",
        _ => "text/markdown; charset=utf-8",
    };

    public static string ReportFormatLabel(ReportFormat format) => format switch
    {
        ReportFormat.Docx => "Word document",
        ReportFormat.Pdf => "PDF",
        ReportFormat.Html => "Web page (HTML)",
        _ => "Plain text (Markdown)",
    };

    /// <summary>Content type of a generated media file (clip or rendition) from its extension.</summary>
    public static string MediaContentType(string extension, bool hasVideo) => extension.ToLowerInvariant() switch
    {
        ".mp4" or ".m4v" => hasVideo ? "video/mp4" : "audio/mp4",
        ".m4a" => "audio/mp4",
        ".webm" => hasVideo ? "video/webm" : "audio/webm",
        ".mp3" => "audio/mpeg",
        ".ogg" or ".opus" => "audio/ogg",
        ".wav" => "audio/wav",
        _ => "application/octet-stream",
    };

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:0} KB",
        _ => $"{bytes / (1024.0 * 1024):0.0} MB",
    };

    public static string Time(double? seconds) => seconds is { } v
        ? TimeSpan.FromSeconds(Math.Floor(v)).ToString(v >= 3600 ? @"h\:mm\:ss" : @"m\:ss", System.Globalization.CultureInfo.InvariantCulture)
        : "";
}
