using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Media;

public static class MediaEndpoints
{
    public sealed record MediaDto(
        int Id,
        int? StoryId,
        string FileName,
        double Duration,
        string DurationText,
        string Container,
        string AudioCodec,
        string VideoCodec,
        string FormatText,
        bool HasVideo,
        int? Width,
        int? Height,
        long SizeBytes,
        string Sha256,
        RenditionStatus RenditionStatus,
        double RenditionProgress,
        string RenditionError,
        string StatusText,
        string? PlayUrl,
        string? PlayContentType,
        DateTime UploadedAt);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}").WithTags("Media");

        group.MapPost("/stories/{storyId:int}/media", async (int projectId, int storyId, HttpContext http, MediaUploader uploader, CurrentUser current) =>
        {
            var outcome = await uploader.UploadAsync(http, projectId, storyId, current.RequiredId, tokenInForm: false);
            return outcome.Media is { } media
                ? Results.Created(MediaUrl(projectId, media.Id), ToDto(media))
                : ProjectEndpoints.Problem([outcome.Error!], outcome.Status);
        }).RequireAuthorization(Policies.GatherStories);

        group.MapGet("/stories/{storyId:int}/media", async (int projectId, int storyId, StoryweaveDb db, CancellationToken ct) =>
        {
            if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return Results.NotFound();
            var list = await ForStoryAsync(db, projectId, storyId, ct);
            return Results.Ok(list.Select(ToDto));
        }).RequireAuthorization(Policies.ViewProject);

        group.MapGet("/media/{mediaId:int}", async (int projectId, int mediaId, StoryweaveDb db, CancellationToken ct) =>
            await FindAsync(db, projectId, mediaId, ct) is { } media ? Results.Ok(ToDto(media)) : Results.NotFound())
            .RequireAuthorization(Policies.ViewProject);

        group.MapGet("/media/{mediaId:int}/content", async (int projectId, int mediaId, HttpContext http, StoryweaveDb db, MediaStorage storage, CancellationToken ct) =>
        {
            if (await FindAsync(db, projectId, mediaId, ct) is not { } media) return Results.NotFound();
            if (Playable(media, storage) is not { } file)
            {
                var message = media.RenditionStatus == RenditionStatus.Failed
                    ? MediaText.Status(media)
                    : "This recording is still being prepared for playing in the browser. Try again in a few minutes.";
                return ProjectEndpoints.Problem([message], StatusCodes.Status409Conflict);
            }
            if (!File.Exists(file.Path))
                return ProjectEndpoints.Problem(["The file for this recording is missing from the server's data folder. Ask your administrator to restore it from a backup."], StatusCodes.Status404NotFound);
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentDisposition = "inline";
            // Recordings are sensitive: keep them out of shared caches and off the browser's disk cache.
            headers.CacheControl = "private, no-store";
            return Results.File(file.Path, file.ContentType, enableRangeProcessing: true);
        }).RequireAuthorization(Policies.ViewProject);
    }

    public static Task<MediaFile?> FindAsync(StoryweaveDb db, int projectId, int mediaId, CancellationToken ct) =>
        db.MediaFiles.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mediaId && m.ProjectId == projectId, ct);

    public static Task<List<MediaFile>> ForStoryAsync(StoryweaveDb db, int projectId, int storyId, CancellationToken ct) =>
        db.MediaFiles.AsNoTracking().Where(m => m.ProjectId == projectId && m.StoryId == storyId).OrderBy(m => m.Id).ToListAsync(ct);

    /// <summary>The file a browser should play: the rendition when made, else the original if browsers play it, else none.</summary>
    public static (string Path, string ContentType)? Playable(MediaFile media, MediaStorage storage)
    {
        if (media.RenditionStatus == RenditionStatus.Ready && storage.RenditionPath(media) is { } rendition)
            return (rendition, media.HasVideo ? "video/mp4" : "audio/mp4");
        if (media.OriginalIsWebPlayable)
            return (storage.OriginalPath(media), ProbeResult.ContentTypeOf(media.Container, media.HasVideo));
        return null;
    }

    public static string MediaUrl(int projectId, int mediaId) => $"/api/projects/{projectId}/media/{mediaId}";

    public static string? PlayUrl(MediaFile m) => MediaText.CanPlay(m) ? MediaUrl(m.ProjectId, m.Id) + "/content" : null;

    public static string? PlayContentType(MediaFile m) =>
        m.RenditionStatus == RenditionStatus.Ready ? (m.HasVideo ? "video/mp4" : "audio/mp4")
        : m.OriginalIsWebPlayable ? ProbeResult.ContentTypeOf(m.Container, m.HasVideo)
        : null;

    public static MediaDto ToDto(MediaFile m) => new(
        m.Id, m.StoryId, m.OriginalFileName, m.DurationSeconds, MediaText.Duration(m.DurationSeconds),
        m.Container, m.AudioCodec, m.VideoCodec, MediaText.Format(m), m.HasVideo, m.Width, m.Height, m.SizeBytes, m.Sha256,
        m.RenditionStatus, m.RenditionProgress, m.RenditionError, MediaText.Status(m), PlayUrl(m), PlayContentType(m), m.UploadedAt);
}
