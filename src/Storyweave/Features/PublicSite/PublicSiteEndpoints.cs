using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// The public story site under /stories (anonymous, read-only) and the leads' publish/unpublish API.
/// Every public URL asks <see cref="PublicSiteReader"/> on each request and answers 404 for anything
/// not public right now, so a guessed URL cannot tell an unpublished story from a missing one.
/// </summary>
public static class PublicSiteEndpoints
{
    public sealed record PublicationDto(bool Published, DateTime? PublishedAt, bool Visible, string Reason, IReadOnlyList<PersonDto> Storytellers);
    public sealed record PersonDto(int StorytellerId, bool Agreed, string Reason, string? Credit);

    public static void Map(WebApplication app, RouteGroupBuilder api)
    {
        var site = app.MapGroup("/stories").AllowAnonymous().ExcludeFromDescription();

        site.MapGet("", async (PublicSiteReader reader, PublicSiteRenderer renderer, PublicPageCache cache, HttpContext http, CancellationToken ct) =>
            Page(http, await cache.GetOrRenderAsync(http, "stories", async () => await renderer.AllStoriesAsync(await reader.SiteAsync(ct), LivePublicLinks.Instance))));

        site.MapGet("/{projectId:int}", async (int projectId, PublicSiteReader reader, PublicSiteRenderer renderer, PublicPageCache cache, HttpContext http, CancellationToken ct) =>
            Page(http, await cache.GetOrRenderAsync(http, $"project/{projectId}", async () =>
                await reader.ProjectAsync(projectId, ct) is { } project ? await renderer.ProjectAsync(project, LivePublicLinks.Instance) : null)));

        site.MapGet("/{projectId:int}/{storyId:int}", async (int projectId, int storyId, string? q, PublicSiteReader reader, PublicSiteRenderer renderer, PublicPageCache cache, HttpContext http, CancellationToken ct) =>
        {
            async Task<string?> RenderAsync() =>
                await reader.StoryAsync(projectId, storyId, ct) is { } story ? await renderer.StoryAsync(story, LivePublicLinks.Instance, TranscriptSearch.Parse(q)) : null;
            // A search within the story (?q=) is whatever a visitor typed: rendered each time, never kept or compressed.
            return Page(http, string.IsNullOrEmpty(q) ? await cache.GetOrRenderAsync(http, $"story/{projectId}/{storyId}", RenderAsync) : PublicPage.From(await RenderAsync()));
        });

        site.MapGet("/{projectId:int}/{storyId:int}/recording/{mediaId:int}", async (int projectId, int storyId, int mediaId, PublicSiteReader reader, HttpContext http, CancellationToken ct) =>
            Serve(http, await reader.StoryMediaAsync(projectId, storyId, mediaId, ct)));

        // Captions for the story's player, made on each request from the lines the page shows.
        site.MapGet("/{projectId:int}/{storyId:int}/captions", async (int projectId, int storyId, PublicSiteReader reader, HttpContext http, CancellationToken ct) =>
        {
            if (await reader.StoryCaptionsAsync(projectId, storyId, ct) is not { } vtt) return Results.NotFound();
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.CacheControl = "no-store";
            return Results.Text(vtt, "text/vtt; charset=utf-8");
        });

        // The same captions as SRT, to download (video sites and editors take it).
        site.MapGet("/{projectId:int}/{storyId:int}/captions.srt", async (int projectId, int storyId, PublicSiteReader reader, HttpContext http, CancellationToken ct) =>
        {
            if (await reader.StoryCaptionsSrtAsync(projectId, storyId, ct) is not { } srt) return Results.NotFound();
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"story-{storyId}.srt\"";
            return Results.Text(srt, Shared.Srt.ContentType);
        });

        site.MapGet("/{projectId:int}/playlists/{playlistId:int}", async (int projectId, int playlistId, PublicSiteReader reader, PublicSiteRenderer renderer, PublicPageCache cache, HttpContext http, CancellationToken ct) =>
            Page(http, await cache.GetOrRenderAsync(http, $"playlist/{projectId}/{playlistId}", async () =>
                await reader.PlaylistAsync(projectId, playlistId, ct) is { } playlist ? await renderer.PlaylistAsync(playlist, LivePublicLinks.Instance) : null)));

        site.MapGet("/{projectId:int}/playlists/{playlistId:int}/clips/{clipId:int}", async (int projectId, int playlistId, int clipId, PublicSiteReader reader, HttpContext http, CancellationToken ct) =>
            Serve(http, await reader.ClipFileAsync(projectId, playlistId, clipId, captions: false, ct)));

        site.MapGet("/{projectId:int}/playlists/{playlistId:int}/clips/{clipId:int}/captions", async (int projectId, int playlistId, int clipId, PublicSiteReader reader, HttpContext http, CancellationToken ct) =>
            Serve(http, await reader.ClipFileAsync(projectId, playlistId, clipId, captions: true, ct)));

        // The same clip captions as SRT, to download; 404 whenever the .vtt is.
        site.MapGet("/{projectId:int}/playlists/{playlistId:int}/clips/{clipId:int}/captions.srt", async (int projectId, int playlistId, int clipId, PublicSiteReader reader, HttpContext http, CancellationToken ct) =>
        {
            if (await reader.ClipCaptionsSrtAsync(projectId, playlistId, clipId, ct) is not { } srt) return Results.NotFound();
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"clip-{clipId}.srt\"";
            return Results.Text(srt, Shared.Srt.ContentType);
        });

        site.MapGet("/{projectId:int}/reports/{fileId:int}", async (int projectId, int fileId, PublicSiteReader reader, HttpContext http, CancellationToken ct) =>
            Serve(http, await reader.ReportFileAsync(projectId, fileId, ct)));

        var publishing = api.MapGroup("/projects/{projectId:int}/stories/{storyId:int}").WithTags("Public story site");
        publishing.MapGet("/publication", async (int projectId, int storyId, PublicationService service, CancellationToken ct) =>
            await service.StatusAsync(projectId, storyId, ct) is { } status ? Results.Ok(ToDto(status)) : Results.NotFound())
            .RequireAuthorization(Policies.ViewProject);
        publishing.MapPost("/publish", (int projectId, int storyId, PublicationService service, CurrentUser current, CancellationToken ct) =>
            SetAsync(projectId, storyId, true, service, current, ct)).RequireAuthorization(Policies.Publish);
        publishing.MapPost("/unpublish", (int projectId, int storyId, PublicationService service, CurrentUser current, CancellationToken ct) =>
            SetAsync(projectId, storyId, false, service, current, ct)).RequireAuthorization(Policies.Publish);

        var outputs = api.MapGroup("/projects/{projectId:int}").WithTags("Public story site").RequireAuthorization(Policies.Publish);
        outputs.MapPost("/playlists/{playlistId:int}/publish", async (int projectId, int playlistId, PublicationService service, CurrentUser current, CancellationToken ct) =>
            await service.SetPlaylistPublishedAsync(projectId, playlistId, true, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound());
        outputs.MapPost("/playlists/{playlistId:int}/unpublish", async (int projectId, int playlistId, PublicationService service, CurrentUser current, CancellationToken ct) =>
            await service.SetPlaylistPublishedAsync(projectId, playlistId, false, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound());
        outputs.MapPost("/report-files/{fileId:int}/publish", async (int projectId, int fileId, PublicationService service, CurrentUser current, CancellationToken ct) =>
            await service.SetReportFilePublishedAsync(projectId, fileId, true, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound());
        outputs.MapPost("/report-files/{fileId:int}/unpublish", async (int projectId, int fileId, PublicationService service, CurrentUser current, CancellationToken ct) =>
            await service.SetReportFilePublishedAsync(projectId, fileId, false, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound());
    }

    private static async Task<IResult> SetAsync(int projectId, int storyId, bool publish, PublicationService service, CurrentUser current, CancellationToken ct)
    {
        if (!await service.SetPublishedAsync(projectId, storyId, publish, current.RequiredId, ct)) return Results.NotFound();
        return Results.Ok(ToDto((await service.StatusAsync(projectId, storyId, ct))!));
    }

    private static PublicationDto ToDto(PublicationService.Status s) => new(s.Published, s.PublishedAt, s.Visible, s.Reason,
        s.People.Select(p => new PersonDto(p.StorytellerId, p.Decision.Allowed, p.Decision.Reason, p.Decision.CreditName)).ToList());

    /// <summary>A public page, or 404 (null: not public now).</summary>
    private static IResult Page(HttpContext http, PublicPage? page) =>
        page is null ? Results.NotFound() : Results.Bytes(page.Body(http), PublicPage.ContentType);

    private static IResult Serve(HttpContext http, PublicFile? file)
    {
        if (file is null) return Results.NotFound();
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        headers.ContentDisposition = file.DownloadName is { } name
            ? new System.Net.Mime.ContentDisposition { FileName = name, Inline = file.ContentType.StartsWith("application/pdf", StringComparison.Ordinal) }.ToString()
            : "inline";
        // A generated HTML report opened from here runs no script and cannot reach the site's cookies.
        if (file.ContentType.StartsWith("text/html", StringComparison.Ordinal)) headers.ContentSecurityPolicy = "sandbox";
        return Results.File(file.FilePath, file.ContentType, enableRangeProcessing: true);
    }
}
