using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.BrowserTests;

/// <summary>The coding page in a real browser: two coders see each other's codes live; keyboard-only coding without selecting.</summary>
public sealed class CodingTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private async Task<IPage> SignInAsync(TestApp.TestUser user)
    {
        var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email address").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
    }

    [Fact]
    public async Task A_code_made_by_one_coder_appears_for_another_without_reloading_and_a_line_can_be_coded_with_the_keyboard_alone()
    {
        var app = fixture.App;
        await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lee Lead");
        var analyst = await app.CreateUserAsync(name: "Ana Lyst");
        var projectId = await app.CreateProjectAsync(lead);
        await app.AddMemberAsync(projectId, analyst, ProjectRole.Analyst);
        var (storyId, _) = await app.CreateCodingStoryAsync(projectId, lead, [new("Dana"), new("Eli", Analysis: false)],
        [
            new TranscriptService.CueInput(0, 4, "Reporter", "What brought you here?"),
            new TranscriptService.CueInput(4, 9.5, "Dana", "A leaflet in the library."),
            new TranscriptService.CueInput(9.5, 15, "Dana", "Then the group became my second family."),
            new TranscriptService.CueInput(15, 20, "Eli", "I still come every week."),
        ]);
        var belonging = await app.CreateThemeAsync(projectId, "Belonging", "#1f5c4a");
        await app.CreateThemeAsync(projectId, "Finding help", "#a4161a");
        var url = $"/projects/{projectId}/stories/{storyId}/coding";

        var leadPage = await SignInAsync(lead);
        var analystPage = await SignInAsync(analyst);
        await leadPage.GotoAsync(url);
        await analystPage.GotoAsync(url);
        await Assertions.Expect(leadPage.Locator(".coding[data-live='on']")).ToHaveCountAsync(1, new() { Timeout = 10000 });
        await Assertions.Expect(analystPage.Locator(".coding[data-live='on']")).ToHaveCountAsync(1, new() { Timeout = 10000 });
        await Assertions.Expect(leadPage.GetByText("I still come every week.")).ToHaveCountAsync(0);

        // The lead selects "second family" in Dana's second turn and codes it.
        await leadPage.EvaluateAsync(@"() => {
            const span = document.querySelectorAll('.cue-text[data-offset]')[2];
            const text = span.firstChild, at = text.data.indexOf('second family');
            const range = document.createRange();
            range.setStart(text, at); range.setEnd(text, at + 'second family'.length);
            const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            span.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
        }");
        var panel = leadPage.Locator("#selection-panel");
        await Assertions.Expect(panel).ToBeVisibleAsync();
        await Assertions.Expect(leadPage.Locator("#selection-text")).ToHaveTextAsync("second family");
        await fixture.AssertAccessibleAsync(leadPage);
        await panel.GetByLabel("Belonging").CheckAsync();
        await panel.GetByRole(AriaRole.Button, new() { Name = "Code selection" }).ClickAsync();
        await Assertions.Expect(leadPage.Locator("#coding-status")).ToHaveTextAsync("Coded.");

        // The analyst's page shows it within a second, without reloading: swatch, theme name and coder.
        var started = DateTime.UtcNow;
        var code = analystPage.Locator(".passage", new() { HasText = "second family" });
        await Assertions.Expect(code).ToContainTextAsync("Belonging", new() { Timeout = 1000 });
        var elapsed = DateTime.UtcNow - started;
        await Assertions.Expect(code).ToContainTextAsync("by Lee Lead");
        await Assertions.Expect(code.Locator("svg.swatch")).ToHaveCountAsync(1);
        var passage = await app.WithDbAsync(db => db.Passages.SingleAsync(p => p.StoryId == storyId));
        Assert.Equal(("second family", 49 + 25, 49 + 38), (passage.Snippet, passage.StartOffset, passage.EndOffset));
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed.TotalMilliseconds} ms");
        await fixture.AssertAccessibleAsync(analystPage);

        // Keyboard only: open "Code this line" on line 2, tick a theme with Space, submit with Enter.
        await analystPage.Locator("summary", new() { HasText = "(line 2)" }).FocusAsync();
        await analystPage.Keyboard.PressAsync("Enter");
        await analystPage.Keyboard.PressAsync("Tab");
        Assert.Equal("line-1-theme-" + belonging, await analystPage.EvaluateAsync<string>("() => document.activeElement.id"));
        await analystPage.Keyboard.PressAsync("Space");
        await analystPage.Keyboard.PressAsync("Tab");
        await analystPage.Keyboard.PressAsync("Tab");
        Assert.Equal("Code line 2", await analystPage.EvaluateAsync<string>("() => document.activeElement.textContent.trim()"));
        await analystPage.Keyboard.PressAsync("Enter");
        await Assertions.Expect(analystPage.Locator("p.notice[role='status']")).ToHaveTextAsync("Coded.");
        await Assertions.Expect(analystPage.Locator(".passage", new() { HasText = "A leaflet in the library." })).ToContainTextAsync("by Ana Lyst");
        // ...and the lead sees that one arrive too.
        await Assertions.Expect(leadPage.Locator(".passage", new() { HasText = "A leaflet in the library." })).ToContainTextAsync("Belonging", new() { Timeout = 1000 });
        await fixture.AssertAccessibleAsync(analystPage);

        // Removing a code with JavaScript reaches the other coder as well.
        await leadPage.Locator(".passage", new() { HasText = "second family" }).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Remove") }).ClickAsync();
        await Assertions.Expect(analystPage.Locator(".passage", new() { HasText = "second family" })).ToHaveCountAsync(0, new() { Timeout = 1000 });

        // At phone width the page does not scroll sideways.
        await analystPage.SetViewportSizeAsync(360, 800);
        await BrowserFixture.AssertNoHorizontalScrollAsync(analystPage);
    }
}
