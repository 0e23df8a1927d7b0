using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;

namespace Storyweave.BrowserTests;

/// <summary>
/// A live workshop with three people in separate browsers: the facilitator, a project member, and
/// a person without an account who joins by link on a phone.
/// </summary>
public sealed class WorkshopTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions WithinASecond = new() { Timeout = 1000 };

    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException("Could not reach the element with the Tab key.");
    }

    private static async Task<IPage> SignInAsync(IBrowserContext context, TestApp.TestUser user)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email address").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(u => !u.Contains("/account/sign-in", StringComparison.Ordinal));
        return page;
    }

    private static ILocator Card(IPage page, string text) => page.Locator("li.workshop-card", new() { HasText = text });

    private static ILocator Column(IPage page, string name) =>
        page.Locator("section.workshop-column", new() { Has = page.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^" + Regex.Escape(name) + " \\(") }) });

    [Fact]
    public async Task Three_people_sort_cards_together_live_and_the_board_becomes_a_codebook_linked_to_the_transcripts()
    {
        var app = fixture.App;
        await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Fran Facilitator");
        var member = await app.CreateUserAsync(name: "Sam Member");
        var projectId = await app.CreateProjectAsync(lead, "Journeys through care");
        await app.AddMemberAsync(projectId, member, ProjectRole.CommunityReporter);
        var (passage, quote, _) = await app.CreateCodedStoryAsync(projectId);

        // The facilitator starts the workshop and sets it up.
        await using var desk = await fixture.NewContextAsync();
        var fac = await SignInAsync(desk, lead);
        await fac.GotoAsync($"/projects/{projectId}/workshops");
        await fixture.AssertAccessibleAsync(fac);
        await fac.GetByLabel("Title").FillAsync("Care journeys");
        await fac.GetByLabel("Votes for each person").FillAsync("2");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Start workshop" }).ClickAsync();
        await Assertions.Expect(fac.GetByRole(AriaRole.Heading, new() { Name = "Set up: Care journeys" })).ToBeVisibleAsync();
        var workshopId = int.Parse(Regex.Match(fac.Url, @"workshops/(\d+)/setup").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await fac.GetByLabel("Invite someone from the project").SelectOptionAsync(new SelectOptionValue { Label = "Sam Member" });
        await fac.GetByRole(AriaRole.Button, new() { Name = "Invite" }).ClickAsync();
        await fac.GetByLabel(new Regex("^Make a join link")).FillAsync("Jo");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Make join link" }).ClickAsync();
        var joinLink = await fac.GetByLabel("Join link (shown only once)").InputValueAsync();
        await fac.GetByLabel(new Regex(Regex.Escape(passage.Text.Trim()))).CheckAsync();
        await fac.GetByLabel(new Regex(Regex.Escape(quote.Text.Trim()))).CheckAsync();
        await fac.GetByRole(AriaRole.Button, new() { Name = "Add to the board" }).ClickAsync();
        await Assertions.Expect(fac.GetByRole(AriaRole.Status)).ToContainTextAsync("Cards added");
        await fixture.AssertAccessibleAsync(fac);
        var boardPath = $"/projects/{projectId}/workshops/{workshopId}";
        await fac.GotoAsync(boardPath);
        await Assertions.Expect(Card(fac, passage.Text.Trim())).ToBeVisibleAsync();

        // The member, at their own desk.
        await using var second = await fixture.NewContextAsync();
        var sam = await SignInAsync(second, member);
        await sam.GotoAsync(boardPath);
        await Assertions.Expect(Card(sam, quote.Text.Trim())).ToBeVisibleAsync();

        // Jo has no account and joins by link on a phone.
        await using var phone = await fixture.NewContextAsync(360, 740);
        var jo = await phone.NewPageAsync();
        await jo.GotoAsync(joinLink);
        await fixture.AssertAccessibleAsync(jo);
        await jo.GetByLabel(new Regex("^Your name")).FillAsync("Jo Guest");
        await jo.GetByRole(AriaRole.Button, new() { Name = "Join the workshop" }).ClickAsync();
        await Assertions.Expect(Card(jo, passage.Text.Trim())).ToBeVisibleAsync();
        await Assertions.Expect(jo.Locator("#workshop-presence")).ToContainTextAsync("Jo Guest");
        await Assertions.Expect(fac.Locator("#workshop-presence")).ToContainTextAsync("Jo Guest");
        await BrowserFixture.AssertNoHorizontalScrollAsync(jo);
        await fixture.AssertAccessibleAsync(jo);

        // The facilitator makes a group and drags a card into it; the others see it within a second.
        await fac.GetByLabel("New group name").FillAsync("Trust");
        await fac.GetByRole(AriaRole.Button, new() { Name = "New group" }).ClickAsync();
        await Assertions.Expect(Column(sam, "Trust")).ToBeVisibleAsync(WithinASecond);
        await Assertions.Expect(Column(jo, "Trust")).ToBeVisibleAsync(WithinASecond);
        await Card(fac, passage.Text.Trim()).DragToAsync(Column(fac, "Trust"));
        await Assertions.Expect(Column(fac, "Trust").Locator("li.workshop-card", new() { HasText = passage.Text.Trim() })).ToBeVisibleAsync();
        await Assertions.Expect(Column(sam, "Trust").Locator("li.workshop-card", new() { HasText = passage.Text.Trim() })).ToBeVisibleAsync(WithinASecond);
        await Assertions.Expect(Column(jo, "Trust").Locator("li.workshop-card", new() { HasText = passage.Text.Trim() })).ToBeVisibleAsync(WithinASecond);
        await Assertions.Expect(sam.Locator("#workshop-live")).ToHaveTextAsync("Fran Facilitator moved a card to Trust.");

        // Jo moves the other card by keyboard alone, with the "Move to…" menu.
        var moveButton = Card(jo, quote.Text.Trim()).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Move to") });
        await TabToAsync(jo, moveButton);
        await jo.Keyboard.PressAsync("Enter");
        await Assertions.Expect(jo.GetByRole(AriaRole.Button, new() { Name = "Trust", Exact = true })).ToBeFocusedAsync();
        await jo.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Column(jo, "Trust").Locator("li.workshop-card", new() { HasText = quote.Text.Trim() })).ToBeVisibleAsync();
        await Assertions.Expect(Column(fac, "Trust").Locator("li.workshop-card", new() { HasText = quote.Text.Trim() })).ToBeVisibleAsync(WithinASecond);
        await Assertions.Expect(jo.Locator("#workshop-live")).ToHaveTextAsync("Card moved to Trust.");

        // Sam uses both votes, then tries a third.
        var samVote = Card(sam, passage.Text.Trim()).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Vote") });
        await samVote.ClickAsync();
        await Assertions.Expect(sam.Locator("#workshop-votes-used")).ToContainTextAsync("1 of 2 votes used");
        await samVote.ClickAsync();
        await Assertions.Expect(sam.Locator("#workshop-votes-used")).ToContainTextAsync("2 of 2 votes used");
        await samVote.ClickAsync();
        await Assertions.Expect(sam.GetByRole(AriaRole.Alert)).ToHaveTextAsync("You have used all your 2 votes. Take one back to vote again.");
        await fixture.AssertAccessibleAsync(sam);

        // A reload shows the same board.
        await sam.ReloadAsync();
        await Assertions.Expect(sam.GetByRole(AriaRole.Heading, new() { Name = "Trust (2 cards)" })).ToBeVisibleAsync();
        await Assertions.Expect(sam.Locator("#workshop-votes-used")).ToContainTextAsync("2 of 2 votes used");
        await Assertions.Expect(sam.GetByRole(AriaRole.Heading, new() { Name = "Unsorted (0 cards)" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(fac);

        // The board becomes codebook themes whose passages point back to the transcript.
        await fac.GotoAsync($"{boardPath}/setup");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Turn the board into themes" }).ClickAsync();
        await Assertions.Expect(fac.GetByRole(AriaRole.Heading, new() { Name = "This board became codebook themes" })).ToBeVisibleAsync();
        await Assertions.Expect(fac.GetByText(new Regex("Made together by: .*Jo Guest"))).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(fac);
        await Assertions.Expect(jo.Locator("#workshop-lock-state")).ToContainTextAsync("turned into themes", new() { Timeout = 2000 });

        var origin = TestApp.WorkshopOrigin(workshopId);
        var trust = await app.WithDbAsync(db => db.Themes.Include(t => t.Parent).SingleAsync(t => t.Origin == origin && t.Name == "Trust"));
        Assert.Equal("Care journeys", trust.Parent!.Name);
        var passages = await app.WithDbAsync(db => db.PassageThemes.Where(x => x.ThemeId == trust.Id).Select(x => x.Passage!).OrderBy(p => p.StartOffset).ToListAsync());
        Assert.Equal(2, passages.Count);
        Assert.Equal((quote.StoryId, quote.StartOffset, quote.EndOffset, quote.StartSeconds, quote.EndSeconds, origin),
            (passages[0].StoryId, passages[0].StartOffset, passages[0].EndOffset, passages[0].StartSeconds, passages[0].EndSeconds, passages[0].Origin));
        Assert.Equal((passage.Id, passage.StoryId, passage.StartOffset, passage.EndOffset, passage.StartSeconds, passage.EndSeconds),
            (passages[1].Id, passages[1].StoryId, passages[1].StartOffset, passages[1].EndOffset, passages[1].StartSeconds, passages[1].EndSeconds));
    }

    [Fact]
    public async Task Everyone_sees_the_facilitators_timer_and_hears_the_clip_played_to_everyone_and_a_room_group_shows_as_present()
    {
        var app = fixture.App;
        await app.CreateAdminAsync(); // past first-run setup, whichever test runs first
        var lead = await app.CreateUserAsync(name: "Fran Facilitator");
        var member = await app.CreateUserAsync(name: "Sam Member");
        var projectId = await app.CreateProjectAsync(lead, "Clips and timers");
        await app.AddMemberAsync(projectId, member, ProjectRole.CommunityReporter);
        var (passage, quote, _) = await app.CreateCodedStoryAsync(projectId);
        var api = await app.ApiClientAsync(lead);
        await TestApp.UploadRecordingAsync(api, projectId, passage.StoryId);
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId, 2, [passage.Id], [quote.Id]);
        (await api.PostAsync($"/api/projects/{projectId}/workshops/{workshopId}/participants",
            System.Net.Http.Json.JsonContent.Create(new { userId = member.Id }))).EnsureSuccessStatusCode();
        var boardPath = $"/projects/{projectId}/workshops/{workshopId}";

        await using var desk = await fixture.NewContextAsync();
        var fac = await SignInAsync(desk, lead);
        await fac.GotoAsync(boardPath);
        await using var second = await fixture.NewContextAsync(360, 740);
        var sam = await SignInAsync(second, member);
        await sam.GotoAsync(boardPath);
        await Assertions.Expect(Card(sam, passage.Text.Trim())).ToBeVisibleAsync();
        await Assertions.Expect(fac.Locator("#workshop-presence")).ToContainTextAsync("Sam Member");

        // The timer: started by the facilitator, shown to everyone, and still there after a reload.
        await fac.GetByLabel("Timer in minutes").FillAsync("2");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Start timer" }).ClickAsync();
        var samTimer = sam.GetByRole(AriaRole.Timer);
        await Assertions.Expect(samTimer).ToHaveTextAsync(new Regex(@"^(2:00|1:5\d) left$"), new() { Timeout = 2000 });
        await sam.ReloadAsync();
        await Assertions.Expect(samTimer).ToHaveTextAsync(new Regex(@"^(2:00|1:5\d) left$"));
        Assert.Equal("", await sam.Locator("#workshop-timer-live").TextContentAsync());
        await fac.GetByRole(AriaRole.Button, new() { Name = "Add 1 minute" }).ClickAsync();
        await Assertions.Expect(samTimer).ToHaveTextAsync(new Regex(@"^(3:00|2:5\d) left$"), new() { Timeout = 2000 });

        // In the room: the facilitator adds Table 2 and acts for it.
        await fac.GetByLabel(new Regex("^Name of a group in the room")).FillAsync("Table 2");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Add group in the room" }).ClickAsync();
        await fac.GetByLabel("Acting for").SelectOptionAsync(new SelectOptionValue { Label = "Table 2" });
        await Assertions.Expect(fac.Locator("#workshop-acting-state")).ToHaveTextAsync("You are acting for Table 2. Moves, notes and votes count for them.");
        await Assertions.Expect(sam.Locator("#workshop-presence")).ToContainTextAsync("Table 2 (with Fran Facilitator)", new() { Timeout = 2000 });
        await Card(fac, quote.Text.Trim()).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Vote") }).ClickAsync();
        await Assertions.Expect(fac.Locator("#workshop-votes-used")).ToContainTextAsync("1 of 2 votes used");
        var groupVotes = await app.WithDbAsync(db => db.WorkshopVotes.Where(v => v.WorkshopId == workshopId)
            .Join(db.WorkshopParticipants, v => v.ParticipantId, p => p.Id, (v, p) => p.DisplayName).ToListAsync());
        Assert.Equal(["Table 2"], groupVotes);

        // Play to everyone: the clip opens on Sam's board at the card's start and pauses at its end.
        await Card(fac, passage.Text.Trim()).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Play to everyone") }).ClickAsync();
        await Assertions.Expect(sam.GetByRole(AriaRole.Heading, new() { Name = "Clip for everyone" })).ToBeVisibleAsync(new() { Timeout = 2000 });
        await Assertions.Expect(sam.Locator("#workshop-live")).ToHaveTextAsync("The facilitator is playing a clip to everyone.");
        await sam.WaitForFunctionAsync("() => { const m = document.getElementById('workshop-media'); return !m.paused && m.currentTime >= 6.2; }", null, new() { Timeout = 5000 });
        await sam.WaitForFunctionAsync("() => document.getElementById('workshop-media').paused", null, new() { Timeout = 15000 });
        // Its captions loaded and show the card's words.
        await sam.WaitForFunctionAsync("() => { const t = document.getElementById('workshop-media').textTracks[0]; return t && t.mode === 'showing' && t.cues && t.cues.length === 1; }", null, new() { Timeout = 5000 });
        var caption = await sam.EvaluateAsync<string>("() => document.getElementById('workshop-media').textTracks[0].cues[0].text");
        Assert.Contains(passage.Text.Trim(), caption, StringComparison.Ordinal);
        var stopped = await sam.EvaluateAsync<string>("() => { const m = document.getElementById('workshop-media'); return m.currentTime + ' of ' + m.duration + (m.ended ? ' ended' : ''); }");
        var at = double.Parse(stopped.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(at is >= 11.5 and <= 12.6, $"The clip should pause at its end (12 s); it stopped at {stopped}.");
        await fixture.AssertAccessibleAsync(sam);
        await fixture.AssertAccessibleAsync(fac);
        await BrowserFixture.AssertNoHorizontalScrollAsync(sam);

        // The facilitator stops it for everyone.
        await fac.GetByRole(AriaRole.Button, new() { Name = "Stop the clip for everyone" }).ClickAsync();
        await Assertions.Expect(sam.Locator("#workshop-player")).ToBeHiddenAsync(new() { Timeout = 2000 });
        await fac.GetByRole(AriaRole.Button, new() { Name = "Stop timer" }).ClickAsync();
        await Assertions.Expect(sam.Locator("#workshop-timer")).ToBeHiddenAsync(new() { Timeout = 2000 });
    }
}
