using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Workshops;

namespace Storyweave.Tests.Workshops;

/// <summary>Two app nodes on one database (issue #16): what one node enforces holds for requests arriving at the other.</summary>
public sealed class TwoNodeTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task A_vote_limit_holds_when_one_persons_votes_arrive_at_two_nodes_at_once()
    {
        await using var nodeB = await App.StartSecondNodeAsync();
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var (passage, quote, _) = await App.CreateCodedStoryAsync(projectId);
        var token = await App.CreateTokenAsync(lead);
        var onA = App.ApiClient(token);
        var onB = nodeB.ApiClient(token);
        var workshopId = await TestApp.CreateWorkshopAsync(onA, projectId, votes: 3, [passage.Id], [quote.Id]);
        var card = (await TestApp.BoardAsAsync(onB, projectId, workshopId)).Cards[0];
        var url = $"/api/projects/{projectId}/workshops/{workshopId}/votes";

        // Sixteen clicks at once, half to each node, before this person has voted anywhere.
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => (i % 2 == 0 ? onA : onB).PostAsJsonAsync(url, new { cardId = card.Id })));

        Assert.Equal(3, answers.Count(a => a.IsSuccessStatusCode));
        foreach (var refused in answers.Where(a => !a.IsSuccessStatusCode))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(WorkshopService.VoteLimitMessage(3), body.GetProperty("errors")[0].GetProperty("message").GetString());
        }
        var votes = await App.WithDbAsync(db => db.WorkshopVotes.Where(v => v.WorkshopId == workshopId).ToListAsync());
        Assert.Equal(3, votes.Count);
        Assert.Single(votes.Select(v => v.ParticipantId).Distinct());
        Assert.Equal(3, (await TestApp.BoardAsAsync(onA, projectId, workshopId)).VotesUsed);

        // Taking one back on one node frees a vote on the other.
        (await onB.PostAsJsonAsync(url + "/remove", new { cardId = card.Id })).EnsureSuccessStatusCode();
        (await onA.PostAsJsonAsync(url, new { cardId = card.Id })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await onB.PostAsJsonAsync(url, new { cardId = card.Id })).StatusCode);
        Assert.Equal(3, await App.WithDbAsync(db => db.WorkshopVotes.CountAsync(v => v.WorkshopId == workshopId)));
    }

    [Fact]
    public async Task The_database_itself_refuses_a_second_vote_in_the_same_slot_and_a_second_row_for_one_member()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var (passage, quote, _) = await App.CreateCodedStoryAsync(projectId);
        var client = await App.ApiClientAsync(lead);
        var workshopId = await TestApp.CreateWorkshopAsync(client, projectId, votes: 3, [passage.Id], [quote.Id]);
        var card = (await TestApp.BoardAsAsync(client, projectId, workshopId)).Cards[0];
        (await client.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{workshopId}/votes", new { cardId = card.Id })).EnsureSuccessStatusCode();
        var first = await App.WithDbAsync(db => db.WorkshopVotes.AsNoTracking().SingleAsync(v => v.WorkshopId == workshopId));
        Assert.Equal(1, first.Slot);

        // What a process lock used to stop, the database now stops, whichever process writes.
        await Assert.ThrowsAsync<DbUpdateException>(() => App.WithDbAsync(async db =>
        {
            db.WorkshopVotes.Add(new WorkshopVote { WorkshopId = workshopId, ParticipantId = first.ParticipantId, CardId = card.Id, Slot = 1, At = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        }));
        await Assert.ThrowsAsync<DbUpdateException>(() => App.WithDbAsync(async db =>
        {
            db.WorkshopParticipants.Add(new WorkshopParticipant { WorkshopId = workshopId, UserId = lead.Id, DisplayName = "Lee again", InvitedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        }));
        await Assert.ThrowsAsync<DbUpdateException>(() => App.WithDbAsync(async db =>
        {
            db.WorkshopVotes.Add(new WorkshopVote { WorkshopId = workshopId, ParticipantId = first.ParticipantId, CardId = card.Id, Slot = 0, At = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        }));
        Assert.Equal(1, await App.WithDbAsync(db => db.WorkshopVotes.CountAsync(v => v.WorkshopId == workshopId)));
    }
}
