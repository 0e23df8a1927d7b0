using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// The storyteller's download (a ZIP of everything held about them, <see cref="StorytellerExport"/>), and for the
/// team: emailing a storyteller their personal link.
/// </summary>
public static class PortalEndpoints
{
    public sealed record EmailLinkRequest(int? Days);
    public sealed record EmailedLinkDto(int LinkId, DateTime ExpiresAt);

    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder api)
    {
        // Leads only: it uses the person's contact address, and a new link turns off the one on a handout.
        api.MapPost("/projects/{projectId:int}/storytellers/{storytellerId:int}/link/email",
            async (int projectId, int storytellerId, EmailLinkRequest? request, StorytellerLinkEmail linkEmail, CurrentUser current, CancellationToken ct) =>
            {
                var me = await current.GetAsync(ct);
                var result = await linkEmail.SendAsync(projectId, storytellerId, request?.Days, current.RequiredId, me?.DisplayName ?? "the project team", ct);
                return result.Succeeded
                    ? Results.Ok(new EmailedLinkDto(result.Value!.Id, result.Value.ExpiresAt))
                    : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            }).RequireAuthorization(Policies.ManageProject).WithTags("Storytellers");

        app.MapGet("/me/download", async (HttpContext http, StorytellerExport export, StorytellerPortalService portal, TimeProvider clock) =>
        {
            var who = StorytellerSession.Of(http.User);
            if (who is null) return Results.Unauthorized();
            var zip = await export.BuildAsync(who, http.RequestAborted);
            if (zip is null) return Results.NotFound();
            await portal.LogAsync(who, "downloaded", http.RequestAborted);
            http.Response.Headers.CacheControl = "no-store";
            var day = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            return Results.File(zip, "application/zip", $"my-story-{day}.zip");
        }).RequireAuthorization(StorytellerSession.Policy).ExcludeFromDescription();

        // Their own recording (only their own turns in a group story: OwnRecording), with Range requests so the
        // player can seek. Who they are comes from the session; another storyteller's story is "not found".
        app.MapGet("/me/stories/{storyId:int}/recording", async (int storyId, HttpContext http, StorytellerPortalService portal, OwnRecording recording) =>
        {
            var who = StorytellerSession.Of(http.User);
            if (who is null) return Results.Unauthorized();
            var view = await portal.LoadAsync(who, http.RequestAborted);
            if (view?.Stories.FirstOrDefault(s => s.Id == storyId) is not { } story) return Results.NotFound();
            if (await recording.FileAsync(who, story, http.RequestAborted) is not { } file) return Results.NotFound();
            // One log line per listen, not one per range the player asks for while seeking.
            var range = http.Request.Headers.Range.ToString();
            if (range.Length == 0 || range == "bytes=0-") await portal.LogAsync(who, "played", http.RequestAborted);
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentDisposition = "inline";
            headers.CacheControl = "private, no-store";
            return Results.File(file.Path, file.ContentType, enableRangeProcessing: true);
        }).RequireAuthorization(StorytellerSession.Policy).ExcludeFromDescription();
    }
}
