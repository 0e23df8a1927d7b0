using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Projects;

/// <summary>
/// Least privilege for storytellers' personal details (contact details, access needs, per-person facets such as
/// disability or ethnicity): project leads see them; a Community Reporter or analyst only once a lead names them on
/// the people page (logged), and not after their role changes. The page, the API and the facet editor agree.
/// </summary>
public sealed class PersonalDetailsAccessTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Reporters_and_analysts_see_no_personal_details_until_a_lead_names_them_and_lose_them_when_their_role_changes()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, "Pat Private", email: $"pat{tag}@example.org");
        await App.WithDbAsync(async db =>
        {
            (await db.Storytellers.SingleAsync(s => s.Id == tellerId)).AccessNeeds = $"Step-free access {tag}";
            db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = tellerId, Kind = FacetKind.Ethnicity, Value = $"Irish Traveller {tag}", AddedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        var reporter = await App.CreateUserAsync(name: "Ray Reporter");
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var analyst = await App.CreateUserAsync(name: "Ana Analyst");
        await App.AddMemberAsync(projectId, analyst, ProjectRole.Analyst);
        var detail = $"/projects/{projectId}/storytellers/{tellerId}";

        async Task AssertHiddenAsync(TestApp.TestUser who)
        {
            var page = WebUtility.HtmlDecode(await (await App.SignInAsync(who)).GetStringAsync(detail));
            Assert.Contains("Pat Private", page);
            foreach (var secret in new[] { $"pat{tag}@example.org", $"Step-free access {tag}", $"Irish Traveller {tag}" }) Assert.DoesNotContain(secret, page);
            Assert.Contains("are shown to the project's leads, and to members a lead has given access", page);
            var api = await App.ApiClientAsync(who);
            var dto = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/storytellers/{tellerId}"))!;
            Assert.Null(dto["contact"]);
            Assert.Empty(dto["facets"]!.AsArray());
            var facetsPage = await (await App.SignInAsync(who)).GetAsync($"{detail}/facets");
            Assert.Equal(HttpStatusCode.Redirect, facetsPage.StatusCode); // pages answer a refusal with the "not allowed" page
            Assert.StartsWith("/account/denied", facetsPage.Headers.Location!.OriginalString.Replace(App.BaseUrl, "", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.Forbidden, (await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/facets", new { kind = "Gender", value = "x" })).StatusCode);
        }

        async Task AssertShownAsync(TestApp.TestUser who)
        {
            var page = WebUtility.HtmlDecode(await (await App.SignInAsync(who)).GetStringAsync(detail));
            foreach (var secret in new[] { $"pat{tag}@example.org", $"Step-free access {tag}", $"Irish Traveller {tag}" }) Assert.Contains(secret, page);
            var dto = (await (await App.ApiClientAsync(who)).GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/storytellers/{tellerId}"))!;
            Assert.Equal($"pat{tag}@example.org", (string?)dto["contact"]!["email"]);
        }

        await AssertShownAsync(lead);
        await AssertHiddenAsync(reporter);
        await AssertHiddenAsync(analyst);

        // The lead names the reporter on the people page.
        var leadPages = await App.SignInAsync(lead);
        var members = $"/projects/{projectId}/members";
        var people = WebUtility.HtmlDecode(await leadPages.GetStringAsync(members));
        Assert.Contains("Give access <span class=\"visually-hidden\">for Ray Reporter</span>", people);
        Assert.Contains("Sees them (project lead)", people);
        var given = await TestApp.PostFormAsync(leadPages, members, new() { ["UserId"] = reporter.Id, ["Allow"] = "true" }, members + "?handler=PersonalDetails");
        Assert.Equal(HttpStatusCode.Redirect, given.StatusCode);
        Assert.Contains("Ray Reporter can now see storytellers' contact details, access needs and facets.", WebUtility.HtmlDecode(await leadPages.GetStringAsync(members)));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == projectId && e.Action == "member.personal-details-granted" && e.ObjectId == reporter.Id)));
        await AssertShownAsync(reporter);
        await AssertHiddenAsync(analyst);

        // A reporter with access may also add facets; a viewer can never be named.
        var facet = await (await App.ApiClientAsync(reporter)).PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/facets", new { kind = "Gender", value = "Woman" });
        Assert.Equal(HttpStatusCode.Forbidden, facet.StatusCode); // facets are coding work: reporters do not code

        // A new role starts without the grant (logged).
        await App.AddMemberAsync(projectId, reporter, ProjectRole.Analyst);
        await AssertHiddenAsync(reporter);
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == projectId && e.Action == "member.personal-details-revoked" && e.ObjectId == reporter.Id)));

        // An analyst with access sees them and may add facets.
        Assert.Equal(HttpStatusCode.NoContent, (await (await App.ApiClientAsync(lead)).PutAsJsonAsync($"/api/projects/{projectId}/members/{analyst.Id}/personal-details", new { allow = true })).StatusCode);
        await AssertShownAsync(analyst);
        Assert.Equal(HttpStatusCode.OK, (await (await App.SignInAsync(analyst)).GetAsync($"{detail}/facets")).StatusCode);
        var added = await (await App.ApiClientAsync(analyst)).PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/facets", new { kind = "Gender", value = "Woman" });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
    }
}
