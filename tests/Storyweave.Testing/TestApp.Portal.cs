using System.Net;
using System.Text.RegularExpressions;

namespace Storyweave.Testing;

/// <summary>Intents for a storyteller's own page: personal links made on the real page, and storyteller sessions.</summary>
public sealed partial class TestApp
{
    /// <summary>What the link page shows once: the address path (/me/…) and the six-digit code.</summary>
    public sealed record StorytellerLinkDto(string Path, string Token, string Code, string Html);

    /// <summary>Makes a personal link as a reporter or lead does, on the storyteller's link page, and reads the handout.</summary>
    public static async Task<StorytellerLinkDto> CreateStorytellerLinkAsync(HttpClient member, int projectId, int storytellerId, int? days = null)
    {
        var page = $"/projects/{projectId}/storytellers/{storytellerId}/link";
        var response = await PostFormAsync(member, page, days is null ? [] : new() { ["days"] = days.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            page + "?handler=Create");
        var html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"Making the link failed: {(int)response.StatusCode}");
        var address = HandoutAddress().Match(html);
        var code = HandoutCode().Match(html);
        if (!address.Success || !code.Success) throw new InvalidOperationException("The link page shows no handout.");
        var path = new Uri(WebUtility.HtmlDecode(address.Groups[1].Value)).AbsolutePath;
        return new StorytellerLinkDto(path, path["/me/".Length..], code.Groups[1].Value, html);
    }

    /// <summary>Opens a personal link and types the code, as a storyteller does; returns the signed-in client.</summary>
    public async Task<HttpClient> OpenStorytellerPageAsync(StorytellerLinkDto link) => (await OpenStorytellerSessionAsync(link)).Client;

    /// <summary>As <see cref="OpenStorytellerPageAsync"/>, also returning the session cookie's value (to send it where a browser would not).</summary>
    public async Task<(HttpClient Client, string SessionCookie)> OpenStorytellerSessionAsync(StorytellerLinkDto link)
    {
        var jar = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = jar }) { BaseAddress = new Uri(BaseUrl) };
        var response = await PostFormAsync(client, link.Path, new() { ["code"] = link.Code });
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/me")
            throw new InvalidOperationException($"Opening the storyteller page failed: {(int)response.StatusCode}");
        var cookie = jar.GetCookies(new Uri(BaseUrl + "/me"))["storyweave.me"] ?? throw new InvalidOperationException("No storyteller session cookie was set.");
        return (client, cookie.Value);
    }

    /// <summary>A client that sends a storyteller session cookie on EVERY request (a browser sends it only under /me).</summary>
    public HttpClient ClientWithStorytellerCookie(string sessionCookie)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Add("Cookie", "storyweave.me=" + sessionCookie);
        return client;
    }

    [GeneratedRegex("class=\"secret handout-address\">([^<]+)<")]
    private static partial Regex HandoutAddress();

    [GeneratedRegex("class=\"secret handout-code\">(\\d{3} \\d{3})<")]
    private static partial Regex HandoutCode();
}
