using System.Net;
using System.Net.Http.Json;

namespace Storyweave.Tests.Email;

/// <summary>An administrator may restrict who starts projects; the new-project page and the API both obey.</summary>
public sealed class ProjectStartersTests : IAsyncLifetime
{
    // An app of its own: the setting is instance-wide and would change other test classes' projects.
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static object NewProject(string name) => new { name, description = "d", conversationStarter = "Tell me." };

    [Fact]
    public async Task When_only_administrators_may_start_projects_others_are_refused_on_the_page_and_the_api()
    {
        var member = await _app.CreateUserAsync();
        var memberApi = await _app.ApiClientAsync(member);
        var memberPage = await _app.SignInAsync(member);
        Assert.Equal(HttpStatusCode.Created, (await memberApi.PostAsJsonAsync("/api/projects", NewProject("Before"))).StatusCode);

        var admin = await _app.SignInAsync(_app.Admin!);
        var saved = await TestApp.PostFormAsync(admin, "/admin/users", new() { ["Who"] = "admins" }, "/admin/users?handler=ProjectStarters");
        Assert.Contains("Only administrators can start new projects now.", await saved.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var refused = await memberApi.PostAsJsonAsync("/api/projects", NewProject("After"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Only administrators can start new projects", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var page = await memberPage.GetStringAsync("/projects/new");
        Assert.Contains("Only administrators can start new projects", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Create project", page, StringComparison.Ordinal);
        // The page's own form is gone, but a post made anyway (with the layout's antiforgery token) is refused too.
        var posted = await TestApp.PostFormAsync(memberPage, "/projects/new", new() { ["Form.Name"] = "Sneaky", ["Form.ConversationStarter"] = "Tell me." });
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        Assert.False(await _app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Projects, p => p.Name == "Sneaky" || p.Name == "After")));

        var adminApi = await _app.ApiClientAsync(_app.Admin!);
        Assert.Equal(HttpStatusCode.Created, (await adminApi.PostAsJsonAsync("/api/projects", NewProject("By an admin"))).StatusCode);

        await TestApp.PostFormAsync(admin, "/admin/users", new() { ["Who"] = "everyone" }, "/admin/users?handler=ProjectStarters");
        Assert.Equal(HttpStatusCode.Created, (await memberApi.PostAsJsonAsync("/api/projects", NewProject("Again"))).StatusCode);
    }
}
