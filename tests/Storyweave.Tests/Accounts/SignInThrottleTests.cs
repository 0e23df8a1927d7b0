using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Hosting;

namespace Storyweave.Tests.Accounts;

/// <summary>
/// Sign-in limits that fit a community centre: many people behind one connection all get in; wrong passwords
/// slow down that one account with growing, stated waits (never a lock-out someone else can cause); each purpose
/// has its own per-address bucket; and only trusted proxies may say who the visitor really is.
/// </summary>
public sealed class SignInThrottleTests
{
    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password, string? forwardedFor = null)
    {
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Remove("X-Forwarded-For");
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }
        return TestApp.PostFormAsync(client, "/account/sign-in", new() { ["Email"] = email, ["Password"] = password });
    }

    [Fact]
    public async Task Twelve_people_behind_one_connection_all_sign_in_with_the_default_limits()
    {
        await using var app = await TestApp.StartAsync(configure: o => o with { SignInAttemptsPerMinute = new StoryweaveOptions().SignInAttemptsPerMinute });
        var people = new List<TestApp.TestUser>();
        for (var i = 0; i < 12; i++) people.Add(await app.CreateUserAsync(name: $"Person {i}"));
        foreach (var p in people)
        {
            var client = app.AnonymousClient();
            // Each makes one typing mistake first, as people do.
            Assert.Equal(HttpStatusCode.OK, (await SignInAsync(client, p.Email, "wrong password here")).StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(client, p.Email, p.Password)).StatusCode);
        }
    }

    [Fact]
    public async Task Wrong_passwords_slow_down_that_account_only_with_a_stated_wait_and_the_right_password_works_after_it()
    {
        var clock = new TestClock();
        await using var app = await TestApp.StartAsync(configureBuilder: b => b.Services.AddSingleton<TimeProvider>(clock));
        var victim = await app.CreateUserAsync(name: "Victim Person");
        var other = await app.CreateUserAsync(name: "Other Person");
        var attacker = app.AnonymousClient();
        for (var i = 0; i < SignInThrottle.FreeFailures; i++)
            Assert.Equal(HttpStatusCode.OK, (await SignInAsync(attacker, victim.Email, "guess " + i)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(attacker, victim.Email, "one more guess")).StatusCode); // the 4th: now 1 s to wait

        // While the wait lasts even the right password is not checked: the answer says how long, with Retry-After.
        var owner = app.AnonymousClient();
        var waiting = await SignInAsync(owner, victim.Email, victim.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        Assert.Equal("1", waiting.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Wait 1 second, then try again", WebUtility.HtmlDecode(await waiting.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        // Another account is not affected.
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(app.AnonymousClient(), other.Email, other.Password)).StatusCode);

        // More guesses make the wait grow: 2 s, then 4 s.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(attacker, victim.Email, "guess again")).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(attacker, victim.Email, "and again")).StatusCode);
        var longer = await SignInAsync(owner, victim.Email, victim.Password);
        Assert.Equal("4", longer.Headers.GetValues("Retry-After").Single());

        // Once the wait is over the owner gets in at once: no 15-minute lock-out anyone else could cause.
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(owner, victim.Email, victim.Password)).StatusCode);
        // Unknown addresses are slowed the same way, so the answer never tells whether an account exists.
        for (var i = 0; i < SignInThrottle.FreeFailures + 1; i++) await SignInAsync(attacker, "nobody@example.org", "guess " + i);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(attacker, "nobody@example.org", "guess")).StatusCode);
    }

    [Fact]
    public async Task Per_address_limits_follow_a_trusted_proxys_forwarded_address_give_retry_after_and_keep_purposes_apart()
    {
        await using var app = await TestApp.StartAsync(configure: o => o with { SignInAttemptsPerMinute = 3, CodeAttemptsPerMinute = 2 });
        var viaProxy = app.AnonymousClient(); // from 127.0.0.1: the proxy on this machine, trusted by default
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await SignInAsync(viaProxy, $"a{i}@example.org", "wrong password", forwardedFor: "203.0.113.7")).StatusCode);
        var limited = await SignInAsync(viaProxy, "a9@example.org", "wrong password", forwardedFor: "203.0.113.7");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        var html = await limited.Content.ReadAsStringAsync();
        Assert.Contains("Too many sign-in attempts from this internet connection", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en-GB\">", html, StringComparison.Ordinal);

        // Someone else behind the same proxy is a different visitor.
        var user = await app.CreateUserAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(app.AnonymousClient(), user.Email, user.Password, forwardedFor: "198.51.100.20")).StatusCode);

        // Storyteller codes have their own bucket: using it up does not block staff sign-in from that address.
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var tellerId = await app.CreateStorytellerAsync(projectId, lead, "Ada Quill");
        var link = await TestApp.CreateStorytellerLinkAsync(await app.SignInAsync(lead), projectId, tellerId);
        var phone = app.AnonymousClient();
        phone.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.44");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            statuses.Add((await TestApp.PostFormAsync(phone, link.Path, new() { ["code"] = link.Code == "000 000" ? "111 111" : "000 000" })).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var staff = app.AnonymousClient();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(staff, lead.Email, lead.Password, forwardedFor: "192.0.2.44")).StatusCode);
    }

    [Fact]
    public async Task Forwarded_addresses_from_an_untrusted_sender_are_ignored()
    {
        await using var app = await TestApp.StartAsync(configure: o => o with { SignInAttemptsPerMinute = 3, TrustedProxies = [] });
        var client = app.AnonymousClient();
        var statuses = new List<HttpStatusCode>();
        // Claiming a new address each time does not get round the limit.
        for (var i = 0; i < 4; i++) statuses.Add((await SignInAsync(client, "x@example.org", "wrong password", forwardedFor: $"203.0.113.{i + 1}")).StatusCode);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }
}
