using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Admin;

public static class AdminEndpoints
{
    public sealed record UserDto(string Id, string Email, string DisplayName, bool IsAdmin, bool LockedOut, DateTime CreatedAt);
    public sealed record CreateUserRequest(string? Email, string? DisplayName, bool IsAdmin, string? Password);
    public sealed record CreatedUserDto(UserDto User, string? GeneratedPassword);

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
    }

    public static UserDto ToDto(User u, DateTimeOffset now) =>
        new(u.Id, u.Email ?? "", u.DisplayName, u.IsAdmin, u.LockoutEnd is { } end && end > now, u.CreatedAt);
}
