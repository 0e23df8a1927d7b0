using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Media;

/// <summary>
/// Makes a web-playable copy of one recording that browsers cannot play as uploaded (e.g. FLAC, AMR,
/// HEVC or MPEG-4 Part 2 video): a job of the engine (<see cref="BackgroundJobs"/>), one rendition at a time per
/// node so that two cores stay usable for everyone else.
/// Audio becomes AAC in .m4a; video becomes H.264 + AAC in .mp4 with the index at the front, so
/// playback can start before the whole file has arrived. Location and other metadata are dropped.
/// ffmpeg writes into the story's job scratch space (<see cref="JobScratch"/>, erased however the job
/// ends) and the result is moved into place only when complete. A rendition is kept only if the original
/// it was made from is still the recording's file (same SHA-256): a withdrawal that silences the original
/// meanwhile queues it again, made from the silenced original. A rendition whose node stopped is run again by the
/// engine, which takes over the Running row; a run given up for dead that finishes anyway erases its own file
/// (the row already has one).
/// </summary>
public sealed class RenditionJob(IServiceScopeFactory scopes, JobMetrics metrics, MediaStorage storage, JobScratch scratch,
    IEnumerable<IJobRunObserver> observers, ILogger<RenditionJob> logger) : RowJob(JobMetrics.Renditions, metrics, observers, logger)
{
    public const string FailedMessage =
        "Storyweave could not make a version of this recording that plays in web browsers. The original file is kept; ask your administrator to check the server log.";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Queues the rendition of one recording (its row must be <see cref="RenditionStatus.Queued"/>, committed).</summary>
    public static Task EnqueueAsync(BackgroundJobs jobs, int mediaId, CancellationToken ct = default) =>
        jobs.EnqueueAsync<RenditionJob>(JobMetrics.Renditions, mediaId, ct);

    protected override async Task<string> RunAsync(int rowId, bool recovering, CancellationToken ct)
    {
        await RenderAsync(rowId, recovering, ct);
        return await OutcomeAsync(rowId);
    }

    protected override Task FailAsync(int rowId, Exception e) =>
        SetAsync(rowId, RenditionStatus.Failed, e is MediaToolsMissingException ? MediaProbe.MissingToolsMessage : FailedMessage, CancellationToken.None);

    /// <summary>How the job ended, for <see cref="JobMetrics"/>: read from the row it was for.</summary>
    private async Task<string> OutcomeAsync(int id)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var status = await db.MediaFiles.Where(m => m.Id == id).Select(m => (RenditionStatus?)m.RenditionStatus).FirstOrDefaultAsync(CancellationToken.None);
        return status == RenditionStatus.Ready ? JobMetrics.Succeeded : status == RenditionStatus.Failed ? JobMetrics.Failed : JobMetrics.Dropped;
    }

    private async Task RenderAsync(int mediaId, bool recovering, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        // Claim the row (Queued → Running), so an id queued twice is only rendered once; a recovery (the node that
        // rendered it stopped) takes over a Running row that has no rendition yet.
        var claimed = await db.MediaFiles.Where(m => m.Id == mediaId
                && (m.RenditionStatus == RenditionStatus.Queued || (recovering && m.RenditionStatus == RenditionStatus.Running && m.RenditionStoredName == null)))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionStatus, RenditionStatus.Running)
                .SetProperty(m => m.RenditionProgress, 0.0).SetProperty(m => m.RenditionError, ""), ct);
        if (claimed == 0) return;
        await ClaimedAsync(mediaId, ct);
        // Read after claiming: the hash read here is of the original this run will render (see the check below).
        var media = await db.MediaFiles.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mediaId, ct);
        if (media is null) return;

        var source = storage.OriginalPath(media);
        if (!File.Exists(source))
        {
            await SetAsync(mediaId, RenditionStatus.Failed, "The original file is missing from the data folder, so a version for web browsers cannot be made.", ct);
            return;
        }

        var extension = media.HasVideo ? ".mp4" : ".m4a";
        using var work = media.StoryId is { } storyId ? scratch.ForStory(media.ProjectId, storyId, "rendition") : scratch.ForProject(media.ProjectId, "rendition");
        var temp = work.File("rendition" + extension);
        var watch = Stopwatch.StartNew();
        var (exit, errors) = await RunFfmpegAsync(db, media, source, temp, ct);
        if (exit != 0)
        {
            logger.LogWarning("ffmpeg stopped with code {Exit} for media {MediaId}: {Errors}", exit, mediaId, errors);
            await SetAsync(mediaId, RenditionStatus.Failed, FailedMessage, ct);
            return;
        }
        if (await MediaProbe.ProbeAsync(temp, ct) is null)
        {
            logger.LogWarning("ffmpeg's output for media {MediaId} is not readable: {Errors}", mediaId, errors);
            await SetAsync(mediaId, RenditionStatus.Failed, FailedMessage, ct);
            return;
        }
        var storedName = MediaStorage.NewStoredName(extension);
        // Under the lock a withdrawal holds while it swaps in a silenced original, so the check of the
        // original's hash and the new rendition's name are one step against it.
        // Not cancelled by a stop (the step is short), but given up after FileSwapLock.Timeout: the job then fails with a message.
        using (await storage.FileSwapLock.TakeAsync(CancellationToken.None))
        {
            var final = storage.MoveIntoPlace(temp, media.ProjectId, storedName);
            // RenditionStoredName == null: a run given up for dead that finishes after another run kept its rendition erases its own.
            var updated = await db.MediaFiles.Where(m => m.Id == mediaId && m.RenditionStatus == RenditionStatus.Running && m.RenditionStoredName == null
                    && m.Sha256 == media.Sha256)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionStoredName, storedName)
                    .SetProperty(m => m.RenditionStatus, RenditionStatus.Ready).SetProperty(m => m.RenditionProgress, 1.0), CancellationToken.None);
            if (updated == 0)
            {
                // The recording was deleted meanwhile, or its original replaced (a withdrawal silenced it and
                // queued a new rendition), or another run finished first: this one may hold a voice that is gone.
                FileErasure.EraseFile(final);
                return;
            }
        }
        logger.LogInformation("Made a web rendition of media {MediaId} ({Seconds:0.0} s of recording) in {Elapsed:0.0} s", mediaId, media.DurationSeconds, watch.Elapsed.TotalSeconds);
    }

    private static async Task<(int Exit, string Errors)> RunFfmpegAsync(StoryweaveDb db, MediaFile media, string source, string target, CancellationToken ct)
    {
        List<string> args = ["-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y", "-i", source, "-map_metadata", "-1"];
        if (media.HasVideo)
        {
            // 0:V is video that is not cover art. Even dimensions and yuv420p: what H.264 players expect.
            args.AddRange(["-map", "0:V:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-c:a", "aac", "-b:a", "128k"]);
        }
        else
        {
            args.AddRange(["-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", "128k"]);
        }
        args.AddRange(["-movflags", "+faststart", "-f", "mp4", target]);

        using var process = MediaProbe.Start("ffmpeg", args);
        var errors = process.StandardError.ReadToEndAsync(ct);
        try
        {
            var lastSaved = Stopwatch.StartNew();
            while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                // -progress prints key=value lines; out_time_us is how far into the recording ffmpeg has got.
                if (!line.StartsWith("out_time_us=", StringComparison.Ordinal) || lastSaved.Elapsed < ProgressInterval) continue;
                if (!long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros) || media.DurationSeconds <= 0) continue;
                var progress = Math.Clamp(micros / 1_000_000.0 / media.DurationSeconds, 0, 0.99);
                await db.MediaFiles.Where(m => m.Id == media.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionProgress, progress), ct);
                lastSaved.Restart();
            }
            await process.WaitForExitAsync(ct);
            return (process.ExitCode, await errors);
        }
        catch (OperationCanceledException)
        {
            MediaProbe.Kill(process);
            throw;
        }
    }

    private async Task SetAsync(int mediaId, RenditionStatus status, string error, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            // Only a rendition still under way: a withdrawal may have queued it again meanwhile.
            await db.MediaFiles.Where(m => m.Id == mediaId && m.RenditionStatus == RenditionStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionStatus, status).SetProperty(m => m.RenditionError, error), ct);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record the rendition state of media {MediaId}", mediaId);
        }
    }
}

/// <summary>Recordings owed a rendition job at start (<see cref="BackgroundJobsStartup"/>).</summary>
public sealed class RenditionJobRows : IJobRows
{
    public string Kind => JobMetrics.Renditions;

    public Task<List<int>> QueuedAsync(StoryweaveDb db, CancellationToken ct) =>
        db.MediaFiles.Where(m => m.RenditionStatus == RenditionStatus.Queued).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(ct);

    public Task<List<int>> RunningAsync(StoryweaveDb db, CancellationToken ct) =>
        db.MediaFiles.Where(m => m.RenditionStatus == RenditionStatus.Running).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(ct);

    public Task RequeueAsync(StoryweaveDb db, int rowId, CancellationToken ct) =>
        db.MediaFiles.Where(m => m.Id == rowId && m.RenditionStatus == RenditionStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionStatus, RenditionStatus.Queued).SetProperty(m => m.RenditionProgress, 0.0), ct);

    public Task EnqueueAsync(BackgroundJobs jobs, int rowId, CancellationToken ct) => RenditionJob.EnqueueAsync(jobs, rowId, ct);
}
