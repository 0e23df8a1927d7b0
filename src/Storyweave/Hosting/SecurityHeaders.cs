namespace Storyweave.Hosting;

/// <summary>
/// Security headers on every response (OWASP ASVS 4.0 V14.4), set just before the response starts
/// so that error pages, static files, redirects and API answers all carry them.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>
    /// No inline script or style anywhere (pages load wwwroot/js and wwwroot/css only). 'self' in
    /// connect-src also allows same-origin ws:/wss: (CSP Level 3), which SignalR uses.
    /// Media players read recordings from the app, and blob: for previews of a chosen file.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; " +
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// No referrer at all: URLs carry project and story ids and the secrets of workshop join links
    /// and storyteller links, and the app itself never needs the Referer header.
    /// </summary>
    public const string ReferrerPolicy = "no-referrer";

    /// <summary>Nothing in the app needs a camera, microphone, location or payment: switched off for every frame.</summary>
    public const string PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            var headers = ctx.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY"; // for browsers without frame-ancestors
            headers["Referrer-Policy"] = ReferrerPolicy;
            headers["Permissions-Policy"] = PermissionsPolicy;
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            // Pages and API answers hold personal data: no shared or browser cache keeps them (ASVS 8.2.1).
            // Static files (no endpoint) keep their normal caching.
            if (ctx.GetEndpoint() is not null && string.IsNullOrEmpty(headers.CacheControl))
                headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
