using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.BrowserTests;

/// <summary>
/// The coding page in a real browser: select-and-code by mouse, by keyboard and by touch; codes painted in the
/// text (overlaps as stacked stripes) and opened with a click or Enter; live updates between two coders;
/// consent kept (withheld turns are never shown or codable); a phone-width page that never scrolls sideways.
/// </summary>
public sealed class CodingTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0, 4, "Reporter", "What brought you here?"),
        new(4, 9.5, "Dana", "A leaflet in the library."),
        new(9.5, 15, "Dana", "Then the group became my second family."),
        new(15, 20, "Eli", "I still come every week."),
        new(20, 24, "Dana", "Now I run the Tuesday session myself."),
    ];

    private sealed record Setup(int ProjectId, int StoryId, TestApp.TestUser Lead, TestApp.TestUser Analyst, int Belonging, int FindingHelp, string Url);

    private async Task<Setup> SetUpAsync()
    {
        var app = fixture.App;
        await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lee Lead");
        var analyst = await app.CreateUserAsync(name: "Ana Lyst");
        var projectId = await app.CreateProjectAsync(lead);
        await app.AddMemberAsync(projectId, analyst, ProjectRole.Analyst);
        var (storyId, _) = await app.CreateCodingStoryAsync(projectId, lead, [new("Dana"), new("Eli", Analysis: false)], Cues);
        var belonging = await app.CreateThemeAsync(projectId, "Belonging", "#1f5c4a");
        var help = await app.CreateThemeAsync(projectId, "Finding help", "#a4161a");
        await app.CreateThemeAsync(projectId, "Family", "#1d4e89");
        return new Setup(projectId, storyId, lead, analyst, belonging, help, $"/projects/{projectId}/stories/{storyId}/coding");
    }

    private async Task<IPage> SignInAsync(TestApp.TestUser user, int width = 1280, int height = 900, bool touch = false)
    {
        var context = touch
            ? await fixture.WatchCspAsync(await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = fixture.App.BaseUrl,
                ViewportSize = new ViewportSize { Width = width, Height = height },
                HasTouch = true,
                IsMobile = true,
            }))
            : await fixture.NewContextAsync(width, height);
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, user.Email, user.Password);
        return page;
    }

    private sealed record Box(double Left, double Top, double Right, double Bottom);

    /// <summary>The viewport boxes of a phrase in one line of the transcript (one per line box it wraps onto).</summary>
    private static async Task<List<Box>> PhraseBoxesAsync(IPage page, int line, string phrase)
    {
        var json = await page.EvaluateAsync<JsonElement>(@"([line, phrase]) => {
            const span = document.querySelectorAll('.cue-text[data-offset]')[line];
            const at = span.textContent.indexOf(phrase);
            if (at < 0) throw new Error('Not found in line ' + line + ': ' + span.textContent);
            // The words may be split over several text nodes once they are painted.
            const point = (offset) => {
                const walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT);
                let node;
                while ((node = walker.nextNode())) { if (offset <= node.data.length) return [node, offset]; offset -= node.data.length; }
            };
            const range = document.createRange();
            range.setStart(...point(at)); range.setEnd(...point(at + phrase.length));
            return Array.from(range.getClientRects()).map(r => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom }));
        }", new object[] { line, phrase });
        return json.EnumerateArray().Select(r => new Box(r.GetProperty("left").GetDouble(), r.GetProperty("top").GetDouble(), r.GetProperty("right").GetDouble(), r.GetProperty("bottom").GetDouble())).ToList();
    }

    private static async Task<Box> BoxOfAsync(ILocator locator)
    {
        var b = (await locator.BoundingBoxAsync())!;
        return new Box(b.X, b.Y, b.X + b.Width, b.Y + b.Height);
    }

    private static bool Overlaps(Box a, Box b) => a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name + ".png"), FullPage = false });
    }

    [Fact]
    public async Task Words_selected_with_the_mouse_get_a_chooser_below_them_are_painted_in_the_text_and_reach_another_coder_live()
    {
        var s = await SetUpAsync();
        var lead = await SignInAsync(s.Lead);
        var analyst = await SignInAsync(s.Analyst);
        await lead.GotoAsync(s.Url);
        await analyst.GotoAsync(s.Url);
        await Assertions.Expect(lead.Locator(".coding[data-live='on']")).ToHaveCountAsync(1, new() { Timeout = 10000 });
        await Assertions.Expect(analyst.Locator(".coding[data-live='on']")).ToHaveCountAsync(1, new() { Timeout = 10000 });
        // Consent: Eli's turn is neither shown nor sent to the page's script.
        Assert.DoesNotContain("I still come every week.", await lead.ContentAsync(), StringComparison.Ordinal);
        // The keys are written on the page.
        await Assertions.Expect(lead.Locator("#coding-keys-short")).ToContainTextAsync("Shift");

        // Drag across "second family" with the mouse: first letter to last letter.
        var words = await PhraseBoxesAsync(lead, 2, "second family");
        var from = words[0];
        var to = words[^1];
        await lead.Mouse.MoveAsync((float)from.Left + 1, (float)(from.Top + from.Bottom) / 2);
        await lead.Mouse.DownAsync();
        await lead.Mouse.MoveAsync((float)(from.Left + to.Right) / 2, (float)(from.Top + from.Bottom) / 2, new() { Steps = 5 });
        // The chooser does not open while the mouse is still selecting.
        await Assertions.Expect(lead.Locator(".theme-chooser")).ToBeHiddenAsync();
        await lead.Mouse.MoveAsync((float)to.Right - 1, (float)(to.Top + to.Bottom) / 2, new() { Steps = 5 });
        await lead.Mouse.UpAsync();

        var chooser = lead.Locator(".theme-chooser");
        await Assertions.Expect(chooser).ToBeVisibleAsync();
        await Assertions.Expect(lead.Locator("#chooser-filter")).ToBeFocusedAsync();
        // The selection stays painted, with only the spoken words in it, and the chooser covers none of it.
        var pending = lead.Locator("mark.pending");
        await Assertions.Expect(pending).ToHaveTextAsync("second family");
        var chooserBox = await BoxOfAsync(chooser);
        foreach (var box in await PhraseBoxesAsync(lead, 2, "second family"))
            Assert.False(Overlaps(box, chooserBox), $"The chooser {chooserBox} covers the selection {box}.");
        Assert.True(chooserBox.Top >= words.Max(w => w.Bottom) || chooserBox.Bottom <= words.Min(w => w.Top), "The chooser is neither below nor above the words.");
        await ScreenshotAsync(lead, "coding-chooser-desktop");
        await fixture.AssertAccessibleAsync(lead);

        // Type to filter, Enter to code with the first match.
        await lead.Keyboard.TypeAsync("belo");
        await Assertions.Expect(chooser.Locator("li:not([hidden])")).ToHaveCountAsync(1);
        await lead.Keyboard.PressAsync("Enter");
        await Assertions.Expect(lead.Locator("#coding-status")).ToHaveTextAsync("Coded with Belonging.");
        await Assertions.Expect(chooser).ToBeHiddenAsync();
        var passage = await fixture.App.WithDbAsync(db => db.Passages.SingleAsync(p => p.StoryId == s.StoryId));
        Assert.Equal(("second family", 49 + 25, 49 + 38), (passage.Snippet, passage.StartOffset, passage.EndOffset));

        // Painted in the text for both coders (the analyst without reloading), and listed beside the line.
        var mark = lead.Locator("mark.hl", new() { HasText = "second family" });
        await Assertions.Expect(mark).ToHaveAttributeAsync("data-stripes", "1");
        await Assertions.Expect(analyst.Locator("mark.hl", new() { HasText = "second family" })).ToHaveCountAsync(1);
        var code = analyst.Locator(".passage", new() { HasText = "second family" });
        await Assertions.Expect(code).ToContainTextAsync("Belonging");
        await Assertions.Expect(code).ToContainTextAsync("by Lee Lead");

        // Clicking the painted words shows their themes and memo, beside or below them.
        await analyst.Locator("mark.hl", new() { HasText = "second family" }).ClickAsync();
        var card = analyst.Locator(".passage-card");
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Name = "Coded passage" })).ToBeFocusedAsync();
        await Assertions.Expect(card).ToContainTextAsync("Belonging");
        await Assertions.Expect(card).ToContainTextAsync("No memos yet.");
        await card.GetByLabel("Add a memo about this passage").FillAsync("Family as a word for the group.");
        await card.GetByRole(AriaRole.Button, new() { Name = "Save memo" }).ClickAsync();
        await Assertions.Expect(card.Locator(".card-memos")).ToContainTextAsync("Family as a word for the group. (Ana Lyst)");
        await fixture.AssertAccessibleAsync(analyst);
        await analyst.Keyboard.PressAsync("Escape");
        await Assertions.Expect(card).ToBeHiddenAsync();

        // A selection running into a withheld turn is refused with a reason, and no chooser opens.
        await lead.EvaluateAsync(@"() => {
            const spans = document.querySelectorAll('.cue-text[data-offset]');
            const range = document.createRange();
            range.setStart(spans[2].firstChild, 0); range.setEnd(spans[3].firstChild, 3);
            const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            spans[2].dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
            document.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
        }");
        await Assertions.Expect(lead.Locator("#coding-status")).ToHaveTextAsync("Your selection includes words that are not shown, so it cannot be coded. Select only shown words.");
        await Assertions.Expect(chooser).ToBeHiddenAsync();

        // Removing a code from the list beside the line reaches the other coder as well.
        await lead.Locator(".passage", new() { HasText = "second family" }).GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Remove") }).ClickAsync();
        await Assertions.Expect(analyst.Locator("mark.hl")).ToHaveCountAsync(0);
        await Assertions.Expect(analyst.Locator(".passage", new() { HasText = "second family" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task With_the_keyboard_alone_words_are_selected_coded_and_overlapping_codes_show_as_stacked_stripes_that_open_with_enter()
    {
        var s = await SetUpAsync();
        var page = await SignInAsync(s.Lead);
        await page.GotoAsync(s.Url);
        var transcript = page.Locator(".coding-transcript");
        for (var i = 0; i < 80 && !await transcript.EvaluateAsync<bool>("e => e === document.activeElement"); i++) await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(transcript).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator(".kb-caret")).ToBeVisibleAsync();

        // Line 2 of the shown lines is "Then the group became my second family.": go there, one word in, select three words.
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Home");
        await page.Keyboard.PressAsync("Control+ArrowRight");
        await page.Keyboard.PressAsync("Control+ArrowRight");
        for (var i = 0; i < 3; i++) await page.Keyboard.PressAsync("Control+Shift+ArrowRight");
        Assert.Equal("group became my ", await page.EvaluateAsync<string>("() => window.getSelection().toString()"));
        await Assertions.Expect(page.Locator("#coding-status")).ToContainTextAsync("Selected: “group became my”");
        await page.Keyboard.PressAsync("c");
        var chooser = page.Locator(".theme-chooser");
        await Assertions.Expect(chooser).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#chooser-title")).ToHaveTextAsync("Code “group became my”");
        // Into the list with the arrow keys (Belonging, Family, Finding help), tick with Space, code with Enter.
        for (var i = 0; i < 3; i++) await page.Keyboard.PressAsync("ArrowDown");
        Assert.Equal($"choose-theme-{s.FindingHelp}", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#coding-status")).ToHaveTextAsync("Coded with Finding help.");
        await Assertions.Expect(transcript).ToBeFocusedAsync();

        // "my second family" overlaps it on "my": select from the caret (after "my") back one word and on to the line's end.
        await page.Keyboard.PressAsync("Control+ArrowLeft");
        await page.Keyboard.PressAsync("Shift+End");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#chooser-title")).ToHaveTextAsync("Code “my second family.”");
        // The theme used last comes first, marked as recent.
        await Assertions.Expect(chooser.Locator("li").First).ToContainTextAsync("Finding help (recent)");
        await page.Keyboard.TypeAsync("Belong");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#coding-status")).ToHaveTextAsync("Coded with Belonging.");

        // The overlap carries two stripes; the rest one each.
        await Assertions.Expect(page.Locator("mark.hl[data-stripes='2']")).ToHaveTextAsync("my");
        await Assertions.Expect(page.Locator("mark.hl[data-stripes='1']")).ToHaveTextAsync(["group became ", " second family."]);
        var passages = await fixture.App.WithDbAsync(db => db.Passages.Where(p => p.StoryId == s.StoryId).OrderBy(p => p.StartOffset).Select(p => p.Snippet).ToListAsync());
        Assert.Equal(["group became my", "my second family."], passages);
        await ScreenshotAsync(page, "coding-overlap-desktop");
        await fixture.AssertAccessibleAsync(page);

        // Enter on the overlap shows both passages; remove a theme there; Esc returns to the transcript.
        await page.Keyboard.PressAsync("Home");
        for (var i = 0; i < 4; i++) await page.Keyboard.PressAsync("Control+ArrowRight"); // on "my"
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("Enter");
        var card = page.Locator(".passage-card");
        await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Name = "2 coded passages here" })).ToBeFocusedAsync();
        await Assertions.Expect(card.Locator("article")).ToHaveCountAsync(2);
        await fixture.AssertAccessibleAsync(page);
        await card.Locator("article", new() { HasText = "group became my" }).GetByRole(AriaRole.Button, new() { Name = "Remove Finding help from this passage" }).ClickAsync();
        await Assertions.Expect(page.Locator("#coding-status")).ToHaveTextAsync("Removed Finding help from that passage.");
        await Assertions.Expect(card.Locator("article")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(card).ToBeHiddenAsync();
        await Assertions.Expect(transcript).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("mark.hl[data-stripes='2']")).ToHaveCountAsync(0);

        // A new theme made right there, with L for the whole line.
        await page.Keyboard.PressAsync("ArrowUp");
        await page.Keyboard.PressAsync("l");
        await page.Keyboard.PressAsync("c");
        await page.Keyboard.TypeAsync("Libraries");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create the theme “Libraries” and code" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(chooser).ToBeHiddenAsync(new() { Timeout = 10000 });
        await Assertions.Expect(page.Locator("#coding-status")).ToHaveTextAsync("Coded with Libraries.");
        await Assertions.Expect(page.Locator("mark.hl")).ToHaveTextAsync(["A leaflet in the library.", "my second family."]);
        Assert.True(await fixture.App.WithDbAsync(db => db.Themes.AnyAsync(t => t.ProjectId == s.ProjectId && t.Name == "Libraries")));
    }

    [Fact]
    public async Task At_phone_width_a_touch_selection_gets_the_chooser_as_a_bottom_sheet_and_nothing_scrolls_sideways()
    {
        var s = await SetUpAsync();
        var page = await SignInAsync(s.Lead, 360, 740, touch: true);
        await page.GotoAsync(s.Url);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await Assertions.Expect(page.Locator(".coding[data-live='on']")).ToHaveCountAsync(1, new() { Timeout = 10000 });

        // A long press selects a word and the handles are dragged: the selection changes and then settles.
        await page.EvaluateAsync(@"() => {
            const span = document.querySelectorAll('.cue-text[data-offset]')[3];
            const text = span.firstChild, at = text.data.indexOf('Tuesday');
            const sel = window.getSelection();
            sel.setBaseAndExtent(text, at, text, at + 'Tuesday'.length);
            setTimeout(() => sel.setBaseAndExtent(text, at, text, at + 'Tuesday session'.length), 200);
        }");
        var chooser = page.Locator(".theme-chooser");
        await Assertions.Expect(chooser).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("as-sheet"));
        await Assertions.Expect(page.Locator("mark.pending")).ToHaveTextAsync("Tuesday session");
        var sheet = await BoxOfAsync(chooser);
        Assert.Equal(740, sheet.Bottom, 1);
        Assert.Equal((0.0, 360.0), (sheet.Left, sheet.Right));
        var words = await BoxOfAsync(page.Locator("mark.pending"));
        Assert.True(words.Bottom <= sheet.Top && words.Top >= 0, $"The words {words} are not visible above the sheet {sheet}.");
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await ScreenshotAsync(page, "coding-chooser-phone");
        await fixture.AssertAccessibleAsync(page);

        await chooser.GetByText("Family", new() { Exact = true }).TapAsync();
        await chooser.GetByRole(AriaRole.Button, new() { Name = "Code", Exact = true }).TapAsync();
        await Assertions.Expect(page.Locator("#coding-status")).ToHaveTextAsync("Coded with Family.");
        await Assertions.Expect(page.Locator("mark.hl")).ToHaveTextAsync("Tuesday session");
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);

        // A tap on the painted words opens its card as a sheet too.
        await page.Locator("mark.hl").TapAsync();
        await Assertions.Expect(page.Locator(".passage-card.as-sheet")).ToBeVisibleAsync();
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await ScreenshotAsync(page, "coding-card-phone");
    }
}
