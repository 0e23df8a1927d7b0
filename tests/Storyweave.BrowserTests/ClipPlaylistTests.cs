using Storyweave.Features.Stories;

namespace Storyweave.BrowserTests;

/// <summary>Making a clip from a coded passage in the browser, then playing the playlist with captions, by keyboard.</summary>
public sealed class ClipPlaylistTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_lead_makes_a_clip_from_a_passage_and_the_playlist_plays_clip_1_with_a_captions_track()
    {
        var app = fixture.App;
        if (!await app.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.IsAdmin))))
            await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lee Lead");
        var projectId = await app.CreateProjectAsync(lead);
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("kitchen.wav"));
        var story = await app.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller("Sam Teller", true)],
            [new TranscriptService.CueInput(0, 2, "Sam Teller", "This is Sam."), new TranscriptService.CueInput(2, 4.5, "Sam Teller", "I want to tell you about the kitchen table.")], wav);

        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, lead.Email, lead.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Projects");

        await page.GotoAsync($"/projects/{projectId}/playlists");
        await page.GetByLabel("Title").FillAsync("Kitchen tables");
        await page.GetByRole(AriaRole.Button, new() { Name = "Make the playlist" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Kitchen tables");

        // Two clips, chosen from the passages, the second one's end adjusted in the editor.
        foreach (var (passage, title) in new[] { (0, "Hello"), (1, "The kitchen table") })
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Add a clip" }).ClickAsync();
            await fixture.AssertAccessibleAsync(page);
            await page.Locator($"a[href$='passageId={story.PassageIds[passage]}']").ClickAsync();
            await Assertions.Expect(page.Locator("#clip-preview")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Play from start to end" })).ToBeVisibleAsync();
            if (passage == 1)
            {
                await BrowserFixture.AssertNoHorizontalScrollAsync(page);
                await fixture.AssertAccessibleAsync(page);
                // The captions the clip will hold, kept up to date as the times change.
                var lines = page.Locator("#caption-preview-lines li");
                await Assertions.Expect(lines).ToHaveCountAsync(1);
                await Assertions.Expect(lines.First).ToContainTextAsync("I want to tell you about the kitchen table.");
                await page.GetByLabel("Start").FillAsync("0:00");
                await Assertions.Expect(lines).ToHaveCountAsync(2);
                await Assertions.Expect(page.Locator("#caption-preview-status")).ToContainTextAsync("2 lines");
                await page.GetByLabel("Start").FillAsync("0:02");
                await Assertions.Expect(lines).ToHaveCountAsync(1);
                await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "clip-editor-360.png"), FullPage = true });
                await page.GetByLabel("End").FillAsync("0:04");
                // The silencing option is a labelled checkbox with its plain-language hint.
                var silence = page.GetByLabel("Silence hidden words in the sound");
                await Assertions.Expect(silence).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("the whole line is silenced"));
                await silence.CheckAsync();
            }
            await page.GetByLabel("Title").FillAsync(title);
            await page.GetByRole(AriaRole.Button, new() { Name = "Make the clip" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"“{title}” is being cut.");
        }

        // The page follows the cutting and then offers clip 1 in the player, with captions from the transcript.
        var player = page.Locator("#playlist-player");
        await Assertions.Expect(page.Locator("#now-playing")).ToContainTextAsync("Clip 1 of 2: Hello", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".clip-state", new() { HasText = "Ready" })).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        Assert.Equal("captions", await player.Locator("track").GetAttributeAsync("kind"));
        var played = await player.EvaluateAsync<double>(
            "v => new Promise((resolve, reject) => { v.muted = true; v.addEventListener('timeupdate', function t() { if (v.currentTime > 0.3) { v.removeEventListener('timeupdate', t); resolve(v.currentTime); } }); v.play().catch(reject); })");
        Assert.True(played > 0.3);
        var cueText = await player.EvaluateAsync<string>(
            "v => new Promise(resolve => { const t = v.textTracks[0]; t.mode = 'hidden'; const done = () => resolve(Array.from(t.cues || []).map(c => c.text).join(' ')); if (t.cues && t.cues.length) done(); else v.querySelector('track').addEventListener('load', done); })");
        Assert.Contains("This is Sam.", cueText);

        // Next by keyboard: the second clip, with its own captions.
        await page.Locator("#next-clip").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#now-playing")).ToContainTextAsync("Clip 2 of 2: The kitchen table");
        Assert.EndsWith($"/clips/{await SecondClipIdAsync(app, projectId)}/captions", await player.Locator("track").GetAttributeAsync("src"));
        var secondId = await SecondClipIdAsync(app, projectId);
        // Its one 43-character line shows as a reading cue of two lines (CaptionCues; the voice tag
        // taken off to read the words), and the .srt
        // download beside it holds the same cue.
        var secondCues = await player.EvaluateAsync<string[]>(
            "v => new Promise(resolve => { const t = v.textTracks[0]; t.mode = 'hidden'; const done = () => resolve(Array.from(t.cues || []).map(c => c.text.replace(/^<v [^>]*>/, ''))); if (t.cues && t.cues.length) done(); else v.querySelector('track').addEventListener('load', done); })");
        Assert.Contains("I want to tell you\nabout the kitchen table.", secondCues);
        Assert.All(secondCues.SelectMany(c => c.Split('\n')), line => Assert.True(line.Length <= 42, line));
        var srtLink = page.GetByRole(AriaRole.Link, new() { Name = "SubRip (.srt) for “The kitchen table”" });
        await Assertions.Expect(srtLink).ToBeVisibleAsync();
        var srt = await context.APIRequest.GetAsync((await srtLink.GetAttributeAsync("href"))!);
        Assert.Contains("I want to tell you\r\nabout the kitchen table.\r\n", await srt.TextAsync(), StringComparison.Ordinal);
        Assert.True(await app.WithDbAsync(db => Task.FromResult(db.Clips.Single(c => c.Id == secondId).SilenceRedactedWords)));

        // Reorder by keyboard: move the second clip up, and it plays first.
        await page.GetByRole(AriaRole.Button, new() { Name = "Move up “The kitchen table”" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#now-playing")).ToContainTextAsync("Clip 1 of 2: The kitchen table");

        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }

    private static Task<int> SecondClipIdAsync(TestApp app, int projectId) =>
        app.WithDbAsync(db => Task.FromResult(db.Clips.Where(c => c.ProjectId == projectId).OrderBy(c => c.Position).Skip(1).Select(c => c.Id).First()));
}
