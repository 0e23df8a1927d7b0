using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Admin;

public static class AdminEndpoints
{
    public const string Active = "active";
    public const string Pending = "invited";
    public const string Deactivated = "deactivated";
    public const string LockedOut = "locked";

    /// <summary><c>Status</c>: active, invited (no password chosen yet), deactivated or locked (after wrong passwords).</summary>
    public sealed record UserDto(string Id, string Email, string DisplayName, bool IsAdmin, bool LockedOut, DateTime CreatedAt, string Status);
    public sealed record CreateUserRequest(string? Email, string? DisplayName, bool IsAdmin, string? Password);
    public sealed record CreatedUserDto(UserDto User, string? GeneratedPassword);
    public sealed record InviteRequest(string? Email, string? DisplayName, bool IsAdmin);

    /// <summary><c>Link</c> is given only when email is not set up: pass it on to the person yourself.</summary>
    public sealed record InvitationDto(UserDto User, bool Emailed, string? Link);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/users").WithTags("Administration").RequireAuthorization(Policies.Admin);

        group.MapGet("", async (StoryweaveDb db, TimeProvider clock, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            var users = await db.Users.AsNoTracking().OrderBy(u => u.DisplayName).ToListAsync(ct);
            return Results.Ok(users.Select(u => ToDto(u, now)));
        });

        group.MapPost("", async (CreateUserRequest request, AccountService accounts, CurrentUser current, TimeProvider clock, CancellationToken ct) =>
        {
            var generated = string.IsNullOrEmpty(request.Password) ? AccountService.GeneratePassword() : null;
            var result = await accounts.CreateAsync(request.Email ?? "", request.DisplayName ?? "", request.Password ?? generated!, request.IsAdmin, current.Id, ct);
            return result.Succeeded
                ? Results.Created($"/api/users/{result.Value!.Id}", new CreatedUserDto(ToDto(result.Value, clock.GetUtcNow()), generated))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        });

        // Invitations: an account without a password, and a link (emailed, or returned when email is not set up).
        group.MapPost("/invitations", async (InviteRequest request, AccountLinks links, CurrentUser current, TimeProvider clock, HttpRequest http, CancellationToken ct) =>
        {
            var result = await links.InviteAsync(request.Email ?? "", request.DisplayName ?? "", request.IsAdmin, (await current.GetAsync(ct))!, UsersModel.RequestSite(http), ct);
            return result.Succeeded
                ? Results.Created($"/api/users/{result.Value!.User.Id}", new InvitationDto(ToDto(result.Value.User, clock.GetUtcNow()), result.Value.Emailed, result.Value.Link))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        });

        group.MapPost("/{userId}/invitation", async (string userId, AccountLinks links, CurrentUser current, TimeProvider clock, HttpRequest http, CancellationToken ct) =>
        {
            var result = await links.ResendInvitationAsync(userId, (await current.GetAsync(ct))!, UsersModel.RequestSite(http), ct);
            return result.Succeeded
                ? Results.Ok(new InvitationDto(ToDto(result.Value!.User, clock.GetUtcNow()), result.Value.Emailed, result.Value.Link))
                : Refused(result.Errors);
        });

        group.MapDelete("/{userId}/invitation", async (string userId, AccountLinks links, CurrentUser current, CancellationToken ct) =>
        {
            var result = await links.CancelInvitationAsync(userId, (await current.GetAsync(ct))!, ct);
            return result.Succeeded ? Results.NoContent() : Refused(result.Errors);
        });

        group.MapPost("/{userId}/deactivate", async (string userId, AccountLinks links, CurrentUser current, TimeProvider clock, CancellationToken ct) =>
        {
            var result = await links.DeactivateAsync(userId, (await current.GetAsync(ct))!, ct);
            return result.Succeeded ? Results.Ok(ToDto(result.Value!, clock.GetUtcNow())) : Refused(result.Errors);
        });

        group.MapPost("/{userId}/reactivate", async (string userId, AccountLinks links, CurrentUser current, TimeProvider clock, CancellationToken ct) =>
        {
            var result = await links.ReactivateAsync(userId, (await current.GetAsync(ct))!, ct);
            return result.Succeeded ? Results.Ok(ToDto(result.Value!, clock.GetUtcNow())) : Refused(result.Errors);
        });
    }

    private static IResult Refused(IReadOnlyList<string> errors) =>
        ProjectEndpoints.Problem(errors, errors is ["There is no such account."] ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict);

    public static UserDto ToDto(User u, DateTimeOffset now)
    {
        var locked = u.LockoutEnd is { } end && end > now;
        var status = u.DeactivatedAt is not null ? Deactivated : u.InvitationPending ? Pending : locked ? LockedOut : Active;
        return new(u.Id, u.Email ?? "", u.DisplayName, u.IsAdmin, locked, u.CreatedAt, status);
    }
}
