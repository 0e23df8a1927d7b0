using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Accounts;

/// <summary>
/// Authenticates <c>Authorization: Bearer sw_…</c> personal API tokens.
/// <para>Nothing about a token, its account or a membership is kept between requests: each request reads them
/// afresh, so a revoked token, a turned-off account or a removed member is refused on the very next request, on
/// every node. What the request needs is read in one statement (issue #17: it was three — the token with its
/// account, the account again for <see cref="CurrentUser"/>, and the membership for the project policies): the
/// token, its account and, when the route names a project, the caller's role in it. The account is handed to
/// <see cref="CurrentUser"/> and the role to <see cref="ProjectAccessService"/> for this request only.</para>
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    StoryweaveDb db,
    TimeProvider clock,
    CurrentUser currentUser,
    ProjectAccessService projectAccess) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>What one request reads about its token: the token, its account, and the membership of the route's project (if any).</summary>
    private sealed record TokenRow(int Id, DateTime? RevokedAt, DateTime? LastUsedAt, User? User, bool HasProject, DateTime? ProjectArchivedAt,
        ProjectRole? Role, bool PersonalDetailsGrant);

    // Compiled once: this runs on every token-authenticated request. projectId 0 (no project in the route) matches no project.
    // Prepared on PostgreSQL (Data/PreparedStatements): parsed and planned once per pooled connection, not on every request.
    private static readonly Func<StoryweaveDb, string, int, CancellationToken, Task<TokenRow?>> ReadToken =
        EF.CompileAsyncQuery((StoryweaveDb db, string hash, int projectId, CancellationToken ct) =>
            db.ApiTokens.AsNoTracking().TagWith(PreparedStatements.Tag).Where(t => t.SecretHash == hash).Select(t => new TokenRow(
                t.Id,
                t.RevokedAt,
                t.LastUsedAt,
                t.User,
                db.Projects.Any(p => p.Id == projectId),
                db.Projects.Where(p => p.Id == projectId).Select(p => p.ArchivedAt).FirstOrDefault(),
                db.ProjectMembers.Where(m => m.ProjectId == projectId && m.UserId == t.UserId).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
                db.ProjectMembers.Any(m => m.ProjectId == projectId && m.UserId == t.UserId && m.MaySeePersonalDetails)))
            .FirstOrDefault());

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
        var projectId = ProjectAccessService.ProjectIdFrom(Context);
        var token = await ReadToken(db, hash, projectId ?? 0, Context.RequestAborted);
        if (token?.User is not { } user || token.RevokedAt is not null)
            return AuthenticateResult.Fail("The token is unknown or has been revoked.");
        var now = clock.GetUtcNow();
        if (user.LockoutEnd is { } end && end > now)
            return AuthenticateResult.Fail("The account is locked.");
        if (user.DeactivatedAt is not null)
            return AuthenticateResult.Fail("The account has been turned off.");

        // Record use at most once a minute so a busy script does not write on every request.
        if (token.LastUsedAt is null || now.UtcDateTime - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            var at = now.UtcDateTime;
            await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(u => u.SetProperty(t => t.LastUsedAt, at), Context.RequestAborted);
        }

        // The same rows this request would read again a moment later: for this request only.
        currentUser.Remember(user);
        if (projectId is { } pid)
            projectAccess.Remember(pid, user.Id, token.HasProject
                ? new ProjectAccess(token.Role, user.IsAdmin, token.ProjectArchivedAt is not null, token.PersonalDetailsGrant)
                : new ProjectAccess(null, user.IsAdmin, false));

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            new Claim(ClaimTypes.Name, user.UserName ?? user.Id),
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
