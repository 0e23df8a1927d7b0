using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.PublicSite;

namespace Storyweave.Tests.PublicSite;

/// <summary>
/// The made-up sample project is for the team to look around in: nothing of it is on the public story
/// site (or in <c>storyweave publish</c>) until an administrator publishes it.
/// </summary>
public sealed class PublicSiteSampleTests(SampleAppFixture fixture) : IClassFixture<SampleAppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task A_fresh_install_shows_nothing_of_the_sample_in_public()
    {
        await using var fresh = await TestApp.StartAsync(seedSample: true, withAdmin: false);
        var client = fresh.AnonymousClient();
        var sampleId = await fresh.WithDbAsync(db => db.Projects.Where(p => p.IsSample).Select(p => p.Id).SingleAsync());
        var storyIds = await fresh.WithDbAsync(db => db.Stories.Where(s => s.ProjectId == sampleId).Select(s => s.Id).ToListAsync());
        Assert.NotEmpty(storyIds);

        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode); // before setup, to /setup
        var stories = await client.GetStringAsync("/stories");
        Assert.Contains("No stories have been published yet.", stories, StringComparison.Ordinal);
        Assert.DoesNotContain("Tomatoes and trust", stories, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/stories/{sampleId}")).StatusCode);
        foreach (var id in storyIds)
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/stories/{sampleId}/{id}")).StatusCode);

        var exported = await fresh.WithServiceAsync<StaticSiteExporter, StaticSiteExporter.Summary>(e =>
            e.ExportAsync(Path.Combine(fresh.DataDir, "site-out"), TextWriter.Null));
        Assert.Equal((0, 0, 0), (exported.Stories, exported.Playlists, exported.Reports));
    }

    [Fact]
    public async Task An_administrator_can_publish_a_sample_story_and_only_agreed_stories_show()
    {
        var admin = await App.ApiClientAsync(App.Admin!);
        var sampleId = await App.WithDbAsync(db => db.Projects.Where(p => p.IsSample).Select(p => p.Id).SingleAsync());
        var ids = await App.WithDbAsync(db => db.Stories.Where(s => s.ProjectId == sampleId).ToDictionaryAsync(s => s.Title, s => s.Id));

        foreach (var title in new[] { "Tomatoes and trust", "The compost rota" })
            (await admin.PostAsync($"/api/projects/{sampleId}/stories/{ids[title]}/publish", null)).EnsureSuccessStatusCode();

        var client = App.AnonymousClient();
        var list = await client.GetStringAsync("/stories");
        Assert.Contains(">Tomatoes and trust</a>", list, StringComparison.Ordinal);
        Assert.DoesNotContain("The compost rota", list, StringComparison.Ordinal); // Bram and Dev did not agree
        var page = await client.GetStringAsync($"/stories/{sampleId}/{ids["Tomatoes and trust"]}");
        Assert.Contains("There is no recording of this story to play. The transcript below is the whole story.", page, StringComparison.Ordinal);
        Assert.Contains("I said tomatoes, proper ones.", page, StringComparison.Ordinal);

        foreach (var title in new[] { "Tomatoes and trust", "The compost rota" })
            (await admin.PostAsync($"/api/projects/{sampleId}/stories/{ids[title]}/unpublish", null)).EnsureSuccessStatusCode();
        Assert.DoesNotContain("Tomatoes and trust", await client.GetStringAsync("/stories"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_still_get_their_start_page_at_the_home_page()
    {
        var member = await App.SignInAsync(await App.CreateUserAsync(name: "Member Person"));

        var html = await member.GetStringAsync("/");

        Assert.Contains("Welcome back, Member Person.", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/stories\">public story site</a>", html, StringComparison.Ordinal);
    }
}
