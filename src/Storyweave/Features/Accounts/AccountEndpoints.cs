using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Accounts;

public static class AccountEndpoints
{
    public sealed record MeDto(string Id, string Email, string DisplayName, bool IsAdmin);
    public sealed record TokenDto(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);
    public sealed record CreateTokenRequest(string? Name);
    public sealed record CreatedTokenDto(TokenDto Token, string Secret);
    public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("").WithTags("Account").RequireAuthorization(Policies.SignedIn);

        group.MapGet("/me", async (CurrentUser current, CancellationToken ct) =>
        {
            var user = await current.GetAsync(ct);
            return user is null ? Results.Unauthorized() : Results.Ok(new MeDto(user.Id, user.Email ?? "", user.DisplayName, user.IsAdmin));
        });

        group.MapPost("/me/password", async (ChangePasswordRequest request, CurrentUser current, UserManager<User> users, StoryweaveDb db, TimeProvider clock, CancellationToken ct) =>
        {
            var user = await users.FindByIdAsync(current.RequiredId);
            if (user is null) return Results.Unauthorized();
            var result = await users.ChangePasswordAsync(user, request.CurrentPassword ?? "", request.NewPassword ?? "");
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors.Select(AccountService.PlainMessage), StatusCodes.Status422UnprocessableEntity);
            db.Record(clock, null, user.Id, "account.password-changed", "user", user.Id);
            await db.SaveChangesAsync(ct);
            return Results.NoContent();
        });

        group.MapGet("/tokens", async (CurrentUser current, StoryweaveDb db, CancellationToken ct) =>
        {
            var id = current.RequiredId;
            var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == id).OrderBy(t => t.Id).ToListAsync(ct);
            return Results.Ok(tokens.Select(ToDto));
        });

        group.MapPost("/tokens", async (CreateTokenRequest request, CurrentUser current, AccountService accounts, CancellationToken ct) =>
        {
            var (token, secret) = await accounts.CreateTokenAsync(current.RequiredId, request.Name ?? "", ct);
            return Results.Created($"/api/tokens/{token.Id}", new CreatedTokenDto(ToDto(token), secret));
        });

        group.MapDelete("/tokens/{tokenId:int}", async (int tokenId, CurrentUser current, AccountService accounts, CancellationToken ct) =>
            await accounts.RevokeTokenAsync(current.RequiredId, tokenId, ct) ? Results.NoContent() : Results.NotFound());
    }

    public static TokenDto ToDto(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}
