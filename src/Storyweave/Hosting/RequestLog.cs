using System.Diagnostics;
using Microsoft.AspNetCore.Routing;

namespace Storyweave.Hosting;

/// <summary>
/// One line per request, only when an operator asks for it (<c>STORYWEAVE_LOG_REQUESTS=1</c>): method,
/// the route's pattern (never the path itself, which may hold a storyteller's or a guest's secret link,
/// e.g. <c>/me/{token}</c>), status and milliseconds. Query strings are never logged.
/// </summary>
public static class RequestLog
{
    public const string Category = "Storyweave.Requests";

    public static void Use(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        if (!logger.IsEnabled(LogLevel.Information)) return;
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            var path = context.Request.Path;
            try
            {
                await next(context);
            }
            finally
            {
                var route = context.Items[RouteKey] as string ?? (IsStaticFile(path) ? path.Value : "(no route)");
                logger.LogInformation("{Method} {Route} {Status} {Milliseconds:0} ms", context.Request.Method, route,
                    context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
    }

    private static readonly object RouteKey = new();

    /// <summary>
    /// Placed just after routing: notes the route the request matched, before an error page re-executed
    /// later (for a 404 or 500) replaces the endpoint.
    /// </summary>
    public static void NoteRoute(WebApplication app)
    {
        if (!app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category).IsEnabled(LogLevel.Information)) return;
        app.Use((context, next) =>
        {
            if (!context.Items.ContainsKey(RouteKey))
                context.Items[RouteKey] = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern } ? "/" + pattern.TrimStart('/') : "(no route)";
            return next(context);
        });
    }

    private static bool IsStaticFile(PathString path) =>
        path.StartsWithSegments("/css") || path.StartsWithSegments("/js") || path.StartsWithSegments("/lib") || path.Value == "/favicon.ico";
}
