using System.Text.RegularExpressions;
using Storyweave.Features.Consent;

namespace Storyweave.BrowserTests;

/// <summary>
/// A reporter makes a personal link and prints the handout; the storyteller, on a 360 px phone and
/// by keyboard alone, opens it, types the code, and changes a choice on their own page.
/// </summary>
public sealed class StorytellerPortalTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException("Could not reach the element with the Tab key.");
    }

    private async Task CheckAsync(IPage page)
    {
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_storyteller_on_a_phone_opens_their_link_by_keyboard_and_changes_a_choice()
    {
        var app = fixture.App;
        await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lena Lead");
        var projectId = await app.CreateProjectAsync(lead, "Journeys through care");
        var ada = await app.CreateStorytellerAsync(projectId, lead, "Ada Quill");
        var bert = await app.CreateStorytellerAsync(projectId, lead, "Bertrand Zephyrine");
        var storyId = await app.CreateStoryWithTranscriptAsync(projectId, lead, [ada, bert],
            ("Reporter", "What helped?"), ("Ada", "The allotment kept me going through the winter."), ("Bertrand", "My brother visited every week."));
        // A 30-second recording of the group story (lines at 0, 10 and 20 s): Ada hears her own turn, 9 seconds.
        using (var folder = new TestMedia.Folder())
        {
            var mp3 = folder.File("group.mp3");
            await TestMedia.RunFfmpegAsync(["-f", "lavfi", "-i", "sine=frequency=440:duration=30", "-c:a", "libmp3lame", mp3]);
            using var api = await app.ApiClientAsync(lead);
            using var content = TestMedia.FileContent(mp3, "group.mp3");
            Assert.True((await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content)).IsSuccessStatusCode);
        }

        // The lead makes the link on a phone too and sees the handout.
        string address, code;
        await using (var desk = await fixture.NewContextAsync(360, 740))
        {
            var page = await desk.NewPageAsync();
            await fixture.SignInAsync(page, lead.Email, lead.Password);
            await page.GotoAsync($"/projects/{projectId}/storytellers/{ada}");
            await page.GetByRole(AriaRole.Link, new() { Name = "Make or turn off their personal link" }).ClickAsync();
            await CheckAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Make a new personal link" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your own page about your story" })).ToBeVisibleAsync();
            await CheckAsync(page);
            address = (await page.Locator(".handout-address").InnerTextAsync()).Trim();
            code = (await page.Locator(".handout-code").InnerTextAsync()).Trim();
            Assert.Matches(@"^\d{3} \d{3}$", code);
            Assert.Contains(address, await page.GetByLabel("Text to copy into an email").InputValueAsync(), StringComparison.Ordinal);
            // When printed, only the handout is on the paper.
            await page.EmulateMediaAsync(new() { Media = Media.Print });
            Assert.False(await page.Locator(".site-header").IsVisibleAsync());
            Assert.False(await page.GetByLabel("Text to copy into an email").IsVisibleAsync());
            Assert.True(await page.Locator(".handout").IsVisibleAsync());
            // The QR code is printed too, whole and decoded as an image (not a broken one).
            var qr = page.Locator(".handout img.handout-qr");
            await Assertions.Expect(qr).ToBeVisibleAsync();
            Assert.True(await qr.EvaluateAsync<bool>("i => i.complete && i.naturalWidth > 100"), "The QR code image did not load.");
            await page.EmulateMediaAsync(new() { Media = Media.Screen });
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "storyweave-handout-360.png"), FullPage = true });
        }

        await using var phone = await fixture.NewContextAsync(360, 740);
        var me = await phone.NewPageAsync();
        var response = await me.GotoAsync(new Uri(address).AbsolutePath);
        Assert.Equal(200, response!.Status);
        await CheckAsync(me);

        // Keyboard only: Tab to the code, type it, Enter.
        await TabToAsync(me, me.GetByLabel("Type your 6-number code"));
        await me.Keyboard.TypeAsync("000 001" == code ? "000 002" : "000 001");
        await me.Keyboard.PressAsync("Enter");
        await Assertions.Expect(me.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code is not right");
        await CheckAsync(me);
        await TabToAsync(me, me.GetByLabel("Type your 6-number code"));
        await me.Keyboard.TypeAsync(code);
        await me.Keyboard.PressAsync("Enter");
        await Assertions.Expect(me.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Hello, Ada Quill");
        await Assertions.Expect(me.GetByText("The allotment kept me going through the winter.")).ToBeVisibleAsync();
        await Assertions.Expect(me.GetByText("Another person speaking:")).ToHaveCountAsync(2);
        Assert.DoesNotContain("My brother visited", await me.ContentAsync(), StringComparison.Ordinal);
        // Her own parts of the recording play in the browser: only her turn, 9 of the 30 seconds.
        await Assertions.Expect(me.GetByText("Listen to your own parts of the recording.")).ToBeVisibleAsync();
        var audio = me.Locator($"audio[src='/me/stories/{storyId}/recording']");
        await Assertions.Expect(audio).ToBeVisibleAsync();
        var seconds = await audio.EvaluateAsync<double>("a => new Promise((ok, no) => { a.onloadedmetadata = () => ok(a.duration); a.onerror = () => no(new Error('audio error ' + (a.error && a.error.code))); a.preload = 'metadata'; a.load(); })");
        Assert.InRange(seconds, 8.5, 9.5);
        await CheckAsync(me);
        await me.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "storyweave-me-player-360.png"), FullPage = true });

        // Tab to the consent form, untick analysis with Space, Tab to the button, submit with Enter.
        var analysis = me.GetByLabel("Let the research team read your story and talk about it");
        await Assertions.Expect(analysis).ToBeCheckedAsync();
        await TabToAsync(me, analysis);
        await me.Keyboard.PressAsync("Space");
        await Assertions.Expect(analysis).Not.ToBeCheckedAsync();
        await TabToAsync(me, me.GetByRole(AriaRole.Button, new() { Name = "Save my choices" }));
        await me.Keyboard.PressAsync("Enter");
        await Assertions.Expect(me.GetByRole(AriaRole.Status)).ToContainTextAsync("Your choices are saved");
        await Assertions.Expect(me.GetByLabel("Let the research team read your story and talk about it")).Not.ToBeCheckedAsync();
        await CheckAsync(me);
        var decision = await app.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(ada, ConsentUse.Analysis));
        Assert.False(decision.Allowed);

        // The other pages of the storyteller's own area.
        await me.GotoAsync("/me/withdraw");
        await CheckAsync(me);
        await me.GotoAsync("/me");
        await me.GetByRole(AriaRole.Button, new() { Name = "Leave your page" }).ClickAsync();
        await Assertions.Expect(me.GetByRole(AriaRole.Heading, new() { Name = "You have left your page" })).ToBeVisibleAsync();
        await CheckAsync(me);
        var again = await me.GotoAsync("/me");
        Assert.Equal(401, again!.Status);
        await Assertions.Expect(me.GetByRole(AriaRole.Heading, new() { Name = "Please open your link again" })).ToBeVisibleAsync();
        await CheckAsync(me);
    }

    [Fact]
    public async Task A_locked_link_explains_itself_plainly_on_a_phone()
    {
        var app = fixture.App;
        await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Lena Lead");
        var projectId = await app.CreateProjectAsync(lead, "Locked out");
        var teller = await app.CreateStorytellerAsync(projectId, lead, "Cas Lock");
        var link = await TestApp.CreateStorytellerLinkAsync(await app.SignInAsync(lead), projectId, teller);
        await using var phone = await fixture.NewContextAsync(360, 740);
        var page = await phone.NewPageAsync();
        await page.GotoAsync(link.Path);
        for (var i = 0; i < 5; i++)
        {
            await page.GetByLabel("Type your 6-number code").FillAsync(link.Code == "000 000" ? "111 111" : "000 000");
            await page.GetByRole(AriaRole.Button, new() { Name = "Open my page" }).ClickAsync();
        }
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This link is locked");
        await Assertions.Expect(page.GetByText(new Regex("ask the person who gave you the link for a new one"))).ToBeVisibleAsync();
        await CheckAsync(page);
    }
}
