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
    /// <summary>Identity's "Default" provider, used for password resets: its lifespan is set to one hour here.</summary>
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);

    public const string InvitationProvider = "Invitation";
    public const string InvitationPurpose = "invitation";
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    public static void Add(IServiceCollection services)
    {
        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = ResetLifetime);
        services.Configure<InvitationTokenProviderOptions>(o =>
        {
            o.Name = InvitationProvider;
            o.TokenLifespan = InvitationLifetime;
        });
        services.AddTransient<InvitationTokenProvider>();
        services.Configure<IdentityOptions>(o => o.Tokens.ProviderMap[InvitationProvider] = new TokenProviderDescriptor(typeof(InvitationTokenProvider)));
    }
}

public sealed class InvitationTokenProviderOptions : DataProtectionTokenProviderOptions;

/// <summary>Invitation links: the same kind of token as a reset, with a week's lifespan instead of an hour.</summary>
public sealed class InvitationTokenProvider(IDataProtectionProvider dataProtectionProvider, IOptions<InvitationTokenProviderOptions> options, ILogger<DataProtectorTokenProvider<User>> logger)
    : DataProtectorTokenProvider<User>(dataProtectionProvider, options, logger);
