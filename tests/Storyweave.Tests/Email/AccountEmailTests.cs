using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Accounts;
using Storyweave.Features.Admin;

namespace Storyweave.Tests.Email;

/// <summary>Invitations and password resets by email, delivered by a real SMTP server and followed like a person would.</summary>
public sealed class AccountEmailTests(EmailFixture fixture) : IClassFixture<EmailFixture>
{
    private TestApp App => fixture.App;
    private SmtpTestServer Smtp => fixture.Smtp;
    private const string NewPassword = "a river runs under the town";

    private static bool SignedOut(HttpResponseMessage r) =>
        r.StatusCode == HttpStatusCode.Redirect && r.Headers.Location!.OriginalString.Contains("/account/sign-in", StringComparison.Ordinal);

    private static async Task<HttpResponseMessage> ChoosePasswordAsync(HttpClient client, string linkPath, string password, string? confirm = null)
    {
        var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + linkPath).Query);
        return await TestApp.PostFormAsync(client, linkPath, new()
        {
            ["u"] = query["u"]!,
            ["p"] = query["p"]!,
            ["t"] = query["t"]!,
            ["Password"] = password,
            ["Confirm"] = confirm ?? password,
        }, "/account/choose-password");
    }

    [Fact]
    public async Task An_invited_person_gets_an_email_chooses_a_password_and_is_signed_in()
    {
        var admin = await App.SignInAsync(App.Admin!);
        var email = App.Unique("invited") + "@example.org";
        var page = await TestApp.PostFormAsync(admin, "/admin/users", new() { ["Name"] = "Rosa Invited", ["Email"] = email }, "/admin/users?handler=Invite");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"We have sent a link to {email}", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Contains("Invited (pending)", html, StringComparison.Ordinal);

        var message = await Smtp.WaitForAsync(email, "You are invited to Storyweave");
        Assert.Equal("Rosa Invited", message.To.Mailboxes.Single().Name);
        Assert.Equal("storyweave@storyweave.example", message.From.Mailboxes.Single().Address);
        Assert.Contains("Hello Rosa Invited", message.TextBody, StringComparison.Ordinal);
        var link = SmtpTestServer.LinkPath(message);
        Assert.StartsWith("/account/choose-password?", link, StringComparison.Ordinal);

        var person = App.AnonymousClient();
        var form = await person.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains("Welcome, Rosa Invited.", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A password that does not match its repeat is refused and the link still works.
        var mismatch = await ChoosePasswordAsync(person, link, NewPassword, "something else entirely");
        Assert.Contains("The two passwords are not the same", await mismatch.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var saved = await ChoosePasswordAsync(person, link, NewPassword);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await person.GetAsync("/projects")).StatusCode);
        // Signed in as the invited person, with the chosen password working at the sign-in form too.
        await App.SignInAsync(new TestApp.TestUser("", email, "Rosa Invited", NewPassword));

        // The link worked once.
        var again = await App.AnonymousClient().GetAsync(link);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Contains(AccountLinks.LinkNotValid, await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var users = await (await App.ApiClientAsync(App.Admin!)).GetFromJsonAsync<List<AdminEndpoints.UserDto>>("/api/users");
        Assert.Equal(AdminEndpoints.Active, users!.Single(u => u.Email == email).Status);
        // Sent messages are not kept: they held the sign-in link.
        Assert.Equal(0, await App.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.ToAddress == email)));
    }

    [Fact]
    public async Task Sending_an_invitation_again_ends_the_first_link_and_cancelling_removes_the_account()
    {
        var api = await App.ApiClientAsync(App.Admin!);
        var email = App.Unique("twice") + "@example.org";
        var created = await api.PostAsJsonAsync("/api/users/invitations", new { email, displayName = "Twice Invited" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var invitation = (await created.Content.ReadFromJsonAsync<AdminEndpoints.InvitationDto>())!;
        Assert.True(invitation.Emailed);
        Assert.Null(invitation.Link);
        Assert.Equal(AdminEndpoints.Pending, invitation.User.Status);
        var first = SmtpTestServer.LinkPath(await Smtp.WaitForAsync(email, "You are invited"));

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/users/{invitation.User.Id}/invitation", null)).StatusCode);
        var second = SmtpTestServer.LinkPath(await Smtp.WaitForAsync(email, "You are invited", count: 2));
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.Gone, (await App.AnonymousClient().GetAsync(first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.AnonymousClient().GetAsync(second)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/users/{invitation.User.Id}/invitation")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await App.AnonymousClient().GetAsync(second)).StatusCode);
        Assert.False(await App.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));

        // An account in use has no invitation to cancel.
        var inUse = await App.CreateUserAsync();
        var refused = await api.DeleteAsync($"/api/users/{inUse.Id}/invitation");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("turn the account off instead", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forgot_password_sends_a_one_hour_single_use_link_that_ends_other_sessions()
    {
        var user = await App.CreateUserAsync(name: "Forgetful Person");
        var otherSession = await App.SignInAsync(user);
        var anonymous = App.AnonymousClient();

        var known = await TestApp.PostFormAsync(anonymous, "/account/forgot-password", new() { ["Email"] = user.Email });
        var unknownEmail = App.Unique("nobody") + "@example.org";
        var unknown = await TestApp.PostFormAsync(App.AnonymousClient(), "/account/forgot-password", new() { ["Email"] = unknownEmail });
        // The same answer either way: the page does not tell whether an address has an account.
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(
            (await known.Content.ReadAsStringAsync()).Replace(user.Email, "ADDRESS", StringComparison.Ordinal).Split("<main")[1].Split("</main>")[0],
            (await unknown.Content.ReadAsStringAsync()).Replace(unknownEmail, "ADDRESS", StringComparison.Ordinal).Split("<main")[1].Split("</main>")[0]);
        Assert.Contains("we have sent a link to it", await known.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var message = await Smtp.WaitForAsync(user.Email, "Choose a new Storyweave password");
        Assert.Contains("within one hour", message.TextBody, StringComparison.Ordinal);
        var link = SmtpTestServer.LinkPath(message);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link)).StatusCode);

        var tooShort = await ChoosePasswordAsync(anonymous, link, "short");
        Assert.Contains("at least 10 characters", await tooShort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await ChoosePasswordAsync(anonymous, link, NewPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/projects")).StatusCode);

        // The new password works, the old one does not, the other session has ended and the link is used up.
        await App.SignInAsync(user with { Password = NewPassword });
        await Assert.ThrowsAsync<InvalidOperationException>(() => App.SignInAsync(user));
        Assert.True(SignedOut(await otherSession.GetAsync("/projects")));
        var reused = await App.AnonymousClient().GetAsync(link);
        Assert.Equal(HttpStatusCode.Gone, reused.StatusCode);
        Assert.Contains("Ask for a new link", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(Smtp.Messages(), m => m.To.Mailboxes.Any(a => a.Address == unknownEmail));
    }

    [Fact]
    public async Task A_turned_off_account_cannot_sign_in_and_its_tokens_and_sessions_stop()
    {
        var user = await App.CreateUserAsync(name: "Leaving Person");
        var session = await App.SignInAsync(user);
        var token = App.ApiClient(await App.CreateTokenAsync(user));
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/projects")).StatusCode);
        var admin = await App.SignInAsync(App.Admin!);

        var page = await TestApp.PostFormAsync(admin, "/admin/users", new() { ["userId"] = user.Id }, "/admin/users?handler=Deactivate");
        Assert.Contains("account is turned off", WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/projects")).StatusCode);
        Assert.True(SignedOut(await session.GetAsync("/projects")));
        var signIn = await TestApp.PostFormAsync(App.AnonymousClient(), "/account/sign-in", new() { ["Email"] = user.Email, ["Password"] = user.Password });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("This account has been turned off", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A wrong password gets the usual answer, so a guesser does not learn the account is off.
        var wrong = await TestApp.PostFormAsync(App.AnonymousClient(), "/account/sign-in", new() { ["Email"] = user.Email, ["Password"] = "not the password at all" });
        Assert.DoesNotContain("turned off", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // No reset email for a turned-off account.
        await TestApp.PostFormAsync(App.AnonymousClient(), "/account/forgot-password", new() { ["Email"] = user.Email });

        var api = await App.ApiClientAsync(App.Admin!);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/users/{user.Id}/reactivate", null)).StatusCode);
        await App.SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/projects")).StatusCode);
        Assert.DoesNotContain(Smtp.Messages(), m => m.To.Mailboxes.Any(a => a.Address == user.Email));
    }

    [Fact]
    public async Task Nobody_turns_off_their_own_account_or_the_last_administrator()
    {
        var api = await App.ApiClientAsync(App.Admin!);
        var self = await api.PostAsync($"/api/users/{App.Admin!.Id}/deactivate", null);
        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        Assert.Contains("You cannot turn off your own account", await self.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Another administrator can be turned off while one remains on.
        var second = await App.CreateAdminAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/users/{second.Id}/deactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/users/{second.Id}/reactivate", null)).StatusCode);

        // Through the web an administrator acting is always a second one, so the last-administrator rule is
        // checked at the service, with every other administrator turned off first.
        await App.WithDbAsync(async db =>
        {
            await db.Users.Where(u => u.IsAdmin && u.Id != second.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.DeactivatedAt, DateTime.UtcNow));
            return 0;
        });
        try
        {
            await using var scope = App.Services.CreateAsyncScope();
            var links = scope.ServiceProvider.GetRequiredService<AccountLinks>();
            var someone = new User { Id = "not-an-admin", DisplayName = "Someone" };
            var result = await links.DeactivateAsync(second.Id, someone);
            Assert.Equal(["Admin Person is the last administrator. Make someone else an administrator first."], result.Errors);
        }
        finally
        {
            await App.WithDbAsync(async db =>
            {
                await db.Users.Where(u => u.IsAdmin).ExecuteUpdateAsync(s => s.SetProperty(u => u.DeactivatedAt, (DateTime?)null));
                return 0;
            });
        }
    }

    [Fact]
    public async Task The_settings_page_hides_the_password_and_sends_a_test_message()
    {
        var admin = await App.SignInAsync(App.Admin!);
        var html = await admin.GetStringAsync("/admin/email");
        Assert.Contains($"127.0.0.1, port {Smtp.Port}", html, StringComparison.Ordinal);
        var to = App.Unique("test") + "@example.org";
        var sent = await TestApp.PostFormAsync(admin, "/admin/email", new() { ["To"] = to });
        Assert.Contains($"We have queued a test message to {to}", await sent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var message = await Smtp.WaitForAsync(to, "Storyweave test message");
        Assert.Equal("/", SmtpTestServer.LinkPath(message));
    }
}
