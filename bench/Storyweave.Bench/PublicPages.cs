using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;
using Storyweave.Hosting;

namespace Storyweave.Bench;

/// <summary>
/// The public story page under load (issue #17): one published story of about 8,000 words (one storyteller who
/// agreed to publication, 12 themes), served by the real server process (<c>storyweave serve</c>), loaded with
/// <c>wrk</c> (Debian package) from the same machine: the story page, then a static file of the same server
/// (<c>/css/site.css</c>) as the ceiling. Requests per second and the latency percentiles are wrk's.
/// </summary>
public static partial class PublicPages
{
    public static async Task<int> RunAsync(string server, string? dataDir, bool reuse, int seconds, int connections)
    {
        server = Path.GetFullPath(server);
        if (!File.Exists("/usr/bin/wrk"))
        {
            Console.Error.WriteLine("wrk is needed (apt-get install wrk).");
            return 2;
        }
        dataDir = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), "storyweave-bench", "public-" + Guid.NewGuid().ToString("N")));
        var options = new StoryweaveOptions { DataDir = dataDir, NoSample = true };
        var storyUrl = await SeedAsync(options, reuse);

        var (process, baseUrl, _) = await Exports.StartServerAsync(server, options);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
            var page = await http.GetStringAsync(storyUrl);
            var css = await http.GetStringAsync("/css/site.css");
            var loadBefore = Stats.LoadAverage();
            var rows = new List<string>();
            // A browser always sends Accept-Encoding; wrk sends none unless told. Both are measured.
            const string Browser = "Accept-Encoding: gzip, deflate, br, zstd";
            foreach (var (what, path, size, header) in new[]
            {
                ("Public story page", storyUrl, page.Length, (string?)null),
                ("Public story page, as a browser asks (gzip)", storyUrl, page.Length, Browser),
                ("Static file /css/site.css", "/css/site.css", css.Length, null),
                ("Static file /css/site.css, as a browser asks", "/css/site.css", css.Length, Browser),
            })
            {
                await WrkAsync(baseUrl + path, 3, connections, header); // warm-up, not counted
                var output = await WrkAsync(baseUrl + path, seconds, connections, header);
                var rps = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
                string Pct(string p) => Percentile().Matches(output).FirstOrDefault(m => m.Groups[1].Value == p)?.Groups[2].Value ?? "?";
                var errors = NonSuccess().Match(output) is { Success: true } e ? e.Groups[1].Value : "0";
                rows.Add($"| {what} ({size / 1024.0:F0} KB) | {rps:N0} | {Pct("50")} | {Pct("99")} | {errors} |");
            }
            Console.WriteLine($"### Public story page, SQLite: wrk, {connections} connections, 2 threads, {seconds} s, from the same machine");
            Console.WriteLine();
            Console.WriteLine($"- server: `{server}`; GC: {Exports.GcNote(server)}");
            Console.WriteLine();
            Console.WriteLine("| Request | Requests/s | Median latency | p99 latency | Non-2xx |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var r in rows) Console.WriteLine(r);
            Console.WriteLine();
            Console.WriteLine($"- server peak RSS (VmHWM): {Exports.Status(process.Id, "VmHWM")}");
            Console.WriteLine($"- load average before: {loadBefore}; after: {Stats.LoadAverage()}");
            return 0;
        }
        finally
        {
            await Exports.StopAsync(process);
        }
    }

    /// <summary>
    /// Two server processes on the one data folder (with Redis when <paramref name="redis"/> is given, as a real
    /// pair of nodes is set up: the public page cache then checks the shared generation on every request) behind
    /// Debian's nginx sharing requests out in turn; first one node behind the same nginx, then both, so the proxy's own
    /// cost is in both rows. wrk, nginx and both nodes share the machine's cores.
    /// </summary>
    public static async Task<int> RunTwoNodesAsync(string server, string? dataDir, bool reuse, int seconds, int connections, string? redis)
    {
        server = Path.GetFullPath(server);
        if (!File.Exists("/usr/bin/wrk"))
        {
            Console.Error.WriteLine("wrk is needed (apt-get install wrk).");
            return 2;
        }
        dataDir = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), "storyweave-bench", "public-" + Guid.NewGuid().ToString("N")));
        var options = new StoryweaveOptions { DataDir = dataDir, NoSample = true };
        var storyUrl = await SeedAsync(options, reuse);
        var environment = new Dictionary<string, string>();
        if (redis is not null)
        {
            environment["Redis__Configuration"] = redis;
            environment["Redis__Prefix"] = "sw-bench-" + Guid.NewGuid().ToString("N")[..8];
        }
        var (first, firstUrl, _) = await Exports.StartServerAsync(server, options, environment);
        var (second, secondUrl, _) = await Exports.StartServerAsync(server, options, environment);
        try
        {
            const string Browser = "Accept-Encoding: gzip, deflate, br, zstd";
            var loadBefore = Stats.LoadAverage();
            var rows = new List<string>();
            foreach (var (what, nodes) in new[] { ("1 node", new[] { firstUrl }), ("2 nodes", new[] { firstUrl, secondUrl }) })
            {
                await using var proxy = await Storyweave.Testing.NginxProxy.StartAsync(sticky: false, nodes);
                using (var http = new HttpClient())
                    foreach (var node in nodes) await http.GetStringAsync(node + storyUrl); // each node renders and caches it once
                foreach (var (kind, header) in new[] { ("public story page", (string?)null), ("public story page, as a browser asks (gzip)", Browser), ("static file /css/site.css", null) })
                {
                    var path = kind.StartsWith("static", StringComparison.Ordinal) ? "/css/site.css" : storyUrl;
                    await WrkAsync(proxy.BaseUrl + path, 3, connections, header); // warm-up, not counted
                    var output = await WrkAsync(proxy.BaseUrl + path, seconds, connections, header);
                    var rps = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
                    string Pct(string p) => Percentile().Matches(output).FirstOrDefault(m => m.Groups[1].Value == p)?.Groups[2].Value ?? "?";
                    var errors = NonSuccess().Match(output) is { Success: true } e ? e.Groups[1].Value : "0";
                    rows.Add($"| {what} behind nginx: {kind} | {rps:N0} | {Pct("50")} | {Pct("99")} | {errors} |");
                }
            }
            Console.WriteLine($"### Public story page, SQLite, 1 and 2 nodes behind nginx (round robin){(redis is null ? "" : ", Redis shared state")}: wrk, {connections} connections, 2 threads, {seconds} s");
            Console.WriteLine();
            Console.WriteLine("| Request | Requests/s | Median latency | p99 latency | Non-2xx |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var r in rows) Console.WriteLine(r);
            Console.WriteLine();
            Console.WriteLine($"- peak RSS (VmHWM): node 1 {Exports.Status(first.Id, "VmHWM")}, node 2 {Exports.Status(second.Id, "VmHWM")}");
            Console.WriteLine($"- load average before: {loadBefore}; after: {Stats.LoadAverage()}; {Environment.ProcessorCount} cores");
            return 0;
        }
        finally
        {
            await Exports.StopAsync(first);
            await Exports.StopAsync(second);
        }
    }

    private static async Task<string> WrkAsync(string url, int seconds, int connections, string? header)
    {
        var start = new ProcessStartInfo("/usr/bin/wrk") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency" }) start.ArgumentList.Add(a);
        if (header is not null)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add(header);
        }
        start.ArgumentList.Add(url);
        using var wrk = Process.Start(start)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        return output;
    }

    private static async Task<string> SeedAsync(StoryweaveOptions options, bool reuse)
    {
        await using var app = AppHost.Build(options, b => b.Logging.SetMinimumLevel(LogLevel.Error));
        if (!reuse) await DatabaseStartup.MigrateAsync(app.Services, options, TextWriter.Null);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        if (reuse)
        {
            var found = await db.Stories.Where(s => s.PublishedAt != null).Select(s => new { s.ProjectId, s.Id }).FirstAsync();
            return $"/stories/{found.ProjectId}/{found.Id}";
        }
        var lead = (await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync("public-bench@example.org", "Bench Lead", "correct horse battery staple", true, null)).Value!;
        var project = (await scope.ServiceProvider.GetRequiredService<ProjectService>()
            .CreateAsync(new ProjectService.Details("Public benchmark", "Synthetic stories.", null, "Tell me about it.", null, null), lead.Id)).Value!;
        var now = DateTime.UtcNow;
        var teller = new Storyteller { ProjectId = project.Id, Name = "Sam Teller", CreatedAt = now };
        var story = new Story { ProjectId = project.Id, Title = "A published story", CreatedAt = now, RecordedOn = new DateOnly(2026, 5, 1), TranscriptFormat = "typed", TranscriptVersion = 1, PublishedAt = now };
        var lines = new Corpus(42).Story(new Random(42), "Reporter", ["Sam Teller"], 8000);
        double at = 0;
        for (var p = 0; p < lines.Count; p++)
        {
            story.Cues.Add(new TranscriptCue { Position = p, StartSeconds = at, EndSeconds = at + lines[p].Words / 2.5, Speaker = lines[p].Speaker, Text = lines[p].Text });
            at += lines[p].Words / 2.5 + 0.5;
        }
        story.Speakers.Add(new SpeakerLabel { Label = "Reporter", IsReporter = true });
        story.Speakers.Add(new SpeakerLabel { Label = "Sam Teller", Storyteller = teller });
        story.Storytellers.Add(new StoryStoryteller { Storyteller = teller });
        db.Stories.Add(story);
        db.ConsentRecords.Add(new ConsentRecord
        {
            ProjectId = project.Id,
            Storyteller = teller,
            Recording = true,
            Analysis = true,
            Quotes = true,
            Clips = true,
            PublishStory = true,
            CreditInReports = CreditStyle.Named,
            CreditInClips = CreditStyle.Named,
            CreditOnPublicSite = CreditStyle.Named,
            Method = ConsentMethod.PaperForm,
            PaperFormReference = "form.pdf",
            GivenAt = now,
            RecordedAt = now,
        });
        db.Themes.AddRange(Enumerable.Range(1, 12).Select(i => new Theme { ProjectId = project.Id, Name = $"Theme {i}", Position = i, CreatedAt = now }));
        await db.SaveChangesAsync();
        return $"/stories/{project.Id}/{story.Id}";
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"^\s+(50|75|90|99)%\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex Percentile();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();
}
