namespace Storyweave.BrowserTests;

/// <summary>Uploading recordings on a phone-sized screen: upload progress, the listed recording and its player, and a browser version being made.</summary>
public sealed class RecordingsTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task On_a_phone_a_reporter_uploads_speech_sees_100_percent_and_the_recording_listed_with_a_player()
    {
        var app = fixture.App;
        if (!await app.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.IsAdmin))))
            await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Riley Reporter");
        var projectId = await app.CreateProjectAsync(lead);
        var (storyId, _) = await app.CreateStoryAsync(projectId);
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("kitchen-table.wav"));
        var flacInMkv = await TestMedia.ConvertAsync(wav, folder.File("kitchen-table-phone.mkv"), "-c:a", "flac");
        var duration = (await TestMedia.ProbeAsync(wav)).Duration;

        await using var context = await fixture.NewContextAsync(360, 740);
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, lead.Email, lead.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Projects");

        await page.GotoAsync($"/projects/{projectId}/stories/{storyId}/recordings");
        await Assertions.Expect(page.GetByText("There are no recordings of this story yet.")).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Recording file").SetInputFilesAsync(wav);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload the recording" }).ClickAsync();

        await Assertions.Expect(page.Locator("#upload-status")).ToContainTextAsync("100%");
        await Assertions.Expect(page.Locator("#upload-status")).ToContainTextAsync("“kitchen-table.wav” has been added.");
        Assert.Equal(100, await page.Locator("#upload-progress").EvaluateAsync<int>("p => p.value"));
        var card = page.Locator(".recording", new() { HasText = "kitchen-table.wav" });
        await Assertions.Expect(card.Locator(".recording-duration")).ToHaveTextAsync(Storyweave.Features.Media.MediaText.Duration(duration));
        await Assertions.Expect(card.GetByLabel("Play the recording “kitchen-table.wav”")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("There are no recordings of this story yet.")).ToBeHiddenAsync();

        // A file browsers cannot play is converted in the background; the page follows it until it plays.
        await page.GetByLabel("Recording file").SetInputFilesAsync(flacInMkv);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload the recording" }).ClickAsync();
        var converted = page.Locator(".recording", new() { HasText = "kitchen-table-phone.mkv" });
        await Assertions.Expect(converted).ToBeVisibleAsync();
        await Assertions.Expect(converted.GetByLabel("Play the recording “kitchen-table-phone.mkv”")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(converted.Locator(".recording-status")).ToHaveTextAsync("Ready to play.");

        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);

        // The player really plays: the browser reads the recording's length from the server (range requests).
        var playerDuration = await card.Locator("audio").EvaluateAsync<double>(
            "a => new Promise(r => a.readyState >= 1 ? r(a.duration) : a.addEventListener('loadedmetadata', () => r(a.duration)))");
        Assert.InRange(playerDuration, duration - 0.1, duration + 0.1);

        // The upload page that the form posts to without JavaScript.
        await page.GotoAsync($"/projects/{projectId}/stories/{storyId}/recordings/upload");
        await Assertions.Expect(page.GetByLabel("Recording file")).ToBeVisibleAsync();
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }
}
