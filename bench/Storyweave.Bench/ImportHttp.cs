using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Bench;

/// <summary>
/// Import over HTTP (issue #17): N transcripts of about 8,000 words ("Speaker: words" text files, as a team would have
/// them), sent to the real server process (<c>storyweave serve</c>) with an API token through
/// <c>POST /api/projects/{id}/stories/import</c>, <c>--batch</c> files per request, one request at a time. The clock
/// runs from the first request to the last answer; the corpus is made before it starts. Afterwards: the database's
/// size divided by the transcript text's, and the server's peak RSS. <c>--warm-up N</c> first brings N other transcripts
/// into another project of the same server, before the clock starts: the import of a server that has run a while,
/// whose runtime has already compiled its hot code again (tiered compilation), instead of one just started.
/// </summary>
public static class ImportHttp
{
    public static async Task<int> RunAsync(string server, string? dataDir, string? postgres, int stories, int wordsPerStory, int filesPerRequest, int seed, int warmUp = 0)
    {
        server = Path.GetFullPath(server);
        if (!File.Exists(server))
        {
            Console.Error.WriteLine($"{server} does not exist: build it (dotnet build src/Storyweave -c Release) or give --server PATH/storyweave.dll.");
            return 2;
        }
        dataDir = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), "storyweave-bench", "import-" + Guid.NewGuid().ToString("N")));
        string? pgDatabase = null;
        if (postgres is not null)
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
            var (projectId, warmUpProjectId, token) = await SeedAsync(options, warmUp > 0);

            // The corpus, made before the clock starts: the same generator and seed as the in-process import.
            var corpus = new Corpus(seed);
            var random = new Random(seed);
            var files = new List<(string Name, byte[] Content)>();
            long words = 0, textBytes = 0;
            (long, long) measured = (0, 0);
            for (var s = 0; s < stories + warmUp; s++)
            {
                var tellers = Enumerable.Range(0, random.Next(1, 4)).Select(t => $"Teller {s}-{t}").ToList();
                var text = new StringBuilder();
                foreach (var line in corpus.Story(random, "Reporter", tellers, wordsPerStory))
                {
                    text.Append(line.Speaker).Append(": ").Append(line.Text).Append('\n');
                    words += line.Words;
                    textBytes += Encoding.UTF8.GetByteCount(line.Text) + 1;
                }
                files.Add(($"story-{s + 1:D5}.txt", Encoding.UTF8.GetBytes(text.ToString())));
                if (s < stories) measured = (words, textBytes);
            }
            (words, textBytes) = measured;
            var warmUpFiles = files.Skip(stories).ToList();
            files = files.Take(stories).ToList();

            var (started, baseUrl, log) = await Exports.StartServerAsync(server, options);
            Process? process = started;
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(10) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                await http.GetAsync($"/api/projects/{projectId}");
                for (var from = 0; from < warmUpFiles.Count; from += filesPerRequest)
                    await SendAsync(http, warmUpProjectId, warmUpFiles.Skip(from).Take(filesPerRequest), log);
                var loadBefore = Stats.LoadAverage();
                // On standard error, so a profiler can be attached to the server for the import only (BENCHMARKS.md).
                Console.Error.WriteLine($"importing {stories:N0} transcripts, server process {process.Id}");
                var cpuBefore = CpuSeconds(process.Id);
                var clientCpuBefore = CpuSeconds(Environment.ProcessId);
                var requests = new List<double>();
                var clock = Stopwatch.StartNew();
                for (var from = 0; from < files.Count; from += filesPerRequest)
                {
                    var watch = Stopwatch.StartNew();
                    await SendAsync(http, projectId, files.Skip(from).Take(filesPerRequest), log);
                    requests.Add(watch.Elapsed.TotalMilliseconds);
                }
                clock.Stop();
                Console.Error.WriteLine("import done");
                var peak = Exports.Status(process.Id, "VmHWM");
                var cpu = CpuSeconds(process.Id) - cpuBefore;
                var clientCpu = CpuSeconds(Environment.ProcessId) - clientCpuBefore;
                var loadAfter = Stats.LoadAverage();
                await Exports.StopAsync(process);
                process = null;
                var dbBytes = await DatabaseBytesAsync(options);

                var provider = options.UsesPostgres ? "PostgreSQL" : "SQLite";
                Console.WriteLine($"### Import over HTTP, {provider}: {stories:N0} transcripts, {filesPerRequest} files per request");
                Console.WriteLine();
                Console.WriteLine($"- server: `{server}`; GC: {Exports.GcNote(server)}");
                if (warmUp > 0) Console.WriteLine($"- after a warm-up: {warmUp:N0} other transcripts brought into another project of the same server first, before the clock (the database size includes them)");
                Console.WriteLine($"- corpus: {stories:N0} text files, {words:N0} words, {textBytes / 1024.0 / 1024.0:F1} MB of transcript text (seed {seed})");
                Console.WriteLine();
                Console.WriteLine("| Measure | Value |");
                Console.WriteLine("|---|---:|");
                Console.WriteLine($"| Import {stories:N0} transcripts over HTTP (first request to last answer) | {clock.Elapsed.TotalSeconds:F1} s |");
                Console.WriteLine($"| Transcripts per second | {stories / clock.Elapsed.TotalSeconds:F0} |");
                Console.WriteLine($"| One request of {filesPerRequest} files: median / max | {Stats.Percentile(requests, 50):N0} / {requests.Max():N0} ms |");
                Console.WriteLine($"| Database size ÷ transcript text | {dbBytes / (double)textBytes:F2}× ({dbBytes / 1024.0 / 1024.0:F0} MB) |");
                Console.WriteLine($"| Server CPU time (user + system) during the import | {cpu:F1} s ({cpu * 1000 / stories:F1} ms per transcript) |");
                Console.WriteLine($"| Bench client CPU (this process: sending the files) during the import | {clientCpu:F1} s |");
                Console.WriteLine($"| Peak server RSS (VmHWM) | {peak} |");
                Console.WriteLine();
                Console.WriteLine($"- load average before: {loadBefore}; after: {loadAfter}");
                return 0;
            }
            finally
            {
                if (process is not null) await Exports.StopAsync(process);
            }
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

    private static async Task SendAsync(HttpClient http, int projectId, IEnumerable<(string Name, byte[] Content)> files, StringBuilder log)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(part, "files", name);
        }
        using var response = await http.PostAsync($"/api/projects/{projectId}/stories/import", form);
        var answer = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The import answered {(int)response.StatusCode}: {answer[..Math.Min(answer.Length, 2000)]}\n{log}");
    }

    private static async Task<(int ProjectId, int WarmUpProjectId, string Token)> SeedAsync(StoryweaveOptions options, bool warmUp)
    {
        await using var app = AppHost.Build(options, b => b.Logging.SetMinimumLevel(LogLevel.Error));
        await DatabaseStartup.MigrateAsync(app.Services, options, TextWriter.Null);
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var lead = (await accounts.CreateAsync("import-bench@example.org", "Bench Lead", "correct horse battery staple", true, null)).Value!;
        var project = (await scope.ServiceProvider.GetRequiredService<ProjectService>()
            .CreateAsync(new ProjectService.Details("Import benchmark", "Synthetic stories.", null, "Tell me about it.", null, null), lead.Id)).Value!;
        var other = warmUp ? (await scope.ServiceProvider.GetRequiredService<ProjectService>()
            .CreateAsync(new ProjectService.Details("Import benchmark warm-up", "Synthetic stories.", null, "Tell me about it.", null, null), lead.Id)).Value!.Id : 0;
        var (_, token) = await accounts.CreateTokenAsync(lead.Id, "bench", default);
        return (project.Id, other, token);
    }

    /// <summary>A process's CPU time so far (user + system, from /proc/PID/stat), which a busy machine changes less than wall time.</summary>
    internal static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    /// <summary>The database's size on disk after the server stopped: the SQLite file (checkpointed) or pg_database_size.</summary>
    private static async Task<long> DatabaseBytesAsync(StoryweaveOptions options)
    {
        await using var app = AppHost.Build(options, b => b.Logging.SetMinimumLevel(LogLevel.Error));
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        if (options.UsesPostgres)
            return await db.Database.SqlQueryRaw<long>("SELECT pg_database_size(current_database()) AS \"Value\"").SingleAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)");
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        return new FileInfo(file).Length;
    }
}
