using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Tests.Security;

public sealed partial class SecurityHeadersTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private List<RouteEndpoint> Endpoints =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    private static bool IsPage(RouteEndpoint e) => e.Metadata.GetMetadata<PageActionDescriptor>() is not null;

    private static string Fill(RouteEndpoint endpoint, int projectId, int storyId, int storytellerId)
    {
        var raw = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
        return RouteParameter().Replace(raw, m => m.Groups[1].Value switch
        {
            "projectId" => projectId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "storyId" => storyId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "storytellerId" => storytellerId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "documentName" => "v1",
            "slug" => "no-such-project",
            "token" => "wj_no-such-link",
            "userId" => "no-such-user",
            _ => "999999",
        });
    }

    [GeneratedRegex(@"\{([A-Za-z]+)(?::[^}]*)?\??\}")]
    private static partial Regex RouteParameter();

    private static List<string> Problems(HttpResponseMessage response)
    {
        var problems = new List<string>();
        string? One(string name) => response.Headers.TryGetValues(name, out var v) || response.Content.Headers.TryGetValues(name, out v) ? string.Join(",", v) : null;
        var csp = One("Content-Security-Policy");
        if (csp != SecurityHeadersMiddleware.ContentSecurityPolicy) problems.Add($"Content-Security-Policy is '{csp}'");
        if (csp is not null && (csp.Contains("unsafe-inline", StringComparison.Ordinal) || csp.Contains("unsafe-eval", StringComparison.Ordinal))) problems.Add("CSP allows unsafe script");
        if (csp is not null && !csp.Contains("frame-ancestors 'none'", StringComparison.Ordinal)) problems.Add("CSP lacks frame-ancestors 'none'");
        if (One("X-Content-Type-Options") != "nosniff") problems.Add("X-Content-Type-Options is not nosniff");
        if (One("Referrer-Policy") != "no-referrer") problems.Add("Referrer-Policy is not no-referrer");
        if (One("Permissions-Policy") is not { } pp || !pp.Contains("camera=()", StringComparison.Ordinal)) problems.Add("Permissions-Policy missing");
        if (One("X-Frame-Options") != "DENY") problems.Add("X-Frame-Options is not DENY");
        // Plain HTTP: HSTS would be meaningless (and is ignored by browsers), so it must not be sent.
        if (One("Strict-Transport-Security") is not null) problems.Add("HSTS sent over plain HTTP");
        return problems;
    }

    [Fact]
    public async Task Every_page_and_every_API_read_carries_the_security_headers_whatever_its_status()
    {
        var lead = await App.CreateUserAsync(name: "Header Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var storytellerId = await App.CreateStorytellerAsync(projectId, lead);
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [storytellerId], ("Sam", "Hello there."));
        var page = await App.SignInAsync(lead);
        var admin = await App.SignInAsync(App.Admin!);
        var api = await App.ApiClientAsync(lead);
        var anonymous = App.AnonymousClient();

        var failures = new List<string>();
        var checkedPages = 0;
        var checkedApi = 0;
        foreach (var endpoint in Endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            if (!methods.Contains("GET")) continue;
            var url = Fill(endpoint, projectId, storyId, storytellerId);
            if (url.StartsWith("/hubs", StringComparison.Ordinal)) continue;
            var isApi = url.StartsWith("/api", StringComparison.Ordinal);
            var policies = AuthorizationAudit.PoliciesOf(endpoint);
            var client = isApi ? api : policies?.Contains(Policies.Admin) == true ? admin : page;
            foreach (var c in new[] { client, anonymous })
            {
                using var response = await c.GetAsync(url);
                if (IsPage(endpoint)) checkedPages++; else checkedApi++;
                foreach (var p in Problems(response)) failures.Add($"GET {url} ({(int)response.StatusCode}, {(c == anonymous ? "anonymous" : "signed in")}): {p}");
            }
        }
        // A static file, a missing page, an unsafe API call without its token, and the sign-in redirect.
        foreach (var (client, url) in new[] { (anonymous, "/css/site.css"), (page, "/no-such-page"), (anonymous, $"/projects/{projectId}") })
        {
            using var response = await client.GetAsync(url);
            foreach (var p in Problems(response)) failures.Add($"GET {url} ({(int)response.StatusCode}): {p}");
        }
        using (var post = await page.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", new StringContent("x")))
            foreach (var p in Problems(post)) failures.Add($"POST without token ({(int)post.StatusCode}): {p}");

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedPages > 40, $"Only {checkedPages} page requests were checked.");
        Assert.True(checkedApi > 40, $"Only {checkedApi} API requests were checked.");
    }

    [Fact]
    public async Task Pages_and_API_answers_are_not_cached_but_static_files_may_be()
    {
        var client = await App.SignInAsync(App.Admin!);
        using var pageResponse = await client.GetAsync("/projects");
        Assert.Contains("no-store", pageResponse.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        using var apiResponse = await (await App.ApiClientAsync(App.Admin!)).GetAsync("/api/projects");
        Assert.Contains("no-store", apiResponse.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        using var css = await client.GetAsync("/css/site.css");
        Assert.DoesNotContain("no-store", css.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);

        // Public story pages and files too: a shared proxy must never keep a copy of a story whose teller may withdraw.
        var projectId = await App.CreateProjectAsync(App.Admin!);
        var story = await App.CreatePublicStoryAsync(projectId, "Cached nowhere", [new("Nia Named")], "cached nowhere", published: true);
        var anonymous = App.AnonymousClient();
        foreach (var url in new[] { "/stories", $"/stories/{projectId}", $"/stories/{projectId}/{story.Id}", $"/stories/{projectId}/{story.Id}?q=cached" })
        {
            using var response = await anonymous.GetAsync(url);
            Assert.True(response.IsSuccessStatusCode, url);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }
    }

    [Fact]
    public async Task Session_and_antiforgery_cookies_are_HttpOnly_SameSite_Lax_and_Secure_only_over_HTTPS()
    {
        var user = await App.CreateUserAsync();
        var client = App.AnonymousClient();
        using var signInPage = await client.GetAsync("/account/sign-in");
        var antiforgery = SetCookies(signInPage).Single(c => c.StartsWith("storyweave.antiforgery=", StringComparison.Ordinal));
        AssertFlags(antiforgery);

        var html = await signInPage.Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
        using var signIn = await client.PostAsync("/account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = user.Email,
            ["Password"] = user.Password,
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var session = SetCookies(signIn).Single(c => c.StartsWith("storyweave.session=", StringComparison.Ordinal));
        AssertFlags(session);
        Assert.Contains("; samesite=lax", session.ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Contains("; samesite=strict", antiforgery.ToLowerInvariant(), StringComparison.Ordinal);

        // Secure follows the request: set over HTTPS, left off over plain HTTP (as here) so a local install works.
        var monitor = App.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>();
        foreach (var scheme in new[] { IdentityConstants.ApplicationScheme, Storyweave.Features.Workshops.WorkshopGuest.Scheme })
        {
            var cookie = monitor.Get(scheme).Cookie;
            Assert.True(cookie.HttpOnly, scheme);
            Assert.Equal(CookieSecurePolicy.SameAsRequest, cookie.SecurePolicy);
            Assert.Equal(SameSiteMode.Lax, cookie.SameSite);
        }
        var antiforgeryOptions = App.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>>().Value.Cookie;
        Assert.Equal(CookieSecurePolicy.SameAsRequest, antiforgeryOptions.SecurePolicy);
    }

    [Fact]
    public async Task A_workshop_guest_cookie_is_HttpOnly_and_SameSite_Lax()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId);
        var link = await TestApp.CreateJoinLinkAsync(api, projectId, workshopId, "Cookie Guest");
        using var join = await TestApp.PostFormAsync(App.AnonymousClient(), link.Path, new() { ["name"] = "Jo" });
        Assert.Equal(HttpStatusCode.Redirect, join.StatusCode);
        var guest = SetCookies(join).Single(c => c.StartsWith("storyweave.workshop=", StringComparison.Ordinal));
        AssertFlags(guest);
        Assert.Contains("; samesite=lax", guest.ToLowerInvariant(), StringComparison.Ordinal);
    }

    private static List<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];

    private static void AssertFlags(string setCookie)
    {
        var lower = setCookie.ToLowerInvariant();
        Assert.Contains("; httponly", lower, StringComparison.Ordinal);
        // Lax for the session (a link from an email must arrive signed in); the antiforgery cookie keeps its default, Strict.
        Assert.Matches("; samesite=(lax|strict)", lower);
        Assert.DoesNotContain("; secure", lower, StringComparison.Ordinal); // plain HTTP here; SameAsRequest adds it over HTTPS
    }

    [Fact]
    public async Task Every_form_that_posts_carries_the_antiforgery_token()
    {
        var lead = await App.CreateUserAsync(name: "Form Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var storytellerId = await App.CreateStorytellerAsync(projectId, lead);
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [storytellerId], ("Sam", "Hello there."));
        var page = await App.SignInAsync(lead);
        var admin = await App.SignInAsync(App.Admin!);
        var anonymous = App.AnonymousClient();

        var failures = new List<string>();
        var formsSeen = 0;
        foreach (var endpoint in Endpoints.Where(IsPage))
        {
            var url = Fill(endpoint, projectId, storyId, storytellerId);
            var policies = AuthorizationAudit.PoliciesOf(endpoint);
            var client = policies is null ? anonymous : policies.Contains(Policies.Admin) ? admin : page;
            using var response = await client.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.OK) continue;
            var html = await response.Content.ReadAsStringAsync();
            foreach (Match form in PostForm().Matches(html))
            {
                formsSeen++;
                if (!form.Value.Contains("name=\"__RequestVerificationToken\"", StringComparison.Ordinal))
                    failures.Add($"{url}: a form without the antiforgery token: {form.Value[..Math.Min(120, form.Value.Length)]}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(formsSeen > 15, $"Only {formsSeen} forms were seen: the scan is not reaching the pages.");
    }

    [GeneratedRegex("<form\\b[^>]*method=\"post\"[^>]*>.*?</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex PostForm();
}
