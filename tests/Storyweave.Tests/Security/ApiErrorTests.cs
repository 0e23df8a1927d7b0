using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Storyweave.Tests.Security;

/// <summary>
/// API endpoints answer every failure with problem details and a plain message (never the HTML error page or a
/// stack trace); a full disk during an upload is named as such, and nothing is half-kept.
/// </summary>
public sealed class ApiErrorTests
{
    private static async Task RunAsync(string file, params string[] args)
    {
        using var p = Process.Start(file, args);
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed with {p.ExitCode}");
    }

    [Fact]
    public async Task A_full_disk_during_an_upload_answers_problem_details_saying_so_and_keeps_nothing()
    {
        await using var app = await TestApp.StartAsync();
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var (storyId, _) = await app.CreateStoryAsync(projectId);
        var api = await app.ApiClientAsync(lead);

        // A real full disk: the data folder's scratch space on a 1 MB filesystem (the tests run as root, as CI does).
        Directory.CreateDirectory(app.Options.TempDir);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", app.Options.TempDir);
        try
        {
            using var folder = new TestMedia.Folder();
            var wav = await TestMedia.SpeechAsync(folder.File("long.wav"), string.Join(' ', Enumerable.Repeat("This is a long story told slowly so the file is large.", 12)));
            Assert.True(new FileInfo(wav).Length > 1_200_000, "The recording must be larger than the space left.");
            using var content = TestMedia.FileContent(wav, "long.wav", "audio/wav");
            var response = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);

            Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Contains("The server has no space left", (string)body["detail"]!, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", body.ToJsonString(), StringComparison.Ordinal); // no stack trace
            Assert.Equal(0, await app.WithDbAsync(db => db.MediaFiles.CountAsync(m => m.StoryId == storyId)));
            Assert.Empty(Directory.GetFiles(app.Options.TempDir, "*", SearchOption.AllDirectories));
            Assert.False(Directory.Exists(Path.Combine(app.Options.MediaDir, projectId.ToString(System.Globalization.CultureInfo.InvariantCulture))) &&
                         Directory.GetFiles(Path.Combine(app.Options.MediaDir, projectId.ToString(System.Globalization.CultureInfo.InvariantCulture))).Length > 0);
        }
        finally
        {
            await RunAsync("umount", "-l", app.Options.TempDir);
        }
    }

    [Fact]
    public async Task An_unexpected_failure_on_the_api_is_problem_details_with_a_reference_and_a_page_gets_the_error_page_without_try_again_later()
    {
        await using var app = await TestApp.StartAsync(configureBuilder: b => b.Services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(new Thrower()));
        var api = app.AnonymousClient();
        var response = await api.GetAsync("/api/throw-for-test");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("not something you did", (string)body["detail"]!, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)body["reference"]));
        Assert.DoesNotContain("InvalidOperationException", body.ToJsonString(), StringComparison.Ordinal);

        var page = await api.GetAsync("/throw-for-test");
        Assert.Equal(HttpStatusCode.InternalServerError, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Sorry, something went wrong", html, StringComparison.Ordinal);
        Assert.DoesNotContain("few minutes", html, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_kept_waiting_by_a_long_transaction_is_told_the_database_is_busy_on_sqlite_and_goes_through_on_postgresql()
    {
        await using var app = await TestApp.StartAsync();
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var otherProjectId = await app.CreateProjectAsync(lead);
        var api = await app.ApiClientAsync(lead);
        var browser = await app.SignInAsync(lead);
        var settings = $"/projects/{projectId}/settings";
        var settingsHtml = await browser.GetStringAsync(settings);
        var token = System.Text.RegularExpressions.Regex.Match(settingsHtml, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(await api.GetStringAsync($"/api/projects/{projectId}/codebook"));

        // Another writer holds a transaction open, as a large .qdpx import does for its whole run (in another project).
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Storyweave.Data.StoryweaveDb>();
        await using var longWrite = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("UPDATE \"Projects\" SET \"Description\" = 'Importing' WHERE \"Id\" = {0}", otherProjectId);

        var apiWrite = api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name = "Feeling heard" });
        var pageWrite = browser.PostAsync($"{settings}?handler=Save", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Form.Name"] = "Renamed while busy",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        }));
        var (apiAnswer, pageAnswer) = (await apiWrite, await pageWrite);
        await longWrite.RollbackAsync();

        if (TestApp.PostgresServer is null)
        {
            // SQLite has one writer: after its busy timeout the request is told plainly, and that waiting will help.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, apiAnswer.StatusCode);
            Assert.Equal("application/problem+json", apiAnswer.Content.Headers.ContentType?.MediaType);
            var body = (await apiAnswer.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal("The database is busy", (string)body["title"]!);
            Assert.Contains("was not saved. Wait a minute or two, then do it again.", (string)body["detail"]!, StringComparison.Ordinal);
            Assert.Equal("60", apiAnswer.Headers.RetryAfter?.ToString());

            Assert.Equal(HttpStatusCode.ServiceUnavailable, pageAnswer.StatusCode);
            var html = WebUtility.HtmlDecode(await pageAnswer.Content.ReadAsStringAsync());
            Assert.Contains("<h1>The database is busy</h1>", html, StringComparison.Ordinal);
            Assert.Contains("such as importing a project file", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Sorry, something went wrong", html, StringComparison.Ordinal);

            // Nothing was half-kept, and once the long write has ended the same change goes through.
            Assert.Equal(0, await app.WithDbAsync(d => d.Themes.CountAsync(t => t.ProjectId == projectId)));
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name = "Feeling heard" })).StatusCode);
        }
        else
        {
            // PostgreSQL locks rows, not the database: the writes are not held up at all.
            Assert.Equal(HttpStatusCode.Created, apiAnswer.StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, pageAnswer.StatusCode);
        }
        Assert.Equal(1, await app.WithDbAsync(d => d.Themes.CountAsync(t => t.ProjectId == projectId && t.Name == "Feeling heard")));
    }

    /// <summary>Throws on two made-up paths, ahead of the app's own pipeline but inside its error handling.</summary>
    private sealed class Thrower : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
        {
            next(app);
            // After the app's own pipeline: reached only by paths no endpoint answers, inside its error handling.
            app.Use(nextMiddleware => context => context.Request.Path.Value?.EndsWith("/throw-for-test", StringComparison.Ordinal) == true
                ? throw new InvalidOperationException("A failure made by the test.")
                : nextMiddleware(context));
        };
    }
}
