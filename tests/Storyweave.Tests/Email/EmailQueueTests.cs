using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Accounts;
using Storyweave.Features.Admin;

namespace Storyweave.Tests.Email;

/// <summary>The send queue across a mail server outage and an app restart; links when email is not set up; expired links.</summary>
public sealed class EmailQueueTests
{
    [Fact]
    public async Task Mail_queued_while_the_mail_server_is_down_is_delivered_once_it_is_up_even_across_a_restart()
    {
        await using var smtp = new SmtpTestServer(); // not started: the mail server is down
        var app = await TestApp.StartAsync(configureBuilder: smtp.Configure);
        try
        {
            var api = await app.ApiClientAsync(app.Admin!);
            var email = app.Unique("patient") + "@example.org";
            var created = await api.PostAsJsonAsync("/api/users/invitations", new { email, displayName = "Patient Person" });
            Assert.True((await created.Content.ReadFromJsonAsync<AdminEndpoints.InvitationDto>())!.Emailed);

            // The sender tries, fails, and says why on the settings page; the message stays queued.
            for (var i = 0; i < 600 && await app.WithDbAsync(db => db.OutboxMessages.AnyAsync(m => m.ToAddress == email && m.Attempts > 0)) is false; i++)
                await Task.Delay(100);
            var page = WebUtility.HtmlDecode(await (await app.SignInAsync(app.Admin!)).GetStringAsync("/admin/email"));
            Assert.Contains("The mail server could not be reached", page, StringComparison.Ordinal);

            // The app stops while it holds the message claimed (as if cut off in the middle of sending).
            await app.StopKeepingDataAsync();
            await app.WithDbAsync(async db =>
                await db.OutboxMessages.Where(m => m.ToAddress == email).ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedAt, DateTime.UtcNow)));
            await smtp.StartAgainAsync();
            app = await app.StartAgainAsync();

            var message = await smtp.WaitForAsync(email, "You are invited to Storyweave");
            var link = SmtpTestServer.LinkPath(message);
            Assert.Equal(HttpStatusCode.OK, (await app.AnonymousClient().GetAsync(link)).StatusCode);
            for (var i = 0; i < 100 && await app.WithDbAsync(db => db.OutboxMessages.AnyAsync(m => m.ToAddress == email)); i++)
                await Task.Delay(100);
            Assert.False(await app.WithDbAsync(db => db.OutboxMessages.AnyAsync(m => m.ToAddress == email)));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_email_the_pages_say_so_and_give_the_link_to_pass_on()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.SignInAsync(app.Admin!);
        var email = app.Unique("handed") + "@example.org";
        var page = await TestApp.PostFormAsync(admin, "/admin/users", new() { ["Name"] = "Handed Link", ["Email"] = email }, "/admin/users?handler=Invite");
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("Email is not set up on this server: give the link to the person yourself.", html, StringComparison.Ordinal);
        var link = System.Text.RegularExpressions.Regex.Match(html, "id=\"invitation-link\">([^<]+)<").Groups[1].Value;
        Assert.StartsWith(app.BaseUrl + "/account/choose-password?", link, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await app.AnonymousClient().GetAsync(link)).StatusCode);
        Assert.Equal(0, await app.WithDbAsync(db => db.OutboxMessages.CountAsync()));

        var forgot = await app.AnonymousClient().GetStringAsync("/account/forgot-password");
        Assert.Contains("Email is not set up on this server, so Storyweave cannot send you a link.", forgot, StringComparison.Ordinal);
        Assert.Contains("Email is not set up on this server", await admin.GetStringAsync("/admin/email"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reset_link_older_than_an_hour_is_refused_with_a_plain_message()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var clock = new TestClock();
        await using var app = await TestApp.StartAsync(configureBuilder: b =>
        {
            smtp.Configure(b);
            b.Services.AddSingleton<TimeProvider>(clock);
        });
        var user = await app.CreateUserAsync();
        await TestApp.PostFormAsync(app.AnonymousClient(), "/account/forgot-password", new() { ["Email"] = user.Email });
        var link = SmtpTestServer.LinkPath(await smtp.WaitForAsync(user.Email, "Choose a new Storyweave password"));
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, (await app.AnonymousClient().GetAsync(link)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(2));
        var expired = await app.AnonymousClient().GetAsync(link);
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Contains(AccountLinks.LinkNotValid, await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.SignInAsync(user); // the old password still works
    }
}
