using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Projects;

public sealed class ProjectApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static async Task<JsonArray> ProjectsAsync(HttpClient client, string query = "")
    {
        var response = await client.GetAsync("/api/projects" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonArray>())!;
    }

    [Fact]
    public async Task A_token_user_creates_renames_archives_and_unarchives_a_project()
    {
        var user = await App.CreateUserAsync();
        var api = await App.ApiClientAsync(user);

        var created = await api.PostAsJsonAsync("/api/projects", new { name = "Kitchen table stories", conversationStarter = "What brought you here?", startDate = "2026-01-10", endDate = "2026-06-30" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var project = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (int)project["id"]!;
        Assert.Equal("kitchen-table-stories", (string?)project["slug"]);
        Assert.Equal("Lead", (string?)project["myRole"]);

        var renamed = await api.PutAsJsonAsync($"/api/projects/{id}", new { name = "Kitchen table stories 2026", conversationStarter = "What brought you here?" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Kitchen table stories 2026", (string?)(await renamed.Content.ReadFromJsonAsync<JsonObject>())!["name"]);

        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync($"/api/projects/{id}/archive", null)).StatusCode);
        Assert.DoesNotContain(await ProjectsAsync(api), p => (int)p!["id"]! == id);
        Assert.Contains(await ProjectsAsync(api, "?includeArchived=true"), p => (int)p!["id"]! == id && (bool)p["archived"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync($"/api/projects/{id}/unarchive", null)).StatusCode);
        Assert.Contains(await ProjectsAsync(api), p => (int)p!["id"]! == id);

        var actions = await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == id).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal(["project.created", "member.added", "project.renamed", "project.archived", "project.unarchived"], actions);
    }

    [Fact]
    public async Task Invalid_project_details_get_specific_messages()
    {
        var api = await App.ApiClientAsync(await App.CreateUserAsync());
        var response = await api.PostAsJsonAsync("/api/projects", new { name = "  ", startDate = "2026-05-01", endDate = "2026-04-01" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Give the project a name.", body, StringComparison.Ordinal);
        Assert.Contains("The end date must be on or after the start date.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Projects_list_shows_only_my_projects_but_an_admin_sees_all()
    {
        var alice = await App.CreateUserAsync();
        var bob = await App.CreateUserAsync();
        var alicesProject = await App.CreateProjectAsync(alice);
        var bobsProject = await App.CreateProjectAsync(bob);

        var aliceSees = (await ProjectsAsync(await App.ApiClientAsync(alice))).Select(p => (int)p!["id"]!).ToList();
        Assert.Contains(alicesProject, aliceSees);
        Assert.DoesNotContain(bobsProject, aliceSees);

        var adminSees = (await ProjectsAsync(await App.ApiClientAsync(App.Admin!))).Select(p => (int)p!["id"]!).ToList();
        Assert.Contains(alicesProject, adminSees);
        Assert.Contains(bobsProject, adminSees);

        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.ApiClientAsync(alice)).GetAsync($"/api/projects/{bobsProject}")).StatusCode);
    }

    [Fact]
    public async Task A_lead_adds_a_member_changes_their_role_and_removal_takes_effect_on_the_next_request()
    {
        var lead = await App.CreateUserAsync();
        var member = await App.CreateUserAsync(name: "Mo Member");
        var projectId = await App.CreateProjectAsync(lead);
        var leadApi = await App.ApiClientAsync(lead);
        var memberApi = await App.ApiClientAsync(member);

        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.GetAsync($"/api/projects/{projectId}")).StatusCode);

        var added = await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = member.Email, role = "Viewer" });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await memberApi.GetAsync($"/api/projects/{projectId}")).StatusCode);
        // A viewer cannot change the project.
        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.PutAsJsonAsync($"/api/projects/{projectId}", new { name = "Mine now" })).StatusCode);

        await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = member.Email, role = "Lead" });
        Assert.Equal(HttpStatusCode.OK, (await memberApi.PutAsJsonAsync($"/api/projects/{projectId}", new { name = "Shared project" })).StatusCode);

        var members = (await leadApi.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/members"))!;
        Assert.Equal(2, members.Count);

        Assert.Equal(HttpStatusCode.NoContent, (await leadApi.DeleteAsync($"/api/projects/{projectId}/members/{member.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.GetAsync($"/api/projects/{projectId}")).StatusCode);

        var detail = await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == projectId && e.Action == "member.role-changed").Select(e => e.Detail).SingleAsync());
        Assert.Equal("Lead", detail);
    }

    [Fact]
    public async Task The_last_lead_cannot_be_removed_or_demoted()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var removed = await api.DeleteAsync($"/api/projects/{projectId}/members/{lead.Id}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, removed.StatusCode);
        Assert.Contains("at least one project lead", await removed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var demoted = await api.PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = lead.Email, role = "Viewer" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, demoted.StatusCode);
    }

    [Fact]
    public async Task Adding_an_unknown_email_says_an_account_is_needed()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var response = await (await App.ApiClientAsync(lead)).PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = "stranger@example.org", role = "Analyst" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("No account uses that email address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archived_project_is_read_only_except_for_unarchiving()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.WithServiceAsync<ProjectService, bool>(async s => { await s.SetArchivedAsync(projectId, true, lead.Id); return true; });
        var access = await App.WithDbAsync(async db =>
        {
            var project = await db.Projects.SingleAsync(p => p.Id == projectId);
            return new ProjectAccess(ProjectRole.Lead, false, project.IsArchived);
        });
        Assert.True(access.CanView);
        Assert.True(access.CanManageProject);
        Assert.False(access.CanGatherStories);
        Assert.False(access.CanCode);
        Assert.False(access.CanPublish);
    }

    [Fact]
    public async Task A_revoked_token_stops_working_at_once()
    {
        var user = await App.CreateUserAsync();
        var api = await App.ApiClientAsync(user);
        var created = await api.PostAsJsonAsync("/api/tokens", new { name = "second" });
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var second = App.ApiClient((string)body["secret"]!);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/me")).StatusCode);

        var tokens = await api.GetFromJsonAsync<JsonArray>("/api/tokens");
        Assert.Equal(2, tokens!.Count);
        Assert.DoesNotContain("secret", tokens.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/tokens/{(int)body["token"]!["id"]!}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/me")).StatusCode);

        // Only a hash is stored.
        var secret = (string)body["secret"]!;
        var stored = await App.WithDbAsync(db => db.ApiTokens.Select(t => t.SecretHash).ToListAsync());
        Assert.DoesNotContain(secret, stored);
    }

    [Fact]
    public async Task The_api_changes_a_password_and_explains_a_wrong_current_one()
    {
        var user = await App.CreateUserAsync();
        var api = await App.ApiClientAsync(user);
        var wrong = await api.PostAsJsonAsync("/api/me/password", new { currentPassword = "not it at all", newPassword = "a fresh new passphrase" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Contains("The current password is not right.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var ok = await api.PostAsJsonAsync("/api/me/password", new { currentPassword = user.Password, newPassword = "a fresh new passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        await App.SignInAsync(user with { Password = "a fresh new passphrase" });
    }

    [Fact]
    public async Task An_admin_adds_an_account_through_the_api_and_a_member_may_not()
    {
        var adminApi = await App.ApiClientAsync(App.Admin!);
        var email = App.Unique("apiuser") + "@example.org";
        var created = await adminApi.PostAsJsonAsync("/api/users", new { email, displayName = "Api Added" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        await App.SignInAsync(new TestApp.TestUser("", email, "Api Added", (string)body["generatedPassword"]!));
        var duplicate = await adminApi.PostAsJsonAsync("/api/users", new { email, displayName = "Again" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, duplicate.StatusCode);

        var memberApi = await App.ApiClientAsync(await App.CreateUserAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.PostAsJsonAsync("/api/users", new { email = "x@example.org", displayName = "X" })).StatusCode);
    }

    [Fact]
    public async Task Unknown_tokens_and_missing_credentials_get_401_json_not_a_login_page()
    {
        var bogus = App.ApiClient("sw_not-a-real-token");
        var response = await bogus.GetAsync("/api/projects");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var anonymous = await App.AnonymousClient().GetAsync("/api/projects");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.NotEqual("text/html", anonymous.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_cookie_session_calling_the_api_needs_the_antiforgery_header_for_changes()
    {
        var user = await App.CreateUserAsync();
        var browser = await App.SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/projects")).StatusCode);
        var forged = await browser.PostAsJsonAsync("/api/projects", new { name = "Forged" });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("form-safety token", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_after_n_returns_only_newer_events_with_ids_not_text()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead, "Secret Project Name 123");
        var api = await App.ApiClientAsync(lead);
        var all = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/events"))!;
        Assert.Equal(2, all.Count);
        var firstId = (long)all[0]!["id"]!;
        var after = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/events?after={firstId}"))!;
        Assert.Single(after);
        Assert.DoesNotContain("Secret Project Name", all.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_openapi_are_served()
    {
        var client = App.AnonymousClient();
        var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", await health.Content.ReadAsStringAsync());

        using var doc = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/projects", out _));
        Assert.True(paths.TryGetProperty("/api/projects/{projectId}/members", out _));
        Assert.Equal("bearer", doc.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
    }
}
