using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Media;
using Storyweave.Features.Stories;
using Storyweave.Hosting;

namespace Storyweave.Features.Transcription;

/// <summary>
/// Makes one draft from start to end: claims the job row, asks <see cref="ConsentPolicy"/> again, runs
/// the engine on the recording with progress saved to the row, and at the very end writes the lines
/// through <see cref="DraftWriter"/> (or keeps them aside when the transcript changed meanwhile). Until
/// that last step nothing of the transcript is touched, so a stop, a crash or a failed engine leaves it
/// as it was. The web app's job (<see cref="DraftRunJob"/>) and the command line both call this; neither knows how it works.
/// </summary>
public sealed class DraftRunner(StoryweaveDb db, DraftEngines engines, MediaStorage storage, TranscriptService transcripts, ConsentPolicy consent,
    TimeProvider clock, IServiceScopeFactory scopes, JobScratch scratch, ILogger<DraftRunner> logger)
{
    public const string FailedMessage = "Storyweave could not make a draft of this recording. The transcript was not changed; ask your administrator to check the server log.";

    private static readonly TimeSpan SaveInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs the job if it is still queued; <paramref name="echo"/> hears progress (0–1) as it happens (the command line prints it).</summary>
    /// <param name="recovering">The job engine runs it again because the node that ran it stopped: a Running row is taken over.</param>
    /// <param name="claimed">Called once the row is held (the job engine's observers).</param>
    public async Task<DraftJob?> RunAsync(int jobId, Action<double>? echo = null, bool recovering = false, Func<CancellationToken, Task>? claimed = null,
        CancellationToken ct = default)
    {
        var job = await db.DraftJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        // Claim the row (Queued → Running), so a job queued twice runs once; a recovery takes over a Running row.
        var held = await db.DraftJobs.Where(j => j.Id == jobId && (j.Status == DraftStatus.Queued || (recovering && j.Status == DraftStatus.Running)))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, DraftStatus.Running).SetProperty(j => j.Progress, 0.0)
                .SetProperty(j => j.Error, "").SetProperty(j => j.HeartbeatAt, now), ct);
        if (held == 0) return job;
        if (claimed is not null) await claimed(ct);

        // The story's scratch folder (Hosting/JobScratch): erased when the job ends in any way, at start-up, and by a
        // withdrawal of anyone in the story.
        using var work = scratch.ForStory(job.ProjectId, job.StoryId, "draft");
        try
        {
            var outcome = await DraftAsync(job, work.Path, echo, ct);
            await FinishAsync(jobId, outcome, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw; // the app is stopping: the row stays Running and the job engine runs it again (another node, or the next start)
        }
        catch (JobGoneException)
        {
            logger.LogInformation("Draft job {JobId} was deleted while running (its story or storyteller was removed); nothing was written", jobId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Draft job {JobId} failed", jobId);
            var message = e switch
            {
                DraftEngineException engine => engine.Message,
                MediaToolsMissingException => MediaProbe.MissingToolsMessage,
                _ => FailedMessage,
            };
            await FinishAsync(jobId, new Result(DraftStatus.Failed, message, null, 0), CancellationToken.None);
        }
        return await db.DraftJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, CancellationToken.None);
    }

    private sealed record Result(DraftStatus Status, string Error, List<DraftLine>? KeptAside, int Lines, double Elapsed = 0);

    private sealed class JobGoneException : Exception;

    private async Task<Result> DraftAsync(DraftJob job, string scratchDir, Action<double>? echo, CancellationToken ct)
    {
        var verdict = await consent.DecideTranscriptionAsync(job.StoryId, ct);
        if (!verdict.Allowed) return new Result(DraftStatus.Failed, $"A draft cannot be made from this recording: {verdict.Reason}", null, 0);
        var media = job.MediaFileId is { } mediaId ? await db.MediaFiles.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mediaId, ct) : null;
        if (media is null) return new Result(DraftStatus.Failed, "The recording was deleted before the draft was made. The transcript was not changed.", null, 0);
        var source = storage.OriginalPath(media);
        if (!File.Exists(source)) return new Result(DraftStatus.Failed, "The recording's file is missing from the data folder, so no draft could be made. The transcript was not changed.", null, 0);
        var engine = engines.Find(job.Engine);
        if (engine is null) return new Result(DraftStatus.Failed, $"There is no speech engine called \"{job.Engine}\" any more.", null, 0);
        if (engine.Problem() is { } problem) return new Result(DraftStatus.Failed, problem, null, 0);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = 0.0;
        var watch = Stopwatch.StartNew();
        // Progress is saved on its own beat rather than from the engine's callbacks (Whisper calls back on
        // its own thread). The same write tells whether the row still exists: a withdrawal or a deleted
        // story removes it, and then the work stops at once and its scratch files go.
        var beat = Task.Run(async () =>
        {
            try
            {
                using var timer = new PeriodicTimer(SaveInterval);
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    var at = clock.GetUtcNow().UtcDateTime;
                    var p = Math.Min(Volatile.Read(ref progress), 0.99);
                    if (await SaveProgressAsync(job.Id, p, at, stop.Token) == 0)
                    {
                        await stop.CancelAsync();
                        return true;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            return false;
        }, CancellationToken.None);

        IReadOnlyList<RecognisedPhrase>? phrases = null;
        try
        {
            phrases = await engine.RecogniseAsync(source, media.DurationSeconds, scratchDir, "draft", p =>
            {
                Volatile.Write(ref progress, p);
                echo?.Invoke(p);
            }, stop.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && stop.IsCancellationRequested)
        {
            // Stopped by the beat: the job's row is gone.
        }
        finally
        {
            await stop.CancelAsync();
        }
        if (await beat || phrases is null) throw new JobGoneException();
        var elapsed = watch.Elapsed.TotalSeconds;
        echo?.Invoke(1);

        var lines = DraftLines.Build(phrases);
        if (lines.Count == 0)
            return new Result(DraftStatus.Failed, "No speech was recognised in this recording, so there is no draft. The transcript was not changed.", null, 0, elapsed);

        // Consent may have changed while the engine listened.
        verdict = await consent.DecideTranscriptionAsync(job.StoryId, ct);
        if (!verdict.Allowed) return new Result(DraftStatus.Failed, $"The draft was not kept: {verdict.Reason}", null, 0, elapsed);
        if (!await db.DraftJobs.AnyAsync(j => j.Id == job.Id, ct)) throw new JobGoneException();

        var saved = await DraftWriter.SaveAsync(transcripts, job, lines, job.BaseVersion, job.RequestedByUserId, ct);
        if (saved.Saved) return new Result(DraftStatus.Written, "", null, lines.Count, elapsed);
        if (saved.Conflict) return new Result(DraftStatus.KeptAside, "", lines, lines.Count, elapsed);
        logger.LogWarning("The draft of story {StoryId} was refused: {Errors}", job.StoryId, string.Join("; ", saved.Errors));
        return new Result(DraftStatus.Failed, string.Join(" ", saved.Errors), null, 0, elapsed);
    }

    private async Task<int> SaveProgressAsync(int jobId, double progress, DateTime at, CancellationToken ct)
    {
        // A scope of its own: the runner's DbContext is busy on the main path.
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StoryweaveDb>().DraftJobs.Where(j => j.Id == jobId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, progress).SetProperty(j => j.HeartbeatAt, at), ct);
    }

    private async Task FinishAsync(int jobId, Result result, CancellationToken ct)
    {
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var json = result.KeptAside is { } lines ? JsonSerializer.Serialize(lines) : null;
            var error = result.Error.Length > 2000 ? result.Error[..2000] : result.Error;
            // Only a draft still Running: a run given up for dead whose draft another run already finished records nothing.
            var ended = await db.DraftJobs.Where(j => j.Id == jobId && j.Status == DraftStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, result.Status).SetProperty(j => j.Error, error)
                    .SetProperty(j => j.ResultJson, json).SetProperty(j => j.LineCount, result.Lines)
                    .SetProperty(j => j.Progress, result.Status == DraftStatus.Failed ? 0.0 : 1.0)
                    .SetProperty(j => j.ElapsedSeconds, result.Elapsed).SetProperty(j => j.CompletedAt, now), ct);
            var job = await db.DraftJobs.AsNoTracking().Where(j => j.Id == jobId).Select(j => new { j.ProjectId, j.StoryId, j.RequestedByUserId, j.Engine }).SingleOrDefaultAsync(ct);
            if (ended > 0 && job is not null && result.Status != DraftStatus.Written) // a written draft is already in the log as transcript.imported/saved
            {
                db.Record(clock, job.ProjectId, job.RequestedByUserId, result.Status == DraftStatus.KeptAside ? "transcript.draft-kept-aside" : "transcript.draft-failed", "story", job.StoryId, job.Engine);
                await db.SaveChangesAsync(ct);
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record the end of draft job {JobId}", jobId);
        }
    }
}
