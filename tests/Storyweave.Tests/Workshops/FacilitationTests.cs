using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Workshops;

namespace Storyweave.Tests.Workshops;

/// <summary>The facilitator's live tools: timer, playing a clip to everyone, "in the room" groups, and undoing a conversion.</summary>
public sealed class FacilitationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Setup(int ProjectId, int WorkshopId, HttpClient Lead, TestApp.TestUser LeadUser, HttpClient Member, TestApp.Span Passage, TestApp.Span Quote, int StorytellerId);

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
        return new Setup(projectId, workshopId, leadClient, lead, await App.ApiClientAsync(member), passage, quote, teller);
    }

    private static string Url(Setup s, string path) => $"/api/projects/{s.ProjectId}/workshops/{s.WorkshopId}{path}";

    private static async Task<string> FirstErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("message").GetString()!;

    private static Task<WorkshopService.BoardDto> BoardAsync(Setup s, HttpClient client) => TestApp.BoardAsAsync(client, s.ProjectId, s.WorkshopId);

    // ---- Timer ----------------------------------------------------------------------------------

    [Fact]
    public async Task The_facilitator_starts_extends_and_stops_a_timer_and_everyone_reads_the_same_end_time_with_the_server_clock()
    {
        var s = await NewWorkshopAsync();
        Assert.Null((await BoardAsync(s, s.Member)).TimerEndsAt);

        var before = DateTime.UtcNow;
        (await s.Lead.PostAsJsonAsync(Url(s, "/timer"), new { minutes = 5 })).EnsureSuccessStatusCode();
        var board = await BoardAsync(s, s.Member);
        Assert.NotNull(board.TimerEndsAt);
        Assert.InRange(board.TimerEndsAt!.Value, before.AddMinutes(5).AddSeconds(-1), DateTime.UtcNow.AddMinutes(5).AddSeconds(1));
        Assert.InRange(board.ServerNow, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(board.TimerEndsAt, await App.WithDbAsync(db => db.Workshops.Where(w => w.Id == s.WorkshopId).Select(w => w.TimerEndsAt).SingleAsync()));

        (await s.Lead.PostAsJsonAsync(Url(s, "/timer/add"), new { minutes = 2 })).EnsureSuccessStatusCode();
        Assert.Equal(board.TimerEndsAt.Value.AddMinutes(2), (await BoardAsync(s, s.Member)).TimerEndsAt);

        Assert.Equal(HttpStatusCode.Forbidden, (await s.Member.PostAsJsonAsync(Url(s, "/timer"), new { minutes = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await s.Member.DeleteAsync(Url(s, "/timer"))).StatusCode);
        var zero = await s.Lead.PostAsJsonAsync(Url(s, "/timer"), new { minutes = 0 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, zero.StatusCode);
        Assert.Equal("Choose between 1 and 180 minutes.", await FirstErrorAsync(zero));

        (await s.Lead.DeleteAsync(Url(s, "/timer"))).EnsureSuccessStatusCode();
        Assert.Null((await BoardAsync(s, s.Member)).TimerEndsAt);
        var add = await s.Lead.PostAsJsonAsync(Url(s, "/timer/add"), new { minutes = 1 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, add.StatusCode);
        Assert.Equal("There is no timer running. Start one first.", await FirstErrorAsync(add));
        var actions = await App.WithDbAsync(db => db.Events.Where(e => e.ObjectType == "workshop" && e.ObjectId == s.WorkshopId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(e => e.Action).ToListAsync());
        Assert.Contains("workshop.timer-started", actions);
        Assert.Contains("workshop.timer-extended", actions);
        Assert.Contains("workshop.timer-stopped", actions);
    }

    // ---- Playing a clip ---------------------------------------------------------------------------

    [Fact]
    public async Task A_guest_can_fetch_only_the_clips_of_cards_on_their_board_and_only_while_consent_allows()
    {
        var s = await NewWorkshopAsync();
        var mediaId = await TestApp.UploadRecordingAsync(s.Lead, s.ProjectId, s.Passage.StoryId);
        var link = await TestApp.CreateJoinLinkAsync(s.Lead, s.ProjectId, s.WorkshopId, "Jo Guest");
        var guest = await App.JoinAsGuestAsync(link.Path, "Jo");
        var card = (await BoardAsync(s, guest)).Cards.Single(c => c.Kind == CardKind.Passage);
        Assert.True(card.HasClip);

        // The project's own media endpoint is for project members only: a guest cookie never passes it.
        var direct = await guest.GetAsync($"/api/projects/{s.ProjectId}/media/{mediaId}/content");
        Assert.Contains(direct.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });

        // Through the card on their board: allowed, with ranges (the player seeks to the card's start).
        var clipUrl = Url(s, $"/cards/{card.Id}/clip");
        var ok = await guest.GetAsync(clipUrl);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("audio/mpeg", ok.Content.Headers.ContentType?.MediaType);
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, clipUrl))
        {
            ranged.Headers.Range = new RangeHeaderValue(0, 99);
            Assert.Equal(HttpStatusCode.PartialContent, (await guest.SendAsync(ranged)).StatusCode);
        }

        // Captions for the card's clip: only the transcript line within the card's times, on the recording's timeline.
        var captionsUrl = Url(s, $"/cards/{card.Id}/captions");
        var captions = await guest.GetAsync(captionsUrl);
        Assert.Equal(HttpStatusCode.OK, captions.StatusCode);
        Assert.Equal("text/vtt", captions.Content.Headers.ContentType?.MediaType);
        var vtt = await captions.Content.ReadAsStringAsync();
        Assert.StartsWith("WEBVTT", vtt, StringComparison.Ordinal);
        Assert.Contains("00:00:06.250 --> 00:00:12.000\n<v Teller>" + s.Passage.Text.Trim(), vtt, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Quote.Text.Trim(), vtt, StringComparison.Ordinal);

        // Not through another workshop's card (same project), nor a card id from elsewhere.
        var other = await TestApp.CreateWorkshopAsync(s.Lead, s.ProjectId, passageIds: [s.Passage.Id]);
        var otherCard = (await TestApp.BoardAsAsync(s.Lead, s.ProjectId, other)).Cards.Single();
        Assert.Equal(HttpStatusCode.Forbidden, (await guest.GetAsync($"/api/projects/{s.ProjectId}/workshops/{other}/cards/{otherCard.Id}/clip")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync(Url(s, $"/cards/{otherCard.Id}/clip"))).StatusCode);

        // A storyteller who no longer agrees to being recorded: no clip for anyone, the words stay.
        await AddConsentAsync(s, recording: false, analysis: true);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync(clipUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await s.Lead.GetAsync(clipUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync(captionsUrl)).StatusCode);
        var afterRecording = (await BoardAsync(s, guest)).Cards.Single(c => c.Id == card.Id);
        Assert.True(afterRecording.Available);
        Assert.False(afterRecording.HasClip);

        // Agreeing again brings it back; withdrawing analysis takes it away again.
        await AddConsentAsync(s, recording: true, analysis: true);
        Assert.Equal(HttpStatusCode.OK, (await guest.GetAsync(clipUrl)).StatusCode);
        await App.WithdrawAnalysisConsentAsync(s.ProjectId, s.StorytellerId);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync(clipUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync(captionsUrl)).StatusCode);
    }

    [Fact]
    public async Task The_facilitator_plays_a_clip_to_everyone_and_stops_it_and_others_hear_of_it_live()
    {
        var s = await NewWorkshopAsync();
        await TestApp.UploadRecordingAsync(s.Lead, s.ProjectId, s.Passage.StoryId);
        var card = (await BoardAsync(s, s.Member)).Cards.Single(c => c.Kind == CardKind.Passage);

        var token = await App.CreateTokenAsync(s.LeadUser);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(App.BaseUrl + WorkshopHub.Path, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var heard = new TaskCompletionSource<WorkshopNotifier.Change>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<WorkshopNotifier.Change>("changed", change => heard.TrySetResult(change));
        await connection.StartAsync();
        Assert.True((await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", s.ProjectId, s.WorkshopId)).Ok);

        Assert.Equal(HttpStatusCode.Forbidden, (await s.Member.PostAsJsonAsync(Url(s, "/play"), new { cardId = card.Id })).StatusCode);
        (await s.Lead.PostAsJsonAsync(Url(s, "/play"), new { cardId = card.Id })).EnsureSuccessStatusCode();
        var change = await heard.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal("The facilitator is playing a clip to everyone.", change.Message);

        var playing = (await BoardAsync(s, s.Member)).Playing;
        Assert.NotNull(playing);
        Assert.Equal((card.Id, 6.25, (double?)12.0), (playing!.CardId, playing.Start, playing.End));
        Assert.Equal(Url(s, $"/cards/{card.Id}/clip"), playing.Url);
        Assert.Equal(Url(s, $"/cards/{card.Id}/captions"), playing.CaptionsUrl);

        // A card without a recording cannot be played.
        var quoteCard = (await BoardAsync(s, s.Member)).Cards.Single(c => c.Kind == CardKind.KeyQuote);
        Assert.True(quoteCard.HasClip); // same story, so the same recording
        var note = await s.Lead.PostAsJsonAsync(Url(s, "/notes"), new { text = "A note" });
        var noteId = (await note.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cardId").GetInt32();
        var refused = await s.Lead.PostAsJsonAsync(Url(s, "/play"), new { cardId = noteId });
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("This card has no clip to play.", await FirstErrorAsync(refused));

        Assert.Equal(HttpStatusCode.Forbidden, (await s.Member.DeleteAsync(Url(s, "/play"))).StatusCode);
        (await s.Lead.DeleteAsync(Url(s, "/play"))).EnsureSuccessStatusCode();
        Assert.Null((await BoardAsync(s, s.Member)).Playing);
    }

    private Task<int> AddConsentAsync(Setup s, bool recording, bool analysis) => App.WithDbAsync(async db =>
    {
        db.ConsentRecords.Add(new ConsentRecord
        {
            ProjectId = s.ProjectId,
            StorytellerId = s.StorytellerId,
            Recording = recording,
            Analysis = analysis,
            Method = ConsentMethod.PaperForm,
            GivenAt = DateTime.UtcNow,
            RecordedAt = DateTime.UtcNow,
        });
        return await db.SaveChangesAsync();
    });

    // ---- In the room ------------------------------------------------------------------------------

    [Fact]
    public async Task The_facilitator_acts_for_a_room_group_whose_votes_notes_and_presence_are_its_own_and_the_log_names_the_facilitator()
    {
        var s = await NewWorkshopAsync(votes: 2);
        Assert.Equal(HttpStatusCode.Forbidden, (await s.Member.PostAsJsonAsync(Url(s, "/room-groups"), new { displayName = "Table 9" })).StatusCode);
        var added = await s.Lead.PostAsJsonAsync(Url(s, "/room-groups"), new { displayName = "Table 2" });
        added.EnsureSuccessStatusCode();
        var groupId = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("participantId").GetInt32();

        // The representation: a participant with a name, no account and no join link.
        var row = await App.WithDbAsync(db => db.WorkshopParticipants.SingleAsync(p => p.Id == groupId));
        Assert.Equal(("Table 2", null, null, false), (row.DisplayName, row.UserId, row.JoinTokenHash, row.IsFacilitator));
        Assert.Contains(new WorkshopService.RoomGroupDto(groupId, "Table 2"), (await BoardAsync(s, s.Lead)).RoomGroups);
        Assert.Empty((await BoardAsync(s, s.Member)).RoomGroups);

        var table = await App.ApiClientAsync(s.LeadUser);
        table.DefaultRequestHeaders.Add(WorkshopEndpoints.ActingForHeader, groupId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var card = (await BoardAsync(s, table)).Cards[0];
        Assert.Equal(groupId, (await BoardAsync(s, table)).ActingForParticipantId);

        // The group has its own vote limit, apart from the facilitator's.
        for (var i = 0; i < 2; i++) (await table.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id })).EnsureSuccessStatusCode();
        var third = await table.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, third.StatusCode);
        Assert.Equal(WorkshopService.VoteLimitMessage(2), await FirstErrorAsync(third));
        (await s.Lead.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id })).EnsureSuccessStatusCode();
        var votes = await App.WithDbAsync(db => db.WorkshopVotes.Where(v => v.WorkshopId == s.WorkshopId).Select(v => v.ParticipantId).ToListAsync());
        Assert.Equal(2, votes.Count(v => v == groupId));
        Assert.Equal(1, votes.Count(v => v != groupId));
        Assert.Equal(2, (await BoardAsync(s, table)).VotesUsed);
        Assert.Equal(1, (await BoardAsync(s, s.Lead)).VotesUsed);

        var note = await table.PostAsJsonAsync(Url(s, "/notes"), new { text = "Waiting lists" });
        var noteId = (await note.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cardId").GetInt32();
        Assert.Equal(groupId, await App.WithDbAsync(db => db.WorkshopCards.Where(c => c.Id == noteId).Select(c => c.CreatedByParticipantId).SingleAsync()));
        var cluster = await table.PostAsJsonAsync(Url(s, "/clusters"), new { name = "Access" });
        var clusterId = (await cluster.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("clusterId").GetInt32();
        (await table.PostAsJsonAsync(Url(s, $"/cards/{card.Id}/move"), new { clusterId, version = card.Version })).EnsureSuccessStatusCode();

        // The event log names the facilitator who acted, and the group they acted for.
        var events = await App.WithDbAsync(db => db.Events.Where(e => e.ObjectType == "workshop" && e.Action == "workshop.card-moved").ToListAsync());
        var moved = events.Single(e => e.ObjectId == s.WorkshopId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(s.LeadUser.Id, moved.ActorUserId);
        Assert.Equal($"card:{card.Id} for participant:{groupId}", moved.Detail);

        // Nobody else can act for the group, and it can never be joined by link or take part by itself.
        s.Member.DefaultRequestHeaders.Add(WorkshopEndpoints.ActingForHeader, groupId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var refused = await s.Member.PostAsJsonAsync(Url(s, "/votes"), new { cardId = card.Id });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        // Says which kind of group: a group in the room, never a card group (decision 0004 addendum).
        Assert.StartsWith("You cannot act for that group in the room.", await FirstErrorAsync(refused), StringComparison.Ordinal);
        s.Member.DefaultRequestHeaders.Remove(WorkshopEndpoints.ActingForHeader);
        Assert.Null(await App.WithServiceAsync<WorkshopService, Storyweave.Features.Workshops.WorkshopParticipant?>(w => w.FindByJoinSecretAsync("wj_")));

        // Presence shows the group with the facilitator at the screen; the group is credited.
        var token = await App.CreateTokenAsync(s.LeadUser);
        await using var connection = new HubConnectionBuilder()
            .WithUrl(App.BaseUrl + WorkshopHub.Path, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var names = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<List<string>>("presence", list => { if (list.Contains("Table 2 (with Lee Lead)")) names.TrySetResult(list); });
        await connection.StartAsync();
        Assert.True((await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", s.ProjectId, s.WorkshopId)).Ok);
        Assert.True(await connection.InvokeAsync<bool>("ActAs", s.ProjectId, s.WorkshopId, (int?)groupId));
        Assert.DoesNotContain("Lee Lead", await names.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("Table 2", (await s.Member.GetFromJsonAsync<WorkshopService.ProvenanceDto>(Url(s, "/provenance")))!.Participants);
    }

    // ---- Undoing a conversion -------------------------------------------------------------------

    [Fact]
    public async Task Undo_in_the_codebook_takes_back_a_converted_board_exactly_and_the_board_can_change_again()
    {
        var s = await NewWorkshopAsync();
        var cluster = await s.Lead.PostAsJsonAsync(Url(s, "/clusters"), new { name = "Trust" });
        var trust = (await cluster.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("clusterId").GetInt32();
        foreach (var card in (await BoardAsync(s, s.Lead)).Cards)
            (await s.Lead.PostAsJsonAsync(Url(s, $"/cards/{card.Id}/move"), new { clusterId = trust, version = card.Version })).EnsureSuccessStatusCode();
        var existingTheme = await App.CreateThemeAsync(s.ProjectId, "Already here");
        var passagesBefore = await App.WithDbAsync(db => db.Passages.Where(p => p.ProjectId == s.ProjectId).Select(p => p.Id).OrderBy(i => i).ToListAsync());
        (await s.Lead.PostAsync(Url(s, "/convert"), null)).EnsureSuccessStatusCode();

        var origin = TestApp.WorkshopOrigin(s.WorkshopId);
        Assert.Equal(2, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.Origin == origin && t.DeletedAt == null)));
        var changes = await s.Lead.GetFromJsonAsync<List<CodebookEndpoints.ChangeDto>>($"/api/projects/{s.ProjectId}/codebook/changes");
        var latest = changes![0];
        Assert.Equal((CodebookService.WorkshopKind, true), (latest.Kind, latest.CanUndo));
        Assert.Equal("Turned the workshop \u201cWorkshop\u201d into 1 theme", latest.Summary);

        var undone = await s.Lead.PostAsync($"/api/projects/{s.ProjectId}/codebook/changes/{latest.Id}/undo", null);
        Assert.Equal(HttpStatusCode.NoContent, undone.StatusCode);

        Assert.Equal(0, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.Origin == origin && t.DeletedAt == null)));
        Assert.Equal(passagesBefore, await App.WithDbAsync(db => db.Passages.Where(p => p.ProjectId == s.ProjectId).Select(p => p.Id).OrderBy(i => i).ToListAsync()));
        Assert.Equal(0, await App.WithDbAsync(db => db.Passages.CountAsync(p => p.Origin == origin)));
        Assert.Equal(0, await App.WithDbAsync(db => db.PassageThemes.CountAsync(x => x.PassageId == s.Passage.Id)));
        Assert.Null(await App.WithDbAsync(db => db.Workshops.Where(w => w.Id == s.WorkshopId).Select(w => w.ConvertedAt).SingleAsync()));
        Assert.False((await BoardAsync(s, s.Member)).IsConverted);
        Assert.NotNull(await App.WithDbAsync(db => db.Themes.Where(t => t.Id == existingTheme && t.DeletedAt == null).SingleOrDefaultAsync()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await s.Lead.PostAsync($"/api/projects/{s.ProjectId}/codebook/changes/{latest.Id}/undo", null)).StatusCode);

        // The board takes part again and can be converted again.
        (await s.Member.PostAsJsonAsync(Url(s, "/clusters"), new { name = "Later" })).EnsureSuccessStatusCode();
        (await s.Lead.PostAsync(Url(s, "/convert"), null)).EnsureSuccessStatusCode();
        Assert.Equal(3, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.Origin == origin && t.DeletedAt == null)));
    }
}
