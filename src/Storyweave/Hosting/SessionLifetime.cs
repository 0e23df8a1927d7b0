using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Storyweave.Features.Accounts;

namespace Storyweave.Hosting;

/// <summary>
/// The end of a signed-in session (OWASP ASVS 3.3): after <see cref="StoryweaveOptions.SessionIdleTimeout"/>
/// without a request (the cookie's sliding expiry), <see cref="StoryweaveOptions.SessionAbsoluteLifetime"/>
/// after sign-in however busy, at once after a password reset (Identity's security stamp, checked on
/// every request), and at once while the account is locked.
/// </summary>
public static class SessionLifetime
{
    /// <summary>The sign-in time, kept in the cookie's properties: sliding renewal re-issues the cookie and moves IssuedUtc, so that cannot be used.</summary>
    public const string SignedInAtItem = "storyweave.signed-in-at";

    public static void Attach(CookieAuthenticationOptions options, TimeSpan absoluteLifetime)
    {
        var previousSigningIn = options.Events.OnSigningIn;
        options.Events.OnSigningIn = async ctx =>
        {
            // Kept when Identity re-issues the cookie (a security-stamp refresh passes the old properties on).
            if (!ctx.Properties.Items.ContainsKey(SignedInAtItem))
                ctx.Properties.Items[SignedInAtItem] = Clock(ctx.HttpContext).GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            await previousSigningIn(ctx);
        };

        // Identity's own validator (the security stamp) runs first; it is set by AddIdentityCookies.
        var previousValidate = options.Events.OnValidatePrincipal;
        options.Events.OnValidatePrincipal = async ctx =>
        {
            var now = Clock(ctx.HttpContext).GetUtcNow();
            if (!ctx.Properties.Items.TryGetValue(SignedInAtItem, out var raw)
                || !long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                || now - DateTimeOffset.FromUnixTimeSeconds(seconds) > absoluteLifetime)
            {
                await RejectAsync(ctx);
                return;
            }
            await previousValidate(ctx);
            if (ctx.Principal is null) return;
            // The stamp validator has just loaded the user into this request's context, so this finds it without a query.
            var users = ctx.HttpContext.RequestServices.GetRequiredService<UserManager<User>>();
            var user = await users.GetUserAsync(ctx.Principal);
            if (user is null || await users.IsLockedOutAsync(user))
                await RejectAsync(ctx);
        };
    }

    private static TimeProvider Clock(HttpContext http) => http.RequestServices.GetRequiredService<TimeProvider>();

    private static async Task RejectAsync(CookieValidatePrincipalContext ctx)
    {
        ctx.RejectPrincipal();
        await ctx.HttpContext.SignOutAsync(ctx.Scheme.Name);
    }
}
