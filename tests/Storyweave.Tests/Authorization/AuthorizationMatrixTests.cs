using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Tests.Authorization;

public sealed partial class AuthorizationMatrixTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private List<RouteEndpoint> Endpoints =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    [Fact]
    public void Every_endpoint_names_an_authorization_rule()
    {
        var findings = AuthorizationAudit.Check(Endpoints);
        Assert.True(findings.Count == 0, string.Join("\n", findings.Select(f => $"{f.Endpoint} {f.Problem}")));
        Assert.True(Endpoints.Count > 20, "The audit saw too few endpoints to be meaningful.");
    }

    [Fact]
    public void Only_the_known_public_pages_are_anonymous()
    {
        var anonymous = Endpoints.Where(e => AuthorizationAudit.PoliciesOf(e) is null)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).Distinct().Order(StringComparer.Ordinal).ToList();
        string[] expected =
        [
            "/", "/account/choose-password", // an invitation or reset link: the link's token is the credential
            "/account/denied", "/account/forgot-password", "/account/sign-in", "/error", "/healthz",
            "/join/{slug}", // the public sign-up page of a published call-out
            // A storyteller's personal link (secret address + short code typed on the page; unknown
            // addresses answer 404) and the page shown after they leave their own page.
            "/me/left", "/me/{token}",
            "/openapi/{documentName}.json", "/setup",
            // The public story site: only what a lead published and every storyteller agreed to, read
            // fresh on each request; anything else (guessed ids included) answers 404.
            "/stories/", "/stories/{projectId:int}",
            "/stories/{projectId:int}/playlists/{playlistId:int}",
            "/stories/{projectId:int}/playlists/{playlistId:int}/clips/{clipId:int}",
            "/stories/{projectId:int}/playlists/{playlistId:int}/clips/{clipId:int}/captions",
            "/stories/{projectId:int}/playlists/{playlistId:int}/clips/{clipId:int}/captions.srt", // the clip's .vtt as SRT, to download
            "/stories/{projectId:int}/reports/{fileId:int}",
            "/stories/{projectId:int}/{storyId:int}",
            "/stories/{projectId:int}/{storyId:int}/captions", // the story player's captions, from the public transcript
            "/stories/{projectId:int}/{storyId:int}/captions.srt", // the same cues as SRT, to download
            "/stories/{projectId:int}/{storyId:int}/recording/{mediaId:int}",
            // A personal workshop join link for people without an account: the secret in the link is
            // the credential (only its hash is stored); unknown or revoked links answer 404.
            "/workshop/join/{token}",
        ];
        Assert.Equal(expected, anonymous);
    }

    [Fact]
    public void The_audit_catches_an_unprotected_endpoint_in_a_test_only_app()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.MapGet("/forgotten", () => "anyone can read this");
        app.MapGet("/bare-authorize", () => "no policy named").RequireAuthorization();
        app.MapGet("/protected", () => "ok").RequireAuthorization(Policies.ViewProject);
        app.MapGet("/public", () => "ok").AllowAnonymous();
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).ToList();

        var findings = AuthorizationAudit.Check(endpoints);

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Endpoint.EndsWith("/forgotten", StringComparison.Ordinal) && f.Problem.Contains("no authorization rule", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Endpoint.EndsWith("/bare-authorize", StringComparison.Ordinal) && f.Problem.Contains("without naming a policy", StringComparison.Ordinal));
    }

    /// <summary>
    /// Storyteller: a storyteller's own-page session, its cookie sent on every request (not only under /me, as a browser would).
    /// RevokedStoryteller: the same, for a storyteller who signed in with their code and whose link the lead then turned off;
    /// every request must be answered exactly as an anonymous one.
    /// </summary>
    private enum Actor { Anonymous, Outsider, Viewer, CommunityReporter, Analyst, Lead, Admin, Storyteller, RevokedStoryteller }

    private static bool Expected(Actor actor, IReadOnlyList<string>? policies)
    {
        if (policies is null) return true; // explicitly anonymous
        if (actor is Actor.Anonymous or Actor.RevokedStoryteller) return false;
        // A storyteller session passes the storyteller policy and nothing else; no account passes it.
        if (actor == Actor.Storyteller || policies.Contains(Storyweave.Features.StorytellerPortal.StorytellerSession.Policy))
            return actor == Actor.Storyteller && policies.All(p => p == Storyweave.Features.StorytellerPortal.StorytellerSession.Policy);
        foreach (var policy in policies)
        {
            var ok = policy switch
            {
                Policies.SignedIn => true,
                Policies.Admin => actor == Actor.Admin,
                _ when Policies.ProjectPolicies.TryGetValue(policy, out var permission) => AccessOf(actor).Allows(permission),
                _ => throw new InvalidOperationException($"The matrix does not know policy {policy}."),
            };
            if (!ok) return false;
        }
        return true;
    }

    private static ProjectAccess AccessOf(Actor actor) => actor switch
    {
        Actor.Admin => new ProjectAccess(null, true, false),
        Actor.Viewer => new ProjectAccess(ProjectRole.Viewer, false, false),
        Actor.CommunityReporter => new ProjectAccess(ProjectRole.CommunityReporter, false, false),
        Actor.Analyst => new ProjectAccess(ProjectRole.Analyst, false, false),
        Actor.Lead => new ProjectAccess(ProjectRole.Lead, false, false),
        _ => ProjectAccess.None,
    };

    private sealed class Team
    {
        public required Dictionary<Actor, TestApp.TestUser> Users { get; init; }
        public required TestApp.TestUser Lead { get; init; }
    }

    [Fact]
    public async Task Each_role_gets_exactly_the_access_its_policy_allows_on_every_endpoint()
    {
        var users = new Dictionary<Actor, TestApp.TestUser>();
        foreach (var actor in Enum.GetValues<Actor>().Where(a => a is not Actor.Anonymous and not Actor.Storyteller and not Actor.RevokedStoryteller))
            users[actor] = actor == Actor.Admin ? App.Admin! : await App.CreateUserAsync(name: actor.ToString());
        var pageClients = new Dictionary<Actor, HttpClient> { [Actor.Anonymous] = App.AnonymousClient() };
        var apiClients = new Dictionary<Actor, HttpClient> { [Actor.Anonymous] = App.AnonymousClient() };
        foreach (var (actor, user) in users)
        {
            pageClients[actor] = await App.SignInAsync(user);
            apiClients[actor] = await App.ApiClientAsync(user);
        }

        async Task<(int ProjectId, int StoryId, int StorytellerId)> NewProjectAsync()
        {
            var projectId = await App.CreateProjectAsync(users[Actor.Lead]);
            foreach (var (actor, role) in new[] { (Actor.Viewer, ProjectRole.Viewer), (Actor.CommunityReporter, ProjectRole.CommunityReporter), (Actor.Analyst, ProjectRole.Analyst) })
                await App.AddMemberAsync(projectId, users[actor], role);
            var (storyId, storytellerId) = await App.WithDbAsync(async db =>
            {
                var teller = new Storyweave.Features.Storytellers.Storyteller { ProjectId = projectId, Name = "Matrix Teller", CreatedAt = DateTime.UtcNow };
                var story = new Storyweave.Features.Stories.Story { ProjectId = projectId, Title = "Matrix story", CreatedAt = DateTime.UtcNow };
                db.Storytellers.Add(teller);
                db.Stories.Add(story);
                await db.SaveChangesAsync();
                return (story.Id, teller.Id);
            });
            return (projectId, storyId, storytellerId);
        }

        var shared = await NewProjectAsync();
        var link = await TestApp.CreateStorytellerLinkAsync(pageClients[Actor.Lead], shared.ProjectId, shared.StorytellerId);
        var (_, storytellerCookie) = await App.OpenStorytellerSessionAsync(link);
        pageClients[Actor.Storyteller] = App.ClientWithStorytellerCookie(storytellerCookie);
        apiClients[Actor.Storyteller] = App.ClientWithStorytellerCookie(storytellerCookie);
        var revoked = await RevokedStorytellerAsync(pageClients[Actor.Lead], shared.ProjectId);
        pageClients[Actor.RevokedStoryteller] = apiClients[Actor.RevokedStoryteller] = revoked.Client;
        var failures = new List<string>();
        var checkedCount = 0;
        var anonymousAnswers = new Dictionary<string, string>();
        foreach (var endpoint in Endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            var isApi = endpoint.RoutePattern.RawText!.TrimStart('/').StartsWith("api", StringComparison.Ordinal);
            var policies = AuthorizationAudit.PoliciesOf(endpoint);
            foreach (var method in methods.Where(m => m != "HEAD" && m != "OPTIONS"))
            {
                var unsafeMethod = method != "GET";
                foreach (var actor in Enum.GetValues<Actor>())
                {
                    // Requests that may change state get a project of their own, so one cannot affect the next.
                    var (projectId, storyId, storytellerId) = unsafeMethod && endpoint.RoutePattern.Parameters.Any(p => p.Name == "projectId") ? await NewProjectAsync() : shared;
                    var url = Fill(endpoint, projectId, storyId, storytellerId);
                    using var request = new HttpRequestMessage(new HttpMethod(method), url);
                    if (unsafeMethod) request.Content = new StringContent("{", Encoding.UTF8, "application/json"); // malformed on purpose
                    var response = await (isApi ? apiClients : pageClients)[actor].SendAsync(request);
                    var denied = IsDenied(response);
                    var expected = Expected(actor, policies);
                    checkedCount++;
                    var key = $"{method} {endpoint.RoutePattern.RawText}";
                    if (actor == Actor.Anonymous) anonymousAnswers[key] = Answer(response);
                    if ((int)response.StatusCode >= 500 && !url.StartsWith("/error", StringComparison.Ordinal))
                        failures.Add($"{method} {url} as {actor}: server error {(int)response.StatusCode}");
                    else if (denied == expected)
                        failures.Add($"{method} {url} as {actor}: expected {(expected ? "allowed" : "denied")}, got {(int)response.StatusCode} {response.Headers.Location}");
                    else if (actor == Actor.RevokedStoryteller)
                        failures.AddRange(await RevokedProblemsAsync(response, $"{method} {url}", anonymousAnswers[key], revoked.Name));
                }
            }
        }
        // Every form handler of every page (corrections, consent, withdrawing, sign-out…), not only the page's plain POST.
        foreach (var (url, handler) in await PageHandlersAsync(shared.ProjectId, shared.StoryId, shared.StorytellerId))
        {
            var target = $"{url}?handler={handler}";
            var answers = new Dictionary<Actor, HttpResponseMessage>();
            foreach (var actor in new[] { Actor.Anonymous, Actor.RevokedStoryteller })
                answers[actor] = await pageClients[actor].PostAsync(target, new FormUrlEncodedContent(new Dictionary<string, string> { ["text"] = "x", ["sure"] = "true" }));
            checkedCount += 2;
            if ((int)answers[Actor.Anonymous].StatusCode >= 500) failures.Add($"POST {target} as Anonymous: server error {(int)answers[Actor.Anonymous].StatusCode}");
            failures.AddRange(await RevokedProblemsAsync(answers[Actor.RevokedStoryteller], $"POST {target}", Answer(answers[Actor.Anonymous]), revoked.Name));
        }

        // Their own link address: turned off, with a kind message, never their page.
        var own = await revoked.Client.GetAsync(revoked.Link.Path);
        Assert.Equal(HttpStatusCode.Gone, own.StatusCode);
        Assert.DoesNotContain(revoked.Name, await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Nothing they could have sent was taken: no correction request, no consent change, no withdrawal.
        var (requests, consents, withdrawn) = await App.WithDbAsync(async db => (
            await db.CorrectionRequests.CountAsync(r => r.StorytellerId == revoked.StorytellerId),
            await db.ConsentRecords.CountAsync(c => c.StorytellerId == revoked.StorytellerId),
            await db.Storytellers.Where(t => t.Id == revoked.StorytellerId).Select(t => t.WithdrawnAt).SingleAsync()));
        Assert.Equal((0, 0, (DateTime?)null), (requests, consents, withdrawn));

        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCount} checks failed:\n" + string.Join("\n", failures));
        Assert.True(checkedCount > 100);
    }

    private sealed record Revoked(HttpClient Client, TestApp.StorytellerLinkDto Link, int StorytellerId, string Name);

    /// <summary>A storyteller opens their page with their code; then the lead turns their link off on the link page.</summary>
    private async Task<Revoked> RevokedStorytellerAsync(HttpClient lead, int projectId)
    {
        var name = App.Unique("Revoked Teller ");
        var storytellerId = await App.WithDbAsync(async db =>
        {
            var teller = new Storyweave.Features.Storytellers.Storyteller { ProjectId = projectId, Name = name, CreatedAt = DateTime.UtcNow };
            db.Storytellers.Add(teller);
            await db.SaveChangesAsync();
            return teller.Id;
        });
        var link = await TestApp.CreateStorytellerLinkAsync(lead, projectId, storytellerId);
        var (session, cookie) = await App.OpenStorytellerSessionAsync(link);
        Assert.Contains(name, await session.GetStringAsync("/me"), StringComparison.Ordinal); // the session worked
        var linkId = await App.WithDbAsync(db => db.StorytellerLinks.Where(l => l.StorytellerId == storytellerId).Select(l => l.Id).SingleAsync());
        var page = $"/projects/{projectId}/storytellers/{storytellerId}/link";
        var revoked = await TestApp.PostFormAsync(lead, page, new() { ["linkId"] = linkId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, page + "?handler=Revoke");
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        return new Revoked(App.ClientWithStorytellerCookie(cookie), link, storytellerId, name);
    }

    /// <summary>
    /// What a request was answered with, as far as it must match an anonymous one: the status and the page it redirects to
    /// (without the return address, which names the request's own project).
    /// </summary>
    private static string Answer(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {response.Headers.Location switch { null => "", { IsAbsoluteUri: true } l => l.AbsolutePath, var l => l.OriginalString.Split('?')[0] }}";

    private static async Task<List<string>> RevokedProblemsAsync(HttpResponseMessage response, string request, string anonymous, string name)
    {
        var problems = new List<string>();
        if (Answer(response) != anonymous)
            problems.Add($"{request} as RevokedStoryteller: answered {Answer(response)}, anonymous gets {anonymous}");
        if ((await response.Content.ReadAsStringAsync()).Contains(name, StringComparison.Ordinal))
            problems.Add($"{request} as RevokedStoryteller: the answer shows the storyteller's name");
        return problems;
    }

    /// <summary>Every page's named POST handlers (from the compiled page models), with the page's address filled in.</summary>
    private async Task<List<(string Url, string Handler)>> PageHandlersAsync(int projectId, int storyId, int storytellerId)
    {
        var loader = App.Services.GetRequiredService<Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure.PageLoader>();
        var handlers = new List<(string, string)>();
        foreach (var endpoint in Endpoints)
        {
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is not { } page) continue;
            var compiled = await loader.LoadAsync(page, endpoint.Metadata);
            foreach (var handler in compiled.HandlerMethods.Where(h => h.HttpMethod == "Post" && !string.IsNullOrEmpty(h.Name)).Select(h => h.Name).Distinct())
                handlers.Add((Fill(endpoint, projectId, storyId, storytellerId), handler!));
        }
        Assert.Contains(handlers, h => h.Item1 == "/me" && h.Item2 == "Correction");
        return handlers;
    }

    private static bool IsDenied(HttpResponseMessage response)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) return true;
        if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location is { } location)
        {
            var path = location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString;
            return path.StartsWith("/account/sign-in", StringComparison.Ordinal) || path.StartsWith("/account/denied", StringComparison.Ordinal);
        }
        return false;
    }

    private static string Fill(RouteEndpoint endpoint, int projectId, int storyId, int storytellerId)
    {
        var raw = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
        return RouteParameter().Replace(raw, m => m.Groups[1].Value switch
        {
            "projectId" => projectId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "storyId" => storyId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "userId" => "no-such-user",
            "tokenId" => "999999",
            "mediaId" => "999999",
            "documentName" => "v1",
            "storytellerId" => storytellerId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "facetId" => "999999",
            // The public sign-up page: an unknown project answers 404 to everyone (allowed, not denied).
            "slug" => "no-such-project",
            // A workshop join link: an unknown secret answers 404 to everyone.
            "token" => "wj_no-such-link",
            // A codebook template that does not exist answers 404 after authorization.
            "templateKey" => "no-such-template",
            // A held team note (kind and id): none is held, so 404 after authorization.
            "kind" => "memo",
            "id" => "999999",
            // A project-file import job (GET /api/projects/{projectId}/imports/{jobId}): none by that id, so 404 after authorization.
            "jobId" => "999999",
            // Other ids: a missing object answers 404 after authorization has passed, which the matrix counts as allowed.
            var id when id.EndsWith("Id", StringComparison.Ordinal) => "999999",
            var other => throw new InvalidOperationException($"Add a sample value for route parameter '{other}' to the authorization matrix test ({raw})."),
        });
    }

    [GeneratedRegex(@"\{([A-Za-z]+)(?::[^}]*)?\}")]
    private static partial Regex RouteParameter();
}
