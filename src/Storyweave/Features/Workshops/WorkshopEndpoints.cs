using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Workshops;

/// <summary>
/// The board's JSON API (the board's script uses it for every change). Listing and creating use
/// project policies; the board itself uses <see cref="WorkshopGuest.Rule"/> plus a per-workshop
/// participant check, so people who joined by link can take part without a project role.
/// Errors: <c>{ "errors": [{ "message": … }] }</c>; 409 for a stale move (with the current board), 422 for rule breaks.
/// </summary>
public static class WorkshopEndpoints
{
    public sealed record CreateRequest(string? Title, WorkshopKind Kind, int? VotesPerParticipant);
    public sealed record MoveRequest(int? ClusterId, int Version);
    public sealed record NameRequest(string? Name);
    public sealed record MergeRequest(int IntoClusterId);
    public sealed record VoteRequest(int? CardId, int? ClusterId);
    public sealed record NoteRequest(string? Text, int? ClusterId);
    public sealed record SettingsRequest(bool? Locked, bool? VotesRevealed, int? VotesPerParticipant);
    public sealed record InviteRequest(string? UserId);
    public sealed record LinkRequest(string? DisplayName);
    public sealed record TimerRequest(int Minutes);
    public sealed record PlayRequest(int CardId);
    public sealed record CardsRequest(IReadOnlyList<int>? PassageIds, IReadOnlyList<int>? KeyQuoteIds, bool AsPrompts);
    public sealed record WorkshopDto(int Id, string Title, WorkshopKind Kind, int VotesPerParticipant, bool IsLocked, bool IsConverted, DateTime CreatedAt);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/workshops").WithTags("Workshops");

        group.MapGet("", async (int projectId, StoryweaveDb db, CancellationToken ct) =>
            Results.Ok(await db.Workshops.AsNoTracking().Where(w => w.ProjectId == projectId).OrderByDescending(w => w.CreatedAt)
                .Select(w => new WorkshopDto(w.Id, w.Title, w.Kind, w.VotesPerParticipant, w.IsLocked, w.ConvertedAt != null, w.CreatedAt)).ToListAsync(ct)))
            .RequireAuthorization(Policies.ViewProject);

        group.MapPost("", async (int projectId, CreateRequest r, WorkshopService service, CurrentUser current, CancellationToken ct) =>
        {
            var result = await service.CreateAsync(projectId, r.Title, r.Kind, r.VotesPerParticipant ?? 3, current.RequiredId, ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{projectId}/workshops/{result.Value!.Id}/board", new { id = result.Value.Id })
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.RunWorkshops);

        var board = group.MapGroup("/{workshopId:int}").RequireAuthorization(WorkshopGuest.Rule);

        board.MapGet("/board", (int projectId, int workshopId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Act(http, db, projectId, workshopId, async (actor, _) => Results.Ok(await s.BoardAsync(actor, workshopId, ct)), ct, participate: true));

        board.MapPost("/cards/{cardId:int}/move", (int projectId, int workshopId, int cardId, MoveRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.MoveCardAsync(a, w, cardId, r.ClusterId, r.Version, ct), ct, participate: true));

        board.MapPost("/notes", (int projectId, int workshopId, NoteRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.AddNoteAsync(a, w, r.Text, r.ClusterId, ct), ct, participate: true));

        board.MapPost("/clusters", (int projectId, int workshopId, NameRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.CreateClusterAsync(a, w, r.Name, ct), ct, participate: true));

        board.MapPut("/clusters/{clusterId:int}", (int projectId, int workshopId, int clusterId, NameRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.RenameClusterAsync(a, w, clusterId, r.Name, ct), ct, participate: true));

        board.MapPost("/clusters/{clusterId:int}/merge", (int projectId, int workshopId, int clusterId, MergeRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.MergeClustersAsync(a, w, clusterId, r.IntoClusterId, ct), ct, participate: true));

        board.MapDelete("/clusters/{clusterId:int}", (int projectId, int workshopId, int clusterId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.DeleteClusterAsync(a, w, clusterId, ct), ct, participate: true));

        board.MapPost("/votes", (int projectId, int workshopId, VoteRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.VoteAsync(a, w, r.CardId, r.ClusterId, ct), ct, participate: true));

        board.MapPost("/votes/remove", (int projectId, int workshopId, VoteRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.UnvoteAsync(a, w, r.CardId, r.ClusterId, ct), ct, participate: true));

        // Facilitation (the service refuses anyone who cannot run workshops).
        board.MapPut("/settings", (int projectId, int workshopId, SettingsRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.SetSettingsAsync(a, w, r.Locked, r.VotesRevealed, r.VotesPerParticipant, ct), ct));

        board.MapPost("/participants", (int projectId, int workshopId, InviteRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.InviteMemberAsync(a, w, r.UserId ?? "", ct), ct));

        board.MapPost("/links", (int projectId, int workshopId, LinkRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.CreateJoinLinkAsync(a, w, r.DisplayName, ct), ct));

        board.MapDelete("/participants/{participantId:int}", (int projectId, int workshopId, int participantId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.RevokeAsync(a, w, participantId, ct), ct));

        board.MapPost("/cards", (int projectId, int workshopId, CardsRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.AddSourceCardsAsync(a, w, r.PassageIds ?? [], r.KeyQuoteIds ?? [], r.AsPrompts, ct), ct));

        // Timer: the end time is stored on the workshop; every board counts down to it.
        board.MapPost("/timer", (int projectId, int workshopId, TimerRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.StartTimerAsync(a, w, r.Minutes, ct), ct));

        board.MapPost("/timer/add", (int projectId, int workshopId, TimerRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.AddTimeAsync(a, w, r.Minutes, ct), ct));

        board.MapDelete("/timer", (int projectId, int workshopId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.StopTimerAsync(a, w, ct), ct));

        // Playing a clip to everyone, and the clip itself: the only way a guest can fetch a recording.
        board.MapPost("/play", (int projectId, int workshopId, PlayRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.PlayToEveryoneAsync(a, w, r.CardId, ct), ct));

        board.MapDelete("/play", (int projectId, int workshopId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.StopPlayingAsync(a, w, ct), ct));

        board.MapGet("/cards/{cardId:int}/clip", (int projectId, int workshopId, int cardId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Act(http, db, projectId, workshopId, async (_, w) =>
            {
                var clip = await s.ClipAsync(w, cardId, ct);
                if (clip.Error is { } error) return ProjectEndpoints.Problem(error.Errors, error.Status);
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.ContentDisposition = "inline";
                headers.CacheControl = "private, no-store";
                return Results.File(clip.Path!, clip.ContentType, enableRangeProcessing: true);
            }, ct));

        // Captions for that clip (WebVTT on the recording's timeline), with the same checks.
        board.MapGet("/cards/{cardId:int}/captions", (int projectId, int workshopId, int cardId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Act(http, db, projectId, workshopId, async (_, w) =>
            {
                var (error, vtt) = await s.ClipCaptionsAsync(w, cardId, ct);
                if (error is not null) return ProjectEndpoints.Problem(error.Errors, error.Status);
                http.Response.Headers.CacheControl = "private, no-store";
                return Results.Text(vtt!, "text/vtt; charset=utf-8");
            }, ct));

        // "In the room": groups around one screen, for whom the facilitator acts (header X-Acting-For).
        board.MapPost("/room-groups", (int projectId, int workshopId, LinkRequest r, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.AddRoomGroupAsync(a, w, r.DisplayName, ct), ct));

        board.MapPost("/convert", (int projectId, int workshopId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Change(http, db, projectId, workshopId, (a, w) => s.ConvertAsync(a, w, ct), ct));

        board.MapGet("/provenance", (int projectId, int workshopId, HttpContext http, StoryweaveDb db, WorkshopService s, CancellationToken ct) =>
            Act(http, db, projectId, workshopId, async (_, _) => Results.Ok(await s.ProvenanceAsync(workshopId, ct)), ct));
    }

    /// <summary>
    /// The header a facilitator's board sends in "in the room" mode: the id of the room group they
    /// act for. Only taking-part requests (reading the board, moving, notes, groups, votes) honour it.
    /// </summary>
    public const string ActingForHeader = "X-Acting-For";

    private static async Task<IResult> Act(HttpContext http, StoryweaveDb db, int projectId, int workshopId, Func<WorkshopActor, Workshop, Task<IResult>> action, CancellationToken ct, bool participate = false)
    {
        var (outcome, actor, workshop) = await WorkshopActors.ResolveAsync(db, http.User, projectId, workshopId, ct);
        if (outcome == ActorOutcome.Allowed && participate && http.Request.Headers[ActingForHeader].FirstOrDefault() is { Length: > 0 } value)
        {
            if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var groupId)
                || await WorkshopActors.ActingForAsync(db, actor!, workshopId, groupId, ct) is not { } group)
                return ProjectEndpoints.Problem(["You cannot act for that group in the room. Choose “Myself” under “Acting for”, or choose the group again."], StatusCodes.Status403Forbidden);
            actor = group;
        }
        return outcome switch
        {
            ActorOutcome.NotFound => ProjectEndpoints.Problem(["There is no such workshop."], StatusCodes.Status404NotFound),
            ActorOutcome.Forbidden => ProjectEndpoints.Problem(["You are not taking part in this workshop."], StatusCodes.Status403Forbidden),
            _ => await action(actor!, workshop!),
        };
    }

    private static Task<IResult> Change(HttpContext http, StoryweaveDb db, int projectId, int workshopId, Func<WorkshopActor, Workshop, Task<WorkshopService.Outcome>> change, CancellationToken ct, bool participate = false) =>
        Act(http, db, projectId, workshopId, async (actor, workshop) =>
        {
            var result = await change(actor, workshop);
            if (result.Succeeded) return Results.Ok(result.Value ?? new { ok = true });
            var errors = result.Errors.Select(e => new { message = e }).ToList();
            return Results.Json(new { errors, board = result.Board }, statusCode: result.Status);
        }, ct, participate);
}
