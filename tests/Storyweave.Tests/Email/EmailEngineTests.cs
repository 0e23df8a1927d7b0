using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Storyweave.Features.Admin;
using Storyweave.Features.Email;
using Storyweave.Hosting;

namespace Storyweave.Tests.Email;

/// <summary>
/// Email on the job engine (issue #16 point 2, decision 0010): one "send the outbox" job that never runs twice at
/// once anywhere, so two nodes sharing one outbox deliver each message once, a node starting leaves another node's
/// send alone, and a send cut off by a stop goes out after the next start.
/// </summary>
public sealed class EmailEngineTests
{
    [Fact]
    public async Task Messages_queued_on_two_nodes_sharing_one_outbox_are_each_delivered_exactly_once()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var observer = new SendObserver(holdFirst: false);
        await using var nodeA = await TestApp.StartAsync(configureBuilder: b =>
        {
            smtp.Configure(b);
            b.Services.AddSingleton<IJobRunObserver>(observer);
        });
        // Several nodes need PostgreSQL (Quartz does not cluster on SQLite): on SQLite the one node sends each once.
        await using var second = nodeA.Options.UsesPostgres ? await nodeA.StartSecondNodeAsync() : null;
        var nodeB = second ?? nodeA;
        var token = await nodeA.CreateTokenAsync(nodeA.Admin!);
        var apis = new[] { nodeA.ApiClient(token), nodeB.ApiClient(token) };

        // More than one batch (20 over one connection), queued on both nodes in turn.
        var addresses = Enumerable.Range(0, EmailSenderBatch + 5).Select(i => nodeA.Unique($"once{i}") + "@example.org").ToList();
        for (var i = 0; i < addresses.Count; i++)
        {
            var created = await apis[i % 2].PostAsJsonAsync("/api/users/invitations", new { email = addresses[i], displayName = $"Person {i}" });
            Assert.True((await created.Content.ReadFromJsonAsync<AdminEndpoints.InvitationDto>())!.Emailed);
        }

        foreach (var address in addresses) await smtp.WaitForAsync(address, "You are invited to Storyweave");
        await WaitForEmptyOutboxAsync(nodeA, addresses);
        // Each delivered once, and each claimed by one send only (no node sent another node's message again).
        Assert.All(addresses, a => Assert.Single(smtp.Messages(), m => m.To.Mailboxes.Any(x => x.Address == a)));
        Assert.Equal(observer.Claims.Count, observer.Claims.Distinct().Count());
        Assert.Equal(addresses.Count, observer.Claims.Count);
    }

    [Fact]
    public async Task Starting_node_B_does_not_release_a_message_node_A_is_sending()
    {
        // Two nodes need PostgreSQL (a clustered job store); the test below covers a stop on one node.
        if (!TestApp.ProviderName.Equals("postgresql", StringComparison.Ordinal)) return;
        await using var smtp = await SmtpTestServer.StartAsync();
        var observer = new SendObserver(holdFirst: true);
        await using var nodeA = await TestApp.StartAsync(configureBuilder: b =>
        {
            smtp.Configure(b);
            b.Services.AddSingleton<IJobRunObserver>(observer);
        });
        var email = nodeA.Unique("held") + "@example.org";
        await (await nodeA.ApiClientAsync(nodeA.Admin!)).PostAsJsonAsync("/api/users/invitations", new { email, displayName = "Held Person" });
        await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var held = Assert.Single(observer.Claims);

        // Node A holds the message claimed, in the middle of its send. Node B starts (before the engine, every node
        // released every claim at its start, and sent the message a second time) and runs for longer than a dead
        // node is given: node A checks in, so its send is its own.
        await using var nodeB = await nodeA.StartSecondNodeAsync();
        await Task.Delay(BackgroundJobs.CheckinInterval + BackgroundJobs.CheckinMisfireThreshold + TimeSpan.FromSeconds(3));
        Assert.NotNull(await nodeB.WithDbAsync(db => db.OutboxMessages.Where(m => m.ToAddress == email).Select(m => m.ClaimedAt).SingleAsync()));
        Assert.Single(observer.Claims);
        Assert.DoesNotContain(smtp.Messages(), m => m.To.Mailboxes.Any(a => a.Address == email));

        observer.Release.SetResult();
        await smtp.WaitForAsync(email, "You are invited to Storyweave");
        await WaitForEmptyOutboxAsync(nodeB, [email]);
        // Another look at the outbox on either node finds nothing more to send.
        await TriggerAndWaitForRunAsync(nodeB);
        Assert.Single(smtp.Messages(), m => m.To.Mailboxes.Any(a => a.Address == email));
        Assert.Single(observer.Claims, c => c == held);
    }

    [Fact]
    public async Task A_send_cut_off_by_a_stop_is_sent_after_the_next_start()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var observer = new SendObserver(holdFirst: true, honourCancellation: true);
        var app = await TestApp.StartAsync(configureBuilder: b =>
        {
            smtp.Configure(b);
            b.Services.AddSingleton<IJobRunObserver>(observer);
        });
        try
        {
            var email = app.Unique("cutoff") + "@example.org";
            await (await app.ApiClientAsync(app.Admin!)).PostAsJsonAsync("/api/users/invitations", new { email, displayName = "Cut Off" });
            await observer.FirstClaim.Task.WaitAsync(TimeSpan.FromMinutes(1));

            // A stop cuts the send off while the message is claimed; the engine hands the run back.
            app = await app.StartAgainAsync();
            var message = await smtp.WaitForAsync(email, "You are invited to Storyweave");
            Assert.Equal(System.Net.HttpStatusCode.OK, (await app.AnonymousClient().GetAsync(SmtpTestServer.LinkPath(message))).StatusCode);
            await WaitForEmptyOutboxAsync(app, [email]);
            // Cut off before the server had it, so it arrives once (after the server had it, it could arrive twice).
            Assert.Single(smtp.Messages(), m => m.To.Mailboxes.Any(a => a.Address == email));
            var id = Assert.Single(observer.Claims.Distinct());
            Assert.Equal([id, id], observer.Claims);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_server_without_email_settings_schedules_no_email_job()
    {
        await using var app = await TestApp.StartAsync();
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        // Nothing can be sent, so nothing looks at the outbox every 30 s (issue #17: an idle server does no work).
        Assert.False(await scheduler.Exists(EmailSendJob.Every));
        Assert.False(await scheduler.Exists(EmailSendJob.Soon));
        Assert.False(await scheduler.Exists(EmailSendJob.Key));
    }

    [Fact]
    public async Task A_restart_without_email_settings_stops_the_regular_look_and_one_with_them_sends_again()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var withEmail = true;
        var app = await TestApp.StartAsync(configureBuilder: b =>
        {
            if (withEmail) smtp.Configure(b);
        });
        try
        {
            Assert.True(await RegularLookStoredAsync(app));

            // The operator takes the mail server out of the settings and restarts: the stored trigger goes too.
            withEmail = false;
            app = await app.StartAgainAsync();
            Assert.False(await RegularLookStoredAsync(app));

            // Settings back, restart: the regular look is stored again and an invitation is delivered.
            withEmail = true;
            app = await app.StartAgainAsync();
            Assert.True(await RegularLookStoredAsync(app));
            var email = app.Unique("back") + "@example.org";
            var created = await (await app.ApiClientAsync(app.Admin!)).PostAsJsonAsync("/api/users/invitations", new { email, displayName = "Back Again" });
            Assert.True((await created.Content.ReadFromJsonAsync<AdminEndpoints.InvitationDto>())!.Emailed);
            await smtp.WaitForAsync(email, "You are invited to Storyweave");
            await WaitForEmptyOutboxAsync(app, [email]);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static async Task<bool> RegularLookStoredAsync(TestApp app) =>
        await (await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).Exists(EmailSendJob.Every);

    private const int EmailSenderBatch = Storyweave.Features.Email.EmailSender.BatchSize;

    private static async Task WaitForEmptyOutboxAsync(TestApp app, IReadOnlyCollection<string> addresses)
    {
        for (var i = 0; i < 600 && await app.WithDbAsync(db => db.OutboxMessages.AnyAsync(m => addresses.Contains(m.ToAddress))); i++)
            await Task.Delay(100);
        Assert.False(await app.WithDbAsync(db => db.OutboxMessages.AnyAsync(m => addresses.Contains(m.ToAddress))), "Messages were still in the outbox after a minute.");
    }

    /// <summary>Sends a test message from the settings page and waits for it: one more whole run of the sender.</summary>
    private static async Task TriggerAndWaitForRunAsync(TestApp app)
    {
        var probe = app.Unique("probe") + "@example.org";
        var admin = await app.SignInAsync(app.Admin!);
        await TestApp.PostFormAsync(admin, "/admin/email", new() { ["To"] = probe }, "/admin/email");
        await WaitForEmptyOutboxAsync(app, [probe]);
    }

    /// <summary>
    /// Sees every message a send claims, on either node (both get this one instance). With holdFirst the first send
    /// stops there until released, paying no attention to cancellation (or, with honourCancellation, until its node stops).
    /// </summary>
    private sealed class SendObserver(bool holdFirst, bool honourCancellation = false) : IJobRunObserver
    {
        private int _count;

        public ConcurrentQueue<int> Claims { get; } = new();

        public TaskCompletionSource FirstClaim { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task ClaimedAsync(string kind, int rowId, CancellationToken ct)
        {
            if (kind != JobMetrics.Email) return;
            Claims.Enqueue(rowId);
            if (!holdFirst || Interlocked.Increment(ref _count) != 1) return;
            FirstClaim.SetResult();
            await (honourCancellation ? Release.Task.WaitAsync(ct) : Release.Task);
        }
    }
}
