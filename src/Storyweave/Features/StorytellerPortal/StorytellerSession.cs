using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// The session a storyteller gets after opening their personal link and typing the short code.
/// It is a separate cookie scheme, sent only to <c>/me</c> (cookie path), SameSite=Strict, HttpOnly,
/// ending after 30 minutes without use and 2 hours at most. The principal names one link and
/// one storyteller and never carries a NameIdentifier, so it can never pass a project policy or
/// act as an account. Every request re-reads the link: a revoked, expired or locked link, or a
/// storyteller who withdrew, ends the session at once.
/// </summary>
public static class StorytellerSession
{
    public const string Scheme = "StorytellerLink";

    /// <summary>The only policy of the storyteller's own pages (authenticated by <see cref="Scheme"/> alone).</summary>
    public const string Policy = "Storyteller";

    public const string LinkClaim = "storyweave:storyteller-link";
    public const string StorytellerClaim = "storyweave:storyteller";
    public const string ProjectClaim = "storyweave:storyteller-project";
    public const string IssuedClaim = "storyweave:issued";

    public static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromHours(2);

    public static void AddScheme(AuthenticationBuilder auth) => auth.AddCookie(Scheme, o =>
    {
        o.Cookie.Name = "storyweave.me";
        o.Cookie.Path = "/me";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = IdleLifetime;
        o.SlidingExpiration = true;
        // No redirects: the status page for 401 on /me explains, in plain words, how to get back in.
        o.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
        o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
        o.Events.OnValidatePrincipal = ValidateAsync;
    });

    public static void AddPolicy(AuthorizationOptions options) => options.AddPolicy(Policy, p => p
        .AddAuthenticationSchemes(Scheme)
        .RequireAuthenticatedUser()
        .RequireClaim(LinkClaim)
        .RequireClaim(StorytellerClaim));

    public static ClaimsPrincipal Principal(StorytellerLink link, DateTime now) => new(new ClaimsIdentity(
    [
        // "sub" (not NameIdentifier) so antiforgery tokens are bound to this link.
        new Claim("sub", Actor(link.Id)),
        new Claim(LinkClaim, link.Id.ToString(CultureInfo.InvariantCulture)),
        new Claim(StorytellerClaim, link.StorytellerId.ToString(CultureInfo.InvariantCulture)),
        new Claim(ProjectClaim, link.ProjectId.ToString(CultureInfo.InvariantCulture)),
        new Claim(IssuedClaim, now.Ticks.ToString(CultureInfo.InvariantCulture)),
    ], Scheme));

    /// <summary>The actor recorded in the event and access logs (ids only).</summary>
    public static string Actor(int linkId) => $"storyteller-link:{linkId.ToString(CultureInfo.InvariantCulture)}";

    public sealed record Who(int LinkId, int StorytellerId, int ProjectId);

    public static Who? Of(ClaimsPrincipal user)
    {
        var identity = user.Identities.FirstOrDefault(i => i.AuthenticationType == Scheme && i.IsAuthenticated);
        if (identity is null) return null;
        return Int(identity, LinkClaim) is { } link && Int(identity, StorytellerClaim) is { } teller && Int(identity, ProjectClaim) is { } project
            ? new Who(link, teller, project)
            : null;
    }

    private static int? Int(ClaimsIdentity identity, string type) =>
        int.TryParse(identity.FindFirst(type)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static async Task ValidateAsync(CookieValidatePrincipalContext ctx)
    {
        var who = ctx.Principal is { } p ? Of(p) : null;
        var issued = long.TryParse(ctx.Principal?.FindFirst(IssuedClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : 0;
        var services = ctx.HttpContext.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var valid = false;
        if (who is not null && issued > 0 && now - new DateTime(issued, DateTimeKind.Utc) <= AbsoluteLifetime)
        {
            var db = services.GetRequiredService<StoryweaveDb>();
            var link = await db.StorytellerLinks.AsNoTracking().Include(l => l.Storyteller)
                .SingleOrDefaultAsync(l => l.Id == who.LinkId, ctx.HttpContext.RequestAborted);
            valid = link is not null && link.StorytellerId == who.StorytellerId && link.ProjectId == who.ProjectId
                    && StorytellerLinkService.StateOf(link, now) == LinkState.Usable;
        }
        if (!valid)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(Scheme);
        }
    }
}
