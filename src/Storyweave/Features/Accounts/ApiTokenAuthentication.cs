using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storyweave.Data;

namespace Storyweave.Features.Accounts;

/// <summary>Authenticates <c>Authorization: Bearer sw_…</c> personal API tokens.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    StoryweaveDb db,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        string secret;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            secret = header["Bearer ".Length..].Trim();
        else if (HubQueryToken(Request) is { } fromQuery)
            secret = fromQuery;
        else
            return AuthenticateResult.NoResult();

        if (!secret.StartsWith(ApiToken.SecretPrefix, StringComparison.Ordinal))
            return AuthenticateResult.Fail("Not a Storyweave token.");

        var hash = ApiToken.Hash(secret);
        var token = await db.ApiTokens.Include(t => t.User)
            .SingleOrDefaultAsync(t => t.SecretHash == hash, Context.RequestAborted);
        if (token?.User is null || token.RevokedAt is not null)
            return AuthenticateResult.Fail("The token is unknown or has been revoked.");
        var now = clock.GetUtcNow();
        if (token.User.LockoutEnd is { } end && end > now)
            return AuthenticateResult.Fail("The account is locked.");
        if (token.User.DeactivatedAt is not null)
            return AuthenticateResult.Fail("The account has been turned off.");

        // Record use at most once a minute so a busy script does not write on every request.
        if (token.LastUsedAt is null || now.UtcDateTime - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now.UtcDateTime;
            await db.SaveChangesAsync(Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, token.UserId),
            new Claim(ClaimTypes.Name, token.User.UserName ?? token.UserId),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>
    /// Browsers cannot set headers on a WebSocket or EventSource, so SignalR clients given a token send it
    /// as <c>?access_token=</c>. Accepted for the live-update hubs under /hubs only: anywhere else a token in
    /// a URL would end up in logs and browser history for no reason.
    /// </summary>
    public static string? HubQueryToken(HttpRequest request) =>
        request.Path.StartsWithSegments("/hubs") && request.Query["access_token"].ToString() is { Length: > 0 } token ? token : null;

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
