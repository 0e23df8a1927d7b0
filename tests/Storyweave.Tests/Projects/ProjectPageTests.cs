using System.Net;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Projects;

/// <summary>The pages' forms, through HTTP with the real antiforgery tokens.</summary>
public sealed class ProjectPageTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Creating_a_project_through_the_form_makes_me_its_lead()
    {
        var user = await App.CreateUserAsync();
        var client = await App.SignInAsync(user);
        var response = await TestApp.PostFormAsync(client, "/projects/new", new()
        {
            ["Form.Name"] = "Stories from the bus stop",
            ["Form.ConversationStarter"] = "What is it like getting around here?",
            ["Form.StartDate"] = "2026-02-01",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        var overview = await client.GetStringAsync(location);
        Assert.Contains("Stories from the bus stop", overview, StringComparison.Ordinal);
        Assert.Contains("Project lead: you can do everything", overview, StringComparison.Ordinal);
        Assert.Contains("1 February 2026", overview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_new_project_form_explains_what_is_wrong()
    {
        var client = await App.SignInAsync(await App.CreateUserAsync());
        var response = await TestApp.PostFormAsync(client, "/projects/new", new() { ["Form.Name"] = "", ["Form.StartDate"] = "2026-02-01", ["Form.EndDate"] = "2026-01-01" });
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("There is a problem", html, StringComparison.Ordinal);
        Assert.Contains("Give the project a name.", html, StringComparison.Ordinal);
        Assert.Contains("The end date must be on or after the start date.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lead_adds_a_member_by_email_and_renames_and_archives_the_project()
    {
        var lead = await App.CreateUserAsync();
        var analyst = await App.CreateUserAsync(name: "Ana Analyst");
        var projectId = await App.CreateProjectAsync(lead);
        var client = await App.SignInAsync(lead);

        var add = await TestApp.PostFormAsync(client, $"/projects/{projectId}/members", new() { ["Email"] = analyst.Email, ["Role"] = "Analyst" }, $"/projects/{projectId}/members?handler=Add");
        Assert.Equal(HttpStatusCode.Redirect, add.StatusCode);
        Assert.Contains("Ana Analyst added: Analyst.", await client.GetStringAsync($"/projects/{projectId}/members"), StringComparison.Ordinal);
        Assert.Equal(ProjectRole.Analyst, await App.WithDbAsync(db => db.ProjectMembers.Where(m => m.ProjectId == projectId && m.UserId == analyst.Id).Select(m => m.Role).SingleAsync()));

        var save = await TestApp.PostFormAsync(client, $"/projects/{projectId}/settings", new() { ["Form.Name"] = "Renamed in the form" }, $"/projects/{projectId}/settings?handler=Save");
        Assert.Equal(HttpStatusCode.Redirect, save.StatusCode);
        Assert.Contains("Your changes have been saved.", await client.GetStringAsync($"/projects/{projectId}/settings"), StringComparison.Ordinal);

        await TestApp.PostFormAsync(client, $"/projects/{projectId}/settings", [], $"/projects/{projectId}/settings?handler=Archive");
        Assert.Contains("Archived.", await client.GetStringAsync($"/projects/{projectId}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_sees_the_project_but_not_its_people_or_settings_pages()
    {
        var lead = await App.CreateUserAsync();
        var viewer = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        var client = await App.SignInAsync(viewer);

        var overview = await client.GetStringAsync($"/projects/{projectId}");
        Assert.DoesNotContain($"/projects/{projectId}/settings", overview, StringComparison.Ordinal);
        var settings = await client.GetAsync($"/projects/{projectId}/settings");
        Assert.Equal(HttpStatusCode.Redirect, settings.StatusCode);
        Assert.StartsWith("/account/denied", settings.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_adds_a_person_and_gets_a_one_time_password_that_works()
    {
        var client = await App.SignInAsync(App.Admin!);
        var email = App.Unique("new") + "@example.org";
        var response = await TestApp.PostFormAsync(client, "/admin/users", new() { ["Name"] = "Newly Added", ["Email"] = email });
        var html = await response.Content.ReadAsStringAsync();
        var password = System.Text.RegularExpressions.Regex.Match(html, "id=\"new-password\">([^<]+)<").Groups[1].Value;
        Assert.Matches("^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$", password);
        await App.SignInAsync(new TestApp.TestUser("", email, "Newly Added", password));
    }

    [Fact]
    public async Task Unknown_pages_get_a_plain_404_page()
    {
        var response = await (await App.SignInAsync(App.Admin!)).GetAsync("/projects/999999");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
