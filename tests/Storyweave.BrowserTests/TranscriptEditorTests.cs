using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Stories;

namespace Storyweave.BrowserTests;

/// <summary>The transcript editor in a real browser, with real speech from espeak-ng as the recording.</summary>
public sealed class TranscriptEditorTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Clicking_a_line_seeks_the_player_playback_highlights_the_line_and_edits_save_as_you_type()
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin);
        var teller = await app.CreateStorytellerAsync(projectId, admin, "Benna Strake");
        var api = await app.ApiClientAsync(admin);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "Spoken story", date = "2026-02-02", mode = "Online", storytellerIds = new[] { teller } });
        var storyId = (int)(await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["storyId"]!;

        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"),
            "My name is Benna. I grew up by the river. Every summer we built rafts from old doors. Nobody ever told us to stop. Those were good days.");
        var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", TestMedia.FileContent(wav, "speech.wav", "audio/wav"));
        Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        await app.WithServiceAsync<TranscriptService, bool>(async t => (await t.SaveAsync(projectId, storyId,
        [
            new TranscriptService.CueInput(0, 2, "Benna Strake", "My name is Benna."),
            new TranscriptService.CueInput(2, 4, "Benna Strake", "I grew up by the river."),
            new TranscriptService.CueInput(4, 7, "Benna Strake", "Every summer we built rafts from old doors."),
        ], 0, "typed", admin.Id)).Saved);

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email address").FillAsync(admin.Email);
        await page.GetByLabel("Password").FillAsync(admin.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GotoAsync($"/projects/{projectId}/stories/{storyId}/transcript/edit");
        await fixture.AssertAccessibleAsync(page);
        var player = page.Locator("#player");
        await page.WaitForFunctionAsync("() => document.getElementById('player').readyState >= 1");

        // Click the third line: the player jumps to 0:04 (±0.5 s) and that line is highlighted.
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("Play from 0:04") }).ClickAsync();
        var afterSeek = await player.EvaluateAsync<double>("p => p.currentTime");
        Assert.InRange(afterSeek, 3.5, 4.5);
        var lines = page.Locator("li.cue");
        await Assertions.Expect(lines.Nth(2)).ToHaveAttributeAsync("aria-current", "true");

        // Playing from the start moves the highlight along with the speech.
        await player.EvaluateAsync("p => { p.currentTime = 0; return p.play(); }");
        await Assertions.Expect(lines.Nth(0)).ToHaveClassAsync(new Regex("current"));
        await page.WaitForFunctionAsync("() => document.getElementById('player').currentTime > 2.3", null, new() { Timeout = 10000 });
        await Assertions.Expect(lines.Nth(1)).ToHaveAttributeAsync("aria-current", "true");
        await Assertions.Expect(lines.Nth(0)).Not.ToHaveAttributeAsync("aria-current", "true");

        // Esc pauses even while typing; F2 jumps forward 5 s.
        await page.GetByLabel("Words of line 1").FocusAsync();
        await page.Keyboard.PressAsync("Escape");
        Assert.True(await player.EvaluateAsync<bool>("p => p.paused"));
        var before = await player.EvaluateAsync<double>("p => p.currentTime");
        await page.Keyboard.PressAsync("F2");
        Assert.InRange(await player.EvaluateAsync<double>("p => p.currentTime"), before + 4.5, before + 5.5);

        // Saves as you type.
        await page.GetByLabel("Words of line 2").FillAsync("I grew up by the wide river.");
        await Assertions.Expect(page.Locator("#save-status")).ToContainTextAsync("All changes saved", new() { Timeout = 10000 });
        Assert.Equal("I grew up by the wide river.", await app.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId && c.Position == 1).Select(c => c.Text).SingleAsync()));

        // A second editor who saved meanwhile: this one is told, and keeps their text.
        await app.WithServiceAsync<TranscriptService, bool>(async t => (await t.SaveAsync(projectId, storyId,
            [new TranscriptService.CueInput(0, 2, "Benna Strake", "Someone else's edit.")], 2, "edited", admin.Id)).Saved);
        await page.GetByLabel("Words of line 3").FillAsync("My edit that must not be lost.");
        await Assertions.Expect(page.Locator("#conflict")).ToBeVisibleAsync(new() { Timeout = 10000 });
        await Assertions.Expect(page.GetByLabel("Words of line 3")).ToHaveValueAsync("My edit that must not be lost.");
        await fixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my version anyway" }).ClickAsync();
        await Assertions.Expect(page.Locator("#save-status")).ToContainTextAsync("All changes saved", new() { Timeout = 10000 });
        Assert.Equal(3, await app.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == storyId)));

        // The other transcript pages pass axe as well.
        foreach (var url in new[] { $"/projects/{projectId}/stories/{storyId}", $"/projects/{projectId}/stories/{storyId}/transcript/import", $"/projects/{projectId}/stories/{storyId}/transcript/speakers", $"/projects/{projectId}/stories/copy" })
        {
            var r = await page.GotoAsync(url);
            Assert.Equal(200, r!.Status);
            await fixture.AssertAccessibleAsync(page);
        }
    }
}
