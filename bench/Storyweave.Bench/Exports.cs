using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;
using Storyweave.Hosting;

namespace Storyweave.Bench;

/// <summary>
/// Memory and time of the data exports (issue #17), measured on the real server process (<c>storyweave serve</c>,
/// started from a built <c>storyweave.dll</c> with its own runtime settings, so its GC configuration is the one
/// measured), driven over loopback HTTP with an API token like any API client. A project of 200 stories (about
/// 2,000 words each) with 20,000 coded passages (one theme each, 12 themes) is written straight to the database
/// first; then the server starts on that data and the bench reads its memory from <c>/proc/PID/status</c>:
/// VmRSS once it is idle after start, VmHWM (the peak) after the CSV exports and again after the XLSX exports,
/// and VmRSS idle at the end.
/// </summary>
public static class Exports
{
    public static async Task<int> RunAsync(string server, string? dataDir, string? postgres, bool reuse, int rounds, int passagesWanted)
    {
        server = Path.GetFullPath(server);
        if (!File.Exists(server))
        {
            Console.Error.WriteLine($"{server} does not exist: build it (dotnet build src/Storyweave -c Release) or give --server PATH/storyweave.dll.");
            return 2;
        }
        dataDir = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), "storyweave-bench", "exports-" + Guid.NewGuid().ToString("N")));
        string? pgDatabase = null;
        if (postgres is not null && !reuse)
        {
            pgDatabase = "sw_bench_" + Guid.NewGuid().ToString("N")[..12];
            await using (var conn = new NpgsqlConnection(postgres))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{pgDatabase}\"", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            postgres = new NpgsqlConnectionStringBuilder(postgres) { Database = pgDatabase }.ConnectionString;
        }
        try
        {
            var options = new StoryweaveOptions { DataDir = dataDir, Postgres = postgres, NoSample = true };
            var (projectId, token, passages, seedSeconds) = await SeedAsync(options, reuse, passagesWanted);
            return await MeasureAsync(server, options, projectId, token, passages, seedSeconds, rounds);
        }
        finally
        {
            if (pgDatabase is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres" }.ConnectionString);
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{pgDatabase}\" WITH (FORCE)", conn);
                await cmd.ExecuteNonQueryAsync();
            }
        }
    }

    /// <summary>The corpus, written with the app's own model in this process (the server is not running yet), and a new API token.</summary>
    private static async Task<(int ProjectId, string Token, int Passages, double Seconds)> SeedAsync(StoryweaveOptions options, bool reuse, int passagesWanted)
    {
        var watch = Stopwatch.StartNew();
        await using var app = AppHost.Build(options, b => b.Logging.SetMinimumLevel(LogLevel.Error));
        if (!reuse) await DatabaseStartup.MigrateAsync(app.Services, options, TextWriter.Null);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        const string email = "exports-bench@example.org";
        if (reuse)
        {
            var user = await db.Users.SingleAsync(u => u.Email == email);
            var projectId = await db.Projects.Where(p => p.Name == "Export benchmark").Select(p => p.Id).SingleAsync();
            var count = await db.Passages.CountAsync(p => p.ProjectId == projectId);
            var (_, secret) = await accounts.CreateTokenAsync(user.Id, "bench", default);
            return (projectId, secret, count, 0);
        }

        var lead = (await accounts.CreateAsync(email, "Bench Lead", "correct horse battery staple", true, null)).Value!;
        var project = (await scope.ServiceProvider.GetRequiredService<ProjectService>()
            .CreateAsync(new ProjectService.Details("Export benchmark", "Synthetic stories.", null, "Tell me about it.", null, null), lead.Id)).Value!;
        var now = DateTime.UtcNow;
        var themes = Enumerable.Range(1, 12).Select(i => new Theme { ProjectId = project.Id, Name = $"Theme {i}", Position = i, CreatedAt = now }).ToList();
        db.Themes.AddRange(themes);
        await db.SaveChangesAsync();

        var corpus = new Corpus(42);
        var random = new Random(42);
        const int stories = 200;
        var perStory = (passagesWanted + stories - 1) / stories;
        var written = 0;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        for (var s = 0; s < stories; s++)
        {
            var tellers = Enumerable.Range(0, random.Next(1, 4)).Select(t => new Storyteller { ProjectId = project.Id, Name = $"Teller {s}-{t}", CreatedAt = now }).ToList();
            var story = new Story { ProjectId = project.Id, Title = $"Story {s + 1}", CreatedAt = now, TranscriptFormat = "typed", TranscriptVersion = 1 };
            var lines = corpus.Story(random, "Reporter", tellers.Select(t => t.Name).ToList(), 2000);
            double start = 0;
            for (var p = 0; p < lines.Count; p++)
            {
                var seconds = lines[p].Words / 2.5;
                story.Cues.Add(new TranscriptCue { Position = p, StartSeconds = start, EndSeconds = start + seconds, Speaker = lines[p].Speaker, Text = lines[p].Text });
                start += seconds + 0.5;
            }
            story.Speakers.Add(new SpeakerLabel { Label = "Reporter", IsReporter = true });
            foreach (var t in tellers)
            {
                story.Storytellers.Add(new StoryStoryteller { Storyteller = t });
                story.Speakers.Add(new SpeakerLabel { Label = t.Name, Storyteller = t });
            }
            db.Stories.Add(story);
            db.Storytellers.AddRange(tellers);
            db.ConsentRecords.AddRange(tellers.Select(t => new ConsentRecord
            {
                ProjectId = project.Id,
                Storyteller = t,
                Recording = true,
                Analysis = true,
                Method = ConsentMethod.PaperForm,
                GivenAt = now,
                RecordedAt = now,
            }));
            await db.SaveChangesAsync();

            // Passages: whole storyteller lines (what a coder most often marks), anchored like the coding page's.
            var offsets = new int[story.Cues.Count];
            for (int p = 0, at = 0; p < story.Cues.Count; at += story.Cues[p].Text.Length + 1, p++) offsets[p] = at;
            var told = Enumerable.Range(0, story.Cues.Count).Where(p => story.Cues[p].Speaker != "Reporter").ToList();
            for (var i = 0; i < perStory && written < passagesWanted; i++, written++)
            {
                var cue = story.Cues[told[random.Next(told.Count)]];
                db.Passages.Add(new CodedPassage
                {
                    ProjectId = project.Id,
                    StoryId = story.Id,
                    StartOffset = offsets[cue.Position],
                    EndOffset = offsets[cue.Position] + cue.Text.Length,
                    Snippet = cue.Text,
                    StartSeconds = cue.StartSeconds,
                    EndSeconds = cue.EndSeconds,
                    Speaker = cue.Speaker,
                    CoderUserId = lead.Id,
                    CreatedAt = now,
                    Themes = [new PassageTheme { ThemeId = themes[random.Next(themes.Count)].Id, CoderUserId = lead.Id, CodedAt = now }],
                });
            }
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }
        var (_, token) = await accounts.CreateTokenAsync(lead.Id, "bench", default);
        return (project.Id, token, written, watch.Elapsed.TotalSeconds);
    }

    private static async Task<int> MeasureAsync(string server, StoryweaveOptions options, int projectId, string token, int passages, double seedSeconds, int rounds)
    {
        var (process, baseUrl, log) = await StartServerAsync(server, options);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await http.GetAsync($"/api/projects/{projectId}");
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idleStart = Status(process.Id, "VmRSS");
            var loadBefore = Stats.LoadAverage();

            var rows = new List<string>();
            var peaks = new List<string>();
            long bytes = 0;
            foreach (var format in new[] { "csv", "xlsx" })
            {
                var timings = new List<double>();
                var cpu = 0.0;
                for (var i = 0; i < rounds; i++)
                {
                    var cpuBefore = SearchHttp.CpuMs(process.Id);
                    var watch = Stopwatch.StartNew();
                    using var response = await http.GetAsync($"/api/projects/{projectId}/exports/coded-passages.{format}", HttpCompletionOption.ResponseHeadersRead);
                    await using var body = await response.Content.ReadAsStreamAsync();
                    bytes = 0;
                    var buffer = new byte[81920];
                    for (int n; (n = await body.ReadAsync(buffer)) > 0;) bytes += n;
                    watch.Stop();
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The {format} export answered {(int)response.StatusCode}.\n{log}");
                    timings.Add(watch.Elapsed.TotalMilliseconds);
                    // The server's own CPU time (user + system, from /proc) of the warm runs: on a shared machine the
                    // wall time includes waiting for a core, this does not.
                    if (i > 0 || rounds == 1) cpu += SearchHttp.CpuMs(process.Id) - cpuBefore;
                }
                var warm = timings.Count > 1 ? timings.Skip(1).ToList() : timings;
                rows.Add($"| Export {passages:N0} coded passages, {format.ToUpperInvariant()} ({bytes / 1024.0 / 1024.0:F1} MB) | {timings[0]:N0} ms | {Stats.Percentile(warm, 50):N0} ms | {warm.Max():N0} ms | {cpu / warm.Count:N0} ms | {Status(process.Id, "VmHWM")} |");
                peaks.Add(Status(process.Id, "VmHWM"));
            }
            await Task.Delay(TimeSpan.FromSeconds(10));
            var idleEnd = Status(process.Id, "VmRSS");

            Console.WriteLine($"### Exports, {(options.UsesPostgres ? "PostgreSQL" : "SQLite")}: the server process over HTTP with an API token, one request at a time");
            Console.WriteLine();
            Console.WriteLine($"- server: `{server}`; GC: {GcNote(server)}");
            Console.WriteLine($"- corpus: 200 stories, {passages:N0} coded passages (one theme each){(seedSeconds > 0 ? $", written in {seedSeconds:F0} s" : ", reused")}");
            Console.WriteLine();
            Console.WriteLine($"| Operation | First | Median of the next {Math.Max(1, rounds - 1)} | Max of those | Mean server CPU of those | Peak RSS of the server after it (VmHWM) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var r in rows) Console.WriteLine(r);
            Console.WriteLine();
            Console.WriteLine($"- server RSS idle after start (5 s after its first API request): {idleStart}; idle 10 s after the exports: {idleEnd}");
            Console.WriteLine($"- load average before: {loadBefore}; after: {Stats.LoadAverage()}");
            return 0;
        }
        finally
        {
            await StopAsync(process);
        }
    }

    /// <summary>Starts <c>dotnet SERVER serve</c> on a free loopback port and waits until it answers /healthz.</summary>
    internal static async Task<(Process Process, string BaseUrl, System.Text.StringBuilder Log)> StartServerAsync(string server, StoryweaveOptions options, IReadOnlyDictionary<string, string>? environment = null)
    {
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        // A built storyweave.dll runs on the installed .NET; a published program (the Debian package's self-contained
        // single file, packaging/build-deb.sh) runs by itself, so the copy a server runs can be measured as it is.
        var dll = server.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(dll ? "dotnet" : server) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        if (dll) start.ArgumentList.Add(server);
        foreach (var a in new[] { "serve", "--data-dir", options.DataDir, "--urls", baseUrl, "--no-sample" }) start.ArgumentList.Add(a);
        if (options.Postgres is not null)
        {
            start.ArgumentList.Add("--postgres");
            start.ArgumentList.Add(options.Postgres);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        for (var i = 0; ; i++)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return (process, baseUrl, log);
            }
            catch (HttpRequestException) when (i < 300)
            {
            }
            if (process.HasExited || i >= 300)
            {
                await StopAsync(process);
                throw new InvalidOperationException($"The server did not answer /healthz:\n{log}");
            }
            await Task.Delay(200);
        }
    }

    internal static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    internal static string Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        if (line is null) return "unknown";
        var kb = long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return $"{kb / 1024.0:F0} MB";
    }

    /// <summary>What the server process runs with: the GC settings of its runtimeconfig.json and any DOTNET_GC* variables it inherits.</summary>
    internal static string GcNote(string server)
    {
        var config = Path.ChangeExtension(server, ".runtimeconfig.json");
        var settings = new List<string>();
        if (File.Exists(config))
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
            if (json.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties))
                settings.AddRange(properties.EnumerateObject().Where(p => p.Name.StartsWith("System.GC.", StringComparison.Ordinal)).Select(p => $"{p.Name}={p.Value}"));
        }
        settings.AddRange(Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase))
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"));
        return settings.Count == 0 ? "runtime defaults" : string.Join(", ", settings);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
