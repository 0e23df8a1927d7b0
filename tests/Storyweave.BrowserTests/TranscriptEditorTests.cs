using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Stories;

namespace Storyweave.BrowserTests;

/// <summary>The transcript editor in a real browser, with real speech from espeak-ng as the recording.</summary>
public sealed class TranscriptEditorTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Interview =
        "My name is Benna. Where did you grow up? By the river, in a small house with a green door. " +
        "Every summer we built rafts from old doors. Nobody ever told us to stop. Those were good days. " +
        "What happened when you were older? I moved to the city for work, and I missed the water every day. " +
        "Now I go back every year, and I take my own children down to the same river.";

    private sealed record Setup(TestApp.TestUser Admin, int ProjectId, int StoryId, HttpClient Api);

    /// <summary>A session with one storyteller, the admin as its reporter, and (unless told otherwise) a one-minute recording of speech.</summary>
    private async Task<Setup> StoryAsync(bool withRecording = true, double seconds = 60)
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin);
        var teller = await app.CreateStorytellerAsync(projectId, admin, "Benna Strake");
        var api = await app.ApiClientAsync(admin);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions", new { title = "Spoken story", date = "2026-02-02", mode = "InPerson", reporterUserId = admin.Id, storytellerIds = new[] { teller } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var storyId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["storyId"]!;
        if (withRecording)
        {
            using var folder = new TestMedia.Folder();
            var speech = await TestMedia.SpeechAsync(folder.File("speech.wav"), Interview);
            // Padded with silence to exactly the length asked for (a one-minute phone recording by default).
            var wav = await TestMedia.ConvertAsync(speech, folder.File("interview.wav"), "-af", $"apad=whole_dur={seconds.ToString(CultureInfo.InvariantCulture)}", "-t", seconds.ToString(CultureInfo.InvariantCulture));
            Assert.InRange((await TestMedia.ProbeAsync(wav)).Duration, seconds - 0.5, seconds + 0.5);
            var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", TestMedia.FileContent(wav, "interview.wav", "audio/wav"));
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        }
        return new Setup(admin, projectId, storyId, api);
    }

    private async Task<IPage> SignedInAsync(IBrowserContext context, TestApp.TestUser user)
    {
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, user.Email, user.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Projects");
        return page;
    }

    private static double Seconds(string text) => TimeText.Parse(text) ?? throw new InvalidOperationException($"\"{text}\" is not a time");

    private static string Tenths(double seconds) => TimeText.FormatTenths(seconds);

    private static double R(double seconds) => Math.Round(seconds, 1, MidpointRounding.AwayFromZero);

    [Fact]
    public async Task A_one_minute_recording_is_transcribed_from_nothing_with_the_keys_and_every_change_is_saved()
    {
        var s = await StoryAsync();
        await using var context = await fixture.NewContextAsync();
        var editor = await TranscriptEditorPage.OpenAsync(await SignedInAsync(context, s.Admin), s.ProjectId, s.StoryId);

        // An empty transcript starts with one empty line at the start of the recording, and the keys are listed.
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(1);
        await Assertions.Expect(editor.Start(1)).ToHaveValueAsync("0:00.0");
        await Assertions.Expect(editor.Words(1)).ToHaveValueAsync("");
        await Assertions.Expect(editor.Page.Locator(".key-list")).ToContainTextAsync("new line for the next speaker");
        await fixture.AssertAccessibleAsync(editor.Page);

        // Speaker by key, play, type the first turn.
        await editor.Words(1).FocusAsync();
        await editor.PressAsync("Alt+n");
        await Assertions.Expect(editor.Speaker(1)).ToHaveValueAsync("Benna Strake");
        await editor.PressAsync("Escape");
        await editor.WaitPlayedPastAsync(1.5);
        await editor.TypeAsync("My name is Benna.");

        // Enter: a new line for the next speaker (the reporter), starting where the player is; the first line ends there.
        var before = await editor.CurrentTimeAsync();
        await editor.PressAsync("Enter");
        var after = await editor.CurrentTimeAsync();
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(2);
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(2));
        await Assertions.Expect(editor.Speaker(2)).ToHaveValueAsync("Admin Person");
        var turn = Seconds(await editor.Start(2).InputValueAsync());
        Assert.InRange(turn, R(before) - 0.05, R(after) + 0.05);
        Assert.Equal(await editor.Start(2).InputValueAsync(), await editor.End(1).InputValueAsync());
        await editor.TypeAsync("Where did you grow up?");
        await editor.WaitPlayedPastAsync(turn + 1.5);
        await editor.PressAsync("Enter");
        await Assertions.Expect(editor.Speaker(3)).ToHaveValueAsync("Benna Strake"); // turns alternate
        await editor.TypeAsync("By the river. Every summer we built rafts.");

        // Esc pauses while typing; F1/F2 and Alt+, / Alt+. go back and forward 2 s; F3/F4 and Alt+- / Alt+= change the speed.
        await editor.PressAsync("Escape");
        Assert.True(await editor.PausedAsync());
        var paused = await editor.CurrentTimeAsync();
        await editor.PressAsync("F1");
        Assert.InRange(await editor.CurrentTimeAsync(), paused - 2.1, paused - 1.9);
        await editor.PressAsync("F2");
        Assert.InRange(await editor.CurrentTimeAsync(), paused - 0.1, paused + 0.1);
        await editor.PressAsync("Alt+Comma");
        Assert.InRange(await editor.CurrentTimeAsync(), paused - 2.1, paused - 1.9);
        await editor.PressAsync("Alt+Period");
        Assert.InRange(await editor.CurrentTimeAsync(), paused - 0.1, paused + 0.1);
        await editor.PressAsync("F3");
        Assert.Equal(0.75, await editor.RateAsync());
        await Assertions.Expect(editor.Page.Locator("#rate")).ToHaveTextAsync("0.75×");
        await editor.PressAsync("F4");
        await editor.PressAsync("Alt+Minus");
        Assert.Equal(0.75, await editor.RateAsync());
        await editor.PressAsync("Alt+Equal");
        Assert.Equal(1, await editor.RateAsync());
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(3)); // none of that moved the cursor

        // Ctrl+J types the player's time into the words.
        await editor.PressAsync("Control+j");
        await Assertions.Expect(editor.Words(3)).ToHaveValueAsync($"By the river. Every summer we built rafts. [{Tenths(paused)}] ");

        // Split at the cursor (Alt+S): the words after it and the time from the playhead go to a new line of the same speaker.
        await editor.PutCursorBeforeAsync(3, "Every");
        await editor.PressAsync("Alt+s");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(4);
        await Assertions.Expect(editor.Words(3)).ToHaveValueAsync("By the river.");
        await Assertions.Expect(editor.Words(4)).ToHaveValueAsync($"Every summer we built rafts. [{Tenths(paused)}] ");
        await Assertions.Expect(editor.Speaker(4)).ToHaveValueAsync("Benna Strake");
        await Assertions.Expect(editor.End(3)).ToHaveValueAsync(Tenths(paused));
        await Assertions.Expect(editor.Start(4)).ToHaveValueAsync(Tenths(paused));
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(4));
        Assert.Equal(0, await editor.CaretAsync());

        // Merge (Alt+M) joins it back with one space; Alt+Z undoes the merge.
        await editor.PressAsync("Alt+ArrowUp");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(3));
        await editor.PressAsync("Alt+m");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(3);
        await Assertions.Expect(editor.Words(3)).ToHaveValueAsync($"By the river. Every summer we built rafts. [{Tenths(paused)}] ");
        await Assertions.Expect(editor.End(3)).ToHaveValueAsync("");
        Assert.Equal("By the river.".Length, await editor.CaretAsync());
        await editor.PressAsync("Alt+z");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(4);
        await Assertions.Expect(editor.Words(3)).ToHaveValueAsync("By the river.");
        await Assertions.Expect(editor.Words(4)).ToHaveValueAsync($"Every summer we built rafts. [{Tenths(paused)}] ");
        await Assertions.Expect(editor.Announcement).ToContainTextAsync("Undone");

        // Add a line after (Alt+A), delete it (Alt+X): "Line 5 deleted. Undo" appears where it was, and its Undo works by keyboard.
        await editor.Words(4).FocusAsync();
        await editor.PressAsync("Alt+a");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(5));
        await editor.TypeAsync("A line typed by mistake.");
        await editor.PressAsync("Alt+x");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(4);
        await Assertions.Expect(editor.UndoNotice).ToContainTextAsync("Line 5 deleted.");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(4));
        await editor.PressAsync("Tab");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.UndoNotice.GetByRole(AriaRole.Button, new() { Name = "Undo" }));
        await editor.PressAsync("Enter");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(5);
        await Assertions.Expect(editor.Words(5)).ToHaveValueAsync("A line typed by mistake.");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(5));
        await Assertions.Expect(editor.UndoNotice).ToHaveCountAsync(0);
        await editor.PressAsync("Alt+x");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(4);

        // Speakers: Alt+N / Alt+Shift+N go through the session's people; any other name can be typed.
        await editor.Words(2).FocusAsync();
        await editor.PressAsync("Alt+n");
        await Assertions.Expect(editor.Speaker(2)).ToHaveValueAsync("Benna Strake");
        await editor.PressAsync("Alt+Shift+n");
        await Assertions.Expect(editor.Speaker(2)).ToHaveValueAsync("Admin Person");
        await editor.Speaker(4).FillAsync("Benna's sister");

        // Times from the player: line 1 ends and line 2 starts where the player is (Alt+] and Alt+[).
        await editor.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Play from 0:00.0") }).ClickAsync();
        await editor.WaitPlayedPastAsync(1.2);
        await editor.Page.GetByRole(AriaRole.Button, new() { Name = "Play or pause" }).ClickAsync();
        var at = await editor.CurrentTimeAsync();
        await editor.Words(1).FocusAsync();
        await editor.PressAsync("Alt+BracketRight");
        await Assertions.Expect(editor.End(1)).ToHaveValueAsync(Tenths(at));
        await editor.Words(2).FocusAsync();
        await editor.PressAsync("Alt+BracketLeft");
        await Assertions.Expect(editor.Start(2)).ToHaveValueAsync(Tenths(at));

        // Times typed as text, to a tenth of a second: a wrong one is named and blocks saving until it is right.
        await editor.End(4).FillAsync("0:5x");
        await Assertions.Expect(editor.Line(4).Locator(".cue-error")).ToHaveTextAsync("Line 4: the end time “0:5x” is not a time. Write minutes and seconds, for example 1:05.3, or 1:02:05.3 with hours.");
        await Assertions.Expect(editor.End(4)).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(editor.Status).ToContainTextAsync("Not saved: Line 4: the end time “0:5x” is not a time", new() { Timeout = 10000 });
        await editor.End(4).FillAsync("0:00:59.5");
        await Assertions.Expect(editor.Line(4).Locator(".cue-error")).ToHaveCountAsync(0);
        await editor.WaitSavedAsync();
        await fixture.AssertAccessibleAsync(editor.Page);

        // After a reload the page shows what was saved; the API and the database hold the same.
        var shown = await editor.ReadAsync();
        await editor.Page.ReloadAsync();
        await editor.WaitReadyAsync();
        var reloaded = await editor.ReadAsync();
        Assert.Equal(4, reloaded.Count);
        Assert.Equal(shown.Select(l => (l.Speaker, l.Words.Trim())), reloaded.Select(l => (l.Speaker, l.Words))); // saved words are trimmed
        Assert.Equal(shown.Take(3).Select(l => (l.Start, l.End)), reloaded.Take(3).Select(l => (l.Start, l.End)));
        Assert.Equal(("0:59.5"), reloaded[3].End); // typed as h:mm:ss.s, shown as m:ss.s
        Assert.Equal(["My name is Benna.", "Where did you grow up?", "By the river.", $"Every summer we built rafts. [{Tenths(paused)}]"], reloaded.Select(l => l.Words));
        Assert.Equal(["Benna Strake", "Admin Person", "Benna Strake", "Benna's sister"], reloaded.Select(l => l.Speaker));

        var story = (await s.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{s.ProjectId}/stories/{s.StoryId}"))!;
        var cues = story["cues"]!.AsArray();
        Assert.Equal(4, cues.Count);
        Assert.Equal(0.0, (double)cues[0]!["start"]!);
        Assert.Equal(R(at), (double)cues[0]!["end"]!, 3);
        Assert.Equal(R(at), (double)cues[1]!["start"]!, 3);
        Assert.Equal(R(paused), (double)cues[2]!["end"]!, 3);
        Assert.Equal(R(paused), (double)cues[3]!["start"]!, 3);
        Assert.Equal(59.5, (double)cues[3]!["end"]!, 3);
        Assert.All(cues, c => Assert.False((bool)c!["isDraft"]!));
        Assert.Contains(story["speakers"]!.AsArray(), l => (string?)l!["label"] == "Benna's sister" && l["storytellerId"] is null);

        var rows = await fixture.App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.StoryId).OrderBy(c => c.Position).ToListAsync());
        Assert.Equal(["My name is Benna.", "Where did you grow up?", "By the river.", $"Every summer we built rafts. [{Tenths(paused)}]"], rows.Select(r => r.Text));
        Assert.Equal([0, 1, 2, 3], rows.Select(r => r.Position));
        Assert.Equal(59.5, rows[3].EndSeconds);
    }

    private async Task SaveLinesAsync(Setup s, IReadOnlyList<TranscriptService.CueInput> cues)
    {
        var version = await fixture.App.WithDbAsync(db => db.Stories.Where(x => x.Id == s.StoryId).Select(x => x.TranscriptVersion).SingleAsync());
        Assert.True(await fixture.App.WithServiceAsync<TranscriptService, bool>(async t => (await t.SaveAsync(s.ProjectId, s.StoryId, cues, version, "edited", s.Admin.Id)).Saved));
    }

    private static List<TranscriptService.CueInput> Conversation(int count, Func<int, bool>? draft = null) =>
        Enumerable.Range(0, count).Select(i => new TranscriptService.CueInput(i * 3, i * 3 + 3, i % 2 == 0 ? "Admin Person" : "Benna Strake",
            i % 2 == 0 ? $"Question {i + 1}: what happened next, and how did it feel at the time?" : $"Answer {i + 1}: we walked down to the river and stayed there until it was dark.",
            draft?.Invoke(i) ?? false)).ToList();

    [Fact]
    public async Task By_keyboard_alone_every_line_action_is_reachable_focus_follows_the_change_and_nothing_traps_focus()
    {
        var s = await StoryAsync(seconds: 12);
        await SaveLinesAsync(s, Conversation(3));
        await using var context = await fixture.NewContextAsync();
        var editor = await TranscriptEditorPage.OpenAsync(await SignedInAsync(context, s.Admin), s.ProjectId, s.StoryId);
        var page = editor.Page;
        const string focusShown = "() => { const e = document.activeElement, c = getComputedStyle(e); return c.outlineStyle !== 'none' && c.outlineWidth !== '0px' || c.boxShadow !== 'none'; }";
        const string focusedName = "() => { const e = document.activeElement; return (e.getAttribute('aria-labelledby') || '').split(' ').map(id => document.getElementById(id)?.textContent ?? '').join(' ').trim() || e.textContent.trim() || e.tagName; }";

        // From the top of the page, Tab reaches the player's buttons and then the first line's words; focus is always visible.
        await page.Keyboard.PressAsync("Tab");
        var seen = new List<string>();
        for (var i = 0; i < 80 && !await editor.Words(1).EvaluateAsync<bool>("e => e === document.activeElement"); i++)
        {
            Assert.True(await page.EvaluateAsync<bool>(focusShown), $"No visible focus on {await page.EvaluateAsync<string>(focusedName)}");
            seen.Add(await page.EvaluateAsync<string>(focusedName));
            await page.Keyboard.PressAsync("Tab");
        }
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(1));
        Assert.Contains("Play or pause", seen);
        Assert.Contains("Back 2 s", seen);
        Assert.Contains("Line actions Line 1", seen);

        // Line actions: a button that opens the line's actions right after it; Tab goes through all of them.
        await page.Keyboard.PressAsync("Shift+Tab");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.ActionsButton(1));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(editor.ActionsButton(1)).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(editor.ActionsPanel).ToBeVisibleAsync();
        var actions = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            Assert.True(await page.EvaluateAsync<bool>(focusShown));
            actions.Add(await page.EvaluateAsync<string>("() => document.activeElement.firstChild.textContent.trim()"));
        }
        Assert.Equal(["Add line after", "Add line before", "Split at cursor", "Merge with next", "Next speaker", "Start at player time", "End at player time", "Type player time", "Delete line"], actions);
        await page.Keyboard.PressAsync("Tab");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(1)); // then on to the words

        // Add line after, by keyboard: the new line's words have the focus.
        await page.Keyboard.PressAsync("Shift+Tab"); // Delete line
        for (var i = 0; i < 8; i++) await page.Keyboard.PressAsync("Shift+Tab");
        Assert.Equal("Add line after", await page.EvaluateAsync<string>("() => document.activeElement.firstChild.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(4);
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(2));
        await Assertions.Expect(editor.ActionsPanel).ToBeHiddenAsync();
        await Assertions.Expect(editor.Speaker(2)).ToHaveValueAsync("Benna Strake");
        await Assertions.Expect(editor.Start(2)).ToHaveValueAsync("0:03.0"); // where line 1 ends
        await page.Keyboard.TypeAsync("Added by keyboard.");

        // Delete line 3 from its actions: focus goes to the line that took its place; the undo button sits where it was.
        await editor.Words(3).FocusAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await TranscriptEditorPage.ExpectFocusedAsync(editor.ActionsButton(3));
        await page.Keyboard.PressAsync("Space");
        for (var i = 0; i < 9; i++) await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Delete line", await page.EvaluateAsync<string>("() => document.activeElement.firstChild.textContent.trim()"));
        var deleted = await editor.Words(3).InputValueAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(3);
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(3));
        await Assertions.Expect(editor.UndoNotice).ToHaveTextAsync(new Regex("^Line 3 deleted\\. Undo"));
        await Assertions.Expect(editor.Announcement).ToContainTextAsync("Line 3 deleted. To bring it back, press Alt+Z or the Undo button.");
        await page.Keyboard.PressAsync("Alt+z");
        await Assertions.Expect(editor.Words(3)).ToHaveValueAsync(deleted);
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(3));

        // Nothing traps focus: Tab goes on past the last line to the save button.
        for (var i = 0; i < 40 && !await page.GetByRole(AriaRole.Button, new() { Name = "Save transcript" }).EvaluateAsync<bool>("e => e === document.activeElement"); i++)
            await page.Keyboard.PressAsync("Tab");
        await TranscriptEditorPage.ExpectFocusedAsync(page.GetByRole(AriaRole.Button, new() { Name = "Save transcript" }));
        await page.Keyboard.PressAsync("Enter");
        await editor.WaitSavedAsync();
        Assert.Equal(4, await fixture.App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == s.StoryId)));
        Assert.Equal("Added by keyboard.", await fixture.App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.StoryId && c.Position == 1).Select(c => c.Text).SingleAsync()));
        await fixture.AssertAccessibleAsync(page);
    }

    [Theory]
    [InlineData(360, 740)]
    [InlineData(1280, 900)]
    public async Task On_a_phone_and_a_wide_screen_nothing_scrolls_sideways_and_the_player_stays_in_view(int width, int height)
    {
        var s = await StoryAsync(seconds: 12);
        await SaveLinesAsync(s, Conversation(40, i => i is 1 or 2 or 7));
        await using var context = await fixture.NewContextAsync(width, height);
        var editor = await TranscriptEditorPage.OpenAsync(await SignedInAsync(context, s.Admin), s.ProjectId, s.StoryId);
        var page = editor.Page;
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await Assertions.Expect(editor.DraftBanner).ToContainTextAsync("3 lines are an automatic draft and still need checking by a person.");
        await editor.ScreenshotAsync($"editor-{width}-top");
        await fixture.AssertAccessibleAsync(page);

        // A line's actions open inside the line and still fit.
        await editor.ActionsButton(2).ClickAsync();
        await Assertions.Expect(editor.ActionsPanel).ToBeVisibleAsync();
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await editor.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Delete line") }).ScrollIntoViewIfNeededAsync();
        await editor.ScreenshotAsync($"editor-{width}-actions");
        await fixture.AssertAccessibleAsync(page);

        // Far down the transcript the player and the save status are still on screen.
        await editor.Words(30).FocusAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync(" More words.");
        await editor.WaitSavedAsync();
        foreach (var selector in new[] { "#player", "#save-status", "[data-action=toggle]" })
        {
            var box = (await page.Locator(selector).BoundingBoxAsync())!;
            Assert.True(box.Y >= 0 && box.Y + box.Height <= height, $"{selector} is off screen at {box.Y} (+{box.Height}) of {height}");
        }
        // ...and they do not cover the line being typed in.
        var dock = (await page.Locator(".editor-dock").BoundingBoxAsync())!;
        var words = (await editor.Words(30).BoundingBoxAsync())!;
        Assert.True(width > 900 || words.Y >= dock.Y + dock.Height, $"The line being typed (y {words.Y}) is under the player (bottom {dock.Y + dock.Height})");
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await editor.ScreenshotAsync($"editor-{width}-typing");
        await fixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Two_editors_at_once_the_later_save_is_refused_until_its_author_has_seen_the_other_version()
    {
        var s = await StoryAsync(withRecording: false);
        await SaveLinesAsync(s, Conversation(3));
        var colleague = await fixture.App.CreateUserAsync(name: "Colleague Person");
        await fixture.App.AddMemberAsync(s.ProjectId, colleague, Storyweave.Features.Projects.ProjectRole.CommunityReporter);
        await using var mine = await fixture.NewContextAsync();
        await using var theirs = await fixture.NewContextAsync();
        var a = await TranscriptEditorPage.OpenAsync(await SignedInAsync(mine, s.Admin), s.ProjectId, s.StoryId);
        var b = await TranscriptEditorPage.OpenAsync(await SignedInAsync(theirs, colleague), s.ProjectId, s.StoryId);

        // The colleague deletes line 3 and corrects line 1; saved.
        await b.Words(3).FocusAsync();
        await b.PressAsync("Alt+x");
        await b.Words(1).FillAsync("Question 1, as the colleague heard it.");
        await b.WaitSavedAsync();

        // I, still on the old version, change line 2: refused, told, and my words stay on the page.
        await a.Words(2).FillAsync("My edit that must not be lost.");
        await Assertions.Expect(a.Conflict).ToBeVisibleAsync(new() { Timeout = 15000 });
        await Assertions.Expect(a.Status).ToContainTextAsync("Not saved: someone else saved this transcript while you were editing.");
        await Assertions.Expect(a.Conflict.Locator("#their-version li")).ToHaveCountAsync(2);
        await Assertions.Expect(a.Conflict.Locator("#their-version")).ToContainTextAsync("Question 1, as the colleague heard it.");
        await Assertions.Expect(a.Words(2)).ToHaveValueAsync("My edit that must not be lost.");
        await fixture.AssertAccessibleAsync(a.Page);
        // Nothing was overwritten, and further typing does not save over theirs either.
        await a.Words(1).PressAsync("End");
        await a.TypeAsync(" More.");
        await a.Page.WaitForTimeoutAsync(1500);
        Assert.Equal(["Question 1, as the colleague heard it.", Conversation(3)[1].Text!], await fixture.App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.StoryId).OrderBy(c => c.Position).Select(c => c.Text).ToListAsync()));

        // Having seen theirs, I keep mine: my three lines are saved.
        await a.Page.GetByRole(AriaRole.Button, new() { Name = "Save my version anyway" }).ClickAsync();
        await a.WaitSavedAsync();
        await Assertions.Expect(a.Conflict).ToBeHiddenAsync();
        var saved = await fixture.App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.StoryId).OrderBy(c => c.Position).Select(c => c.Text).ToListAsync());
        Assert.Equal([Conversation(3)[0].Text! + " More.", "My edit that must not be lost.", Conversation(3)[2].Text!], saved);

        // Now the colleague is the one behind: they are told, and can take my version instead.
        await b.Words(1).FillAsync("The colleague again.");
        await Assertions.Expect(b.Conflict).ToBeVisibleAsync(new() { Timeout = 15000 });
        await b.Page.GetByRole(AriaRole.Button, new() { Name = "Use their version (drop my changes)" }).ClickAsync();
        await b.WaitReadyAsync();
        await Assertions.Expect(b.Words(2)).ToHaveValueAsync("My edit that must not be lost.");
        await Assertions.Expect(b.Lines).ToHaveCountAsync(3);
    }

    [Fact]
    public async Task Automatic_draft_lines_are_labelled_until_checked_or_edited_and_the_flag_survives_every_save()
    {
        var s = await StoryAsync(withRecording: false);
        await SaveLinesAsync(s, Conversation(5, i => i < 4));
        await using var context = await fixture.NewContextAsync();
        var editor = await TranscriptEditorPage.OpenAsync(await SignedInAsync(context, s.Admin), s.ProjectId, s.StoryId);
        await Assertions.Expect(editor.DraftBanner.Locator("p")).ToHaveTextAsync("4 lines are an automatic draft and still need checking by a person.");
        await Assertions.Expect(editor.Page.GetByText("Automatic draft — check this line")).ToHaveCountAsync(4);
        await fixture.AssertAccessibleAsync(editor.Page);

        // "Go to the next line to check", then "Mark as checked" by key (Alt+C): the label goes, the count follows.
        await editor.Page.GetByRole(AriaRole.Button, new() { Name = "Go to the next line to check" }).ClickAsync();
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(1));
        await editor.PressAsync("Alt+c");
        await Assertions.Expect(editor.Line(1).GetByText("Automatic draft — check this line")).ToHaveCountAsync(0);
        await Assertions.Expect(editor.DraftBanner).ToContainTextAsync("3 lines are an automatic draft");
        await Assertions.Expect(editor.Announcement).ToHaveTextAsync("Line 1 marked as checked. 3 lines still need checking.");
        // The button on the line does the same, and the focus moves to the line's words.
        await editor.Line(2).GetByRole(AriaRole.Button, new() { Name = "Mark as checked Line 2" }).ClickAsync();
        await TranscriptEditorPage.ExpectFocusedAsync(editor.Words(2));
        // Editing a draft line's words is checking it.
        await editor.Words(3).PressAsync("End");
        await editor.TypeAsync(" (checked)");
        await Assertions.Expect(editor.DraftBanner).ToContainTextAsync("1 line is an automatic draft and still needs checking by a person.");
        // Splitting a line that is still a draft gives two draft lines; a new line typed by a person is not one.
        await editor.PutCursorBeforeAsync(4, "we walked");
        await editor.PressAsync("Alt+s");
        await editor.Words(6).FocusAsync();
        await editor.PressAsync("End");
        await editor.PressAsync("Enter");
        await editor.TypeAsync("Typed by a person.");
        await Assertions.Expect(editor.DraftBanner).ToContainTextAsync("2 lines are an automatic draft");
        await editor.WaitSavedAsync();

        bool[] expected = [false, false, false, true, true, false, false];
        Assert.Equal(expected, await fixture.App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.StoryId).OrderBy(c => c.Position).Select(c => c.IsDraft).ToArrayAsync()));
        var cues = (await s.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{s.ProjectId}/stories/{s.StoryId}"))!["cues"]!.AsArray();
        Assert.Equal(expected, cues.Select(c => (bool)c!["isDraft"]!));

        // Reloaded, the page shows the same; the last draft checked makes the banner say so.
        await editor.Page.ReloadAsync();
        await editor.WaitReadyAsync();
        Assert.Equal(expected, (await editor.ReadAsync()).Select(l => l.Draft));
        await editor.Words(4).FocusAsync();
        await editor.PressAsync("Alt+c");
        await editor.Words(5).FocusAsync();
        await editor.PressAsync("Alt+c");
        await Assertions.Expect(editor.DraftBanner).ToContainTextAsync("0 lines are an automatic draft");
        await Assertions.Expect(editor.Announcement).ToContainTextAsync("Every line has been checked.");
        await editor.WaitSavedAsync();
        Assert.Equal(0, await fixture.App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == s.StoryId && c.IsDraft)));
    }

    [Fact]
    public async Task A_transcript_of_2000_lines_opens_splits_and_saves_whole()
    {
        var s = await StoryAsync(seconds: 12);
        await SaveLinesAsync(s, Conversation(2000, i => i % 10 == 0));
        await using var context = await fixture.NewContextAsync();
        var page = await SignedInAsync(context, s.Admin);
        var opened = System.Diagnostics.Stopwatch.StartNew();
        var editor = await TranscriptEditorPage.OpenAsync(page, s.ProjectId, s.StoryId);
        opened.Stop();
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(2000);
        await Assertions.Expect(editor.DraftBanner).ToContainTextAsync("200 lines are an automatic draft");

        // What a keystroke and a split cost in the page (reported, not asserted: CI shares its cores).
        await editor.Words(1500).FocusAsync();
        await editor.PressAsync("Control+End");
        var typing = await page.EvaluateAsync<double>(@"() => {
            const t = document.activeElement, t0 = performance.now();
            for (let i = 0; i < 50; i++) { t.setRangeText('x', t.value.length, t.value.length, 'end'); t.dispatchEvent(new InputEvent('input', { bubbles: true })); }
            return (performance.now() - t0) / 50; }");
        await editor.PutCursorBeforeAsync(1500, "we walked");
        var split = await page.EvaluateAsync<double>(@"() => {
            const t0 = performance.now();
            document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 's', code: 'KeyS', altKey: true, bubbles: true }));
            document.body.getBoundingClientRect();
            return performance.now() - t0; }");
        await Assertions.Expect(editor.Lines).ToHaveCountAsync(2001);
        await Assertions.Expect(editor.Words(1501)).ToBeFocusedAsync();
        await Assertions.Expect(editor.Words(1501)).ToHaveValueAsync(new Regex("^we walked down to the river"));
        await Assertions.Expect(editor.Line(2001).Locator(".cue-no")).ToHaveTextAsync("Line 2001");
        var saving = System.Diagnostics.Stopwatch.StartNew();
        await editor.WaitSavedAsync();
        saving.Stop();
        Console.WriteLine($"2,000-line transcript: page open {opened.ElapsedMilliseconds} ms, input handler {typing:F2} ms per keystroke, split at line 1500 {split:F1} ms, save {saving.ElapsedMilliseconds} ms");

        var texts = await fixture.App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.StoryId).OrderBy(c => c.Position).Select(c => c.Text).ToListAsync());
        Assert.Equal(2001, texts.Count);
        // The cursor was at the end when the x's were typed, so they went with the second half of the split.
        Assert.DoesNotContain("we walked", texts[1499], StringComparison.Ordinal);
        Assert.StartsWith("we walked down to the river", texts[1500], StringComparison.Ordinal);
        Assert.EndsWith(new string('x', 50), texts[1500], StringComparison.Ordinal);
        Assert.Equal(Conversation(2000)[1999].Text, texts[2000]);
    }

    [Fact]
    public async Task Clicking_a_line_seeks_the_player_playback_highlights_the_line_and_edits_save_as_you_type()
    {
        var s = await StoryAsync(seconds: 12);
        await fixture.App.WithServiceAsync<TranscriptService, bool>(async t => (await t.SaveAsync(s.ProjectId, s.StoryId,
        [
            new TranscriptService.CueInput(0, 2, "Benna Strake", "My name is Benna."),
            new TranscriptService.CueInput(2, 4, "Benna Strake", "Where did you grow up?"),
            new TranscriptService.CueInput(4, 7, "Benna Strake", "By the river, in a small house."),
        ], 0, "typed", s.Admin.Id)).Saved);

        await using var context = await fixture.NewContextAsync();
        var editor = await TranscriptEditorPage.OpenAsync(await SignedInAsync(context, s.Admin), s.ProjectId, s.StoryId);
        await fixture.AssertAccessibleAsync(editor.Page);

        // Click the third line: the player jumps to 0:04 (±0.5 s) and that line is highlighted.
        // (Clicked and read in one step, so the time it plays before the test looks does not count.)
        var seekedTo = await editor.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("Play from 0:04.0") })
            .EvaluateAsync<double>("b => { b.click(); return document.getElementById('player').currentTime; }");
        Assert.Equal(4.0, seekedTo, 3);
        await Assertions.Expect(editor.Line(3)).ToHaveAttributeAsync("aria-current", "true");

        // Playing from the start moves the highlight along with the speech.
        await editor.Player.EvaluateAsync("p => { p.currentTime = 0; return p.play(); }");
        await Assertions.Expect(editor.Line(1)).ToHaveClassAsync(new Regex("current"));
        await editor.WaitPlayedPastAsync(2.3);
        await Assertions.Expect(editor.Line(2)).ToHaveAttributeAsync("aria-current", "true");
        await Assertions.Expect(editor.Line(1)).Not.ToHaveAttributeAsync("aria-current", "true");

        // Saves as you type.
        await editor.Words(2).FillAsync("Where did you grow up, Benna?");
        await editor.WaitSavedAsync();
        Assert.Equal("Where did you grow up, Benna?", await fixture.App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.StoryId && c.Position == 1).Select(c => c.Text).SingleAsync()));

        // The other transcript pages pass axe as well.
        foreach (var url in new[] { $"/projects/{s.ProjectId}/stories/{s.StoryId}", $"/projects/{s.ProjectId}/stories/{s.StoryId}/transcript/import", $"/projects/{s.ProjectId}/stories/{s.StoryId}/transcript/speakers", $"/projects/{s.ProjectId}/stories/copy" })
        {
            var r = await editor.Page.GotoAsync(url);
            Assert.Equal(200, r!.Status);
            await fixture.AssertAccessibleAsync(editor.Page);
        }
    }
}
