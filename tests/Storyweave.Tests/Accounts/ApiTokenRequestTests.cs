using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Accounts;

/// <summary>
/// A token-authenticated request reads its token, its account and the caller's role in the route's project in one
/// statement (issue #17) and keeps nothing between requests: every change to any of them is obeyed on the very next
/// request, on SQLite and PostgreSQL.
/// </summary>
public sealed class ApiTokenRequestTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0, 4, "Reporter", "What brought you here?"),
        new(4, 9.5, "Dana", "A leaflet in the library."),
    ];

    [Fact]
    public async Task A_coder_whose_role_membership_project_or_account_changes_is_answered_accordingly_on_the_very_next_request()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Dana")], Cues);
        var theme = await App.CreateThemeAsync(projectId, "Belonging");
        var analyst = await App.CreateUserAsync();
        var leadApi = await App.ApiClientAsync(lead);
        Assert.Equal(HttpStatusCode.OK, (await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = analyst.Email, role = "Analyst" })).StatusCode);
        var api = await App.ApiClientAsync(analyst);
        var start = 23;
        Task<HttpResponseMessage> CodeAsync() =>
            api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/passages", new { startOffset = start, endOffset = ++start + 5, themeIds = new[] { theme } });

        Assert.Equal(HttpStatusCode.OK, (await CodeAsync()).StatusCode);
        // Another project's id in the route is answered for that project, not the one just used.
        var otherProject = await App.CreateProjectAsync(lead);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/projects/{otherProject}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CodeAsync()).StatusCode);

        // A role that may not code.
        await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = analyst.Email, role = "Viewer" });
        Assert.Equal(HttpStatusCode.Forbidden, (await CodeAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/projects/{projectId}/stories/{storyId}/passages")).StatusCode);
        await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = analyst.Email, role = "Analyst" });
        Assert.Equal(HttpStatusCode.OK, (await CodeAsync()).StatusCode);

        // Removed from the project.
        Assert.Equal(HttpStatusCode.NoContent, (await leadApi.DeleteAsync($"/api/projects/{projectId}/members/{analyst.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CodeAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/projects/{projectId}/stories/{storyId}/passages")).StatusCode);
        await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members", new { email = analyst.Email, role = "Analyst" });
        Assert.Equal(HttpStatusCode.OK, (await CodeAsync()).StatusCode);

        // An archived project is read-only.
        Assert.True((await leadApi.PostAsync($"/api/projects/{projectId}/archive", null)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CodeAsync()).StatusCode);
        Assert.True((await leadApi.PostAsync($"/api/projects/{projectId}/unarchive", null)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CodeAsync()).StatusCode);

        // A second token revoked: refused at once, the first still works.
        var created = (await (await api.PostAsJsonAsync("/api/tokens", new { name = "script" })).Content.ReadFromJsonAsync<JsonObject>())!;
        var second = App.ApiClient((string)created["secret"]!);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync($"/api/projects/{projectId}/stories/{storyId}/passages")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/tokens/{(int)created["token"]!["id"]!}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync($"/api/projects/{projectId}/stories/{storyId}/passages")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/passages", new { startOffset = 23, endOffset = 30, themeIds = new[] { theme } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CodeAsync()).StatusCode);

        // Use is recorded (at most once a minute) without the token being read twice.
        Assert.NotNull(await App.WithDbAsync(db => db.ApiTokens.Where(t => t.UserId == analyst.Id && t.RevokedAt == null).Select(t => t.LastUsedAt).SingleAsync()));

        // The account turned off by an administrator.
        var adminApi = await App.ApiClientAsync(App.Admin!);
        Assert.Equal(HttpStatusCode.OK, (await adminApi.PostAsync($"/api/users/{analyst.Id}/deactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CodeAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await adminApi.PostAsync($"/api/users/{analyst.Id}/reactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CodeAsync()).StatusCode);

        // Nothing was coded by a refused request: one passage per accepted one.
        Assert.Equal(7, await App.WithDbAsync(db => db.Passages.CountAsync(p => p.StoryId == storyId)));
    }

    [Fact]
    public async Task An_administrator_outside_the_project_may_code_and_is_told_a_missing_project_is_missing_while_a_stranger_is_refused()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Dana")], Cues);
        var theme = await App.CreateThemeAsync(projectId, "Belonging");
        var adminApi = await App.ApiClientAsync(App.Admin!);
        var strangerApi = await App.ApiClientAsync(await App.CreateUserAsync());
        var passages = $"/api/projects/{projectId}/stories/{storyId}/passages";

        Assert.Equal(HttpStatusCode.OK, (await adminApi.PostAsJsonAsync(passages, new { startOffset = 23, endOffset = 30, themeIds = new[] { theme } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminApi.GetAsync("/api/projects/987654")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await strangerApi.PostAsJsonAsync(passages, new { startOffset = 23, endOffset = 31, themeIds = new[] { theme } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await strangerApi.GetAsync($"/api/projects/{projectId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await strangerApi.GetAsync("/api/projects/987654")).StatusCode);
        Assert.Equal(1, await App.WithDbAsync(db => db.Passages.CountAsync(p => p.StoryId == storyId)));
    }
}
