using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Storyweave.Hosting;

/// <summary>
/// The app's own metrics, on the <c>Storyweave</c> meter (docs/operations.md "Metrics and traces"): for each
/// background job kind, how many were queued, started and finished (by outcome), how long each took, and how
/// many wait in its queue. Always counted (a counter nobody listens to costs next to nothing); exported only
/// when telemetry is turned on (<see cref="Telemetry"/>). Tags hold the job kind and outcome only: never an
/// id, a name, an email address or any text.
/// </summary>
public sealed class JobMetrics
{
    public const string MeterName = "Storyweave";

    public const string Renditions = "rendition";
    public const string Clips = "clip";
    public const string Reports = "report";
    public const string Drafts = "transcription";
    public const string Email = "email";
    public const string ProjectImports = "qdpx-import";

    /// <summary>The job did what it was for.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The job failed; the person sees why on the page.</summary>
    public const string Failed = "failed";

    /// <summary>Nothing to do: already done, taken by another run, or deleted meanwhile.</summary>
    public const string Dropped = "dropped";

    /// <summary>The app stopped during the job; it is queued again at the next start.</summary>
    public const string Cancelled = "cancelled";

    private readonly Counter<long> _queued;
    private readonly Counter<long> _started;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _duration;
    /// <summary>Jobs queued and not yet started, per in-memory queue (their channels cannot count themselves).</summary>
    private readonly ConcurrentDictionary<string, long> _waiting = new()
    {
        [Renditions] = 0,
        [Clips] = 0,
        [Reports] = 0,
        [Drafts] = 0,
        [ProjectImports] = 0,
    };

    /// <summary>Queues whose length is read from elsewhere (the email outbox, in the database).</summary>
    private readonly ConcurrentDictionary<string, Func<long>> _queues = new();

    public JobMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _queued = meter.CreateCounter<long>("storyweave.jobs.queued", "{job}", "Background jobs put in a queue.");
        _started = meter.CreateCounter<long>("storyweave.jobs.started", "{job}", "Background jobs taken from a queue and started.");
        _finished = meter.CreateCounter<long>("storyweave.jobs.finished", "{job}", "Background jobs finished, by outcome.");
        _duration = meter.CreateHistogram<double>("storyweave.jobs.duration", "s", "How long each background job ran.");
        meter.CreateObservableGauge("storyweave.queue.length", ObserveQueues, "{job}", "Background jobs waiting in each queue.");
    }

    /// <summary>A queue that is not counted by <see cref="Queued"/> and <see cref="Start"/> says how to read its length.</summary>
    public void TrackQueue(string kind, Func<long> length) => _queues[kind] = length;

    public void Queued(string kind)
    {
        _queued.Add(1, Kind(kind));
        _waiting.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    /// <summary>Call when a job starts; dispose of the result (or call <see cref="RunningJob.Finish"/>) when it ends.</summary>
    public RunningJob Start(string kind)
    {
        _started.Add(1, Kind(kind));
        _waiting.AddOrUpdate(kind, 0, (_, n) => Math.Max(0, n - 1));
        return new RunningJob(this, kind, Stopwatch.GetTimestamp());
    }

    private void Finished(string kind, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "storyweave.job.kind", kind }, { "storyweave.job.outcome", outcome } };
        _finished.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    private IEnumerable<Measurement<long>> ObserveQueues() =>
        _waiting.Where(w => !_queues.ContainsKey(w.Key)).Select(w => new Measurement<long>(w.Value, Kind(w.Key)))
            .Concat(_queues.Select(q => new Measurement<long>(q.Value(), Kind(q.Key))));

    private static KeyValuePair<string, object?> Kind(string kind) => new("storyweave.job.kind", kind);

    /// <summary>One job under way. Finishing twice counts once; disposing without finishing counts as failed.</summary>
    public sealed class RunningJob(JobMetrics metrics, string kind, long startedAt) : IDisposable
    {
        private bool _done;

        public void Finish(string outcome)
        {
            if (_done) return;
            _done = true;
            metrics.Finished(kind, outcome, Stopwatch.GetElapsedTime(startedAt));
        }

        public void Dispose() => Finish(Failed);
    }
}
