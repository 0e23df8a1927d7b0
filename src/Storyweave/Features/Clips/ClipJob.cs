using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Media;
using Storyweave.Features.Redaction;
using Storyweave.Features.Reports;
using Storyweave.Hosting;

namespace Storyweave.Features.Clips;

/// <summary>
/// Cuts one clip with ffmpeg (a job of the engine, <see cref="BackgroundJobs"/>; one clip at a time per node: two
/// cores are shared with everyone else), from the original
/// recording. Consent is asked again just before cutting, because it may have changed since the clip
/// was asked for. Progress is ffmpeg's position over the clip's length. Files are made in the story's job
/// scratch space (<see cref="JobScratch"/>, erased however the cut ends) and moved into clips/{projectId}/
/// only when complete; a cut whose node stopped is run again by the engine, which takes over the Running row. How a clip is
/// cut: <see cref="ClipCutPlan"/>; when the clip silences redacted words, the cues that hold them
/// (<see cref="AudioSilencing"/>, with the redactor <see cref="RedactionService.ForOutputAsync"/> gives for
/// clips) are silenced in the same ffmpeg run and checked sample by sample (<see cref="AudioSilencer"/>).
/// A cut is kept only if the recording it was cut from is still the recording's current file (a
/// withdrawal may have silenced it meanwhile); otherwise it is cut again.
/// </summary>
public sealed class ClipJob(IServiceScopeFactory scopes, BackgroundJobs jobs, JobMetrics metrics, ClipStorage clipStorage, MediaStorage mediaStorage,
    JobScratch scratch, IEnumerable<IJobRunObserver> observers, ILogger<ClipJob> logger) : RowJob(JobMetrics.Clips, metrics, observers, logger)
{
    public const string FailedMessage = "Storyweave could not cut this clip. The recording is unchanged; try again, or ask your administrator to check the server log.";

    public const string NotSilencedMessage =
        "Storyweave could not make the lines with hidden words silent in this clip, so the clip was not kept. Ask your administrator to check the server log; the recording is unchanged.";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    public static Task EnqueueAsync(BackgroundJobs jobs, int clipId, CancellationToken ct = default) =>
        jobs.EnqueueAsync<ClipJob>(JobMetrics.Clips, clipId, ct);

    protected override async Task<string> RunAsync(int rowId, bool recovering, CancellationToken ct)
    {
        await CutAsync(rowId, recovering, ct);
        return await OutcomeAsync(rowId);
    }

    protected override Task FailAsync(int rowId, Exception e) =>
        FailAsync(rowId, e is MediaToolsMissingException ? MediaProbe.MissingToolsMessage : FailedMessage, CancellationToken.None);

    /// <summary>How the job ended, for <see cref="JobMetrics"/>: read from the row it was for.</summary>
    private async Task<string> OutcomeAsync(int id)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var status = await db.Clips.Where(c => c.Id == id).Select(c => (OutputStatus?)c.Status).FirstOrDefaultAsync(CancellationToken.None);
        return status == OutputStatus.Ready ? JobMetrics.Succeeded : status == OutputStatus.Failed ? JobMetrics.Failed : JobMetrics.Dropped;
    }

    private async Task CutAsync(int clipId, bool recovering, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var clip = await db.Clips.AsNoTracking().Include(c => c.MediaFile).SingleOrDefaultAsync(c => c.Id == clipId, ct);
        if (clip?.MediaFile is not { } media) return;
        // Queued → Running; a recovery (the node that cut it stopped) takes over a Running row.
        var claimed = await db.Clips.Where(c => c.Id == clipId && (c.Status == OutputStatus.Queued || (recovering && c.Status == OutputStatus.Running)))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, OutputStatus.Running).SetProperty(c => c.Progress, 0.0).SetProperty(c => c.Error, ""), ct);
        if (claimed == 0) return;
        await ClaimedAsync(clipId, ct);

        var verdict = await scope.ServiceProvider.GetRequiredService<ClipConsent>().DecideAsync(new(clip.StoryId, clip.StartSeconds, clip.EndSeconds), ct);
        if (!verdict.Allowed)
        {
            await FailAsync(clipId, verdict.Message, ct);
            return;
        }
        var source = mediaStorage.OriginalPath(media);
        if (!File.Exists(source))
        {
            await FailAsync(clipId, "The recording's file is missing from the data folder, so the clip cannot be cut.", ct);
            return;
        }

        using var work = scratch.ForStory(clip.ProjectId, clip.StoryId, "clip");
        var watch = Stopwatch.StartNew();
        // The captions kept with the cut (and burned in, when asked) name nobody: names depend on
        // consent that can change, so they are added when captions are served (see ClipService).
        var lines = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == clip.StoryId)
            .Select(c => new ClipCaptions.Line(c.StartSeconds, c.EndSeconds, c.Speaker, c.Text)).ToListAsync(ct);
        var captionsName = MediaStorage.NewStoredName(".vtt");
        // Redacted like every clip output, so burned-in captions and the stored .vtt hide the same words.
        var redactor = await scope.ServiceProvider.GetRequiredService<RedactionService>().ForOutputAsync(clip.ProjectId, RedactionOutput.Clips, ct);
        await File.WriteAllTextAsync(work.File(captionsName), ClipCaptions.Build(ClipCaptions.Redact(lines, redactor), clip.StartSeconds, clip.EndSeconds, _ => null), ct);

        // A keyframe is only looked for where a copied cut could be exact (see ClipCutPlan).
        var copyPossible = media.HasVideo && !clip.BurnCaptions && !clip.SilenceRedactedWords;
        var keyframe = copyPossible && !await ClipCutPlan.HasBFramesAsync(source, ct) ? await ClipCutPlan.KeyframeNearAsync(source, clip.StartSeconds, ct) : null;
        var plan = ClipCutPlan.Choose(media, clip.StartSeconds, clip.EndSeconds, clip.BurnCaptions, keyframe, clip.SilenceRedactedWords);
        // Silencing: every cue in the clip with a word the same redactor hides in the captions
        // (so a storyteller credited by name in clips keeps their name audible too).
        var silence = clip.SilenceRedactedWords && media.AudioCodec.Length > 0
            ? AudioSilencing.Windows(lines.Select(l => new AudioSilencing.TimedText(l.Start, l.End, l.Text)), clip.StartSeconds, clip.EndSeconds, redactor)
            : [];
        var output = work.File("cut" + plan.Extension);
        var seconds = plan.End - plan.Start;
        ProbeResult? probe = null;
        async Task<AudioSilencer.Encoded> CutOnceAsync(string? graph, CancellationToken token)
        {
            var (exit, errors) = await RunFfmpegAsync(db, clip, plan.Arguments(source, captionsName, output, graph), work.Path, seconds, token);
            probe = exit == 0 ? await MediaProbe.ProbeAsync(output, token) : null;
            return new AudioSilencer.Encoded(probe is null ? null : output, errors);
        }
        if (silence.Count > 0)
        {
            var silenced = await AudioSilencer.SilenceCheckedAsync(silence, work.Path, CutOnceAsync, ct);
            if (!silenced.Silent)
            {
                logger.LogWarning("Clip {ClipId}: the lines with hidden words could not be silenced: {Detail}", clipId, silenced.Detail);
                await FailAsync(clipId, NotSilencedMessage, ct);
                return;
            }
        }
        else
        {
            var cut = await CutOnceAsync(null, ct);
            if (cut.Path is null)
            {
                logger.LogWarning("ffmpeg could not cut clip {ClipId}: {Errors}", clipId, cut.Errors);
                await FailAsync(clipId, FailedMessage, ct);
                return;
            }
        }

        var storedName = MediaStorage.NewStoredName(plan.Extension);
        var now = DateTime.UtcNow;
        var duration = probe!.DurationSeconds;
        // Under the lock a withdrawal holds while it swaps in a silenced recording (see MediaStorage.FileSwapLock).
        // Not cancelled by a stop (the step is short), but given up after FileSwapLock.Timeout: the job then fails with a message.
        using (await mediaStorage.FileSwapLock.TakeAsync(CancellationToken.None))
        {
            var finalClip = clipStorage.MoveIntoPlace(output, clip.ProjectId, storedName);
            var finalCaptions = clipStorage.MoveIntoPlace(work.File(captionsName), clip.ProjectId, captionsName);
            // StoredName == null: a run given up for dead that finishes after another run kept its cut erases its own.
            var updated = await db.Clips.Where(c => c.Id == clipId && c.Status == OutputStatus.Running && c.StoredName == null && c.MediaFile!.Sha256 == media.Sha256)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.StoredName, storedName).SetProperty(c => c.CaptionsStoredName, captionsName)
                    .SetProperty(c => c.CutMethod, plan.Method).SetProperty(c => c.DurationSeconds, duration)
                    .SetProperty(c => c.Status, OutputStatus.Ready).SetProperty(c => c.Progress, 1.0).SetProperty(c => c.CompletedAt, now), CancellationToken.None);
            if (updated == 0)
            {
                // Deleted or changed while being cut, or cut from a recording that has since been replaced
                // (silenced by a withdrawal): this result is not wanted, and may hold a voice that is gone.
                FileErasure.EraseFile(finalClip);
                FileErasure.EraseFile(finalCaptions);
                var again = await db.Clips.Where(c => c.Id == clipId && c.Status == OutputStatus.Running && c.MediaFile!.Sha256 != media.Sha256)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, OutputStatus.Queued).SetProperty(c => c.Progress, 0.0), CancellationToken.None);
                if (again > 0) await EnqueueAsync(jobs, clipId, CancellationToken.None);
                return;
            }
        }
        logger.LogInformation("Cut clip {ClipId} ({Seconds:0.0} s, {Method}) in {Elapsed:0.0} s", clipId, duration, plan.Method, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Runs ffmpeg for a clip, saving its progress on the clip's row at most every <see cref="ProgressInterval"/>.</summary>
    private static Task<(int Exit, string Errors)> RunFfmpegAsync(StoryweaveDb db, Clip clip, IReadOnlyList<string> args, string workDir, double seconds, CancellationToken ct)
    {
        var lastSaved = Stopwatch.StartNew();
        return MediaProbe.RunFfmpegWithProgressAsync(args, workDir, seconds, async (share, token) =>
        {
            if (lastSaved.Elapsed < ProgressInterval) return;
            var progress = Math.Min(share, 0.99);
            await db.Clips.Where(c => c.Id == clip.Id && c.Status == OutputStatus.Running).ExecuteUpdateAsync(s => s.SetProperty(c => c.Progress, progress), token);
            lastSaved.Restart();
        }, ct);
    }

    private async Task FailAsync(int clipId, string error, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            await db.Clips.Where(c => c.Id == clipId && c.Status == OutputStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, OutputStatus.Failed).SetProperty(c => c.Error, error.Length > 2000 ? error[..2000] : error), ct);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record the state of clip {ClipId}", clipId);
        }
    }
}

/// <summary>Clips owed a job at start (<see cref="BackgroundJobsStartup"/>).</summary>
public sealed class ClipJobRows : IJobRows
{
    public string Kind => JobMetrics.Clips;

    public Task<List<int>> QueuedAsync(StoryweaveDb db, CancellationToken ct) =>
        db.Clips.Where(c => c.Status == OutputStatus.Queued).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);

    public Task<List<int>> RunningAsync(StoryweaveDb db, CancellationToken ct) =>
        db.Clips.Where(c => c.Status == OutputStatus.Running).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);

    public Task RequeueAsync(StoryweaveDb db, int rowId, CancellationToken ct) =>
        db.Clips.Where(c => c.Id == rowId && c.Status == OutputStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, OutputStatus.Queued).SetProperty(c => c.Progress, 0.0), ct);

    public Task EnqueueAsync(BackgroundJobs jobs, int rowId, CancellationToken ct) => ClipJob.EnqueueAsync(jobs, rowId, ct);
}
