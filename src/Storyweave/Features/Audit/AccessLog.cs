using System.Globalization;
using System.Security.Claims;
using Storyweave.Data;

namespace Storyweave.Features.Audit;

/// <summary>Action names kept in the access log (lower-case past tense, as on the audit page).</summary>
public static class AccessActions
{
    public const string Viewed = "viewed";
    public const string Searched = "searched";
    public const string Exported = "exported";
    public const string Downloaded = "downloaded";
    public const string BackedUp = "backed-up";
}

/// <summary>
/// Records who viewed or exported what, and when: ids and action names only, never content (no
/// search words, no file names chosen by people). The actor is taken from the current request:
/// the signed-in user, a workshop guest ("workshop-guest:{id}"), or, outside a request (the CLI),
/// "cli". Each entry is written at once in its own unit of work, so it never saves (or is lost
/// with) the caller's pending changes.
/// </summary>
public sealed class AccessLog(IHttpContextAccessor http, IServiceScopeFactory scopes, TimeProvider clock)
{
    /// <summary>Records an access by whoever makes the current request.</summary>
    public Task RecordAsync(int projectId, string action, string targetType, object? targetId, CancellationToken ct = default)
    {
        var user = http.HttpContext?.User;
        var userId = user?.FindFirstValue(ClaimTypes.NameIdentifier);
        var actor = userId is not null ? ""
            : user?.FindFirstValue("sub") is { Length: > 0 } sub ? sub
            : http.HttpContext is null ? "cli" : "anonymous";
        return WriteAsync(projectId, userId, actor, action, targetType, targetId, ct);
    }

    /// <summary>
    /// Records an access by someone who is not a signed-in user, named by id only, for example
    /// "storyteller-link:12".
    /// </summary>
    public Task RecordAsAsync(string actor, int projectId, string action, string targetType, object? targetId, CancellationToken ct = default) =>
        WriteAsync(projectId, null, actor, action, targetType, targetId, ct);

    private async Task WriteAsync(int projectId, string? userId, string actor, string action, string targetType, object? targetId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        db.AccessLog.Add(new AccessLogEntry
        {
            ProjectId = projectId,
            At = clock.GetUtcNow().UtcDateTime,
            UserId = userId,
            Actor = Truncate(actor, 100),
            Action = Truncate(action, 50),
            TargetType = Truncate(targetType, 50),
            TargetId = Truncate(Convert.ToString(targetId, CultureInfo.InvariantCulture) ?? "", 100),
        });
        await db.SaveChangesAsync(ct);
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
