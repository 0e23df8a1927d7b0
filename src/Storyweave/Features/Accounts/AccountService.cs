using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Events;

namespace Storyweave.Features.Accounts;

/// <summary>Account operations shared by the pages, the JSON API and the command line.</summary>
public sealed class AccountService(StoryweaveDb db, UserManager<User> users, TimeProvider clock)
{
    public Task<bool> AnyAdminAsync(CancellationToken ct = default) => db.Users.AnyAsync(u => u.IsAdmin, ct);

    public async Task<Result<User>> CreateAsync(string email, string displayName, string password, bool isAdmin, string? actorUserId, CancellationToken ct = default)
    {
        email = email.Trim();
        displayName = displayName.Trim();
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(displayName)) errors.Add("Enter a name.");
        if (!LooksLikeEmail(email)) errors.Add("Enter an email address, like name@example.org.");
        if (errors.Count > 0) return Result.Fail<User>(errors);
        if (await users.FindByEmailAsync(email) is not null)
            return Result.Fail<User>(["An account with this email address already exists."]);

        var user = new User
        {
            UserName = email,
            Email = email,
            DisplayName = displayName,
            IsAdmin = isAdmin,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) return Result.Fail<User>(created.Errors.Select(e => PlainMessage(e)).ToList());
        db.Record(clock, null, actorUserId, isAdmin ? "account.created-admin" : "account.created", "user", user.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(user);
    }

    public async Task<Result<User>> SetPasswordAsync(User user, string newPassword, string? actorUserId, CancellationToken ct = default)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var reset = await users.ResetPasswordAsync(user, token, newPassword);
        if (!reset.Succeeded) return Result.Fail<User>(reset.Errors.Select(e => PlainMessage(e)).ToList());
        // A reset also lifts a lockout: the operator has just proven who is in charge of the account.
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        db.Record(clock, null, actorUserId, "account.password-reset", "user", user.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(user);
    }

    public async Task<(ApiToken Token, string Secret)> CreateTokenAsync(string userId, string name, CancellationToken ct = default)
    {
        var secret = ApiToken.NewSecret();
        var token = new ApiToken
        {
            UserId = userId,
            Name = string.IsNullOrWhiteSpace(name) ? "API token" : name.Trim(),
            SecretHash = ApiToken.Hash(secret),
            Prefix = secret[..8],
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        db.Record(clock, null, userId, "token.created", "api-token", token.Id);
        await db.SaveChangesAsync(ct);
        return (token, secret);
    }

    public async Task<bool> RevokeTokenAsync(string userId, int tokenId, CancellationToken ct = default)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct);
        if (token is null || token.RevokedAt is not null) return token is not null;
        token.RevokedAt = clock.GetUtcNow().UtcDateTime;
        db.Record(clock, null, userId, "token.revoked", "api-token", token.Id);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>A random password that is easy to read out and type: four groups of four letters/digits.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i
        var groups = Enumerable.Range(0, 4).Select(_ =>
            new string(Enumerable.Range(0, 4).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray()));
        return string.Join('-', groups);
    }

    public static bool LooksLikeEmail(string email) =>
        email.Length is > 3 and <= 254 && email.IndexOf('@', StringComparison.Ordinal) is > 0 and var at
        && at < email.Length - 1 && !email.Contains(' ', StringComparison.Ordinal);

    /// <summary>Identity's messages, rewritten in plain language where they are not already.</summary>
    public static string PlainMessage(IdentityError error) => error.Code switch
    {
        "PasswordTooShort" => "Choose a password of at least 10 characters. A short sentence works well.",
        "PasswordRequiresUniqueChars" => "Choose a password with more different characters.",
        "DuplicateUserName" or "DuplicateEmail" => "An account with this email address already exists.",
        "InvalidEmail" or "InvalidUserName" => "Enter an email address, like name@example.org.",
        "PasswordMismatch" => "The current password is not right.",
        _ => error.Description,
    };
}

/// <summary>The outcome of an operation: a value, or plain-language messages saying what to fix.</summary>
public sealed record Result<T>(T? Value, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

public static class Result
{
    public static Result<T> Ok<T>(T value) => new(value, []);
    public static Result<T> Fail<T>(IReadOnlyList<string> errors) => new(default, errors);
}
