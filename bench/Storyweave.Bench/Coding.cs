using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Storyweave.Features.Stories;
using Storyweave.Testing;

namespace Storyweave.Bench;

/// <summary>
/// Writes while coding (issue #17): the real app on Kestrel (the test harness's <see cref="TestApp"/>),
/// driven over loopback HTTP with an API token like any API client. Two stories of one storyteller,
/// about 57 KB and about 700 KB of transcript text. For each story: a number of passages are coded
/// first (so the figures are taken with a story that already has many passages), then each coded
/// passage is timed from sending <c>POST …/passages</c> to reading its answer; then one line of the
/// transcript is changed and saved with <c>PUT …/transcript</c> (what the editor's autosave sends:
/// every line) and timed the same way. Then every turn of the storyteller is coded in one call on 20 stories of
/// <c>--turns</c> turns each (<c>--turn-stories</c>, 20 unless told). Peak memory and CPU per request are the whole process's (server and client).
/// <c>--dump FILE</c> writes the coded rows (passages, their themes, the coding events; without their times) to FILE at the
/// end, to compare what two builds wrote for the same requests (the corpus and the selections are the same every run).
/// </summary>
public static class Coding
{
    public static async Task<int> RunAsync(int samples, int preCoded, string? postgres, bool sqlLog, int turns, int turnStories = 20, string? dump = null)
    {
        if (postgres is not null) Environment.SetEnvironmentVariable("STORYWEAVE_TEST_POSTGRES", postgres);
        // --sql-log: the statements and transaction steps of one coded passage (after the timed ones) are listed.
        var sql = new SqlCapture();
        await using var app = await TestApp.StartAsync(configureBuilder: sqlLog ? b =>
        {
            // For this provider only: the console stays quiet, so the timed requests are not slowed by it.
            b.Logging.AddFilter<SqlCapture>("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information);
            b.Logging.AddFilter<SqlCapture>("Microsoft.EntityFrameworkCore.Database.Transaction", LogLevel.Debug);
            b.Logging.AddProvider(sql);
        }
        : null);
        var pid = Environment.ProcessId;
        var lead = await app.CreateUserAsync(name: "Lee Lead");
        var projectId = await app.CreateProjectAsync(lead);
        using var api = await app.ApiClientAsync(lead);
        var themes = new List<int>();
        for (var i = 0; i < 12; i++) themes.Add(await app.CreateThemeAsync(projectId, $"Theme {i + 1}"));

        var corpus = new Corpus(42);
        var random = new Random(7);
        var rows = new List<string>();
        var statements = new List<(string Story, List<string> Lines)>();
        var loadBefore = Stats.LoadAverage();
        foreach (var (label, targetBytes) in new[] { ("57 KB story", 57_000), ("700 KB story", 700_000) })
        {
            var lines = new List<TranscriptService.CueInput>();
            var bytes = 0;
            while (bytes < targetBytes)
            {
                foreach (var l in corpus.Story(random, "Reporter", ["Sam Teller"], 2000))
                {
                    if (bytes >= targetBytes) break;
                    var at = lines.Count * 10.0;
                    lines.Add(new TranscriptService.CueInput(at, at + 9.5, "Sam Teller", l.Text));
                    bytes += l.Text.Length + 1;
                }
            }
            var (storyId, _) = await app.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Sam Teller")], lines);
            var textLength = lines.Sum(l => l.Text!.Length + 1) - 1;
            var passages = $"/api/projects/{projectId}/stories/{storyId}/passages";

            async Task<double> CodeOneAsync()
            {
                var start = random.Next(0, textLength - 400);
                var body = new { startOffset = start, endOffset = start + random.Next(40, 400), themeIds = new[] { themes[random.Next(themes.Count)], themes[random.Next(themes.Count)] } };
                var watch = Stopwatch.StartNew();
                var response = await api.PostAsJsonAsync(passages, body);
                await response.Content.ReadAsByteArrayAsync();
                watch.Stop();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Coding answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                return watch.Elapsed.TotalMilliseconds;
            }

            for (var i = 0; i < preCoded; i++) await CodeOneAsync();
            var timings = new List<double>();
            var cpuBefore = SearchHttp.CpuMs(pid);
            // On standard error as it happens, so a profiler can be attached to the timed requests only (BENCHMARKS.md).
            Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} pid {pid}: timing {samples} coded passages, {label}");
            for (var i = 0; i < samples; i++) timings.Add(await CodeOneAsync());
            Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} pid {pid}: timed coded passages, {label}, done");
            var cpu = (SearchHttp.CpuMs(pid) - cpuBefore) / samples;
            rows.Add(Row($"Create one coded passage, {label} ({lines.Count:N0} lines, {preCoded + samples:N0} passages)", timings, cpu));
            if (sqlLog)
            {
                sql.Start();
                await CodeOneAsync();
                statements.Add((label, sql.Stop()));
            }

            // One changed line, saved as the editor saves: the whole transcript with the version it is based on.
            var transcript = $"/api/projects/{projectId}/stories/{storyId}/transcript";
            var saves = new List<double>();
            var version = await VersionAsync(api, projectId, storyId);
            var saveCpuBefore = SearchHttp.CpuMs(pid);
            for (var i = 0; i < Math.Max(5, samples / 10); i++)
            {
                var changed = random.Next(lines.Count);
                lines[changed] = lines[changed] with { Text = lines[changed].Text + " indeed" };
                var watch = Stopwatch.StartNew();
                var response = await api.PutAsJsonAsync(transcript, new
                {
                    version,
                    format = "edited",
                    cues = lines,
                });
                var answer = await response.Content.ReadAsStringAsync();
                watch.Stop();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Saving the transcript answered {(int)response.StatusCode}: {answer}");
                version = JsonDocument.Parse(answer).RootElement.GetProperty("version").GetInt32();
                saves.Add(watch.Elapsed.TotalMilliseconds);
            }
            rows.Add(Row($"Save the transcript with one line changed, {label}", saves, (SearchHttp.CpuMs(pid) - saveCpuBefore) / saves.Count));
        }

        // Code every turn of one storyteller in one call (POST …/passages/by-speaker) on stories with `turns` turns
        // each (the issue's figure is 135 passages in one call): a reporter's question before each answer.
        var speakerMs = new List<double>();
        var speakerCpu = 0.0;
        var made = new List<double>();
        Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} pid {pid}: coding every turn on {turnStories} stories");
        for (var s = 0; s < turnStories + 1; s++)
        {
            var lines = new List<TranscriptService.CueInput>();
            while (lines.Count < 2 * turns)
            {
                foreach (var l in corpus.Story(random, "Reporter", ["Sam Teller"], 2000))
                {
                    if (lines.Count >= 2 * turns) break;
                    // Strictly alternating, so the storyteller has exactly `turns` turns.
                    var speaker = lines.Count % 2 == 0 ? "Reporter" : "Sam Teller";
                    var at = lines.Count * 10.0;
                    lines.Add(new TranscriptService.CueInput(at, at + 9.5, speaker, l.Text));
                }
            }
            var (storyId, _) = await app.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Sam Teller")], lines);
            // --sql-log: the statements of the warm-up call (EF's only: BulkInsert's rows do not pass through its log).
            if (sqlLog && s == 0) sql.Start();
            var cpuBefore = SearchHttp.CpuMs(pid);
            var watch = Stopwatch.StartNew();
            using var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/passages/by-speaker",
                new { speaker = "Sam Teller", themeIds = new[] { themes[s % themes.Count], themes[(s + 5) % themes.Count] } });
            var body = await response.Content.ReadAsStringAsync();
            watch.Stop();
            if (sqlLog && s == 0) statements.Add(("code every turn", sql.Stop()));
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"by-speaker answered {(int)response.StatusCode}: {body}");
            if (s == 0) continue; // warm-up
            speakerMs.Add(watch.Elapsed.TotalMilliseconds);
            speakerCpu += SearchHttp.CpuMs(pid) - cpuBefore;
            made.Add(JsonDocument.Parse(body).RootElement.GetProperty("passageIds").GetArrayLength());
        }
        Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} pid {pid}: coding every turn, done");
        rows.Add(Row($"Code every turn of the storyteller in one call ({speakerMs.Count} stories of {Stats.Percentile(made, 50):F0} turns, after one)", speakerMs, speakerCpu / speakerMs.Count));

        Console.WriteLine($"### Writes while coding, {(postgres is null ? "SQLite" : "PostgreSQL")}: over HTTP with an API token, one request at a time");
        Console.WriteLine();
        Console.WriteLine("| Operation | Samples | Median | p95 | Max | Process CPU per request |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows) Console.WriteLine(r);
        Console.WriteLine();
        Console.WriteLine("- process CPU per request: user + system time of the whole process (server, and the bench's HTTP client) over the timed requests, divided by their number");
        foreach (var (story, lines) in statements)
        {
            Console.WriteLine($"- SQL of {(story == "code every turn" ? "coding every turn in one call" : "one coded passage, " + story)}: {lines.Count(l => l.StartsWith("SQL", StringComparison.Ordinal))} statements, {lines.Count(l => l.StartsWith("TX", StringComparison.Ordinal))} transaction steps");
            foreach (var l in lines) Console.WriteLine($"    {l}");
        }
        Console.WriteLine($"- peak memory of the process (server and client, VmHWM): {Peak()}");
        Console.WriteLine($"- load average before: {loadBefore}; after: {Stats.LoadAverage()}");
        if (dump is not null) await DumpAsync(app, dump);
        return 0;
    }

    /// <summary>The rows coding wrote, in id order, without their times (<c>--dump</c>).</summary>
    private static Task<bool> DumpAsync(TestApp app, string path) => app.WithDbAsync(async db =>
    {
        var lines = new List<string>();
        foreach (var p in await db.Passages.AsNoTracking().OrderBy(p => p.Id).ToListAsync())
            lines.Add(FormattableString.Invariant($"passage {p.Id} {p.ProjectId} {p.StoryId} {p.StartOffset} {p.EndOffset} {p.StartSeconds} {p.EndSeconds} [{p.Speaker}] {Who(p.CoderUserId)} {p.Origin} {p.Snippet.Length} {Hash(p.Snippet)}"));
        foreach (var t in await db.PassageThemes.AsNoTracking().OrderBy(t => t.PassageId).ThenBy(t => t.ThemeId).ToListAsync())
            lines.Add(FormattableString.Invariant($"theme {t.PassageId} {t.ThemeId} {Who(t.CoderUserId)}"));
        foreach (var e in await db.Events.AsNoTracking().Where(e => e.Action.StartsWith("passage.")).OrderBy(e => e.Id).ToListAsync())
            lines.Add(FormattableString.Invariant($"event {e.Id} {e.ProjectId} {Who(e.ActorUserId)} {e.Action} {e.ObjectType} {e.ObjectId} {e.Detail}"));
        await File.WriteAllLinesAsync(path, lines);
        return true;
    });

    // User ids are new in every run: only whether there is one is compared.
    private static string Who(string? userId) => userId is null ? "-" : "user";

    private static string Hash(string text) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];

    private static async Task<int> VersionAsync(HttpClient api, int projectId, int storyId)
    {
        using var story = JsonDocument.Parse(await api.GetStringAsync($"/api/projects/{projectId}/stories/{storyId}"));
        return story.RootElement.GetProperty("transcriptVersion").GetInt32();
    }

    private static string Row(string what, List<double> ms, double cpuMs) =>
        $"| {what} | {ms.Count} | {Stats.Percentile(ms, 50):0.0} ms | {Stats.Percentile(ms, 95):0.0} ms | {ms.Max():0.0} ms | {cpuMs:0.0} ms |";

    /// <summary>EF Core's command and transaction log lines while <see cref="Start"/>ed: what one request sends to the database.</summary>
    private sealed class SqlCapture : ILoggerProvider, ILogger
    {
        private readonly List<string> _lines = [];
        private volatile bool _on;

        public void Start() { lock (_lines) _lines.Clear(); _on = true; }

        public List<string> Stop() { _on = false; lock (_lines) return [.. _lines]; }

        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft.EntityFrameworkCore.Database.", StringComparison.Ordinal) ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose() { }

        IDisposable? ILogger.BeginScope<TState>(TState state) => null;

        public bool IsEnabled(LogLevel logLevel) => _on;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!_on) return;
            var name = eventId.Name ?? "";
            string? line = null;
            if (name.EndsWith("CommandExecuted", StringComparison.Ordinal))
            {
                // "Executed DbCommand (0ms) [Parameters=…]" then the statement: kept as its duration and first 200 characters.
                var parts = formatter(state, exception).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var took = parts[0].Split(' ') is { Length: > 2 } head ? head[2] : "";
                var text = string.Join(' ', parts.Skip(1));
                line = $"SQL {took} {(text.Length > 200 ? text[..200] + "…" : text)}";
            }
            else if (name.Split('.')[^1] is var step && step is "TransactionStarted" or "TransactionCommitted" or "TransactionRolledBack" or "CreatedTransactionSavepoint" or "ReleasedTransactionSavepoint")
                line = "TX " + step;
            if (line is not null) lock (_lines) _lines.Add(line);
        }
    }

    private static string Peak()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? "unknown" : line["VmHWM:".Length..].Trim();
    }
}
