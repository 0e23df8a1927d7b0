using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Security;

/// <summary>When a signed-in session ends: idle, absolute lifetime, password reset, lockout, removal from a project.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private readonly TestClock _clock = new();
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(
            configure: o => o with { SessionIdleTimeout = TimeSpan.FromMinutes(30), SessionAbsoluteLifetime = TimeSpan.FromHours(12) },
            configureBuilder: b => b.Services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static bool SignedOut(HttpResponseMessage r) =>
        r.StatusCode == HttpStatusCode.Redirect && r.Headers.Location!.OriginalString.Contains("/account/sign-in", StringComparison.Ordinal);

    [Fact]
    public async Task A_session_ends_after_30_minutes_without_a_request_but_not_after_29()
    {
        var user = await _app.CreateUserAsync();
        var client = await _app.SignInAsync(user);
        _clock.Advance(TimeSpan.FromMinutes(29));
        var stillIn = await client.GetAsync("/projects");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);

        // That request slid the session forward; 29 more idle minutes are still fine, 31 are not.
        _clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/projects")).StatusCode);
        _clock.Advance(TimeSpan.FromMinutes(31));
        Assert.True(SignedOut(await client.GetAsync("/projects")), "The session should have ended after 31 idle minutes.");
    }

    [Fact]
    public async Task A_busy_session_still_ends_12_hours_after_sign_in()
    {
        var user = await _app.CreateUserAsync();
        var client = await _app.SignInAsync(user);
        // A request every 20 minutes for 11 h 40 min: never idle long enough to end.
        for (var i = 0; i < 35; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(20));
            var response = await client.GetAsync("/projects");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Signed out early, after {(i + 1) * 20} minutes.");
        }
        _clock.Advance(TimeSpan.FromMinutes(21)); // 12 h 1 min after sign-in
        Assert.True(SignedOut(await client.GetAsync("/projects")), "The session should have ended 12 hours after sign-in.");
        // Signing in again starts a new 12 hours.
        var again = await _app.SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/projects")).StatusCode);
    }

    [Fact]
    public async Task A_password_reset_ends_every_existing_session_at_once()
    {
        var user = await _app.CreateUserAsync();
        var client = await _app.SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/projects")).StatusCode);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var stored = (await scope.ServiceProvider.GetRequiredService<UserManager<User>>().FindByIdAsync(user.Id))!;
            var reset = await scope.ServiceProvider.GetRequiredService<AccountService>().SetPasswordAsync(stored, "a brand new passphrase", _app.Admin!.Id);
            Assert.True(reset.Succeeded);
        }
        Assert.True(SignedOut(await client.GetAsync("/projects")), "The old session should end when the password is reset.");
        Assert.True(SignedOut(await client.GetAsync("/projects")));
    }

    [Fact]
    public async Task Locking_an_account_ends_its_existing_sessions_at_once()
    {
        var user = await _app.CreateUserAsync();
        var client = await _app.SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/projects")).StatusCode);
        await _app.WithServiceAsync<UserManager<User>, IdentityResult>(async users =>
            await users.SetLockoutEndDateAsync((await users.FindByIdAsync(user.Id))!, _clock.GetUtcNow().AddHours(1)));
        Assert.True(SignedOut(await client.GetAsync("/projects")), "A locked account's session should end.");
    }

    [Fact]
    public async Task Removing_someone_from_a_project_takes_effect_on_their_next_request()
    {
        var lead = await _app.CreateUserAsync();
        var reporter = await _app.CreateUserAsync();
        var projectId = await _app.CreateProjectAsync(lead);
        await _app.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var storytellerId = await _app.CreateStorytellerAsync(projectId, lead);
        var storyId = await _app.CreateStoryWithTranscriptAsync(projectId, lead, [storytellerId], ("Sam", "A line."));
        var page = await _app.SignInAsync(reporter);
        var api = await _app.ApiClientAsync(reporter);
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync($"/projects/{projectId}/stories/{storyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/projects/{projectId}/stories/{storyId}")).StatusCode);

        await _app.WithServiceAsync<ProjectService, bool>(async s => (await s.RemoveMemberAsync(projectId, reporter.Id, lead.Id)).Succeeded);

        var pageAfter = await page.GetAsync($"/projects/{projectId}/stories/{storyId}");
        Assert.Equal(HttpStatusCode.Redirect, pageAfter.StatusCode);
        Assert.Contains("/account/denied", pageAfter.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/projects/{projectId}/stories/{storyId}")).StatusCode);
        // Still signed in to everything else.
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/projects")).StatusCode);
    }
}
