namespace Storyweave.Features.Email;

public enum SmtpSecurity
{
    /// <summary>Plain SMTP: only for a relay on this machine or a private network.</summary>
    None,

    /// <summary>Connect in plain text, then upgrade with STARTTLS (usually port 587). Refused if the server cannot.</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    Tls,
}

/// <summary>
/// How Storyweave sends email, from configuration section <c>Storyweave:Smtp</c> (environment variables
/// <c>Storyweave__Smtp__Host</c> and so on; see docs/operations.md). Read afresh on every use, so a test or an
/// operator's change of configuration applies without a restart where the configuration source reloads.
/// </summary>
public sealed record EmailSettings
{
    public string? Host { get; init; }
    public int Port { get; init; } = 587;
    public SmtpSecurity Security { get; init; } = SmtpSecurity.StartTls;
    public string? User { get; init; }
    public string? Password { get; init; }
    public string? FromAddress { get; init; }
    public string FromName { get; init; } = "Storyweave";

    /// <summary>
    /// The address people use to reach this Storyweave, e.g. https://stories.example.org (<c>Storyweave:Smtp:SiteUrl</c>).
    /// Links in emails are built from it, never from the request's Host header, which anyone can set: a "forgot your
    /// password" request with a forged Host would otherwise mail a real person a reset link to someone else's site.
    /// </summary>
    public string? SiteUrl { get; init; }

    /// <summary>The wait before the first retry of a failed send; it doubles each time up to an hour (<c>RetrySeconds</c>).</summary>
    public int RetrySeconds { get; init; } = 30;

    public const string Section = "Storyweave:Smtp";

    public static EmailSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<EmailSettings>() ?? new EmailSettings();

    /// <summary>Email is set up when there is a server, a sender and the site's own address for links.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host) && !string.IsNullOrWhiteSpace(FromAddress) && SiteUri is not null;

    /// <summary>What is missing, in plain words, for the settings page; empty when <see cref="IsConfigured"/>.</summary>
    public IReadOnlyList<string> Missing()
    {
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(Host)) missing.Add("the mail server (Storyweave:Smtp:Host)");
        if (string.IsNullOrWhiteSpace(FromAddress)) missing.Add("the address emails come from (Storyweave:Smtp:FromAddress)");
        if (SiteUri is null) missing.Add("this site's address for links, like https://stories.example.org (Storyweave:Smtp:SiteUrl)");
        return missing;
    }

    public Uri? SiteUri =>
        Uri.TryCreate(SiteUrl?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    /// <summary>An absolute link to <paramref name="pathAndQuery"/> on this site (the site address may have a path, e.g. /storyweave).</summary>
    public string Link(string pathAndQuery) =>
        SiteUri!.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + pathAndQuery.TrimStart('/');
}
