using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.Reports;

namespace Storyweave.Features.Clips;

/// <summary>
/// Playlists and clips over JSON. Viewing and playing: Project.View. Making, changing, ordering and
/// deleting clips and playlists: Project.Code (leads and analysts: clips are cut from coding work).
/// Export for upload: Project.Publish (leads), because that is where clips leave Storyweave.
/// </summary>
public static class ClipEndpoints
{
    public sealed record PlaylistRequest(string? Title, string? Description);
    public sealed record ClipRequest(int? PassageId, int? KeyQuoteId, double? Start, double? End, string? Title, string? Description, bool BurnCaptions, bool SilenceRedactedWords = false);
    /// <param name="SilenceRedactedWords">Left out (null): the setting stays as it is.</param>
    public sealed record ClipEditRequest(double? Start, double? End, string? Title, string? Description, bool BurnCaptions, bool? SilenceRedactedWords = null);
    public sealed record MoveRequest(string? Direction);

    public sealed record PlaylistSummaryDto(int Id, string Title, string Description, int Clips, DateTime CreatedAt);
    public sealed record ClipDto(int Id, int Position, int StoryId, string StoryTitle, int? PassageId, int? KeyQuoteId, double Start, double End, string Title,
        string Description, bool BurnCaptions, bool SilenceRedactedWords, OutputStatus Status, double Progress, string CutMethod, double? Duration, bool Allowed, string State, string Detail,
        string Credit, string? ContentUrl, string? ContentType, string? CaptionsUrl);
    public sealed record PlaylistDto(int Id, string Title, string Description, IReadOnlyList<ClipDto> Clips);
    public sealed record SourceDto(string Kind, int Id, int StoryId, string StoryTitle, string Text, double Start, double End, string Credit);
    public sealed record SourcesDto(IReadOnlyList<SourceDto> Sources, int NotAllowed);
    public sealed record CaptionLineDto(double Start, double End, string? Voice, string Text);
    public sealed record PreviewDto(double Start, double End, bool Allowed, string Message, string Credit, IReadOnlyList<CaptionLineDto> Lines);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}").WithTags("Clips");

        group.MapGet("/playlists", async (int projectId, ClipService clips, CancellationToken ct) =>
            Results.Ok((await clips.PlaylistsAsync(projectId, ct)).Select(p => new PlaylistSummaryDto(p.Playlist.Id, p.Playlist.Title, p.Playlist.Description, p.Clips, p.Playlist.CreatedAt))))
            .RequireAuthorization(Policies.ViewProject);

        group.MapPost("/playlists", async (int projectId, PlaylistRequest r, ClipService clips, CurrentUser current, CancellationToken ct) =>
        {
            var result = await clips.CreatePlaylistAsync(projectId, new(r.Title, r.Description), current.RequiredId, ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/playlists/{result.Value!.Id}", new PlaylistSummaryDto(result.Value.Id, result.Value.Title, result.Value.Description, 0, result.Value.CreatedAt))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Code);

        group.MapGet("/playlists/{playlistId:int}", async (int projectId, int playlistId, ClipService clips, CancellationToken ct) =>
            await clips.PlaylistAsync(projectId, playlistId, ct) is { } view ? Results.Ok(ToDto(view)) : Results.NotFound())
            .RequireAuthorization(Policies.ViewProject);

        group.MapDelete("/playlists/{playlistId:int}", async (int projectId, int playlistId, ClipService clips, CurrentUser current, CancellationToken ct) =>
            await clips.DeletePlaylistAsync(projectId, playlistId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.Code);

        group.MapGet("/clip-sources", async (int projectId, ClipService clips, CancellationToken ct) =>
        {
            var sources = await clips.SourcesAsync(projectId, ct);
            return Results.Ok(new SourcesDto(sources.Allowed.Select(s => new SourceDto(s.Kind, s.Id, s.StoryId, s.StoryTitle, s.Text, s.Start, s.End, s.Credit)).ToList(), sources.NotAllowed));
        }).RequireAuthorization(Policies.Code);

        // What a clip of this stretch would hold (times kept, consent, caption lines), before it is made.
        group.MapGet("/stories/{storyId:int}/clip-preview", async (int projectId, int storyId, double start, double end, ClipService clips, CancellationToken ct) =>
            await clips.PreviewAsync(projectId, storyId, start, end, ct) is { } p
                ? Results.Ok(new PreviewDto(p.Start, p.End, p.Verdict.Allowed, p.Verdict.Message, p.Verdict.Credit, p.Lines.Select(l => new CaptionLineDto(l.Start, l.End, l.Voice, l.Text)).ToList()))
                : Results.NotFound())
            .RequireAuthorization(Policies.Code);

        group.MapPost("/playlists/{playlistId:int}/clips", async (int projectId, int playlistId, ClipRequest r, ClipService clips, CurrentUser current, CancellationToken ct) =>
        {
            var result = await clips.AddClipAsync(projectId, playlistId, new(r.PassageId, r.KeyQuoteId, r.Start, r.End, r.Title, r.Description, r.BurnCaptions, r.SilenceRedactedWords), current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/playlists/{playlistId}", new { clipId = result.Value!.Id })
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Code);

        group.MapPut("/clips/{clipId:int}", async (int projectId, int clipId, ClipEditRequest r, ClipService clips, CurrentUser current, CancellationToken ct) =>
        {
            var result = await clips.UpdateClipAsync(projectId, clipId, new(r.Start, r.End, r.Title, r.Description, r.BurnCaptions, r.SilenceRedactedWords), current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.NoContent() : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Code);

        group.MapPost("/clips/{clipId:int}/move", async (int projectId, int clipId, MoveRequest r, ClipService clips, CurrentUser current, CancellationToken ct) =>
        {
            if (r.Direction is not ("up" or "down")) return ProjectEndpoints.Problem(["Say which way to move the clip: \"up\" (earlier) or \"down\" (later)."], StatusCodes.Status422UnprocessableEntity);
            return await clips.MoveClipAsync(projectId, clipId, r.Direction == "up", current.RequiredId, ct) ? Results.NoContent() : Results.NotFound();
        }).RequireAuthorization(Policies.Code);

        group.MapDelete("/clips/{clipId:int}", async (int projectId, int clipId, ClipService clips, CurrentUser current, CancellationToken ct) =>
            await clips.DeleteClipAsync(projectId, clipId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.Code);

        group.MapGet("/clips/{clipId:int}/content", async (int projectId, int clipId, HttpContext http, ClipService clips, CancellationToken ct) =>
        {
            if (await clips.PlayableAsync(projectId, clipId, ct) is not var (clip, verdict)) return Results.NotFound();
            if (!verdict.Allowed) return NotAllowed(verdict);
            if (!clips.IsPlayable(clip, verdict))
                return ProjectEndpoints.Problem([clip.Status == OutputStatus.Failed ? clip.Error : "This clip is still being cut. Try again in a moment."], StatusCodes.Status409Conflict);
            NoStore(http, "inline");
            return Results.File(clips.FilePath(clip)!, ClipService.ContentType(clip.StoredName!), enableRangeProcessing: true);
        }).RequireAuthorization(Policies.ViewProject);

        group.MapGet("/clips/{clipId:int}/captions", async (int projectId, int clipId, HttpContext http, ClipService clips, CancellationToken ct) =>
        {
            if (await clips.PlayableAsync(projectId, clipId, ct) is not var (clip, verdict)) return Results.NotFound();
            if (!verdict.Allowed) return NotAllowed(verdict);
            NoStore(http, "inline");
            return Results.Text(await clips.CaptionsAsync(clip, verdict, ct: ct), "text/vtt; charset=utf-8");
        }).RequireAuthorization(Policies.ViewProject);

        // The same captions as SRT (the same cues), offered as a download beside the WebVTT file.
        group.MapGet("/clips/{clipId:int}/captions.srt", async (int projectId, int clipId, HttpContext http, ClipService clips, CancellationToken ct) =>
        {
            if (await clips.PlayableAsync(projectId, clipId, ct) is not var (clip, verdict)) return Results.NotFound();
            if (!verdict.Allowed) return NotAllowed(verdict);
            NoStore(http, $"attachment; filename=\"clip-{clipId}.srt\"");
            return Results.Text(await clips.CaptionsAsync(clip, verdict, srt: true, ct: ct), Shared.Srt.ContentType);
        }).RequireAuthorization(Policies.ViewProject);

        group.MapGet("/playlists/{playlistId:int}/export", async (int projectId, int playlistId, HttpContext http, ClipService clips, CurrentUser current, CancellationToken ct) =>
        {
            var started = false;
            var found = await clips.ExportAsync(projectId, playlistId, http.Response.Body, current.RequiredId, () =>
            {
                started = true;
                http.Response.ContentType = "application/zip";
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"playlist-{playlistId}.zip\"";
                http.Response.Headers.CacheControl = "private, no-store";
                http.Response.Headers.XContentTypeOptions = "nosniff";
            }, ct);
            return found || started ? Results.Empty : Results.NotFound();
        }).RequireAuthorization(Policies.Publish);
    }

    /// <summary>410 Gone: the clip existed but a storyteller's consent no longer allows it.</summary>
    private static IResult NotAllowed(ClipVerdict verdict) =>
        ProjectEndpoints.Problem([$"{ClipService.NotAllowedAnyMore}. {verdict.Message}"], StatusCodes.Status410Gone);

    private static void NoStore(HttpContext http, string disposition)
    {
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentDisposition = disposition;
        http.Response.Headers.CacheControl = "private, no-store";
    }

    public static string ContentUrl(int projectId, int clipId) => $"/api/projects/{projectId}/clips/{clipId}/content";

    public static string CaptionsUrl(int projectId, int clipId) => $"/api/projects/{projectId}/clips/{clipId}/captions";

    public static string SrtCaptionsUrl(int projectId, int clipId) => $"/api/projects/{projectId}/clips/{clipId}/captions.srt";

    public static PlaylistDto ToDto(ClipService.PlaylistView view) => new(view.Playlist.Id, view.Playlist.Title, view.Playlist.Description,
        view.Clips.Select(c => new ClipDto(c.Clip.Id, c.Clip.Position, c.Clip.StoryId, c.StoryTitle, c.Clip.PassageId, c.Clip.KeyQuoteId, c.Clip.StartSeconds,
            c.Clip.EndSeconds, c.Clip.Title, c.Clip.Description, c.Clip.BurnCaptions, c.Clip.SilenceRedactedWords, c.Clip.Status, c.Clip.Progress, c.Clip.CutMethod, c.Clip.DurationSeconds,
            c.Allowed, c.StateText, c.Detail, c.Allowed ? c.Verdict.Credit : "",
            c.Playable ? ContentUrl(c.Clip.ProjectId, c.Clip.Id) : null, c.Playable ? ClipService.ContentType(c.Clip.StoredName!) : null,
            c.Allowed ? CaptionsUrl(c.Clip.ProjectId, c.Clip.Id) : null)).ToList());
}
