using System.Text.RegularExpressions;

namespace Storyweave.BrowserTests;

/// <summary>The public story page on a phone: the player follows the transcript, and without JavaScript the transcript and its search still work.</summary>
public sealed partial class PublicSiteTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private async Task<(int ProjectId, TestApp.PublicStory Story, int PlaylistId)> PublishedStoryWithSpeechAsync(TestMedia.Folder folder, string title)
    {
        var app = fixture.App;
        if (!await app.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.IsAdmin))))
            await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lena Lead");
        var projectId = await app.CreateProjectAsync(lead, "Kitchen table stories");
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var story = await app.CreatePublicStoryAsync(projectId, title,
            [new("Nia Named"), new("Oli Anon", Credit: Storyweave.Features.Consent.CreditStyle.Anonymous), new("Pat Pseudo", Credit: Storyweave.Features.Consent.CreditStyle.Pseudonym, Pseudonym: "Robin")],
            "kitchen table", published: true, wav);
        await app.CodeStoryWithThemeAsync(projectId, story.Id, "Feeling heard");
        var (playlistId, _) = await app.CreatePlaylistAsync(projectId, "Voices from the table", published: true, wav, [new(story.Id, story.MediaId!.Value, Title: "Around the table")]);
        await app.CreateReportFileAsync(projectId, "What we heard", "# What we heard", published: true);
        return (projectId, story, playlistId);
    }

    [Fact]
    public async Task On_a_phone_selecting_a_transcript_line_plays_from_there_and_highlights_it_and_every_public_page_passes_axe()
    {
        using var folder = new TestMedia.Folder();
        var (projectId, story, playlistId) = await PublishedStoryWithSpeechAsync(folder, "The kitchen table");
        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await context.NewPageAsync();

        foreach (var url in new[] { "/", "/stories", $"/stories/{projectId}", $"/stories/{projectId}/playlists/{playlistId}", $"/stories/{projectId}/{story.Id}" })
        {
            var response = await page.GotoAsync(url);
            Assert.Equal(200, response!.Status);
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
        }

        var player = page.Locator("#story-player");
        await player.EvaluateAsync("a => new Promise(r => a.readyState >= 1 ? r() : a.addEventListener('loadedmetadata', () => r()))");
        var line = page.Locator("#c-2");
        await line.Locator(".cue-text").ClickAsync();

        var at = await player.EvaluateAsync<double>("a => a.currentTime");
        Assert.InRange(at, 2.0, 2.9);
        await Assertions.Expect(line).ToHaveClassAsync(new Regex("current"));
        await Assertions.Expect(line).ToHaveAttributeAsync("aria-current", "true");
        await Assertions.Expect(page.Locator("#public-transcript li.current")).ToHaveCountAsync(1);
        await Assertions.Expect(line.Locator(".cue-speaker")).ToHaveTextAsync("Storyteller:"); // Oli chose no name
        await Assertions.Expect(page.Locator("#c-3 .cue-speaker")).ToHaveTextAsync("Robin:");
        await Assertions.Expect(page.Locator(".public-themes")).ToContainTextAsync("Feeling heard");

        // Searching with JavaScript highlights in place, without reloading the page (the player keeps its place).
        await page.GetByLabel("Search this transcript").FillAsync("TABLE");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator("#transcript-results")).ToContainTextAsync("4 lines contain “TABLE”");
        await Assertions.Expect(page.Locator("#public-transcript mark")).ToHaveCountAsync(4);
        Assert.InRange(await player.EvaluateAsync<double>("a => a.currentTime"), 2.0, 10);
        Assert.EndsWith("?q=TABLE", page.Url, StringComparison.Ordinal);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Without_javascript_the_story_page_shows_the_transcript_and_the_search_form_highlights_on_the_server()
    {
        using var folder = new TestMedia.Folder();
        var (projectId, story, _) = await PublishedStoryWithSpeechAsync(folder, "The garden bench");
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseUrl,
            ViewportSize = new ViewportSize { Width = 360, Height = 740 },
            JavaScriptEnabled = false,
        });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "The garden bench" }).First.ClickAsync();

        Assert.EndsWith($"/stories/{projectId}/{story.Id}", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#public-transcript li")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#c-1")).ToContainTextAsync("0:01");
        await Assertions.Expect(page.Locator("#c-1")).ToContainTextAsync("Nia Named:");
        await Assertions.Expect(page.Locator("#c-1")).ToContainTextAsync("I am the storyteller and I said kitchen table in line 1.");
        await Assertions.Expect(page.Locator("#c-0 .cue-speaker")).ToHaveTextAsync("Community reporter:");

        await page.GetByLabel("Search this transcript").FillAsync("line 3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        Assert.Contains("?q=line+3", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#transcript-results")).ToContainTextAsync("3 lines contain “line 3”: 0:01, 0:02, 0:03");
        await Assertions.Expect(page.Locator("#c-3 mark")).ToHaveTextAsync(["line", "3"]);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
    }

    [Fact]
    public async Task The_story_video_shows_english_captions_from_the_public_transcript_and_passes_axe()
    {
        using var folder = new TestMedia.Folder();
        var app = fixture.App;
        if (!await app.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.IsAdmin))))
            await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lena Lead");
        var projectId = await app.CreateProjectAsync(lead, "Bus stop stories");
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var video = await TestMedia.VideoAsync(wav, folder.File("speech.webm"), "-c:v", "libvpx", "-c:a", "libopus");
        var story = await app.CreatePublicStoryAsync(projectId, "The bus stop",
            [new("Nia Named"), new("Oli Anon", Credit: Storyweave.Features.Consent.CreditStyle.Anonymous)], "bus stop", published: true, video);
        await app.WithDbAsync(async db =>
        {
            var media = await db.MediaFiles.FindAsync(story.MediaId!.Value);
            (media!.HasVideo, media.VideoCodec, media.AudioCodec) = (true, "vp8", "opus");
            return await db.SaveChangesAsync();
        });
        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync($"/stories/{projectId}/{story.Id}");

        Assert.Equal(200, response!.Status);
        var player = page.Locator("video#story-player");
        await Assertions.Expect(player.Locator("track")).ToHaveAttributeAsync("kind", "captions");
        await Assertions.Expect(player.Locator("track")).ToHaveAttributeAsync("srclang", "en");
        await Assertions.Expect(player.Locator("track")).ToHaveAttributeAsync("label", "English");
        var cues = await player.EvaluateAsync<string[]>(
            "v => new Promise((resolve, reject) => { const t = v.textTracks[0]; const el = v.querySelector('track');" +
            " const done = () => resolve(Array.from(t.cues || []).map(c => c.text));" +
            " if (el.readyState === 2) done(); else { el.addEventListener('load', done); el.addEventListener('error', () => reject(new Error('The captions did not load.'))); } })");
        Assert.Equal(3, cues.Length);
        Assert.Equal("<v Community reporter>Tell me about it (bus stop).", cues[0]);
        // Lines longer than 42 characters are wrapped in two within one cue (Shared/CaptionCues), so they can be read on a phone.
        Assert.Equal("<v Nia Named>I am the storyteller\nand I said bus stop in line 1.", cues[1]);
        Assert.Equal("<v Storyteller>I am the storyteller\nand I said bus stop in line 2.", cues[2]); // Oli chose no name
        Assert.Equal("showing", await player.EvaluateAsync<string>("v => v.textTracks[0].mode"));
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }
}
