using System.Net;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.Tests.Accounts;

public sealed class SetupTests
{
    [Fact]
    public async Task First_run_leads_to_setup_which_creates_one_admin_and_then_disappears()
    {
        await using var app = await TestApp.StartAsync(withAdmin: false);
        var client = app.AnonymousClient();

        var home = await client.GetAsync("/projects");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/setup", home.Headers.Location!.OriginalString);

        var weak = await TestApp.PostFormAsync(client, "/setup", new() { ["Name"] = "Ada", ["Email"] = "ada@example.org", ["Password"] = "short" });
        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        Assert.Contains("at least 10 characters", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await TestApp.PostFormAsync(client, "/setup", new() { ["Name"] = "Ada", ["Email"] = "ada@example.org", ["Password"] = TestApp.DefaultPassword });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal("/projects", created.Headers.Location!.OriginalString);
        // Signed in straight away.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/projects")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await app.AnonymousClient().GetAsync("/setup")).StatusCode);
        var admins = await app.WithDbAsync(db => db.Users.CountAsync(u => u.IsAdmin));
        Assert.Equal(1, admins);
    }
}

public sealed class SignInTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Right_password_signs_in_and_sign_out_ends_the_session()
    {
        var user = await App.CreateUserAsync();
        var client = await App.SignInAsync(user);
        var page = await client.GetStringAsync("/projects");
        Assert.Contains("Signed in as Team Person", page, StringComparison.Ordinal);

        var signedOut = await TestApp.PostFormAsync(client, "/projects", [], action: "/account/sign-out");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        var after = await client.GetAsync("/projects");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/account/sign-in", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_email_gets_the_same_message_as_a_wrong_password()
    {
        var response = await TestApp.PostFormAsync(App.AnonymousClient(), "/account/sign-in", new() { ["Email"] = "nobody@example.org", ["Password"] = "whatever it is" });
        Assert.Contains("The email address or password is not right.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changing_the_password_makes_the_old_one_stop_working()
    {
        var user = await App.CreateUserAsync();
        var client = await App.SignInAsync(user);
        var changed = await TestApp.PostFormAsync(client, "/account/password", new() { ["CurrentPassword"] = user.Password, ["NewPassword"] = "a brand new passphrase" });
        Assert.Contains("Your password has been changed.", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var old = await TestApp.PostFormAsync(App.AnonymousClient(), "/account/sign-in", new() { ["Email"] = user.Email, ["Password"] = user.Password });
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        await App.SignInAsync(user with { Password = "a brand new passphrase" });
    }

    [Fact]
    public async Task Wrong_current_password_is_refused_in_plain_words()
    {
        var user = await App.CreateUserAsync();
        var client = await App.SignInAsync(user);
        var response = await TestApp.PostFormAsync(client, "/account/password", new() { ["CurrentPassword"] = "wrong wrong wrong", ["NewPassword"] = "a brand new passphrase" });
        Assert.Contains("The current password is not right.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_post_without_its_antiforgery_token_is_refused()
    {
        var user = await App.CreateUserAsync();
        var response = await App.AnonymousClient().PostAsync("/account/sign-in",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = user.Email, ["Password"] = user.Password }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
