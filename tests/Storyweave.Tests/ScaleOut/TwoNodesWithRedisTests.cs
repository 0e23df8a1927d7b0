using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Projects;
using Storyweave.Features.Workshops;
using Storyweave.Hosting;

namespace Storyweave.Tests.ScaleOut;

/// <summary>
/// Two app nodes on one database sharing a Redis server (test.sh starts a throwaway one: STORYWEAVE_TEST_REDIS),
/// one of them behind nginx (issue #16 points 1 and 5, decision 0011): live boards, presence, "play to everyone",
/// the public page cache and the sign-in limiter hold across nodes. Run on SQLite and on PostgreSQL like the rest.
/// </summary>
public sealed class TwoNodesWithRedisTests
{
    private static string BoardUrl(int projectId, int workshopId, string path = "") => $"/api/projects/{projectId}/workshops/{workshopId}{path}";

    [Fact]
    public async Task A_guest_connected_through_nginx_sees_a_move_made_on_the_other_node_within_200_ms_and_a_vote_limit_holds_across_nodes()
    {
        await using var nodeA = await TestApp.StartWithRedisAsync();
        await using var nodeB = await nodeA.StartSecondNodeAsync();
        await using var nginx = await NginxProxy.StartAsync(nodeA.BaseUrl, nodeB.BaseUrl);
        var lead = await nodeA.CreateUserAsync(name: "Lee Lead");
        var projectId = await nodeA.CreateProjectAsync(lead);
        var (passage, quote, _) = await nodeA.CreateCodedStoryAsync(projectId);
        var token = await nodeA.CreateTokenAsync(lead);
        var workshopId = await TestApp.CreateWorkshopAsync(nodeA.ApiClient(token), projectId, votes: 3, [passage.Id], [quote.Id]);
        var link = await TestApp.CreateJoinLinkAsync(nodeA.ApiClient(token), projectId, workshopId, "Jo");

        // The guest opens the join link through nginx and connects to the live board through it by WebSocket, as a browser does.
        var jar = new CookieContainer();
        using var guest = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = jar }) { BaseAddress = new Uri(nginx.BaseUrl) };
        Assert.Equal(HttpStatusCode.Redirect, (await TestApp.PostFormAsync(guest, link.Path, new() { ["name"] = "Jo" })).StatusCode);
        var heard = Channel.CreateUnbounded<(WorkshopNotifier.Change Change, long At)>();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(nginx.BaseUrl + WorkshopHub.Path, HttpTransportType.WebSockets, o => o.Cookies = jar)
            .Build();
        connection.On<WorkshopNotifier.Change>("changed", change => heard.Writer.TryWrite((change, Stopwatch.GetTimestamp())));
        await connection.StartAsync();
        Assert.True((await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", projectId, workshopId)).Ok);

        // nginx keeps a client on one node; every move is made on the other one.
        var onA = nodeA.Services.GetRequiredService<WorkshopPresence>().ConnectionsHere;
        var onB = nodeB.Services.GetRequiredService<WorkshopPresence>().ConnectionsHere;
        Assert.Equal(1, onA + onB);
        var mover = (onA == 1 ? nodeB : nodeA).ApiClient(token);
        var created = await mover.PostAsJsonAsync(BoardUrl(projectId, workshopId, "/clusters"), new { name = "Belonging" });
        created.EnsureSuccessStatusCode();
        var clusterId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("clusterId").GetInt32();
        Assert.Equal("Lee Lead made a new card group: Belonging.", (await NextAsync(heard, _ => true)).Change.Message);

        var card = (await TestApp.BoardAsAsync(mover, projectId, workshopId)).Cards[0];
        var version = card.Version;
        var delivery = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            (await mover.PostAsJsonAsync(BoardUrl(projectId, workshopId, $"/cards/{card.Id}/move"), new { clusterId = i % 2 == 0 ? clusterId : (int?)null, version }))
                .EnsureSuccessStatusCode();
            var (change, at) = await NextAsync(heard, c => c.Move?.CardId == card.Id);
            Assert.Equal(i % 2 == 0 ? clusterId : null, change.Move!.ClusterId);
            version = change.Move.Version;
            delivery.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
        }
        delivery.Sort();
        var median = delivery[delivery.Count / 2];
        Console.WriteLine($"Move on one node → heard by a guest on the other through nginx (request sent → message received), ms: {string.Join(", ", delivery.Select(d => d.ToString("F1", CultureInfo.InvariantCulture)))}; median {median:F1}");
        // The issue's check: within 200 ms (the median of ten, as two cores are shared by the whole test run).
        Assert.True(median <= 200, $"Median delivery {median:F1} ms is over 200 ms.");

        // A vote limit holds when one person's votes arrive at both nodes at once.
        var url = BoardUrl(projectId, workshopId, "/votes");
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? nodeA : nodeB).ApiClient(token).PostAsJsonAsync(url, new { cardId = card.Id })));
        Assert.Equal(3, answers.Count(a => a.IsSuccessStatusCode));
        Assert.All(answers.Where(a => !a.IsSuccessStatusCode), a => Assert.Equal(HttpStatusCode.UnprocessableEntity, a.StatusCode));
        Assert.Equal(3, await nodeA.WithDbAsync(db => db.WorkshopVotes.CountAsync(v => v.WorkshopId == workshopId)));
    }

    [Fact]
    public async Task Presence_and_play_to_everyone_are_the_same_on_both_nodes()
    {
        await using var nodeA = await TestApp.StartWithRedisAsync();
        await using var nodeB = await nodeA.StartSecondNodeAsync();
        var lead = await nodeA.CreateUserAsync(name: "Lee Lead");
        var member = await nodeA.CreateUserAsync(name: "Sam Member");
        var projectId = await nodeA.CreateProjectAsync(lead);
        await nodeA.AddMemberAsync(projectId, member, ProjectRole.CommunityReporter);
        var (passage, quote, _) = await nodeA.CreateCodedStoryAsync(projectId);
        var leadToken = await nodeA.CreateTokenAsync(lead);
        var memberToken = await nodeA.CreateTokenAsync(member);
        var leadOnA = nodeA.ApiClient(leadToken);
        var leadOnB = nodeB.ApiClient(leadToken);
        var workshopId = await TestApp.CreateWorkshopAsync(leadOnA, projectId, votes: 3, [passage.Id], [quote.Id]);
        (await leadOnA.PostAsJsonAsync(BoardUrl(projectId, workshopId, "/participants"), new { userId = member.Id })).EnsureSuccessStatusCode();

        // The lead is connected to node A, the member to node B: each list names both.
        var leadHears = Channel.CreateUnbounded<IReadOnlyList<string>>();
        await using var leadLive = await ConnectAsync(nodeA, leadToken, projectId, workshopId, leadHears);
        Assert.Equal(["Lee Lead"], await NextPresenceAsync(leadHears, names => names.Count == 1));
        var memberHears = Channel.CreateUnbounded<IReadOnlyList<string>>();
        var memberLive = await ConnectAsync(nodeB, memberToken, projectId, workshopId, memberHears);
        Assert.Equal(["Lee Lead", "Sam Member"], await NextPresenceAsync(memberHears, names => names.Count == 2));
        Assert.Equal(["Lee Lead", "Sam Member"], await NextPresenceAsync(leadHears, names => names.Count == 2));

        // The member leaves node B: node A's lead hears it.
        await memberLive.DisposeAsync();
        Assert.Equal(["Lee Lead"], await NextPresenceAsync(leadHears, names => names.Count == 1));

        // "Play to everyone" started on node A is on the board read from node B, and node B can stop it.
        await TestApp.UploadRecordingAsync(leadOnA, projectId, passage.StoryId);
        var card = (await TestApp.BoardAsAsync(leadOnA, projectId, workshopId)).Cards.Single(c => c.Kind == CardKind.Passage);
        (await leadOnA.PostAsJsonAsync(BoardUrl(projectId, workshopId, "/play"), new { cardId = card.Id })).EnsureSuccessStatusCode();
        Assert.Equal(card.Id, (await TestApp.BoardAsAsync(leadOnB, projectId, workshopId)).Playing?.CardId);
        (await leadOnB.DeleteAsync(BoardUrl(projectId, workshopId, "/play"))).EnsureSuccessStatusCode();
        Assert.Null((await TestApp.BoardAsAsync(leadOnA, projectId, workshopId)).Playing);
        Assert.Contains("workshop.clip-stopped", await nodeA.WithDbAsync(db => db.Events.Where(e => e.ProjectId == projectId).Select(e => e.Action).ToListAsync()));
    }

    [Fact]
    public async Task A_withdrawal_or_unpublishing_on_one_node_is_honoured_at_once_by_the_other_nodes_cached_public_pages()
    {
        await using var nodeA = await TestApp.StartWithRedisAsync();
        await using var nodeB = await nodeA.StartSecondNodeAsync();
        var lead = await nodeA.CreateUserAsync();
        var projectId = await nodeA.CreateProjectAsync(lead);
        var token = await nodeA.CreateTokenAsync(lead);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var withdrawn = await nodeA.CreatePublicStoryAsync(projectId, $"Withdrawn story {tag}", [new("Wyn Withdraws")], $"withdrawcanary{tag}", published: true);
        var unpublished = await nodeA.CreatePublicStoryAsync(projectId, $"Unpublished story {tag}", [new("Una Unpublished")], $"unpublishcanary{tag}", published: true);

        // Every page read twice on each node: the second answer comes from that node's cache.
        var pages = new[] { $"/stories/{projectId}/{withdrawn.Id}", $"/stories/{projectId}/{unpublished.Id}", $"/stories/{projectId}", "/stories", "/" };
        foreach (var node in new[] { nodeA, nodeB })
        {
            var anonymous = node.AnonymousClient();
            for (var i = 0; i < 2; i++)
                foreach (var page in pages.Skip(2))
                    Assert.Contains($"Withdrawn story {tag}", await anonymous.GetStringAsync(page), StringComparison.Ordinal);
            for (var i = 0; i < 2; i++) Assert.Contains($"withdrawcanary{tag}", await anonymous.GetStringAsync(pages[0]), StringComparison.Ordinal);
            for (var i = 0; i < 2; i++) Assert.Contains($"unpublishcanary{tag}", await anonymous.GetStringAsync(pages[1]), StringComparison.Ordinal);
        }

        // A full withdrawal made on node A: node B's very next answers no longer show the story anywhere.
        var withdrawal = await nodeA.ApiClient(token).PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{withdrawn.StorytellerIds[0]}/withdrawal/entirely", new { confirm = true });
        Assert.True(withdrawal.IsSuccessStatusCode, await withdrawal.Content.ReadAsStringAsync());
        var onB = nodeB.AnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await onB.GetAsync(pages[0])).StatusCode);
        foreach (var page in pages.Skip(2)) Assert.DoesNotContain($"Withdrawn story {tag}", await onB.GetStringAsync(page), StringComparison.Ordinal);

        // Unpublishing on node B: node A's next answers follow.
        var cachedOnA = nodeA.AnonymousClient();
        for (var i = 0; i < 2; i++) Assert.Contains($"Unpublished story {tag}", await cachedOnA.GetStringAsync("/stories"), StringComparison.Ordinal);
        var unpublishing = await nodeB.ApiClient(token).PostAsync($"/api/projects/{projectId}/stories/{unpublished.Id}/unpublish", null);
        Assert.True(unpublishing.IsSuccessStatusCode, await unpublishing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await cachedOnA.GetAsync(pages[1])).StatusCode);
        Assert.DoesNotContain($"Unpublished story {tag}", await cachedOnA.GetStringAsync("/stories"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sign_in_wait_earned_with_wrong_passwords_on_one_node_holds_on_the_other_with_the_same_message()
    {
        var clock = new TestClock();
        await using var nodeA = await TestApp.StartWithRedisAsync(clock);
        await using var nodeB = await nodeA.StartSecondNodeAsync();
        var victim = await nodeA.CreateUserAsync(name: "Victim Person");
        var attackerOnA = nodeA.AnonymousClient();
        for (var i = 0; i <= SignInThrottle.FreeFailures; i++)
            Assert.Equal(HttpStatusCode.OK, (await SignInAsync(attackerOnA, victim.Email, "guess " + i)).StatusCode); // the 4th: 1 s to wait

        // On node B even the right password waits, with the same words and Retry-After as on one node.
        var ownerOnB = nodeB.AnonymousClient();
        var waiting = await SignInAsync(ownerOnB, victim.Email, victim.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        Assert.Equal("1", waiting.Headers.GetValues("Retry-After").Single());
        Assert.Contains("There have been too many wrong passwords for this email address. Wait 1 second, then try again.",
            WebUtility.HtmlDecode(await waiting.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        // Guesses on both nodes add up: 2 s after one on B, then 4 s after one on A.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(nodeB.AnonymousClient(), victim.Email, "guess on B")).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(attackerOnA, victim.Email, "guess on A")).StatusCode);
        Assert.Equal("4", (await SignInAsync(ownerOnB, victim.Email, victim.Password)).Headers.GetValues("Retry-After").Single());

        // Once the wait is over the owner gets in on node B, which clears the count for node A too.
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(ownerOnB, victim.Email, victim.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(attackerOnA, victim.Email, "one wrong guess")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(nodeA.AnonymousClient(), victim.Email, victim.Password)).StatusCode);
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password) =>
        TestApp.PostFormAsync(client, "/account/sign-in", new() { ["Email"] = email, ["Password"] = password });

    private static async Task<HubConnection> ConnectAsync(TestApp node, string token, int projectId, int workshopId, Channel<IReadOnlyList<string>> presence)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(node.BaseUrl + WorkshopHub.Path, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        connection.On<List<string>>("presence", names => presence.Writer.TryWrite(names));
        await connection.StartAsync();
        Assert.True((await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", projectId, workshopId)).Ok);
        return connection;
    }

    private static async Task<IReadOnlyList<string>> NextPresenceAsync(Channel<IReadOnlyList<string>> heard, Func<IReadOnlyList<string>, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var names = await heard.Reader.ReadAsync(timeout.Token);
            if (wanted(names)) return names;
        }
    }

    private static async Task<(WorkshopNotifier.Change Change, long At)> NextAsync(Channel<(WorkshopNotifier.Change Change, long At)> heard, Func<WorkshopNotifier.Change, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var message = await heard.Reader.ReadAsync(timeout.Token);
            if (wanted(message.Change)) return message;
        }
    }
}
