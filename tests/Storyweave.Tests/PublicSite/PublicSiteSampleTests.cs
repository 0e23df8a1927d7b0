using System.Net;

namespace Storyweave.Tests.PublicSite;

/// <summary>A fresh install has a public story site to show: the sample project's agreed stories.</summary>
public sealed class PublicSiteSampleTests(SampleAppFixture fixture) : IClassFixture<SampleAppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task The_home_page_shows_anonymous_visitors_the_sample_stories_whose_storytellers_agreed()
    {
        var client = App.AnonymousClient();

        var home = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var html = await home.Content.ReadAsStringAsync();
        Assert.Contains("Stories told by the people who lived them", html, StringComparison.Ordinal);
        Assert.Contains(">Tomatoes and trust</a>", html, StringComparison.Ordinal);
        Assert.Contains(">Bees on the roof</a>", html, StringComparison.Ordinal);
        Assert.Contains("Told by Bee Keeper", html, StringComparison.Ordinal); // Cleo chose a made-up name
        Assert.DoesNotContain("The compost rota", html, StringComparison.Ordinal); // Bram and Dev did not agree
        Assert.DoesNotContain("Cleo Placeholder", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sample_story_without_a_recording_shows_its_transcript_and_says_there_is_nothing_to_play()
    {
        var client = App.AnonymousClient();
        var home = await client.GetStringAsync("/stories");
        var link = System.Text.RegularExpressions.Regex.Match(home, "href=\"(/stories/\\d+/\\d+)\">Tomatoes and trust").Groups[1].Value;

        var page = await client.GetStringAsync(link);

        Assert.Contains("There is no recording of this story to play. The transcript below is the whole story.", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"cue-speaker\">Ada Example:</span>", page, StringComparison.Ordinal);
        Assert.Contains("I said tomatoes, proper ones.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<audio", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_still_get_their_start_page_at_the_home_page()
    {
        var member = await App.SignInAsync(await App.CreateUserAsync(name: "Member Person"));

        var html = await member.GetStringAsync("/");

        Assert.Contains("Welcome back, Member Person.", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/stories\">public story site</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Before_setup_the_home_page_leads_to_setup_but_the_public_stories_are_reachable()
    {
        await using var fresh = await TestApp.StartAsync(seedSample: true, withAdmin: false);
        var client = fresh.AnonymousClient();

        var home = await client.GetAsync("/");
        var stories = await client.GetAsync("/stories");

        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/setup", home.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, stories.StatusCode);
        Assert.Contains(">Tomatoes and trust</a>", await stories.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
