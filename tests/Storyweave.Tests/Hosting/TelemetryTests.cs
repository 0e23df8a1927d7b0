using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Storyweave.Features.Reports;
using Storyweave.Hosting;

namespace Storyweave.Tests.Hosting;

/// <summary>
/// Metrics and traces (issue #16 point 7): off unless an endpoint is configured; the Storyweave meter counts the
/// background jobs a person starts over HTTP; with an endpoint that nobody answers the app still serves; and the
/// request traces carry no personal links or addresses.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    [Fact]
    public async Task Without_an_endpoint_nothing_of_OpenTelemetry_is_registered()
    {
        await using var app = await TestApp.StartAsync();
        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), s => s.GetType().FullName!.StartsWith("OpenTelemetry", StringComparison.Ordinal));
        Assert.Equal("ok", await app.AnonymousClient().GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Making_a_report_file_moves_the_job_counters_and_every_queue_reports_its_length()
    {
        await using var app = await TestApp.StartAsync();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var longs = new ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        var durations = new ConcurrentQueue<(double Seconds, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        // Only this app's meter: other tests' apps in the same process have their own.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == JobMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => longs.Enqueue((i.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => durations.Enqueue((value, ToDictionary(tags))));
        listener.Start();

        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var api = await app.ApiClientAsync(lead);
        await app.CreateReportScenarioAsync(projectId, lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Counted" });
        var report = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{report.Id}/files", new { format = "Html" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!;
        var file = await TestApp.WaitForReportFileAsync(api, projectId, queued.Id);
        Assert.Equal(OutputStatus.Ready, file.Status);

        // The worker counts the finish just after it marks the file ready.
        for (var i = 0; i < 200 && !longs.Any(m => m.Instrument == "storyweave.jobs.finished"); i++) await Task.Delay(50);
        Assert.Equal(1, Sum(longs, "storyweave.jobs.queued", JobMetrics.Reports));
        Assert.Equal(1, Sum(longs, "storyweave.jobs.started", JobMetrics.Reports));
        var finished = Assert.Single(longs, m => m.Instrument == "storyweave.jobs.finished");
        Assert.Equal(JobMetrics.Reports, finished.Tags["storyweave.job.kind"]);
        Assert.Equal(JobMetrics.Succeeded, finished.Tags["storyweave.job.outcome"]);
        var duration = Assert.Single(durations);
        Assert.True(duration.Seconds > 0);
        // Kind and outcome only: no ids, names or text in any tag.
        Assert.All(longs.Concat(durations.Select(d => ("", 0L, d.Tags))), m =>
            Assert.All(m.Tags.Keys, k => Assert.Contains(k, new[] { "storyweave.job.kind", "storyweave.job.outcome" })));

        listener.RecordObservableInstruments();
        var lengths = longs.Where(m => m.Instrument == "storyweave.queue.length").ToList();
        Assert.Equal(
            new[] { JobMetrics.Clips, JobMetrics.Email, JobMetrics.Renditions, JobMetrics.Reports, JobMetrics.Drafts, JobMetrics.ProjectImports }.Order(),
            lengths.Select(m => (string)m.Tags["storyweave.job.kind"]!).Distinct().Order());
        Assert.Equal(0, lengths.Single(m => (string)m.Tags["storyweave.job.kind"]! == JobMetrics.Reports).Value);
    }

    [Fact]
    public async Task With_an_endpoint_nobody_answers_the_app_still_serves_pages_and_traces_hold_no_personal_links()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        var spans = new List<Activity>();
        await using var app = await TestApp.StartAsync(configureBuilder: b =>
        {
            b.Configuration[Telemetry.EndpointSetting] = $"http://127.0.0.1:{closedPort}";
            b.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
        });
        Assert.NotNull(app.Services.GetService<MeterProvider>());
        Assert.NotNull(app.Services.GetService<TracerProvider>());

        var anonymous = app.AnonymousClient();
        Assert.Equal("ok", await anonymous.GetStringAsync("/healthz"));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/account/sign-in")).StatusCode);
        const string link = "ABCDEFGHJKMNPQRS";
        // A storyteller's link that is wrong or gone: the not-found page, and a span that must not hold the link.
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/me/{link}?from=someone%40example.org")).StatusCode);
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var api = await app.ApiClientAsync(lead);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/projects/{projectId}/reports")).StatusCode);

        app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        Activity[] exported;
        lock (spans) exported = [.. spans];
        // Other tests' apps in this process may add their own request spans; every one must be clean.
        var port = new Uri(app.BaseUrl).Port;
        var mine = exported.Where(a => a.Kind == ActivityKind.Server && Equals(a.GetTagItem("server.port"), port)).ToList();
        Assert.Contains(mine, a => Equals(a.GetTagItem("http.route"), "/healthz"));
        Assert.Contains(mine, a => Equals(a.GetTagItem("http.route"), "/api/projects/{projectId:int}/reports"));
        Assert.Contains(mine, a => Equals(a.GetTagItem("http.response.status_code"), 404));
        Assert.All(exported, a => Assert.DoesNotContain(a.TagObjects, t =>
            t.Key is "url.path" or "url.query" or "client.address" or "user_agent.original"
            || (t.Value?.ToString() ?? "").Contains(link, StringComparison.Ordinal)
            || (t.Value?.ToString() ?? "").Contains("example.org", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_telemetry_endpoint_that_is_not_a_web_address_is_named()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(Telemetry.EndpointSetting, "localhost:4317")]).Build();
        var e = Assert.Throws<InvalidOperationException>(() => Telemetry.Endpoint(configuration));
        Assert.Contains("\"localhost:4317\" is not a web address", e.Message, StringComparison.Ordinal);
        Assert.Null(Telemetry.Endpoint(new ConfigurationBuilder().Build()));
    }

    private static long Sum(IEnumerable<(string Instrument, long Value, Dictionary<string, object?> Tags)> measurements, string instrument, string kind) =>
        measurements.Where(m => m.Instrument == instrument && Equals(m.Tags["storyweave.job.kind"], kind)).Sum(m => m.Value);

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags) result[tag.Key] = tag.Value;
        return result;
    }
}
