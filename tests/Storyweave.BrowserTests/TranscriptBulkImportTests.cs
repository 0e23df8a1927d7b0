using System.Text;

namespace Storyweave.BrowserTests;

/// <summary>Bringing in a folder of transcripts from the Stories page, in a real browser at 1280 and 360 px.</summary>
public sealed class TranscriptBulkImportTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static FilePayload Text(string name, string text) => new() { Name = name, MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes(text) };

    [Theory]
    [InlineData(1280)]
    [InlineData(360)]
    public async Task A_lead_brings_in_several_transcripts_and_sees_who_needs_consent(int width)
    {
        var app = fixture.App;
        await app.CreateAdminAsync(); // past first-run set-up
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead, "Transcripts from last year");
        await using var context = await fixture.NewContextAsync(width);
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, lead.Email, lead.Password);
        await page.GotoAsync($"/projects/{projectId}/stories");
        await page.GetByRole(AriaRole.Link, new() { Name = "Bring in transcript files" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bring in transcripts", Exact = true })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(page);

        // Pressing the button with nothing chosen: the summary says what to do, and has focus.
        await page.GetByRole(AriaRole.Button, new() { Name = "Bring in the transcripts" }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("Choose one or more transcript files");
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();

        // A file that cannot be read stops everything, naming the file.
        var files = page.GetByLabel("Transcript files", new() { Exact = true });
        await files.SetInputFilesAsync(new[]
        {
            Text("ada.txt", "Interviewer: How did it start?\nAda: With a letter from the council."),
            Text("broken.vtt", "WEBVTT\n\n00:00:09.000 --> 00:00:01.000\nBackwards.\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Bring in the transcripts" }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("broken.vtt");
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();
        await fixture.AssertAccessibleAsync(page);

        await files.SetInputFilesAsync(new[]
        {
            Text("ada.txt", "Interviewer: How did it start?\nAda: With a letter from the council."),
            Text("tuesday group.txt", "Reporter: Who came?\nBo: Six of us.\nCy: Seven, with the dog."),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Bring in the transcripts" }).ClickAsync();
        var result = page.Locator("#import-result");
        await Assertions.Expect(result).ToContainTextAsync("Brought in 2 stories");
        await Assertions.Expect(result.GetByRole(AriaRole.Table)).ToContainTextAsync("Bo, Cy");
        await Assertions.Expect(result).ToBeInViewportAsync();
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"bulk-import-{width}.png"), FullPage = true });

        await result.GetByRole(AriaRole.Link, new() { Name = "ada" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/projects/{projectId}/stories/\\d+$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "ada", Exact = true })).ToBeVisibleAsync();
    }
}
