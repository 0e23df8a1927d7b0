using System.Globalization;
using System.Text.Json;

namespace Storyweave.BrowserTests;

/// <summary>
/// The transcript editor as a person meets it: numbered lines with their words, speaker and times, the
/// player, the keys, and what the page says about saving. Lines are found by their accessible names
/// ("Words of Line 3"), the way a screen reader announces them. Each is looked for inside its own line: asking the
/// whole page for one accessible name makes the browser name every control on it, which takes seconds at 2,000 lines.
/// </summary>
public sealed class TranscriptEditorPage(IPage page)
{
    public sealed record LineState(string Start, string End, string Speaker, string Words, bool Draft);

    public IPage Page => page;

    public static async Task<TranscriptEditorPage> OpenAsync(IPage page, int projectId, int storyId)
    {
        var response = await page.GotoAsync($"/projects/{projectId}/stories/{storyId}/transcript/edit");
        Assert.Equal(200, response!.Status);
        var editor = new TranscriptEditorPage(page);
        await editor.WaitReadyAsync();
        return editor;
    }

    public async Task WaitReadyAsync()
    {
        await page.WaitForFunctionAsync("() => document.querySelector('.editor.js') !== null");
        if (await page.Locator("#player").CountAsync() > 0)
            await page.WaitForFunctionAsync("() => document.getElementById('player').readyState >= 1");
    }

    public ILocator Lines => page.Locator("#cues > li.cue");
    public ILocator Line(int n) => Lines.Nth(n - 1);
    public ILocator Words(int n) => Line(n).GetByRole(AriaRole.Textbox, new() { Name = $"Words of Line {n}", Exact = true });
    public ILocator Start(int n) => Line(n).GetByRole(AriaRole.Textbox, new() { Name = $"Start Line {n}", Exact = true });
    public ILocator End(int n) => Line(n).GetByRole(AriaRole.Textbox, new() { Name = $"End Line {n}", Exact = true });
    public ILocator Speaker(int n) => Line(n).GetByRole(AriaRole.Combobox, new() { Name = $"Speaker Line {n}", Exact = true });
    public ILocator ActionsButton(int n) => Line(n).GetByRole(AriaRole.Button, new() { Name = $"Line actions Line {n}", Exact = true });
    public ILocator ActionsPanel => page.Locator("#line-actions");
    public ILocator Status => page.Locator("#save-status");
    public ILocator Announcement => page.Locator("#announce");
    public ILocator Player => page.Locator("#player");
    public ILocator UndoNotice => page.Locator("#cues > li.cue-undo");
    public ILocator DraftBanner => page.Locator("#draft-banner");
    public ILocator Conflict => page.Locator("#conflict");

    public Task PressAsync(string keys) => page.Keyboard.PressAsync(keys);
    public Task TypeAsync(string text) => page.Keyboard.TypeAsync(text);

    public Task<double> CurrentTimeAsync() => Player.EvaluateAsync<double>("p => p.currentTime");
    public Task<bool> PausedAsync() => Player.EvaluateAsync<bool>("p => p.paused");
    public Task<double> RateAsync() => Player.EvaluateAsync<double>("p => p.playbackRate");
    public Task WaitPlayedPastAsync(double seconds) =>
        page.WaitForFunctionAsync($"() => document.getElementById('player').currentTime > {seconds.ToString(CultureInfo.InvariantCulture)}", null, new() { Timeout = 20000 });

    public async Task WaitSavedAsync() =>
        await Assertions.Expect(Status).ToContainTextAsync("All changes saved", new() { Timeout = 15000 });

    public static async Task ExpectFocusedAsync(ILocator locator) => await Assertions.Expect(locator).ToBeFocusedAsync();

    /// <summary>Where the cursor is in the focused text box.</summary>
    public Task<int> CaretAsync() => page.EvaluateAsync<int>("() => document.activeElement.selectionStart");

    /// <summary>Every line as the page shows it, read in one go (long transcripts).</summary>
    public async Task<List<LineState>> ReadAsync()
    {
        var json = await page.EvaluateAsync<JsonElement>(@"() => Array.from(document.querySelectorAll('#cues > li.cue')).map(li => ({
            start: li.querySelector('.cue-start').value, end: li.querySelector('.cue-end').value,
            speaker: li.querySelector('.cue-speaker-input').value, words: li.querySelector('.cue-text-input').value,
            draft: li.classList.contains('draft') }))");
        return json.EnumerateArray().Select(l => new LineState(l.GetProperty("start").GetString()!, l.GetProperty("end").GetString()!,
            l.GetProperty("speaker").GetString()!, l.GetProperty("words").GetString()!, l.GetProperty("draft").GetBoolean())).ToList();
    }

    /// <summary>Puts the cursor in line <paramref name="n"/>'s words just before <paramref name="before"/>, by keyboard.</summary>
    public async Task PutCursorBeforeAsync(int n, string before)
    {
        var words = await Words(n).InputValueAsync();
        var at = words.IndexOf(before, StringComparison.Ordinal);
        Assert.True(at >= 0, $"Line {n} has no \"{before}\": {words}");
        await Words(n).FocusAsync();
        await PressAsync("Control+Home");
        for (var i = 0; i < at; i++) await PressAsync("ArrowRight");
        Assert.Equal(at, await CaretAsync());
    }

    public async Task ScreenshotAsync(string name)
    {
        var folder = Environment.GetEnvironmentVariable("STORYWEAVE_SCREENSHOTS") ?? Path.Combine(Path.GetTempPath(), "storyweave-screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png") });
    }
}
