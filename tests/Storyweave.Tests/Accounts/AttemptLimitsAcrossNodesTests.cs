using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Hosting;

namespace Storyweave.Tests.Accounts;

/// <summary>
/// The per-address attempt limits (sign-in, storyteller code, setup, sign-up) and a call-out's own sign-up limit are
/// counted in the database (<see cref="AttemptWindows"/>), so with two nodes behind a load balancer an address gets the
/// stated number of attempts in all, not that number on each node.
/// </summary>
public sealed class AttemptLimitsAcrossNodesTests
{
    private static HttpClient From(TestApp node, string address)
    {
        var client = node.AnonymousClient(); // from 127.0.0.1: the proxy on this machine, trusted by default
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string email) =>
        TestApp.PostFormAsync(client, "/account/sign-in", new() { ["Email"] = email, ["Password"] = "wrong password" });

    [Fact]
    public async Task Sign_in_attempts_from_one_address_on_node_A_and_node_B_count_together_and_both_let_it_in_again_when_its_minute_is_over()
    {
        var clock = new TestClock();
        await using var a = await TestApp.StartAsync(configure: o => o with { SignInAttemptsPerMinute = 3 },
            configureBuilder: b => b.Services.AddSingleton<TimeProvider>(clock));
        await using var b = await a.StartSecondNodeAsync();
        var onA = From(a, "203.0.113.7");
        var onB = From(b, "203.0.113.7");

        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(onA, "a1@example.org")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(onB, "a2@example.org")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(onA, "a3@example.org")).StatusCode);
        foreach (var client in new[] { onB, onA })
        {
            var limited = await SignInAsync(client, "a4@example.org");
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
            var html = await limited.Content.ReadAsStringAsync();
            Assert.Contains("Too many sign-in attempts from this internet connection. Please wait 1 minute and try again.", html, StringComparison.Ordinal);
            Assert.Contains("<html lang=\"en-GB\">", html, StringComparison.Ordinal);
        }
        // Another visitor behind the same proxy has attempts of their own, on either node.
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(From(b, "198.51.100.20"), "b1@example.org")).StatusCode);

        // Once the minute is over the address may try again, on both nodes, and ended windows are deleted.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(onB, "a5@example.org")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(onA, "a6@example.org")).StatusCode);
        var rows = await a.WithDbAsync(db => db.Set<AttemptWindow>().AsNoTracking().Where(w => w.Policy == AppHost.SignInRateLimit).ToListAsync());
        Assert.Equal(("203.0.113.7", 2), rows.Select(r => (r.Address, r.Count)).Single());
    }

    [Fact]
    public async Task Sign_ups_on_node_A_and_node_B_count_together_for_the_address_limit_and_for_a_call_outs_own_limit()
    {
        await using var a = await TestApp.StartAsync(configure: o => o with { SignUpsPerHourPerAddress = 2 });
        await using var b = await a.StartSecondNodeAsync();
        var open = await a.CreateProjectAsync(a.Admin!);
        await a.PublishCallOutAsync(open, a.Admin!);
        var limited = await a.CreateProjectAsync(a.Admin!);
        await a.PublishCallOutAsync(limited, a.Admin!);
        await a.WithDbAsync(db => db.CallOuts.Where(c => c.ProjectId == limited).ExecuteUpdateAsync(s => s.SetProperty(c => c.SignUpsPerHour, 2)));
        var slugs = await a.WithDbAsync(db => db.Projects.Where(p => p.Id == open || p.Id == limited).ToDictionaryAsync(p => p.Id, p => p.Slug));

        // One address: one sign-up on each node, then the third is refused on either.
        Assert.Equal(HttpStatusCode.OK, (await SignUpAsync(From(a, "203.0.113.9"), slugs[open], "Ada One")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignUpAsync(From(b, "203.0.113.9"), slugs[open], "Ada Two")).StatusCode);
        var third = await SignUpAsync(From(a, "203.0.113.9"), slugs[open], "Ada Three");
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains("Too many sign-ups have come from this internet connection for now.", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The call-out's own limit, from three addresses: two sign-ups on two nodes, then the next person waits.
        Assert.Equal(HttpStatusCode.OK, (await SignUpAsync(From(a, "198.51.100.1"), slugs[limited], "Bo One")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignUpAsync(From(b, "198.51.100.2"), slugs[limited], "Bo Two")).StatusCode);
        var waits = await SignUpAsync(From(a, "198.51.100.3"), slugs[limited], "Bo Three");
        Assert.Equal(HttpStatusCode.TooManyRequests, waits.StatusCode);
        Assert.Contains("This project has had as many sign-ups as it can take in an hour. Nothing has been saved yet.",
            WebUtility.HtmlDecode(await waits.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal((2, 2), (await a.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == open)),
            await a.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == limited))));
    }

    private static async Task<HttpResponseMessage> SignUpAsync(HttpClient client, string slug, string name)
    {
        var html = await client.GetStringAsync($"/join/{slug}");
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var fields = new Dictionary<string, string>
        {
            ["Form.Name"] = name,
            ["Form.Email"] = "",
            ["Form.Phone"] = "07700 900000",
            ["Form.ContactPreference"] = "Phone",
            ["Form.SelfDescription"] = "Someone with a story",
            ["Form.Recording"] = "true",
            ["Form.Analysis"] = "true",
            ["Form.Credit"] = "FirstNameOnly",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        };
        return await client.PostAsync($"/join/{slug}", new FormUrlEncodedContent(fields));
    }
}
