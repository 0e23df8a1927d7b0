namespace Storyweave.Features.StorytellerPortal;

/// <summary>The storyteller's download: a ZIP of everything held about them (<see cref="StorytellerExport"/>).</summary>
public static class PortalEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
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
    }
}
