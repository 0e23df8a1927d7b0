using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Projects;
using Storyweave.Features.Workshops;

namespace Storyweave.Tests.Workshops;

public sealed class WorkshopTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Setup(int ProjectId, int WorkshopId, HttpClient Lead, HttpClient Member, TestApp.TestUser MemberUser, TestApp.Span Passage, TestApp.Span Quote, int StorytellerId);

    /// <summary>A project with a lead (facilitator) and an invited community reporter, a workshop with a passage card and a quote card.</summary>
    private async Task<Setup> NewWorkshopAsync(int votes = 3)
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var member = await App.CreateUserAsync(name: "Sam Member");
        var projectId = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(projectId, member, ProjectRole.CommunityReporter);
        var (passage, quote, teller) = await App.CreateCodedStoryAsync(projectId);
        var leadClient = await App.ApiClientAsync(lead);
        var workshopId = await TestApp.CreateWorkshopAsync(leadClient, projectId, votes, [passage.Id], [quote.Id]);
        (await leadClient.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{workshopId}/participants", new { userId = member.Id })).EnsureSuccessStatusCode();
        return new Setup(projectId, workshopId, leadClient, await App.ApiClientAsync(member), member, passage, quote, teller);
    }

    private static string Url(Setup s, string path) => $"/api/projects/{s.ProjectId}/workshops/{s.WorkshopId}{path}";

    private static async Task<int> NewClusterAsync(Setup s, HttpClient client, string name)
    {
        var response = await client.PostAsJsonAsync(Url(s, "/clusters"), new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("clusterId").GetInt32();
    }

    private static async Task<string> FirstErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("message").GetString()!;

    [Fact]
    public async Task A_facilitator_invites_a_member_and_a_person_by_link_and_a_revoked_link_no_longer_works()
    {
        var s = await NewWorkshopAsync();
        var link = await TestApp.CreateJoinLinkAsync(s.Lead, s.ProjectId, s.WorkshopId, "Jo Guest");
        Assert.StartsWith("/workshop/join/wj_", link.Path, StringComparison.Ordinal);
        var stored = await App.WithDbAsync(db => db.WorkshopParticipants.SingleAsync(p => p.Id == link.ParticipantId));
        Assert.Equal(Storyweave.Features.Accounts.ApiToken.Hash(link.Secret), stored.JoinTokenHash);

        var guest = await App.JoinAsGuestAsync(link.Path, "Jo");
        var board = await TestApp.BoardAsAsync(guest, s.ProjectId, s.WorkshopId);
        Assert.Equal(2, board.Cards.Count);
        Assert.All(board.Cards, c => Assert.True(c.Available));
        Assert.Equal(HttpStatusCode.OK, (await s.Member.GetAsync(Url(s, "/board"))).StatusCode);

        // A guest is signed in to this one workshop only: no project pages, no other workshop.
        Assert.NotEqual(HttpStatusCode.OK, (await guest.GetAsync($"/api/projects/{s.ProjectId}/workshops")).StatusCode);
        var other = await TestApp.CreateWorkshopAsync(s.Lead, s.ProjectId);
        Assert.Equal(HttpStatusCode.Forbidden, (await guest.GetAsync($"/api/projects/{s.ProjectId}/workshops/{other}/board")).StatusCode);

        (await s.Lead.DeleteAsync(Url(s, $"/participants/{link.ParticipantId}"))).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Forbidden, (await guest.GetAsync(Url(s, "/board"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.AnonymousClient().GetAsync(link.Path)).StatusCode);
    }

    [Fact]
    public async Task A_project_member_who_was_not_invited_cannot_see_the_board()
    {
        var s = await NewWorkshopAsync();
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(s.ProjectId, viewer, ProjectRole.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.ApiClientAsync(viewer)).GetAsync(Url(s, "/board"))).StatusCode);
    }

    [Fact]
    public async Task A_move_based_on_a_stale_version_is_refused_with_409_and_the_board_shows_where_the_card_is()
    {
        var s = await NewWorkshopAsync();
        var trust = await NewClusterAsync(s, s.Lead, "Trust");
        var waiting = await NewClusterAsync(s, s.Member, "Waiting");
        var card = (await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).Cards[0];

        (await s.Lead.PostAsJsonAsync(Url(s, $"/cards/{card.Id}/move"), new { clusterId = trust, version = card.Version })).EnsureSuccessStatusCode();
        var stale = await s.Member.PostAsJsonAsync(Url(s, $"/cards/{card.Id}/move"), new { clusterId = waiting, version = card.Version });

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var body = await stale.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(WorkshopService.JustMoved, body.GetProperty("errors")[0].GetProperty("message").GetString());
        var shown = body.GetProperty("board").GetProperty("cards").EnumerateArray().Single(c => c.GetProperty("id").GetInt32() == card.Id);
        Assert.Equal(trust, shown.GetProperty("clusterId").GetInt32());
        var final = await App.WithDbAsync(db => db.WorkshopCards.SingleAsync(c => c.Id == card.Id));
        Assert.Equal((trust, card.Version + 1), (final.ClusterId!.Value, final.Version));
    }

    [Fact]
    public async Task Two_people_moving_the_same_card_at_once_end_with_exactly_one_move_committed()
    {
        var s = await NewWorkshopAsync();
        var a = await NewClusterAsync(s, s.Lead, "A");
        var b = await NewClusterAsync(s, s.Lead, "B");
        for (var round = 0; round < 5; round++)
        {
            var card = (await TestApp.BoardAsAsync(s.Lead, s.ProjectId, s.WorkshopId)).Cards.Single(c => c.Kind == CardKind.Passage);
            var responses = await Task.WhenAll(
                s.Lead.PostAsJsonAsync(Url(s, $"/cards/{card.Id}/move"), new { clusterId = round % 2 == 0 ? a : (int?)null, version = card.Version }),
                s.Member.PostAsJsonAsync(Url(s, $"/cards/{card.Id}/move"), new { clusterId = b, version = card.Version }));

            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
            var winner = Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.OK);
            var final = await App.WithDbAsync(db => db.WorkshopCards.SingleAsync(c => c.Id == card.Id));
            Assert.Equal(card.Version + 1, final.Version);
            Assert.Equal(winner == 0 ? (round % 2 == 0 ? a : null) : b, final.ClusterId);
        }
    }

    [Fact]
    public async Task Voting_past_the_limit_is_refused_with_a_plain_message_and_taking_one_back_allows_another()
    {
        var s = await NewWorkshopAsync(votes: 2);
        var card = (await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).Cards[0];
        for (var i = 0; i < 2; i++) (await s.Member.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id })).EnsureSuccessStatusCode();

        var third = await s.Member.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, third.StatusCode);
        Assert.Equal("You have used all your 2 votes. Take one back to vote again.", await FirstErrorAsync(third));

        (await s.Member.PostAsJsonAsync(Url(s, "/votes/remove"), new { cardId = card.Id })).EnsureSuccessStatusCode();
        (await s.Member.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id })).EnsureSuccessStatusCode();
        Assert.Equal(2, (await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).VotesUsed);
    }

    [Fact]
    public async Task Quick_votes_at_once_never_pass_the_limit()
    {
        var s = await NewWorkshopAsync(votes: 3);
        var card = (await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).Cards[0];
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => s.Member.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id })));
        Assert.Equal(3, responses.Count(r => r.IsSuccessStatusCode));
        Assert.Equal(3, await App.WithDbAsync(db => db.WorkshopVotes.CountAsync(v => v.WorkshopId == s.WorkshopId)));
    }

    [Fact]
    public async Task A_locked_board_refuses_participants_but_not_the_facilitator()
    {
        var s = await NewWorkshopAsync();
        (await s.Lead.PutAsJsonAsync(Url(s, "/settings"), new { locked = true })).EnsureSuccessStatusCode();

        var refused = await s.Member.PostAsJsonAsync(Url(s, "/clusters"), new { name = "Mine" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal(WorkshopService.LockedMessage, await FirstErrorAsync(refused));
        Assert.Equal(HttpStatusCode.Forbidden, (await s.Member.PutAsJsonAsync(Url(s, "/settings"), new { locked = false })).StatusCode);

        await NewClusterAsync(s, s.Lead, "Facilitator's group");
        (await s.Lead.PutAsJsonAsync(Url(s, "/settings"), new { locked = false })).EnsureSuccessStatusCode();
        await NewClusterAsync(s, s.Member, "Mine");
    }

    [Fact]
    public async Task Votes_are_hidden_until_the_facilitator_reveals_them_but_everyone_sees_their_own()
    {
        var s = await NewWorkshopAsync();
        var card = (await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).Cards[0];
        (await s.Member.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id })).EnsureSuccessStatusCode();

        var leadView = (await TestApp.BoardAsAsync(s.Lead, s.ProjectId, s.WorkshopId)).Cards.Single(c => c.Id == card.Id);
        var memberView = (await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).Cards.Single(c => c.Id == card.Id);
        Assert.Null(leadView.Votes);
        Assert.Equal(0, leadView.MyVotes);
        Assert.Null(memberView.Votes);
        Assert.Equal(1, memberView.MyVotes);

        (await s.Lead.PutAsJsonAsync(Url(s, "/settings"), new { votesRevealed = true })).EnsureSuccessStatusCode();
        Assert.Equal(1, (await TestApp.BoardAsAsync(s.Lead, s.ProjectId, s.WorkshopId)).Cards.Single(c => c.Id == card.Id).Votes);
    }

    [Fact]
    public async Task A_card_whose_storyteller_withdrew_analysis_consent_shows_no_text()
    {
        var s = await NewWorkshopAsync();
        await App.WithdrawAnalysisConsentAsync(s.ProjectId, s.StorytellerId);

        var response = await s.Member.GetStringAsync(Url(s, "/board"));
        Assert.DoesNotContain(s.Passage.Text, response, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Quote.Text, response, StringComparison.Ordinal);
        var board = await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId);
        Assert.All(board.Cards, c => Assert.False(c.Available));
        Assert.All(board.Cards, c => Assert.Null(c.Text));

        // And such words cannot be put on a board in the first place.
        var other = await TestApp.CreateWorkshopAsync(s.Lead, s.ProjectId, passageIds: [s.Passage.Id], quoteIds: [s.Quote.Id]);
        Assert.Empty((await TestApp.BoardAsAsync(s.Lead, s.ProjectId, other)).Cards);
    }

    [Fact]
    public async Task Converting_the_board_makes_themes_whose_passages_point_at_the_right_story_spans_and_times()
    {
        var s = await NewWorkshopAsync();
        var trust = await NewClusterAsync(s, s.Lead, "Trust");
        var waiting = await NewClusterAsync(s, s.Member, "Waiting");
        var board = await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId);
        var passageCard = board.Cards.Single(c => c.Kind == CardKind.Passage);
        var quoteCard = board.Cards.Single(c => c.Kind == CardKind.KeyQuote);
        (await s.Member.PostAsJsonAsync(Url(s, $"/cards/{passageCard.Id}/move"), new { clusterId = trust, version = passageCard.Version })).EnsureSuccessStatusCode();
        (await s.Member.PostAsJsonAsync(Url(s, $"/cards/{quoteCard.Id}/move"), new { clusterId = waiting, version = quoteCard.Version })).EnsureSuccessStatusCode();
        (await s.Member.PostAsJsonAsync(Url(s, "/votes"), new { clusterId = trust })).EnsureSuccessStatusCode();
        (await s.Member.PostAsJsonAsync(Url(s, "/votes"), new { cardId = passageCard.Id })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Forbidden, (await s.Member.PostAsync(Url(s, "/convert"), null)).StatusCode);
        (await s.Lead.PostAsync(Url(s, "/convert"), null)).EnsureSuccessStatusCode();

        var origin = TestApp.WorkshopOrigin(s.WorkshopId);
        var themes = await App.WithDbAsync(db => db.Themes.Where(t => t.Origin == origin).ToListAsync());
        var parent = themes.Single(t => t.ParentId == null);
        Assert.Equal("Workshop", parent.Name);
        var trustTheme = themes.Single(t => t.Name == "Trust");
        var waitingTheme = themes.Single(t => t.Name == "Waiting");
        Assert.Equal(parent.Id, trustTheme.ParentId);

        var links = await App.WithDbAsync(db => db.PassageThemes.Include(x => x.Passage).Where(x => x.ThemeId == trustTheme.Id || x.ThemeId == waitingTheme.Id).ToListAsync());
        var coded = links.Single(x => x.ThemeId == trustTheme.Id).Passage!;
        Assert.Equal((s.Passage.Id, s.Passage.StoryId), (coded.Id, coded.StoryId));
        var fromQuote = links.Single(x => x.ThemeId == waitingTheme.Id).Passage!;
        Assert.Equal(origin, fromQuote.Origin);
        Assert.Equal((s.Quote.StoryId, s.Quote.StartOffset, s.Quote.EndOffset, s.Quote.Text), (fromQuote.StoryId, fromQuote.StartOffset, fromQuote.EndOffset, fromQuote.Snippet));
        Assert.Equal((s.Quote.StartSeconds, s.Quote.EndSeconds), (fromQuote.StartSeconds, fromQuote.EndSeconds));

        var provenance = await s.Member.GetFromJsonAsync<WorkshopService.ProvenanceDto>(Url(s, "/provenance"));
        Assert.Contains("Sam Member", provenance!.Participants);
        Assert.Equal(2, provenance.Clusters.Single(c => c.Cluster == "Trust").Votes);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await s.Lead.PostAsync(Url(s, "/convert"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await s.Member.PostAsJsonAsync(Url(s, "/clusters"), new { name = "Late" })).StatusCode);
    }

    [Fact]
    public async Task A_live_client_hears_of_another_participants_change_pushed_with_the_new_sequence()
    {
        var s = await NewWorkshopAsync();
        var token = await App.CreateTokenAsync(s.MemberUser);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(App.BaseUrl + WorkshopHub.Path, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var heard = new TaskCompletionSource<WorkshopNotifier.Change>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<WorkshopNotifier.Change>("changed", change => heard.TrySetResult(change));
        await connection.StartAsync();
        var joined = await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", s.ProjectId, s.WorkshopId);
        Assert.True(joined.Ok);

        var watch = Stopwatch.StartNew();
        await NewClusterAsync(s, s.Lead, "Belonging");
        // Pushed without asking; how fast is the fan-out benchmark's business (no wall-clock limit on shared cores).
        var change = await heard.Task.WaitAsync(TimeSpan.FromSeconds(20));
        watch.Stop();

        Assert.True(change.Sequence > joined.Sequence);
        Assert.Equal("Lee Lead made a new card group: Belonging.", change.Message);
        Assert.Equal(change.Sequence, (await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).Sequence);
        Console.WriteLine($"Broadcast latency (change request sent → heard): {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_card_move_message_carries_the_cards_new_place_so_boards_can_show_it_without_reading_the_board()
    {
        var s = await NewWorkshopAsync();
        var token = await App.CreateTokenAsync(s.MemberUser);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(App.BaseUrl + WorkshopHub.Path, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var heard = new TaskCompletionSource<WorkshopNotifier.Change>(TaskCreationOptions.RunContinuationsAsynchronously);
        await NewClusterAsync(s, s.Lead, "Belonging");
        (await s.Lead.PostAsJsonAsync(Url(s, "/notes"), new { text = "Being listened to" })).EnsureSuccessStatusCode();
        var before = await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId);
        var card = before.Cards.Single(c => c.Text == "Being listened to");
        var cluster = before.Clusters.Single(c => c.Name == "Belonging");
        connection.On<WorkshopNotifier.Change>("changed", change => heard.TrySetResult(change));
        await connection.StartAsync();
        Assert.True((await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", s.ProjectId, s.WorkshopId)).Ok);

        (await s.Lead.PostAsJsonAsync(Url(s, $"/cards/{card.Id}/move"), new { clusterId = cluster.Id, version = card.Version })).EnsureSuccessStatusCode();
        var change = await heard.Task.WaitAsync(TimeSpan.FromSeconds(5));

        // The message says which board state it follows and where the card now is; a board at that
        // state that applies it ends exactly where reading the board again would.
        Assert.Equal(before.Sequence, change.After);
        Assert.NotNull(change.Move);
        var after = await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId);
        var moved = after.Cards.Single(c => c.Id == card.Id);
        Assert.Equal(after.Sequence, change.Sequence);
        Assert.Equal(new WorkshopNotifier.CardMove(card.Id, cluster.Id, moved.Position, moved.Version), change.Move);
        Assert.Equal(cluster.Id, moved.ClusterId);
        Assert.Equal(card.Version + 1, moved.Version);
    }

    [Fact]
    public async Task Someone_outside_the_workshop_cannot_join_its_live_group()
    {
        var s = await NewWorkshopAsync();
        var outsider = await App.CreateUserAsync();
        var token = await App.CreateTokenAsync(outsider);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(App.BaseUrl + WorkshopHub.Path, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await connection.StartAsync();
        Assert.False((await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", s.ProjectId, s.WorkshopId)).Ok);
    }

    /// <summary>Runs an action once, right after the first read of a workshop's cards has been consumed.</summary>
    private sealed class AfterCardsRead(Func<Task> action) : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor
    {
        private int _done;
        public bool Ran => _done == 1;

        public override async ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult> DataReaderClosingAsync(
            System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.DataReaderClosingEventData eventData,
            Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult result)
        {
            if (command.CommandText.Contains("WorkshopCards", StringComparison.Ordinal) && Interlocked.Exchange(ref _done, 1) == 0) await action();
            return result;
        }
    }

    [Fact]
    public async Task A_note_written_while_the_board_is_read_is_on_that_board_or_the_board_says_it_is_older()
    {
        // The client skips a broadcast only when its board is at that sequence. So a board must never carry the
        // sequence of a change it lacks: here another person's note commits just after the board's cards were read.
        var s = await NewWorkshopAsync();
        const string text = "Said while the board was being read";
        await using var scope = App.Services.CreateAsyncScope();
        var appDb = scope.ServiceProvider.GetRequiredService<Storyweave.Data.StoryweaveDb>();
        var options = (Microsoft.EntityFrameworkCore.DbContextOptions)scope.ServiceProvider.GetRequiredService(typeof(Microsoft.EntityFrameworkCore.DbContextOptions<>).MakeGenericType(appDb.GetType()));
        var noteWritten = new AfterCardsRead(async () => (await s.Member.PostAsJsonAsync(Url(s, "/notes"), new { text })).EnsureSuccessStatusCode());
        await using var db = (Storyweave.Data.StoryweaveDb)Activator.CreateInstance(appDb.GetType(), new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder(options).AddInterceptors(noteWritten).Options)!;
        var service = ActivatorUtilities.CreateInstance<WorkshopService>(scope.ServiceProvider, db);
        var me = await App.WithDbAsync(d => d.WorkshopParticipants.SingleAsync(p => p.WorkshopId == s.WorkshopId && p.UserId == s.MemberUser.Id));

        var board = await service.BoardAsync(new WorkshopActor(me.Id, s.MemberUser.Id, me.DisplayName, false), s.WorkshopId);

        Assert.True(noteWritten.Ran);
        var noteEvent = await App.WithServiceAsync<WorkshopService, long>(w => w.SequenceAsync(s.WorkshopId));
        Assert.True(board.Cards.Any(c => c.Text == text) || board.Sequence < noteEvent,
            $"The board says it is at {board.Sequence}, the note's change is {noteEvent}, and the note is not on it: the client would skip the note's broadcast.");
        // The next read has it.
        Assert.Contains((await TestApp.BoardAsAsync(s.Member, s.ProjectId, s.WorkshopId)).Cards, c => c.Text == text);
    }
}
