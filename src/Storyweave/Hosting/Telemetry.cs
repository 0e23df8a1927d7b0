using System.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Storyweave.Hosting;

/// <summary>
/// Metrics and traces with OpenTelemetry, sent over OTLP, and only when an operator names where to
/// (docs/operations.md "Metrics and traces"): <c>Telemetry:OtlpEndpoint</c> (env <c>Telemetry__OtlpEndpoint</c>) or
/// the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. Without either, nothing of OpenTelemetry is registered and
/// nothing is sent or listened on.
/// <para>
/// Sent: ASP.NET Core's request metrics and traces (each request named by its route template, e.g.
/// <c>GET /me/{token}</c>), PostgreSQL commands (Npgsql's own traces: the SQL text with its
/// parameters as placeholders, never their values) and the <see cref="JobMetrics"/> of the background jobs.
/// Never personal data: the request's own path (which can hold a storyteller's link, a guest's join link or a
/// call-out's name), its query, the visitor's address and browser are removed from every request span, and
/// exceptions are not recorded (their messages may quote what someone typed).
/// </para>
/// </summary>
public static class Telemetry
{
    public const string EndpointSetting = "Telemetry:OtlpEndpoint";
    public const string StandardEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Tags removed from request spans: each can carry a personal link, a name or an address.</summary>
    private static readonly string[] PersonalTags = ["url.path", "url.query", "url.full", "client.address", "client.port", "user_agent.original", "http.request.header.referer"];

    /// <summary>The OTLP endpoint, or null when telemetry is off.</summary>
    public static Uri? Endpoint(IConfiguration configuration)
    {
        var value = configuration[EndpointSetting] is { Length: > 0 } own ? own : configuration[StandardEndpointVariable];
        if (string.IsNullOrWhiteSpace(value)) return null;
        return Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new InvalidOperationException(
                $"The telemetry endpoint \"{value}\" is not a web address: set {EndpointSetting} or {StandardEndpointVariable} to e.g. http://127.0.0.1:4317, or remove it to turn telemetry off.");
    }

    public static void Add(WebApplicationBuilder builder)
    {
        if (Endpoint(builder.Configuration) is not { } endpoint) return;
        var version = typeof(Telemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        // The exporter reads OTEL_EXPORTER_OTLP_PROTOCOL (grpc by default; http/protobuf) and headers from the environment.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("storyweave", serviceVersion: version))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddMeter(JobMetrics.MeterName)
                .AddOtlpExporter(o => o.Endpoint = endpoint))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.RecordException = false;
                    o.EnrichWithHttpResponse = (activity, _) => RemovePersonalTags(activity);
                })
                .AddSource("Npgsql")
                .AddOtlpExporter(o => o.Endpoint = endpoint));
    }

    public static void RemovePersonalTags(Activity activity)
    {
        foreach (var tag in PersonalTags) activity.SetTag(tag, null);
    }
}
