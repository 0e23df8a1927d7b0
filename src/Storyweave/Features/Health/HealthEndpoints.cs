using Storyweave.Data;

namespace Storyweave.Features.Health;

public static class HealthEndpoints
{
    public static void Map(WebApplication app)
    {
        // Anonymous on purpose: load balancers and operators probe it. It says nothing but up/down.
        app.MapGet("/healthz", async (StoryweaveDb db, CancellationToken ct) =>
                await db.Database.CanConnectAsync(ct)
                    ? Results.Text("ok")
                    : Results.Text("database unavailable", statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous().WithTags("Health");
    }
}
