using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Storyweave.Hosting;

/// <summary>
/// What a person is told when a request fails unexpectedly. The JSON API (<c>/api/…</c>) always answers
/// problem details — never the HTML error page — with a plain message: a full disk is named as such (507, "the
/// server has no space left"), a database another long write kept locked past SQLite's busy timeout as 503 "busy, wait
/// and do it again", anything else is a 500 with a reference to find it in the server's log, never a
/// stack trace. Pages get the friendly error page (<c>Features/Shared/Error.cshtml</c>), which reads the same
/// classification. The error is logged once, with the same reference.
/// </summary>
public sealed class ErrorResponses(ILogger<ErrorResponses> logger, TimeProvider clock) : IExceptionHandler
{
    public const string DiskFullMessage =
        "The server has no space left for this, so nothing was saved. Tell your administrator that the server's disk is full; trying again will not help until space is made.";

    /// <summary>Whether the failure (or one inside it) is a full disk: ENOSPC on Linux and macOS, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool IsDiskFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is IOException io && (io.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027)
                                        || io.Message.Contains("No space left on device", StringComparison.Ordinal)))
                return true;
        }
        return false;
    }

    public const string DatabaseBusyMessage =
        "The database is busy with a long task, such as importing a project file, so what you just did was not saved. Wait a minute or two, then do it again.";

    /// <summary>
    /// Whether the failure is SQLite giving up on the write lock (SQLITE_BUSY or SQLITE_LOCKED after the 10 s busy
    /// timeout): another writer held it that long, e.g. a large .qdpx import, which is one transaction. Retrying later helps.
    /// </summary>
    public static bool IsDatabaseBusy(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 }) return true;
        }
        return false;
    }

    /// <summary>A short reference for this request, shown to the person and written to the log beside the error.</summary>
    public static string Reference(HttpContext context) => context.TraceIdentifier;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (context, ct) = (httpContext, cancellationToken);
        // The middleware has already pointed the request at /error: the original path is in its feature.
        var path = new PathString(context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path.Value);
        var diskFull = IsDiskFull(exception);
        var busy = !diskFull && IsDatabaseBusy(exception);
        var reference = Reference(context);
        if (diskFull) logger.LogError(exception, "The disk is full (request {Reference}, {Method} {Path})", reference, context.Request.Method, path);
        else if (busy) logger.LogWarning(exception, "The database stayed locked by another writer past the busy timeout (request {Reference}, {Method} {Path})", reference, context.Request.Method, path);
        else logger.LogError(exception, "Unexpected error (request {Reference}, {Method} {Path})", reference, context.Request.Method, path);

        if (!path.StartsWithSegments("/api")) return false; // the error page, which reads the same feature
        if (context.Response.HasStarted) return true; // a streamed answer cut off: nothing more can be said
        var status = diskFull ? StatusCodes.Status507InsufficientStorage : busy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        if (busy) context.Response.Headers.RetryAfter = "60";
        var problem = new ProblemDetails
        {
            Status = status,
            Title = diskFull ? "The server has no space left" : busy ? "The database is busy" : "Something went wrong on the server",
            Detail = diskFull ? DiskFullMessage
                : busy ? DatabaseBusyMessage
                : $"This is a problem on the server, not something you did, and nothing was changed. If it happens again, tell your administrator the reference {reference} (at {clock.GetUtcNow():yyyy-MM-dd HH:mm} UTC) so they can find it in the server's log.",
        };
        problem.Extensions["reference"] = reference;
        await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
        return true;
    }
}
