using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Stories;
using Storyweave.Hosting;

namespace Storyweave.Features.Transcription;

/// <summary>
/// Asking for an automatic first draft, and deciding what happens to one that was kept aside. Pages,
/// the API and the command line share it. The drafting itself is <see cref="DraftRunner"/>.
/// </summary>
public sealed class DraftService(StoryweaveDb db, DraftEngines engines, ConsentPolicy consent, TranscriptService transcripts, BackgroundJobs jobs, TimeProvider clock)
{
    /// <summary>A Running job whose heartbeat is older than this was left by a process that stopped.</summary>
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    public sealed record Outcome(DraftJob? Job, int Status, IReadOnlyList<string> Errors)
    {
        public bool Succeeded => Job is not null && Errors.Count == 0;
        public static Outcome Fail(int status, params string[] errors) => new(null, status, errors);
    }

    /// <summary>What a story offers for drafting: its recording, its lines, the engines and any draft under way.</summary>
    public sealed record Situation(string Title, Media.MediaFile? Recording, int Lines, int Version, string? Format, IReadOnlyList<EngineChoice> Engines, DraftJob? Latest);

    public sealed record EngineChoice(string Name, string Label, string? Problem);

    public async Task<Situation?> SituationAsync(int projectId, int storyId, CancellationToken ct = default)
    {
        var story = await db.Stories.AsNoTracking().Where(s => s.Id == storyId && s.ProjectId == projectId)
            .Select(s => new { s.Title, Lines = s.Cues.Count, s.TranscriptVersion, s.TranscriptFormat }).SingleOrDefaultAsync(ct);
        if (story is null) return null;
        var recording = await RecordingAsync(storyId, ct);
        var latest = await db.DraftJobs.AsNoTracking().Where(j => j.StoryId == storyId).OrderByDescending(j => j.Id).FirstOrDefaultAsync(ct);
        var choices = engines.All.Where(e => e.Name != DraftEngines.Whisper || engines.WhisperConfigured)
            .Select(e => new EngineChoice(e.Name, e.Label, e.Problem())).ToList();
        return new Situation(story.Title, recording, story.Lines, story.TranscriptVersion, story.TranscriptFormat, choices, latest);
    }

    /// <summary>The recording a draft is made from: the story's first with sound.</summary>
    private Task<Media.MediaFile?> RecordingAsync(int storyId, CancellationToken ct) =>
        db.MediaFiles.AsNoTracking().Where(m => m.StoryId == storyId && m.AudioCodec != "").OrderBy(m => m.Id).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Records a draft job for the story. With <paramref name="enqueue"/> the job engine runs it (<see cref="DraftRunJob"/>);
    /// the command line runs it itself. A story that already has lines needs <paramref name="replace"/>:
    /// a draft never replaces what a person wrote without being asked to.
    /// </summary>
    public async Task<Outcome> StartAsync(int projectId, int storyId, string? engineName, bool replace, string? actorUserId, bool enqueue = true, CancellationToken ct = default)
    {
        var story = await db.Stories.AsNoTracking().Where(s => s.Id == storyId && s.ProjectId == projectId)
            .Select(s => new { s.TranscriptVersion, Lines = s.Cues.Count }).SingleOrDefaultAsync(ct);
        if (story is null) return Outcome.Fail(StatusCodes.Status404NotFound, "That story is not part of this project.");

        var engine = string.IsNullOrWhiteSpace(engineName) ? engines.Find(engines.DefaultName) : engines.Find(engineName.Trim());
        if (engine is null)
            return Outcome.Fail(StatusCodes.Status422UnprocessableEntity, $"There is no speech engine called \"{engineName}\". Choose {DraftEngines.Pocketsphinx} or {DraftEngines.Whisper}.");
        if (engine.Problem() is { } problem) return Outcome.Fail(StatusCodes.Status422UnprocessableEntity, problem);

        var recording = await RecordingAsync(storyId, ct);
        if (recording is null)
            return Outcome.Fail(StatusCodes.Status422UnprocessableEntity, "This story has no recording with sound yet. Upload the recording first; the draft is made from it.");

        var verdict = await consent.DecideTranscriptionAsync(storyId, ct);
        if (!verdict.Allowed)
            return Outcome.Fail(StatusCodes.Status403Forbidden, $"A draft cannot be made from this recording: {verdict.Reason}");

        var now = clock.GetUtcNow().UtcDateTime;
        var active = await db.DraftJobs.Where(j => j.StoryId == storyId && (j.Status == DraftStatus.Queued || j.Status == DraftStatus.Running)).ToListAsync(ct);
        foreach (var stale in active.Where(j => j.Status == DraftStatus.Running && (j.HeartbeatAt ?? j.CreatedAt) < now - Abandoned))
        {
            stale.Status = DraftStatus.Failed;
            stale.Error = "This draft stopped before it finished (the program making it was stopped). The transcript was not changed.";
            stale.CompletedAt = now;
        }
        if (active.Any(j => j.Status is DraftStatus.Queued or DraftStatus.Running))
            return Outcome.Fail(StatusCodes.Status409Conflict, "A draft of this story is already being made. Wait for it to finish.");

        if (story.Lines > 0 && !replace)
            return Outcome.Fail(StatusCodes.Status409Conflict,
                $"This story already has a transcript ({(story.Lines == 1 ? "1 line" : $"{story.Lines} lines")}). A draft replaces it: tick \"Replace the current transcript\" (or send replace=true) to go ahead.");

        // An older draft still waiting for a choice would only confuse: the new one supersedes it.
        foreach (var old in await db.DraftJobs.Where(j => j.StoryId == storyId && j.Status == DraftStatus.KeptAside).ToListAsync(ct))
        {
            old.Status = DraftStatus.Discarded;
            old.ResultJson = null;
        }

        var job = new DraftJob
        {
            ProjectId = projectId,
            StoryId = storyId,
            MediaFileId = recording.Id,
            Engine = engine.Name,
            Status = DraftStatus.Queued,
            Replace = replace,
            BaseVersion = story.TranscriptVersion,
            AudioSeconds = recording.DurationSeconds,
            RequestedByUserId = actorUserId,
            CreatedAt = now,
        };
        db.DraftJobs.Add(job);
        db.Record(clock, projectId, actorUserId, "transcript.draft-requested", "story", storyId, engine.Name);
        await db.SaveChangesAsync(ct);
        if (enqueue) await DraftRunJob.EnqueueAsync(jobs, job.Id, CancellationToken.None);
        return new Outcome(job, StatusCodes.Status202Accepted, []);
    }

    /// <summary>Replaces the transcript with a kept-aside draft: the person has seen that it changed and chose the draft.</summary>
    public async Task<Outcome> ApplyAsync(int projectId, int storyId, int jobId, string actorUserId, CancellationToken ct = default)
    {
        var job = await db.DraftJobs.SingleOrDefaultAsync(j => j.Id == jobId && j.StoryId == storyId && j.ProjectId == projectId, ct);
        if (job is null) return Outcome.Fail(StatusCodes.Status404NotFound, "That draft does not exist (any more).");
        if (job.Status != DraftStatus.KeptAside || job.ResultJson is null)
            return Outcome.Fail(StatusCodes.Status409Conflict, "This draft is not waiting for a choice, so there is nothing to use.");
        var version = await db.Stories.Where(s => s.Id == storyId).Select(s => s.TranscriptVersion).SingleAsync(ct);
        var lines = JsonSerializer.Deserialize<List<DraftLine>>(job.ResultJson) ?? [];
        var saved = await DraftWriter.SaveAsync(transcripts, job, lines, version, actorUserId, ct);
        if (saved.Conflict)
            return Outcome.Fail(StatusCodes.Status409Conflict, "Someone changed the transcript again just now. Look at it first, then choose again.");
        if (!saved.Saved) return Outcome.Fail(StatusCodes.Status422UnprocessableEntity, [.. saved.Errors]);
        job.Status = DraftStatus.Written;
        job.ResultJson = null;
        job.CompletedAt = clock.GetUtcNow().UtcDateTime;
        db.Record(clock, projectId, actorUserId, "transcript.draft-applied", "story", storyId, job.Engine);
        await db.SaveChangesAsync(ct);
        return new Outcome(job, StatusCodes.Status200OK, []);
    }

    /// <summary>Throws a kept-aside draft away (its text is deleted, not kept).</summary>
    public async Task<Outcome> DiscardAsync(int projectId, int storyId, int jobId, string actorUserId, CancellationToken ct = default)
    {
        var job = await db.DraftJobs.SingleOrDefaultAsync(j => j.Id == jobId && j.StoryId == storyId && j.ProjectId == projectId, ct);
        if (job is null) return Outcome.Fail(StatusCodes.Status404NotFound, "That draft does not exist (any more).");
        if (job.Status != DraftStatus.KeptAside)
            return Outcome.Fail(StatusCodes.Status409Conflict, "This draft is not waiting for a choice, so there is nothing to discard.");
        job.Status = DraftStatus.Discarded;
        job.ResultJson = null;
        job.CompletedAt = clock.GetUtcNow().UtcDateTime;
        db.Record(clock, projectId, actorUserId, "transcript.draft-discarded", "story", storyId, job.Engine);
        await db.SaveChangesAsync(ct);
        return new Outcome(job, StatusCodes.Status200OK, []);
    }

    /// <summary>What a job's state means, in words for the page, the API and the command line.</summary>
    public static string Describe(DraftJob job) => job.Status switch
    {
        DraftStatus.Queued => "Waiting to start (one draft is made at a time).",
        DraftStatus.Running => $"Listening to the recording: {Math.Floor(job.Progress * 100):0}% done.",
        DraftStatus.Written => $"Automatic draft — check every line. {job.LineCount} {(job.LineCount == 1 ? "line was" : "lines were")} written as the story's transcript.",
        DraftStatus.KeptAside => $"The draft is ready ({job.LineCount} lines), but someone changed the transcript while it was being made, so it was kept aside. " +
            "Replace the transcript with the draft, or discard the draft.",
        DraftStatus.Failed => job.Error,
        DraftStatus.Discarded => "This draft was discarded.",
        _ => "",
    };
}
