using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Hosting;

namespace Storyweave.Bench;

/// <summary>
/// Search over HTTP (issue #17): the real server process (<c>storyweave serve</c>, started like the export and
/// public page benchmarks) on the corpus the in-process import has just built (or an earlier run's with
/// <c>--reuse</c>), signed in with an API token, timing <c>GET /api/projects/{id}/search</c> over loopback
/// from sending the request to reading the whole answer, one request at a time. Besides the in-process
/// bench's five query kinds it times the same common words with a theme filter (20 coded passages per
/// story are written first, two themes each, as a coder would mark a storyteller's line) and with a
/// speaker filter (the reporter, whose lines are about half of each story).
/// </summary>
public static class SearchHttp
{
    private const int PassagesPerStory = 20;
    private const int ThemeCount = 12;

    public static async Task<int> RunAsync(string server, StoryweaveOptions options, IServiceProvider services, int projectId, IReadOnlyList<(string Kind, string Text)> queries, int rounds)
    {
        server = Path.GetFullPath(server);
        if (!File.Exists(server))
        {
            Console.Error.WriteLine($"{server} does not exist: build it (dotnet build src/Storyweave -c Release) or give --server PATH/storyweave.dll.");
            return 2;
        }
        var (token, themeId, passages, storyIds) = await PrepareAsync(services, projectId);

        string[] common = [.. queries.Where(q => q.Kind == "common word").Select(q => q.Text)];
        var requests = queries.Select(q => (Kind: q.Kind, Query: "q=" + Uri.EscapeDataString(q.Text)))
            .Concat(common.Select(w => (Kind: "theme filter", Query: $"q={Uri.EscapeDataString(w)}&themeId={themeId}")))
            .Concat(common.Select(w => (Kind: "speaker filter", Query: $"q={Uri.EscapeDataString(w)}&speaker=Reporter")))
            .ToList();

        var (process, baseUrl, log) = await Exports.StartServerAsync(server, options);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await TimeSearchesAsync(fresh: false);
            // On SQLite a search's ranked matches are kept while the rows they come from are unchanged (SearchResultCache),
            // so the rounds above time searches made again. Here the same rounds with the kept matches retired before each
            // round, as any write of a line does (the numbers SearchResultVersion's triggers set), so every search runs
            // its statement: what a search costs the first time.
            if (!options.UsesPostgres && await KeepsMatchesAsync(services)) await TimeSearchesAsync(fresh: true);

            async Task TimeSearchesAsync(bool fresh)
            {
                var samples = new Dictionary<string, List<double>>();
                var totals = new Dictionary<string, List<double>>();
                // The server process's own CPU time (user + system, from /proc) per kind: on a shared machine the
                // wall time includes waiting for a core, its CPU time does not (on PostgreSQL the database server's
                // work is not in it). /proc counts in ticks of 10 ms, so only the mean over many requests is given.
                var serverCpu = new Dictionary<string, double>();
                var loadBefore = Stats.LoadAverage();
                for (var round = 0; round <= rounds; round++) // round 0 warms the server (JIT, caches) and is not counted
                {
                    if (fresh && round > 0) await RetireKeptMatchesAsync(services);
                    foreach (var (kind, query) in requests)
                    {
                        var cpuBefore = CpuMs(process.Id);
                        var watch = Stopwatch.StartNew();
                        using var response = await http.GetAsync($"/api/projects/{projectId}/search?{query}");
                        var body = await response.Content.ReadAsStringAsync();
                        watch.Stop();
                        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{query} answered {(int)response.StatusCode}: {body}\n{log}");
                        if (round == 0)
                        {
                            using var json = System.Text.Json.JsonDocument.Parse(body);
                            totals.TryAdd(kind, []);
                            totals[kind].Add(json.RootElement.GetProperty("total").GetInt32());
                            continue;
                        }
                        samples.TryAdd(kind, []);
                        samples[kind].Add(watch.Elapsed.TotalMilliseconds);
                        serverCpu[kind] = serverCpu.GetValueOrDefault(kind) + CpuMs(process.Id) - cpuBefore;
                    }
                }
                var loadAfter = Stats.LoadAverage();

                Console.WriteLine();
                Console.WriteLine($"### Search over HTTP, {(options.UsesPostgres ? "PostgreSQL" : "SQLite")}: the server process, API token, one request at a time{(fresh ? ", kept matches retired before each round (every search runs its statement)" : "")}");
                Console.WriteLine();
                Console.WriteLine($"- server: `{server}`; {passages:N0} coded passages in the project (theme filter: theme id {themeId}); speaker filter: Reporter");
                Console.WriteLine();
                Console.WriteLine($"| Search over HTTP (first page of 20, {rounds} rounds) | Queries | Median results | Median ms | p95 ms | Mean server CPU ms |");
                Console.WriteLine("|---|---|---|---|---|---|");
                foreach (var kind in samples.Keys)
                    Console.WriteLine($"| {kind} | {requests.Count(r => r.Kind == kind)} | {Stats.Percentile(totals[kind], 50):N0} | {Stats.Percentile(samples[kind], 50):F1} | {Stats.Percentile(samples[kind], 95):F1} | {serverCpu[kind] / samples[kind].Count:F1} |");
                var all = samples.Values.SelectMany(v => v).ToList();
                Console.WriteLine($"| **all** | {requests.Count} | | **{Stats.Percentile(all, 50):F1}** | **{Stats.Percentile(all, 95):F1}** | {serverCpu.Values.Sum() / all.Count:F1} |");
                Console.WriteLine();
                Console.WriteLine($"- load average before / after: {loadBefore} / {loadAfter}; server RSS now {Exports.Status(process.Id, "VmRSS")}, peak {Exports.Status(process.Id, "VmHWM")}");
            }
            await PagesAsync(baseUrl, http, process.Id, projectId, themeId, storyIds, rounds * 4, log);
            return 0;
        }
        finally
        {
            await Exports.StopAsync(process);
        }
    }

    /// <summary>Whether the database has the numbers that retire kept searches (a server built before them has not).</summary>
    private static async Task<bool> KeepsMatchesAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        return await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'SearchResultVersion'").SingleAsync() == 1;
    }

    /// <summary>Retires every kept search on SQLite as a write of a line would (SearchResultCache).</summary>
    private static async Task RetireKeptMatchesAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        await db.Database.ExecuteSqlRawAsync("UPDATE \"SearchResultVersion\" SET \"Texts\" = random(), \"Filters\" = random() WHERE \"Id\" = 1");
    }

    private const string PagePassword = "bench-pages-Password-1";

    /// <summary>
    /// The pages a coder spends their hours on, read as a browser reads them (signed in through the sign-in form, with
    /// the cookie), and the theme counts the coding page asks for; then "code every turn of a speaker" (one call that
    /// codes the storyteller's ~125 turns of a story), once on each of 10 stories not coded that way before.
    /// </summary>
    private const int PageWarmUp = 40;

    private static async Task PagesAsync(string baseUrl, HttpClient api, int pid, int projectId, int themeId, List<int> storyIds, int rounds, System.Text.StringBuilder log)
    {
        var cookies = new System.Net.CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        var form = await browser.GetStringAsync("/account/sign-in");
        var antiforgery = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var signIn = await browser.PostAsync("/account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "bench@example.org",
            ["Password"] = PagePassword,
            ["__RequestVerificationToken"] = antiforgery,
        }));
        if ((int)signIn.StatusCode != 302) throw new InvalidOperationException($"Signing in answered {(int)signIn.StatusCode}.\n{log}");

        var story = storyIds[storyIds.Count / 2];
        var pages = new (string What, string Path, HttpClient Client)[]
        {
            ("Project page", $"/projects/{projectId}", browser),
            ("One theme's page (its passages)", $"/projects/{projectId}/codebook/{themeId}", browser),
            ("Coding page of one story", $"/projects/{projectId}/stories/{story}/coding", browser),
            ("Theme counts (API)", $"/api/projects/{projectId}/theme-counts?storyId={story}", api),
            // The page a person searches from: its filter lists (themes, categories, speakers, coders) on every view.
            ("Search page, before any words", $"/projects/{projectId}/search", browser),
            ("Search page, a common word (its matches kept after the first time)", $"/projects/{projectId}/search?q=home", browser),
            // Other pages a team opens daily, timed at this scale too.
            ("Codebook (the theme tree with counts)", $"/projects/{projectId}/codebook", browser),
            ("Findings", $"/projects/{projectId}/findings", browser),
            ("Redaction page (a lead: rules and suggested names)", $"/projects/{projectId}/redaction", browser),
            ("Review sheets list (its first 50 stories)", $"/projects/{projectId}/review", browser),
            ("Review sheets list, not started, page 3", $"/projects/{projectId}/review?status=not-started&pageNumber=3", browser),
            ("One story's review sheet", $"/projects/{projectId}/stories/{story}/review", browser),
        };
        // Warm-up, not timed: each page PageWarmUp times, then a pause. The runtime compiles a method a second,
        // optimised time only after ~30 calls and a quiet moment (tiered compilation); with one warm-up request the
        // timed rounds measured first-tier code, and a build whose searches ended sooner read slower (BENCHMARKS).
        foreach (var (_, path, client) in pages)
            for (var i = 0; i < PageWarmUp; i++)
            {
                using var response = await client.GetAsync(path);
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}.\n{log}");
            }
        await Task.Delay(TimeSpan.FromSeconds(2));

        var rows = new List<string>();
        foreach (var (what, path, client) in pages)
        {
            var ms = new List<double>();
            long bytes = 0;
            var cpu = 0.0;
            for (var round = 1; round <= rounds; round++)
            {
                var cpuBefore = CpuMs(pid);
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(path);
                var body = await response.Content.ReadAsByteArrayAsync();
                watch.Stop();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}.\n{log}");
                ms.Add(watch.Elapsed.TotalMilliseconds);
                bytes = body.Length;
                cpu += CpuMs(pid) - cpuBefore;
            }
            rows.Add($"| {what} | {bytes / 1024.0:N0} KB | {Stats.Percentile(ms, 50):F1} | {Stats.Percentile(ms, 95):F1} | {cpu / ms.Count:F1} |");
        }

        // Code every turn of the storyteller in one call, on stories not yet coded that way.
        var speakerMs = new List<double>();
        var speakerCpu = 0.0;
        var made = new List<int>();
        var first = true;
        foreach (var id in storyIds.OrderBy(_ => Random.Shared.Next()))
        {
            if (speakerMs.Count == 10) break;
            var existing = (await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/projects/{projectId}/stories/{id}/passages")).EnumerateArray().ToList();
            if (existing.Count > PassagesPerStory) continue; // coded this way by an earlier run
            var speaker = existing.Select(p => p.GetProperty("speaker").GetString()).FirstOrDefault(s => s != "Reporter");
            if (speaker is null) continue;
            var speakerCpuBefore = CpuMs(pid);
            var watch = Stopwatch.StartNew();
            using var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{id}/passages/by-speaker", new { speaker, themeIds = new[] { themeId } });
            var body = await response.Content.ReadAsStringAsync();
            watch.Stop();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"by-speaker answered {(int)response.StatusCode}: {body}\n{log}");
            if (first) { first = false; continue; } // warm-up
            speakerMs.Add(watch.Elapsed.TotalMilliseconds);
            speakerCpu += CpuMs(pid) - speakerCpuBefore;
            made.Add(System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("passageIds").GetArrayLength());
        }

        Console.WriteLine();
        Console.WriteLine($"### Pages over HTTP: signed in with a cookie as a browser is, one request at a time ({rounds} rounds after {PageWarmUp} untimed requests of each and a 2 s pause)");
        Console.WriteLine();
        Console.WriteLine("| Page | Size | Median ms | p95 ms | Mean server CPU ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var r in rows) Console.WriteLine(r);
        if (speakerMs.Count > 0)
            Console.WriteLine($"| Code every turn of the storyteller in one call ({speakerMs.Count} stories, median {Stats.Percentile(made.Select(m => (double)m).ToList(), 50):F0} passages each) | | {Stats.Percentile(speakerMs, 50):F1} | {Stats.Percentile(speakerMs, 95):F1} | {speakerCpu / speakerMs.Count:F1} |");
    }

    /// <summary>User + system CPU time of a process so far, from /proc/PID/stat (in clock ticks of 10 ms).</summary>
    internal static double CpuMs(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command name: state is field 3, utime field 14 and stime field 15 (proc(5)).
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) * 10.0;
    }

    /// <summary>
    /// An API token for the bench's lead, and coded passages when the project has none yet (a reused
    /// corpus keeps those of its first run): whole storyteller lines, two of the 12 themes each.
    /// </summary>
    private static async Task<(string Token, int ThemeId, int Passages, List<int> StoryIds)> PrepareAsync(IServiceProvider services, int projectId)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var lead = await db.Users.SingleAsync(u => u.Email == "bench@example.org");
        var (_, token) = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateTokenAsync(lead.Id, "search-http bench", default);
        // A password, so the pages can be read as a person reads them (signed in with a cookie).
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var tracked = await users.FindByIdAsync(lead.Id);
        await users.RemovePasswordAsync(tracked!);
        var set = await users.AddPasswordAsync(tracked!, PagePassword);
        if (!set.Succeeded) throw new InvalidOperationException(string.Join(" ", set.Errors.Select(e => e.Description)));

        if (!await db.Themes.AnyAsync(t => t.ProjectId == projectId))
        {
            var watch = Stopwatch.StartNew();
            var now = DateTime.UtcNow;
            var themes = Enumerable.Range(1, ThemeCount).Select(i => new Theme { ProjectId = projectId, Name = $"Theme {i}", Position = i, CreatedAt = now }).ToList();
            db.Themes.AddRange(themes);
            await db.SaveChangesAsync();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var random = new Random(17);
            var storyIds = await db.Stories.Where(s => s.ProjectId == projectId).OrderBy(s => s.Id).Select(s => s.Id).ToListAsync();
            foreach (var chunk in storyIds.Chunk(50))
            {
                var cues = await db.TranscriptCues.AsNoTracking().Where(c => chunk.Contains(c.StoryId)).OrderBy(c => c.StoryId).ThenBy(c => c.Position)
                    .Select(c => new { c.StoryId, c.Speaker, c.StartSeconds, c.EndSeconds, c.Text }).ToListAsync();
                foreach (var story in cues.GroupBy(c => c.StoryId))
                {
                    var lines = story.ToList();
                    var offsets = new int[lines.Count];
                    for (int p = 0, at = 0; p < lines.Count; at += lines[p].Text.Length + 1, p++) offsets[p] = at;
                    var told = Enumerable.Range(0, lines.Count).Where(p => lines[p].Speaker != "Reporter" && lines[p].Text.Length > 0).ToList();
                    for (var i = 0; i < PassagesPerStory && told.Count > 0; i++)
                    {
                        var p = told[random.Next(told.Count)];
                        var first = random.Next(ThemeCount);
                        var second = (first + 1 + random.Next(ThemeCount - 1)) % ThemeCount;
                        db.Passages.Add(new CodedPassage
                        {
                            ProjectId = projectId,
                            StoryId = story.Key,
                            StartOffset = offsets[p],
                            EndOffset = offsets[p] + lines[p].Text.Length,
                            Snippet = lines[p].Text,
                            StartSeconds = lines[p].StartSeconds,
                            EndSeconds = lines[p].EndSeconds,
                            Speaker = lines[p].Speaker,
                            CoderUserId = lead.Id,
                            CreatedAt = now,
                            Themes =
                            [
                                new PassageTheme { ThemeId = themes[first].Id, CoderUserId = lead.Id, CodedAt = now },
                                new PassageTheme { ThemeId = themes[second].Id, CoderUserId = lead.Id, CodedAt = now },
                            ],
                        });
                    }
                }
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
            await db.Database.ExecuteSqlRawAsync(db.Database.IsNpgsql() ? "VACUUM ANALYZE" : "ANALYZE");
            Console.Error.WriteLine($"Coded passages written in {watch.Elapsed.TotalSeconds:F0} s.");
        }
        var themeId = await db.Themes.Where(t => t.ProjectId == projectId).OrderBy(t => t.Position).Select(t => t.Id).FirstAsync();
        var passages = await db.Passages.CountAsync(p => p.ProjectId == projectId);
        var stories = await db.Stories.Where(s => s.ProjectId == projectId).OrderBy(s => s.Id).Select(s => s.Id).ToListAsync();
        return (token, themeId, passages, stories);
    }
}
