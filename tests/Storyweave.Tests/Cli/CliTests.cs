using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.Tests.Cli;

/// <summary>The real binary, run as a child process against the same instance the test app serves.</summary>
public sealed class CliTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private List<string> Args(params string[] verb) => [.. verb, .. CliRunner.InstanceArgs(App.Options)];

    [Fact]
    public async Task User_add_with_a_generated_password_then_token_create_gives_a_working_api_token()
    {
        var email = App.Unique("cli") + "@example.org";
        var added = await CliRunner.RunAsync(Args("user", "add", "--email", email, "--name", "Cli Person", "--role", "member"));
        Assert.True(added.ExitCode == 0, added.Stderr);
        Assert.StartsWith("Password: ", added.LastLine, StringComparison.Ordinal);
        var password = added.LastLine["Password: ".Length..];

        await App.SignInAsync(new TestApp.TestUser("", email, "Cli Person", password));

        var token = await CliRunner.RunAsync(Args("token", "create", "--email", email));
        Assert.True(token.ExitCode == 0, token.Stderr);
        Assert.StartsWith("sw_", token.LastLine, StringComparison.Ordinal);
        var me = await App.ApiClient(token.LastLine).GetFromJsonAsync<JsonObject>("/api/me");
        Assert.Equal(email, (string?)me!["email"]);

        var list = await CliRunner.RunAsync(Args("token", "list", "--email", email));
        Assert.Contains("active", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(token.LastLine, list.Stdout, StringComparison.Ordinal);
        var id = list.Stdout.Trim().Split('\t')[0];
        var revoked = await CliRunner.RunAsync(Args("token", "revoke", "--email", email, "--id", id));
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.ApiClient(token.LastLine).GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task User_add_reads_the_password_from_stdin_and_refuses_a_duplicate_email()
    {
        var email = App.Unique("stdin") + "@example.org";
        var added = await CliRunner.RunAsync(Args("user", "add", "--email", email, "--name", "Stdin Person", "--role", "admin", "--password-stdin"), stdin: "my own long passphrase\n");
        Assert.True(added.ExitCode == 0, added.Stderr);
        Assert.DoesNotContain("Password:", added.Stdout, StringComparison.Ordinal);
        Assert.True(await App.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email && u.IsAdmin)));
        await App.SignInAsync(new TestApp.TestUser("", email, "Stdin Person", "my own long passphrase"));

        var again = await CliRunner.RunAsync(Args("user", "add", "--email", email, "--name", "Someone Else"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reset_password_sets_a_new_password_and_lifts_a_lockout()
    {
        var user = await App.CreateUserAsync();
        var client = App.AnonymousClient();
        for (var i = 0; i < 5; i++)
            await TestApp.PostFormAsync(client, "/account/sign-in", new() { ["Email"] = user.Email, ["Password"] = "wrong password!" });
        var reset = await CliRunner.RunAsync(Args("user", "reset-password", "--email", user.Email));
        Assert.True(reset.ExitCode == 0, reset.Stderr);
        var password = reset.LastLine["Password: ".Length..];
        await App.SignInAsync(user with { Password = password });
    }

    [Fact]
    public async Task Unknown_email_and_bad_role_give_clear_errors()
    {
        var missing = await CliRunner.RunAsync(Args("token", "create", "--email", "nobody@example.org"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No account uses that email address.", missing.Stderr, StringComparison.Ordinal);
        var badRole = await CliRunner.RunAsync(Args("user", "add", "--email", "x@example.org", "--name", "X", "--role", "superuser"));
        Assert.NotEqual(0, badRole.ExitCode);
        Assert.Contains("superuser", badRole.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_environment_variables_select_the_instance_like_the_options_do()
    {
        var env = new Dictionary<string, string?> { ["STORYWEAVE_DATA_DIR"] = App.DataDir, ["STORYWEAVE_POSTGRES"] = App.Options.Postgres };
        var migrate = await CliRunner.RunAsync(["migrate"], env: env);
        Assert.True(migrate.ExitCode == 0, migrate.Stderr);
        Assert.Contains("The database is up to date.", migrate.Stdout, StringComparison.Ordinal);
        var token = await CliRunner.RunAsync(["token", "create", "--email", App.Admin!.Email], env: env);
        Assert.Equal(HttpStatusCode.OK, (await App.ApiClient(token.LastLine).GetAsync("/api/projects")).StatusCode);
    }

    [Fact]
    public async Task Help_lists_every_verb()
    {
        var help = await CliRunner.RunAsync(["--help"]);
        foreach (var verb in new[] { "serve", "migrate", "backup", "restore", "user", "token" })
            Assert.Contains(verb, help.Stdout, StringComparison.Ordinal);
        Assert.Contains("--data-dir", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("--postgres", help.Stdout, StringComparison.Ordinal);
    }
}
