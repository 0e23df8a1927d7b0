using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
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
/// every line) and timed the same way. Peak memory is the whole process's (server and client).
/// </summary>
public static class Coding
{
    public static async Task<int> RunAsync(int samples, int preCoded, string? postgres)
    {
        if (postgres is not null) Environment.SetEnvironmentVariable("STORYWEAVE_TEST_POSTGRES", postgres);
        await using var app = await TestApp.StartAsync();
        var lead = await app.CreateUserAsync(name: "Lee Lead");
        var projectId = await app.CreateProjectAsync(lead);
        using var api = await app.ApiClientAsync(lead);
        var themes = new List<int>();
        for (var i = 0; i < 12; i++) themes.Add(await app.CreateThemeAsync(projectId, $"Theme {i + 1}"));

        var corpus = new Corpus(42);
        var random = new Random(7);
        var rows = new List<string>();
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
            for (var i = 0; i < samples; i++) timings.Add(await CodeOneAsync());
            rows.Add(Row($"Create one coded passage, {label} ({lines.Count:N0} lines, {preCoded + samples:N0} passages)", timings));

            // One changed line, saved as the editor saves: the whole transcript with the version it is based on.
            var transcript = $"/api/projects/{projectId}/stories/{storyId}/transcript";
            var saves = new List<double>();
            var version = await VersionAsync(api, projectId, storyId);
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
            rows.Add(Row($"Save the transcript with one line changed, {label}", saves));
        }

        Console.WriteLine($"### Writes while coding, {(postgres is null ? "SQLite" : "PostgreSQL")}: over HTTP with an API token, one request at a time");
        Console.WriteLine();
        Console.WriteLine("| Operation | Samples | Median | p95 | Max |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var r in rows) Console.WriteLine(r);
        Console.WriteLine();
        Console.WriteLine($"- peak memory of the process (server and client, VmHWM): {Peak()}");
        Console.WriteLine($"- load average before: {loadBefore}; after: {Stats.LoadAverage()}");
        return 0;
    }

    private static async Task<int> VersionAsync(HttpClient api, int projectId, int storyId)
    {
        using var story = JsonDocument.Parse(await api.GetStringAsync($"/api/projects/{projectId}/stories/{storyId}"));
        return story.RootElement.GetProperty("transcriptVersion").GetInt32();
    }

    private static string Row(string what, List<double> ms) =>
        $"| {what} | {ms.Count} | {Stats.Percentile(ms, 50):0.0} ms | {Stats.Percentile(ms, 95):0.0} ms | {ms.Max():0.0} ms |";

    private static string Peak()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? "unknown" : line["VmHWM:".Length..].Trim();
    }
}
