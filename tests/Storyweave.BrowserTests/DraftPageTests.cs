using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.BrowserTests;

/// <summary>The automatic first draft in a real browser: start it from the story, watch the progress, open the result.</summary>
public sealed class DraftPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_reporter_starts_a_draft_from_the_story_page_sees_progress_and_opens_the_result_in_the_editor()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, "Drafts");
        var (storyId, _) = await app.CreateStoryAsync(projectId);
        using (var folder = new TestMedia.Folder())
        {
            var speech = await TestMedia.SpeechAsync(folder.File("speech.wav"), "I remember the garden. My mother grew beans there.");
            using var api = await app.ApiClientAsync(admin);
            using var content = TestMedia.FileContent(speech, "interview.wav", "audio/wav");
            var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        }

        foreach (var (width, height) in new[] { (360, 740), (1280, 900) })
        {
            await using var context = await fixture.NewContextAsync(width, height);
            var page = await context.NewPageAsync();
            await fixture.SignInAsync(page, admin.Email, admin.Password);
            await page.GotoAsync($"/projects/{projectId}/stories/{storyId}");
            await page.GetByRole(AriaRole.Link, new() { Name = "Make an automatic first draft" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Automatic first draft", Level = 1 })).ToBeVisibleAsync();
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);

            // Defaults first: the built-in engine is chosen; the second time, the lines already there must be confirmed.
            await Assertions.Expect(page.GetByLabel(new Regex("pocketsphinx", RegexOptions.IgnoreCase))).ToBeCheckedAsync();
            var replace = page.GetByLabel(new Regex("^Replace the current transcript"));
            if (await replace.CountAsync() > 0)
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Make the draft" }).ClickAsync();
                await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("already has a transcript");
                await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();
                await page.GetByLabel(new Regex("^Replace the current transcript")).CheckAsync();
            }
            await page.GetByRole(AriaRole.Button, new() { Name = "Make the draft" }).ClickAsync();

            // Progress is labelled and the status line is a live region; the page moves on by itself when done.
            await Assertions.Expect(page.GetByLabel("How far it has got")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#draft-message[role=status]")).ToContainTextAsync("Automatic draft — check every line.", new() { Timeout = 120_000 });
            // The status line says so just before the page loads itself again; the link to the editor is on the page it
            // loads, so the checks below run on that page rather than racing the reload.
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Check the draft in the transcript editor" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Check the draft in the transcript editor" }).ClickAsync();
            await Assertions.Expect(page.GetByText("Automatic draft — check this line").First).ToBeVisibleAsync();
        }
        var lines = await app.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId).ToListAsync());
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(l.IsDraft));
        // What was heard is the HTTP test's concern (known words on a clearer recording); here: words were written.
        Assert.False(string.IsNullOrWhiteSpace(string.Join(" ", lines.Select(l => l.Text))));
    }
}
