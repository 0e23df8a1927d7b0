using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Storyweave.Features.Accounts;

/// <summary>
/// The tokens in emailed links. Both are Identity's data-protected tokens, which carry the account's security stamp:
/// choosing a password changes the stamp, so a link works once, and a re-sent invitation (which changes the stamp
/// too) ends the earlier link.
/// </summary>
public static class AccountEmails
{
    public const string ResetProvider = "Reset";
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);

    public const string InvitationProvider = "Invitation";
    public const string InvitationPurpose = "invitation";
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    public static void Add(IServiceCollection services)
    {
        services.Configure<ResetTokenProviderOptions>(o =>
        {
            o.Name = ResetProvider;
            o.TokenLifespan = ResetLifetime;
        });
        services.Configure<InvitationTokenProviderOptions>(o =>
        {
            o.Name = InvitationProvider;
            o.TokenLifespan = InvitationLifetime;
        });
        services.AddTransient<ResetTokenProvider>();
        services.AddTransient<InvitationTokenProvider>();
        services.Configure<IdentityOptions>(o =>
        {
            o.Tokens.ProviderMap[ResetProvider] = new TokenProviderDescriptor(typeof(ResetTokenProvider));
            o.Tokens.ProviderMap[InvitationProvider] = new TokenProviderDescriptor(typeof(InvitationTokenProvider));
            o.Tokens.PasswordResetTokenProvider = ResetProvider;
        });
    }
}

/// <summary>
/// Identity's data-protected token, whose age is also checked against the app's <see cref="TimeProvider"/>: Identity
/// compares with the system clock only, and every other expiry in Storyweave (sessions, links) reads the app's clock.
/// </summary>
public abstract class ClockedTokenProvider(IDataProtectionProvider dataProtectionProvider, IOptions<DataProtectionTokenProviderOptions> options,
    ILogger<DataProtectorTokenProvider<User>> logger, TimeProvider clock) : DataProtectorTokenProvider<User>(dataProtectionProvider, options, logger)
{
    public override async Task<bool> ValidateAsync(string purpose, string token, UserManager<User> manager, User user)
    {
        if (!await base.ValidateAsync(purpose, token, manager, user)) return false;
        try
        {
            // The token starts with its creation time (UTC ticks), as DataProtectorTokenProvider writes it.
            var payload = Protector.Unprotect(Convert.FromBase64String(token));
            var created = new DateTimeOffset(BitConverter.ToInt64(payload, 0), TimeSpan.Zero);
            return created + Options.TokenLifespan >= clock.GetUtcNow();
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return false;
        }
    }
}

public sealed class ResetTokenProviderOptions : DataProtectionTokenProviderOptions;

public sealed class InvitationTokenProviderOptions : DataProtectionTokenProviderOptions;

/// <summary>Password reset links: one hour.</summary>
public sealed class ResetTokenProvider(IDataProtectionProvider dataProtectionProvider, IOptions<ResetTokenProviderOptions> options, ILogger<DataProtectorTokenProvider<User>> logger, TimeProvider clock)
    : ClockedTokenProvider(dataProtectionProvider, options, logger, clock);

/// <summary>Invitation links: a week.</summary>
public sealed class InvitationTokenProvider(IDataProtectionProvider dataProtectionProvider, IOptions<InvitationTokenProviderOptions> options, ILogger<DataProtectorTokenProvider<User>> logger, TimeProvider clock)
    : ClockedTokenProvider(dataProtectionProvider, options, logger, clock);
