using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.Sample;
using Storyweave.Hosting;

namespace Storyweave.Testing;

/// <summary>
/// The real Storyweave app on Kestrel at a free loopback port, with its own data folder and a
/// real database: SQLite by default, or a fresh PostgreSQL database when
/// STORYWEAVE_TEST_POSTGRES holds a server connection string (test.sh sets it for the second run).
/// </summary>
public sealed partial class TestApp : IAsyncDisposable
{
    public const string DefaultPassword = "correct horse battery staple";

    private readonly WebApplication _app;
    private readonly RecentLog _log;
    private readonly string? _pgDatabase;
    private readonly Action<WebApplicationBuilder>? _configureBuilder;
    private int _counter;

    private TestApp(WebApplication app, RecentLog log, StoryweaveOptions options, string? pgDatabase, string baseUrl, Action<WebApplicationBuilder>? configureBuilder)
    {
        _app = app;
        _log = log;
        _configureBuilder = configureBuilder;
        Options = options;
        _pgDatabase = pgDatabase;
        BaseUrl = baseUrl;
    }

    public StoryweaveOptions Options { get; }
    public string BaseUrl { get; }
    public IServiceProvider Services => _app.Services;
    public string DataDir => Options.DataDir;
    /// <summary>This app's own job scratch folder (<c>tmp/node-…/</c>; every process has one, see <see cref="JobScratch"/>).</summary>
    public string ScratchRoot => Services.GetRequiredService<JobScratch>().Root;

    /// <summary>
    /// <paramref name="relative"/> (such as <c>project-1/story-2</c>) in the scratch folder of every process that has one
    /// under <paramref name="tempDir"/>: this app's, a CLI's, a killed server's.
    /// </summary>
    public static string[] ScratchFoldersFor(string tempDir, string relative) =>
        Directory.Exists(tempDir) ? [.. Directory.GetDirectories(tempDir, "node-*").Select(node => Path.Combine(node, relative))] : [];

    /// <summary>The files under <paramref name="folder"/>, leaving out the lock file each running process holds in its scratch folder.</summary>
    public static string[] ScratchFiles(string folder) =>
        Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != ".lock")] : [];

    /// <summary>The app's last warnings and errors (newest last), for a failing test's message.</summary>
    public IReadOnlyList<string> RecentWarnings => _log.Entries;

    public static string? PostgresServer => Environment.GetEnvironmentVariable("STORYWEAVE_TEST_POSTGRES") is { Length: > 0 } v ? v : null;
    public static string ProviderName => PostgresServer is null ? "sqlite" : "postgresql";

    /// <summary>The administrator created at start (null when started with <c>withAdmin: false</c>).</summary>
    public TestUser? Admin { get; private set; }

    public static async Task<TestApp> StartAsync(bool seedSample = false, Func<StoryweaveOptions, StoryweaveOptions>? configure = null,
        Action<WebApplicationBuilder>? configureBuilder = null, bool withAdmin = true)
    {
        var (options, pgDatabase) = await NewInstanceOptionsAsync();
        options = options with { Urls = "http://127.0.0.1:0", NoSample = !seedSample, SignInAttemptsPerMinute = 1000, CodeAttemptsPerMinute = 1000, SetupAttemptsPerMinute = 1000 };
        if (configure is not null) options = configure(options);

        if (options.UsesPostgres) await MigrateAsync(options);
        var testApp = await StartOnAsync(options, pgDatabase, seedSample, configureBuilder);
        if (withAdmin) testApp.Admin = await testApp.CreateAdminAsync();
        return testApp;
    }

    private static async Task<TestApp> StartOnAsync(StoryweaveOptions options, string? pgDatabase, bool seedSample = false, Action<WebApplicationBuilder>? configureBuilder = null)
    {
        var log = new RecentLog();
        var app = AppHost.Build(options, b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            b.Logging.AddProvider(log);
            configureBuilder?.Invoke(b);
        });
        await DatabaseStartup.PrepareForServeAsync(app.Services, options, TextWriter.Null);
        if (seedSample)
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SampleProject>().SeedIfFirstRunAsync();
        }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, log, options, pgDatabase, address.TrimEnd('/'), configureBuilder);
    }

    private bool _handedOver;

    /// <summary>
    /// Stops the app as a shutdown does (workers and web server stop), keeping its data folder and database, so that
    /// another process (the real binary) can use them, or <see cref="StartAgainAsync"/> can start it again.
    /// </summary>
    public Task StopKeepingDataAsync() => _app.StopAsync();

    /// <summary>
    /// A new app on this one's data folder and database, started as the app starts after a restart (this one is stopped
    /// first if it is not already). The new app owns the instance from now on: dispose it, not this one.
    /// </summary>
    public async Task<TestApp> StartAgainAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _handedOver = true;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The same builder changes (settings such as the mail server), as a restarted server keeps its configuration.
        var again = await StartOnAsync(Options with { Urls = "http://127.0.0.1:0" }, _pgDatabase, configureBuilder: _configureBuilder);
        again.Admin = Admin;
        return again;
    }

    private bool _secondNode;
    private string? _firstNodeDataDir;

    /// <summary>
    /// A second app on this one's data folder and database, running beside it as a second node behind a load balancer
    /// does (its own workers, caches and SignalR hub). Dispose it before this one; disposing it leaves the data alone.
    /// </summary>
    /// <param name="ownDataFolder">Give the node a data folder of its own (PostgreSQL only: on SQLite the database is in the data folder).</param>
    public async Task<TestApp> StartSecondNodeAsync(bool ownDataFolder = false)
    {
        if (ownDataFolder && !Options.UsesPostgres) throw new InvalidOperationException("On SQLite both nodes need the one data folder, which holds the database.");
        var options = Options with { Urls = "http://127.0.0.1:0" };
        if (ownDataFolder) options = options with { DataDir = Path.Combine(Path.GetTempPath(), "storyweave-tests", Guid.NewGuid().ToString("N")) };
        var node = await StartOnAsync(options, null, configureBuilder: _configureBuilder);
        node._secondNode = true;
        node._firstNodeDataDir = DataDir;
        node.Admin = Admin;
        return node;
    }

    /// <summary>Options for a brand-new, empty instance: a temp data folder and, on PostgreSQL, an empty database.</summary>
    public static async Task<(StoryweaveOptions Options, string? PgDatabase)> NewInstanceOptionsAsync()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "storyweave-tests", Guid.NewGuid().ToString("N"));
        if (PostgresServer is not { } server) return (new StoryweaveOptions { DataDir = dataDir }, null);
        var database = "sw_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var conn = new NpgsqlConnection(server))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        return (new StoryweaveOptions { DataDir = dataDir, Postgres = cs }, database);
    }

    public static async Task DropPostgresDatabaseAsync(string database)
    {
        if (PostgresServer is not { } server) return;
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(server);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task MigrateAsync(StoryweaveOptions options)
    {
        await using var app = AppHost.Build(options, b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        await DatabaseStartup.MigrateAsync(app.Services, options, TextWriter.Null);
    }

    public string Unique(string prefix) => $"{prefix}{Interlocked.Increment(ref _counter)}-{Guid.NewGuid().ToString("N")[..6]}";

    public sealed record TestUser(string Id, string Email, string Name, string Password);

    public async Task<TestUser> CreateUserAsync(bool isAdmin = false, string? name = null)
    {
        var email = Unique(isAdmin ? "admin" : "user") + "@example.org";
        name ??= isAdmin ? "Admin Person" : "Team Person";
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync(email, name, DefaultPassword, isAdmin, null);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors));
        return new TestUser(result.Value!.Id, email, name, DefaultPassword);
    }

    public Task<TestUser> CreateAdminAsync() => CreateUserAsync(isAdmin: true);

    public async Task<int> CreateProjectAsync(TestUser lead, string? name = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ProjectService>()
            .CreateAsync(new ProjectService.Details(name ?? Unique("Project "), "A test project.", null, "Tell me about it.", null, null), lead.Id);
        return result.Value!.Id;
    }

    public async Task AddMemberAsync(int projectId, TestUser user, ProjectRole role)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ProjectService>().SetMemberAsync(projectId, user.Email, role, user.Id);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors));
    }

    public async Task<T> WithDbAsync<T>(Func<StoryweaveDb, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<StoryweaveDb>());
    }

    public async Task<T> WithServiceAsync<TService, T>(Func<TService, Task<T>> action) where TService : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task<string> CreateTokenAsync(TestUser user)
    {
        await using var scope = Services.CreateAsyncScope();
        var (_, secret) = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateTokenAsync(user.Id, "test");
        return secret;
    }

    /// <summary>A client with no cookies that does not follow redirects, so tests see them.</summary>
    public HttpClient AnonymousClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(BaseUrl),
        };

    public HttpClient ApiClient(string token)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<HttpClient> ApiClientAsync(TestUser user) => ApiClient(await CreateTokenAsync(user));

    /// <summary>A browser-like client signed in through the real sign-in form.</summary>
    public async Task<HttpClient> SignInAsync(TestUser user)
    {
        var client = AnonymousClient();
        var response = await PostFormAsync(client, "/account/sign-in", new() { ["Email"] = user.Email, ["Password"] = user.Password });
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in failed for {user.Email}: {(int)response.StatusCode}");
        return client;
    }

    /// <summary>Loads a page, takes its antiforgery token, and posts a form to it (or to <paramref name="action"/>).</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, Dictionary<string, string> fields, string? action = null)
    {
        var html = await client.GetStringAsync(page);
        var token = AntiforgeryField().Match(html);
        if (!token.Success) throw new InvalidOperationException($"No antiforgery token on {page}");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value) };
        return await client.PostAsync(action ?? page, new FormUrlEncodedContent(form));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public async ValueTask DisposeAsync()
    {
        if (_handedOver) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_secondNode)
        {
            if (DataDir != _firstNodeDataDir) try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return;
        }
        if (_pgDatabase is not null) await DropPostgresDatabaseAsync(_pgDatabase);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Gathering intents: stories with storytellers and their consent, written straight to the database.</summary>
public sealed partial class TestApp
{
    /// <summary>
    /// A story told by <paramref name="storytellerCount"/> new storytellers, each with a consent record
    /// that agrees (or not) to being recorded. Returns the story id and the storyteller ids.
    /// </summary>
    public async Task<(int StoryId, List<int> StorytellerIds)> CreateStoryAsync(int projectId, int storytellerCount = 1, bool recordingConsent = true)
    {
        return await WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var people = Enumerable.Range(1, storytellerCount)
                .Select(i => new Storyweave.Features.Storytellers.Storyteller { ProjectId = projectId, Name = Unique("Storyteller "), CreatedAt = now })
                .ToList();
            db.Storytellers.AddRange(people);
            var story = new Storyweave.Features.Stories.Story { ProjectId = projectId, Title = Unique("Story "), CreatedAt = now };
            db.Stories.Add(story);
            await db.SaveChangesAsync();
            foreach (var person in people)
            {
                db.StoryStorytellers.Add(new Storyweave.Features.Stories.StoryStoryteller { StoryId = story.Id, StorytellerId = person.Id });
                db.ConsentRecords.Add(new Storyweave.Features.Consent.ConsentRecord
                {
                    ProjectId = projectId,
                    StorytellerId = person.Id,
                    Recording = recordingConsent,
                    Analysis = true,
                    Method = Storyweave.Features.Consent.ConsentMethod.PaperForm,
                    GivenAt = now,
                    RecordedAt = now,
                });
            }
            await db.SaveChangesAsync();
            return (story.Id, people.Select(p => p.Id).ToList());
        });
    }
}
