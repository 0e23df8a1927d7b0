using System.Net.Http.Json;
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
    // Live updates are checked with the default 20 s expectation, not a short one: the board never polls (workshop.js
    // has no timer that reads the board), so a change seen without a reload came over the hub, and a short timeout
    // only measures how busy the machine is (a 1-2 s limit failed in full runs on two shared cores).

    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException("Could not reach the element with the Tab key.");
    }

    private async Task<IPage> SignInAsync(IBrowserContext context, TestApp.TestUser user)
    {
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, user.Email, user.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
        return page;
    }

    /// <summary>
    /// Opens a page without waiting for the browser's "load" event; the caller then waits for what the
    /// person would see (a card, a heading), which the expectations do for up to 20 s.
    /// </summary>
    private static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
        // A board draws itself once on opening and again when its live connection has joined: wait for the
        // second, so nothing measured or clicked is replaced under the test.
        if (Regex.IsMatch(path, @"/workshops/\d+$"))
            await Assertions.Expect(page.Locator("#workshop-board[data-live='joined']")).ToHaveCountAsync(1);
    }

    private static ILocator Card(IPage page, string text) => page.Locator("li.workshop-card", new() { HasText = text });

    /// <summary>The one "Actions" button of the card with this text.</summary>
    private static ILocator Actions(IPage page, string cardText) =>
        Card(page, cardText).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Actions for ") });

    /// <summary>
    /// Keyboard only: Tab to the card's "Actions" button, open it, arrow down to "Move to …", Enter. Checks the
    /// card lands in the group, the move is announced and focus stays on the card (now in its new column).
    /// </summary>
    private static async Task MoveByKeyboardAsync(IPage page, string cardText, string group)
    {
        var actions = Actions(page, cardText);
        await TabToAsync(page, actions);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Card(page, cardText).GetByRole(AriaRole.Button, new() { Name = "Vote", Exact = true })).ToBeFocusedAsync();
        var target = Card(page, cardText).GetByRole(AriaRole.Button, new() { Name = "Move to " + group, Exact = true });
        for (var i = 0; i < 20 && !await target.EvaluateAsync<bool>("e => e === document.activeElement"); i++)
            await page.Keyboard.PressAsync("ArrowDown");
        await Assertions.Expect(target).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Column(page, group).Locator("li.workshop-card", new() { HasText = cardText })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#workshop-live")).ToHaveTextAsync("Card moved to " + group + ".");
        await Assertions.Expect(Column(page, group).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Actions for .*" + Regex.Escape(cardText[..Math.Min(20, cardText.Length)])) })).ToBeFocusedAsync();
    }

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
        await OpenAsync(fac, $"/projects/{projectId}/workshops");
        await Assertions.Expect(fac.GetByRole(AriaRole.Button, new() { Name = "Start workshop" })).ToBeVisibleAsync();
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
        await OpenAsync(fac, boardPath);
        await Assertions.Expect(Card(fac, passage.Text.Trim())).ToBeVisibleAsync();

        // The member, at their own desk.
        await using var second = await fixture.NewContextAsync();
        var sam = await SignInAsync(second, member);
        await OpenAsync(sam, boardPath);
        await Assertions.Expect(Card(sam, quote.Text.Trim())).ToBeVisibleAsync();

        // Jo has no account and joins by link on a phone.
        await using var phone = await fixture.NewContextAsync(360, 740);
        var jo = await phone.NewPageAsync();
        await OpenAsync(jo, joinLink);
        await Assertions.Expect(jo.GetByRole(AriaRole.Button, new() { Name = "Join the workshop" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(jo);
        await jo.GetByLabel(new Regex("^Your name")).FillAsync("Jo Guest");
        await jo.GetByRole(AriaRole.Button, new() { Name = "Join the workshop" }).ClickAsync();
        await Assertions.Expect(Card(jo, passage.Text.Trim())).ToBeVisibleAsync();
        await Assertions.Expect(jo.Locator("#workshop-presence")).ToContainTextAsync("Jo Guest");
        await Assertions.Expect(fac.Locator("#workshop-presence")).ToContainTextAsync("Jo Guest");
        await BrowserFixture.AssertNoHorizontalScrollAsync(jo);
        await fixture.AssertAccessibleAsync(jo);

        // The facilitator makes a group and drags a card into it; the others see it within a second.
        await fac.GetByLabel("New card group name").FillAsync("Trust");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Make card group" }).ClickAsync();
        await Assertions.Expect(Column(sam, "Trust")).ToBeVisibleAsync();
        await Assertions.Expect(Column(jo, "Trust")).ToBeVisibleAsync();
        await Card(fac, passage.Text.Trim()).DragToAsync(Column(fac, "Trust"));
        await Assertions.Expect(Column(fac, "Trust").Locator("li.workshop-card", new() { HasText = passage.Text.Trim() })).ToBeVisibleAsync();
        await Assertions.Expect(Column(sam, "Trust").Locator("li.workshop-card", new() { HasText = passage.Text.Trim() })).ToBeVisibleAsync();
        await Assertions.Expect(Column(jo, "Trust").Locator("li.workshop-card", new() { HasText = passage.Text.Trim() })).ToBeVisibleAsync();
        await Assertions.Expect(sam.Locator("#workshop-live")).ToHaveTextAsync("Fran Facilitator moved a card to Trust.");

        // Jo moves the other card by keyboard alone, with the card's "Actions" menu.
        await MoveByKeyboardAsync(jo, quote.Text.Trim(), "Trust");
        await Assertions.Expect(Column(fac, "Trust").Locator("li.workshop-card", new() { HasText = quote.Text.Trim() })).ToBeVisibleAsync();

        // Sam uses both votes, then tries a third.
        await Actions(sam, passage.Text.Trim()).ClickAsync();
        var samVote = Card(sam, passage.Text.Trim()).GetByRole(AriaRole.Button, new() { Name = "Vote", Exact = true });
        await samVote.ClickAsync();
        await Assertions.Expect(sam.Locator("#workshop-votes-used")).ToContainTextAsync("1 of 2 votes used");
        await samVote.ClickAsync();
        await Assertions.Expect(sam.Locator("#workshop-votes-used")).ToContainTextAsync("2 of 2 votes used");
        await samVote.ClickAsync();
        await Assertions.Expect(sam.GetByRole(AriaRole.Alert)).ToHaveTextAsync("You have used all your 2 votes. Take one back to vote again.");
        await fixture.AssertAccessibleAsync(sam);

        // A reload shows the same board.
        await sam.ReloadAsync(new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(sam.GetByRole(AriaRole.Heading, new() { Name = "Trust (2 cards)" })).ToBeVisibleAsync();
        await Assertions.Expect(sam.Locator("#workshop-votes-used")).ToContainTextAsync("2 of 2 votes used");
        await Assertions.Expect(sam.GetByRole(AriaRole.Heading, new() { Name = "Unsorted (0 cards)" })).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(fac);

        // While the facilitator pauses changes, the others are offered nothing the board would refuse; the facilitator still is.
        await fac.GetByRole(AriaRole.Button, new() { Name = "Pause changes" }).ClickAsync();
        await Assertions.Expect(jo.Locator("#workshop-lock-state")).ToHaveTextAsync("The facilitator has paused changes to the board.");
        await Assertions.Expect(jo.GetByLabel("Write a note")).ToBeHiddenAsync();
        await Assertions.Expect(jo.GetByRole(AriaRole.Button, new() { Name = "Make card group" })).ToBeHiddenAsync();
        await Assertions.Expect(jo.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Actions") })).ToHaveCountAsync(0);
        await Assertions.Expect(jo.Locator("#board-hint")).ToContainTextAsync("while changes are paused");
        await Assertions.Expect(Column(jo, "Trust").Locator("li.workshop-card")).ToHaveCountAsync(2); // the cards are still there to read
        await Assertions.Expect(fac.GetByLabel("Write a note")).ToBeVisibleAsync();
        await Assertions.Expect(Actions(fac, passage.Text.Trim())).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(jo);
        await fac.GetByRole(AriaRole.Button, new() { Name = "Let people change the board again" }).ClickAsync();
        await Assertions.Expect(Actions(jo, passage.Text.Trim())).ToBeVisibleAsync();
        await Assertions.Expect(jo.GetByLabel("Write a note")).ToBeVisibleAsync();

        // The board becomes codebook themes whose passages point back to the transcript.
        await OpenAsync(fac, $"{boardPath}/setup");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Turn the board into themes" }).ClickAsync();
        await Assertions.Expect(fac.GetByRole(AriaRole.Heading, new() { Name = "This board became codebook themes" })).ToBeVisibleAsync();
        await Assertions.Expect(fac.GetByText(new Regex("Made together by: .*Jo Guest"))).ToBeVisibleAsync();
        await fixture.AssertAccessibleAsync(fac);
        await Assertions.Expect(jo.Locator("#workshop-lock-state")).ToContainTextAsync("turned into themes");
        await Assertions.Expect(jo.GetByLabel("Write a note")).ToBeHiddenAsync();
        await Assertions.Expect(jo.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Actions") })).ToHaveCountAsync(0);
        await Assertions.Expect(jo.Locator("#board-hint")).ToContainTextAsync("kept as it was turned into themes");

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

    /// <summary>
    /// The board is a canvas as wide as the screen: every card group is a column that can be reached by scrolling
    /// the board sideways (never the page), and the page stays about a screen tall however many cards there are.
    /// </summary>
    private static async Task AssertBoardFitsAsync(IPage page, IReadOnlyList<string> groups, double maxScreens)
    {
        // For looking at: STORYWEAVE_SCREENSHOTS=/some/folder keeps a full-page picture of each check.
        if (Environment.GetEnvironmentVariable("STORYWEAVE_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"board-{page.ViewportSize!.Width}-{DateTime.UtcNow:HHmmssfff}.png"), FullPage = true });
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        var width = page.ViewportSize!.Width;
        var height = page.ViewportSize!.Height;
        var board = (await page.Locator("#workshop-columns").BoundingBoxAsync())!;
        Assert.True(board.X >= 0 && board.X + board.Width <= width, $"The board ({board.X}..{board.X + board.Width} px) should fit the {width} px screen.");
        foreach (var name in groups.Prepend("Unsorted"))
        {
            var heading = Column(page, name).GetByRole(AriaRole.Heading);
            await heading.ScrollIntoViewIfNeededAsync();
            var box = (await heading.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= width + 0.5, $"The card group {name} should scroll into view ({box.X}..{box.X + box.Width} px of {width}).");
            var last = Column(page, name).Locator("li.workshop-card").Last;
            if (await last.CountAsync() == 0) continue;
            await last.ScrollIntoViewIfNeededAsync();
            var card = (await last.BoundingBoxAsync())!;
            Assert.True(card.X >= 0 && card.X + card.Width <= width + 0.5 && card.Y + card.Height > 0, $"The last card of {name} should scroll into view.");
        }
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        var pageHeight = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        Assert.True(pageHeight <= maxScreens * height, $"The page is {pageHeight} px tall: more than {maxScreens} screens of {height} px.");
    }

    [Fact]
    public async Task A_board_of_five_card_groups_and_fifteen_cards_fits_a_desk_and_a_phone_screen_and_moves_by_keyboard_are_seen_live()
    {
        var app = fixture.App;
        await app.CreateAdminAsync();
        var lead = await app.CreateUserAsync(name: "Fran Facilitator");
        var member = await app.CreateUserAsync(name: "Sam Member");
        var projectId = await app.CreateProjectAsync(lead, "A full board");
        await app.AddMemberAsync(projectId, member, ProjectRole.CommunityReporter);
        var (passage, quote, _) = await app.CreateCodedStoryAsync(projectId);
        var api = await app.ApiClientAsync(lead);
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId, 3, [passage.Id], [quote.Id]);
        var url = $"/api/projects/{projectId}/workshops/{workshopId}";
        (await api.PostAsJsonAsync(url + "/participants", new { userId = member.Id })).EnsureSuccessStatusCode();
        string[] groups = ["Being listened to", "Trust in staff", "Waiting lists", "Family and friends", "Money worries"];
        var clusterIds = new List<int>();
        foreach (var name in groups)
        {
            var made = await api.PostAsJsonAsync(url + "/clusters", new { name });
            made.EnsureSuccessStatusCode();
            clusterIds.Add((await made.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("clusterId").GetInt32());
        }
        // 13 notes in the five card groups, some long, plus the passage and the quote unsorted: 15 cards.
        for (var i = 0; i < 13; i++)
        {
            var text = $"Note {i + 1}: " + (i % 3 == 0
                ? "Nobody asked me what I wanted until the peer worker sat down with me and actually listened to the whole story, start to end."
                : "I felt on my own for a long time.");
            (await api.PostAsJsonAsync(url + "/notes", new { text, clusterId = clusterIds[i % clusterIds.Count] })).EnsureSuccessStatusCode();
        }
        // Note 2 names someone who withdrew: held for a lead's review (decision 0008), it shows no words.
        await app.WithDbAsync(db => db.WorkshopCards.Where(c => c.WorkshopId == workshopId && c.NoteText!.StartsWith("Note 2:"))
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.HeldForReview, true)));
        var boardPath = $"/projects/{projectId}/workshops/{workshopId}";

        // At a desk, 1280 px wide.
        await using var desk = await fixture.NewContextAsync();
        var fac = await SignInAsync(desk, lead);
        await OpenAsync(fac, boardPath);
        await Assertions.Expect(fac.Locator("li.workshop-card")).ToHaveCountAsync(15);
        await Assertions.Expect(fac.Locator("section.workshop-column")).ToHaveCountAsync(6);
        await AssertBoardFitsAsync(fac, groups, 2);
        await fixture.AssertAccessibleAsync(fac);
        await Assertions.Expect(Column(fac, "Trust in staff").GetByText("Hidden until a project lead checks it: this note names a storyteller who has withdrawn.")).ToBeVisibleAsync();
        await Assertions.Expect(fac.GetByText("Note 2:")).ToHaveCountAsync(0);

        // On a phone, 360 px wide.
        await using var phone = await fixture.NewContextAsync(360, 740);
        var sam = await SignInAsync(phone, member);
        await OpenAsync(sam, boardPath);
        await Assertions.Expect(sam.Locator("li.workshop-card")).ToHaveCountAsync(15);
        await AssertBoardFitsAsync(sam, groups, 3);
        await fixture.AssertAccessibleAsync(sam);

        // Sam moves the passage by keyboard on the phone; Fran sees it at once and hears who did it.
        await sam.EvaluateAsync("() => window.scrollTo(0, 0)");
        await MoveByKeyboardAsync(sam, passage.Text.Trim(), "Money worries");
        await Assertions.Expect(Column(fac, "Money worries").Locator("li.workshop-card", new() { HasText = passage.Text.Trim() })).ToBeVisibleAsync();
        await Assertions.Expect(fac.Locator("#workshop-live")).ToHaveTextAsync("Sam Member moved a card to Money worries.");
        await Assertions.Expect(fac.GetByRole(AriaRole.Heading, new() { Name = "Money worries (3 cards)" })).ToBeVisibleAsync();

        // Escape closes a card's menu and puts focus back on its "Actions" button.
        await Actions(fac, quote.Text.Trim()).FocusAsync();
        await fac.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Card(fac, quote.Text.Trim()).GetByRole(AriaRole.Button, new() { Name = "Vote", Exact = true })).ToBeFocusedAsync();
        await fac.Keyboard.PressAsync("Escape");
        await Assertions.Expect(Actions(fac, quote.Text.Trim())).ToBeFocusedAsync();
        await Assertions.Expect(Actions(fac, quote.Text.Trim())).ToHaveAttributeAsync("aria-expanded", "false");
        await Assertions.Expect(Card(fac, quote.Text.Trim()).GetByRole(AriaRole.Button, new() { Name = "Vote", Exact = true })).ToBeHiddenAsync();

        // Fran moves the quote by keyboard at the desk; Sam sees it at once.
        await MoveByKeyboardAsync(fac, quote.Text.Trim(), "Trust in staff");
        await Assertions.Expect(Column(sam, "Trust in staff").Locator("li.workshop-card", new() { HasText = quote.Text.Trim() })).ToBeVisibleAsync();
        await Assertions.Expect(sam.Locator("#workshop-live")).ToHaveTextAsync("Fran Facilitator moved a card to Trust in staff.");
        await Assertions.Expect(sam.GetByRole(AriaRole.Heading, new() { Name = "Unsorted (0 cards)" })).ToBeVisibleAsync();

        // Twelve more notes in one card group: that column scrolls inside itself, the page does not grow past the limit.
        for (var i = 0; i < 12; i++)
            (await api.PostAsJsonAsync(url + "/notes", new { text = $"More {i + 1}: waiting again, and again, for a letter that never came.", clusterId = clusterIds[2] })).EnsureSuccessStatusCode();
        await Assertions.Expect(fac.Locator("li.workshop-card")).ToHaveCountAsync(27);
        await Assertions.Expect(sam.Locator("li.workshop-card")).ToHaveCountAsync(27);
        await Assertions.Expect(fac.GetByRole(AriaRole.Heading, new() { Name = "Waiting lists (15 cards)" })).ToBeVisibleAsync();
        // Waited for, not read once: the board is drawn again when live messages arrive, and a read just after the last
        // card appeared could measure the column before its new cards were laid out (it failed that way once in CI).
        try
        {
            // Found again on every try (a redrawn board replaces the list).
            await fac.WaitForFunctionAsync("""
                () => { const l = document.querySelector('ul.workshop-cards[aria-label="Cards in Waiting lists"]');
                        return !!l && l.querySelectorAll('li.workshop-card').length === 15 && l.scrollHeight > l.clientHeight + 10; }
                """, null, new() { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail("A long card group should scroll inside its column.");
        }
        await AssertBoardFitsAsync(fac, groups, 2);
        await AssertBoardFitsAsync(sam, groups, 3);
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
        await OpenAsync(fac, boardPath);
        await using var second = await fixture.NewContextAsync(360, 740);
        var sam = await SignInAsync(second, member);
        await OpenAsync(sam, boardPath);
        await Assertions.Expect(Card(sam, passage.Text.Trim())).ToBeVisibleAsync();
        await Assertions.Expect(fac.Locator("#workshop-presence")).ToContainTextAsync("Sam Member");

        // The timer: started by the facilitator, shown to everyone, and still there after a reload.
        await fac.GetByLabel("Timer in minutes").FillAsync("2");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Start timer" }).ClickAsync();
        var samTimer = sam.GetByRole(AriaRole.Timer);
        await Assertions.Expect(samTimer).ToHaveTextAsync(new Regex(@"^(2:00|1:[0-5]\d) left$"));
        await sam.ReloadAsync(new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(samTimer).ToHaveTextAsync(new Regex(@"^(2:00|1:[0-5]\d) left$"));
        Assert.Equal("", await sam.Locator("#workshop-timer-live").TextContentAsync());
        await fac.GetByRole(AriaRole.Button, new() { Name = "Add 1 minute" }).ClickAsync();
        await Assertions.Expect(samTimer).ToHaveTextAsync(new Regex(@"^(3:00|2:[0-5]\d) left$"));

        // In the room: the facilitator adds Table 2 and acts for it.
        await fac.GetByLabel(new Regex("^Name of a group in the room")).FillAsync("Table 2");
        await fac.GetByRole(AriaRole.Button, new() { Name = "Add group in the room" }).ClickAsync();
        await fac.GetByLabel("Acting for").SelectOptionAsync(new SelectOptionValue { Label = "Table 2" });
        await Assertions.Expect(fac.Locator("#workshop-acting-state")).ToHaveTextAsync("You are acting for Table 2. Moves, notes and votes count for them.");
        await Assertions.Expect(sam.Locator("#workshop-presence")).ToContainTextAsync("Table 2 (with Fran Facilitator)");
        await Actions(fac, quote.Text.Trim()).ClickAsync();
        await Card(fac, quote.Text.Trim()).GetByRole(AriaRole.Button, new() { Name = "Vote", Exact = true }).ClickAsync();
        await Assertions.Expect(fac.Locator("#workshop-votes-used")).ToContainTextAsync("1 of 2 votes used");
        var groupVotes = await app.WithDbAsync(db => db.WorkshopVotes.Where(v => v.WorkshopId == workshopId)
            .Join(db.WorkshopParticipants, v => v.ParticipantId, p => p.Id, (v, p) => p.DisplayName).ToListAsync());
        Assert.Equal(["Table 2"], groupVotes);

        // Play to everyone: the clip opens on Sam's board at the card's start and pauses at its end.
        await Actions(fac, passage.Text.Trim()).ClickAsync();
        await Card(fac, passage.Text.Trim()).GetByRole(AriaRole.Button, new() { Name = "Play to everyone" }).ClickAsync();
        await Assertions.Expect(sam.GetByRole(AriaRole.Heading, new() { Name = "Clip for everyone" })).ToBeVisibleAsync();
        await Assertions.Expect(sam.Locator("#workshop-live")).ToHaveTextAsync("The facilitator is playing a clip to everyone.");
        await sam.WaitForFunctionAsync("() => { const m = document.getElementById('workshop-media'); return !m.paused && m.currentTime >= 6.2; }", null, new() { Timeout = 20_000 });
        await sam.WaitForFunctionAsync("() => document.getElementById('workshop-media').paused", null, new() { Timeout = 30_000 });
        // Its captions loaded and show the card's words.
        await sam.WaitForFunctionAsync("() => { const t = document.getElementById('workshop-media').textTracks[0]; return t && t.mode === 'showing' && t.cues && t.cues.length === 1; }", null, new() { Timeout = 20_000 });
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
        await Assertions.Expect(sam.Locator("#workshop-player")).ToBeHiddenAsync();
        await fac.GetByRole(AriaRole.Button, new() { Name = "Stop timer" }).ClickAsync();
        await Assertions.Expect(sam.Locator("#workshop-timer")).ToBeHiddenAsync();
    }
}
