using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Sample;

namespace Storyweave.Tests.Sample;

public sealed class SampleProjectTests(SampleAppFixture fixture) : IClassFixture<SampleAppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task An_admin_sees_the_made_up_sample_project_with_storytellers_and_stories()
    {
        var api = await App.ApiClientAsync(App.Admin!);
        var projects = (await api.GetFromJsonAsync<JsonArray>("/api/projects"))!;
        var sample = Assert.Single(projects, p => (bool)p!["isSample"]!)!;
        Assert.Contains("made-up", (string?)sample["name"], StringComparison.Ordinal);
        var id = (int)sample["id"]!;

        var storytellers = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/storytellers"))!;
        Assert.True(storytellers.Count >= 3);
        var stories = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{id}/stories"))!;
        Assert.True(stories.Count >= 3);
        Assert.Contains(stories, s => ((JsonArray)s!["storytellerIds"]!).Count == 2); // one group story

        var story = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{id}/stories/{(int)stories[0]!["id"]!}"))!;
        Assert.NotEmpty((JsonArray)story["cues"]!);

        var page = await (await App.SignInAsync(App.Admin!)).GetStringAsync($"/projects/{id}");
        Assert.Contains("made-up sample project", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_is_seeded_once_even_if_it_is_archived_later()
    {
        var again = await App.WithServiceAsync<SampleProject, bool>(s => s.SeedIfFirstRunAsync());
        Assert.False(again);
        Assert.Equal(1, await App.WithDbAsync(db => db.Projects.CountAsync(p => p.IsSample)));
    }

    [Fact]
    public async Task No_sample_is_created_when_asked_not_to()
    {
        await using var bare = await TestApp.StartAsync(seedSample: false);
        Assert.Equal(0, await bare.WithDbAsync(db => db.Projects.CountAsync()));
    }
}
