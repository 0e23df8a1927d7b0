using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Media;

/// <summary>Media ids waiting for a web-playable rendition. In memory: the database is the record of what is owed.</summary>
public sealed class RenditionQueue
{
    private readonly Channel<int> _channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly JobMetrics _metrics;

    public RenditionQueue(JobMetrics metrics) => _metrics = metrics;

    public void Enqueue(int mediaId)
    {
        if (_channel.Writer.TryWrite(mediaId)) _metrics.Queued(JobMetrics.Renditions);
    }

    public ChannelReader<int> Reader => _channel.Reader;
}

/// <summary>
/// Makes web-playable copies of recordings that browsers cannot play as uploaded (e.g. FLAC, AMR,
/// HEVC or MPEG-4 Part 2 video), one at a time so that two cores stay usable for everyone else.
/// Audio becomes AAC in .m4a; video becomes H.264 + AAC in .mp4 with the index at the front, so
/// playback can start before the whole file has arrived. Location and other metadata are dropped.
/// ffmpeg writes into the story's job scratch space (<see cref="JobScratch"/>, erased however the job
/// ends) and the result is moved into place only when complete. A rendition is kept only if the original
/// it was made from is still the recording's file (same SHA-256): a withdrawal that silences the original
/// meanwhile makes it again from the silenced original. On start-up, rows left Queued or Running (the app
/// stopped or crashed mid-way) are queued again.
/// </summary>
public sealed class RenditionWorker(IServiceScopeFactory scopes, RenditionQueue queue, JobMetrics metrics, MediaStorage storage, JobScratch scratch, ILogger<RenditionWorker> logger)
    : BackgroundService
{
    public const string FailedMessage =
        "Storyweave could not make a version of this recording that plays in web browsers. The original file is kept; ask your administrator to check the server log.";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting
        await RequeueUnfinishedAsync(stoppingToken);
        await foreach (var id in queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var job = metrics.Start(JobMetrics.Renditions);
            try
            {
                await RenderAsync(id, stoppingToken);
                job.Finish(await OutcomeAsync(id));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                job.Finish(JobMetrics.Cancelled);
                return; // left Running; queued again at the next start
            }
            catch (Exception e)
            {
                logger.LogError(e, "Making a rendition of media {MediaId} failed", id);
                var message = e is MediaToolsMissingException ? MediaProbe.MissingToolsMessage : FailedMessage;
                await SetAsync(id, RenditionStatus.Failed, message, CancellationToken.None);
            }
        }
    }

    /// <summary>Queues every recording whose rendition was owed or under way when the app last stopped.</summary>
    /// <summary>How the job ended, for <see cref="JobMetrics"/>: read from the row it was for.</summary>
    private async Task<string> OutcomeAsync(int id)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var status = await db.MediaFiles.Where(m => m.Id == id).Select(m => (RenditionStatus?)m.RenditionStatus).FirstOrDefaultAsync(CancellationToken.None);
        return status == RenditionStatus.Ready ? JobMetrics.Succeeded : status == RenditionStatus.Failed ? JobMetrics.Failed : JobMetrics.Dropped;
    }

    public async Task RequeueUnfinishedAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        await db.MediaFiles.Where(m => m.RenditionStatus == RenditionStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionStatus, RenditionStatus.Queued).SetProperty(m => m.RenditionProgress, 0.0), ct);
        var ids = await db.MediaFiles.Where(m => m.RenditionStatus == RenditionStatus.Queued).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(ct);
        foreach (var id in ids) queue.Enqueue(id);
        if (ids.Count > 0) logger.LogInformation("Queued {Count} unfinished recording rendition(s)", ids.Count);
    }

    private async Task RenderAsync(int mediaId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        // Claim the row, so an id queued twice (upload and start-up at once) is only rendered once.
        var claimed = await db.MediaFiles.Where(m => m.Id == mediaId && m.RenditionStatus == RenditionStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionStatus, RenditionStatus.Running)
                .SetProperty(m => m.RenditionProgress, 0.0).SetProperty(m => m.RenditionError, ""), ct);
        if (claimed == 0) return;
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
        await storage.FileSwapLock.WaitAsync(CancellationToken.None);
        try
        {
            var final = storage.MoveIntoPlace(temp, media.ProjectId, storedName);
            var updated = await db.MediaFiles.Where(m => m.Id == mediaId && m.RenditionStatus == RenditionStatus.Running && m.Sha256 == media.Sha256)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.RenditionStoredName, storedName)
                    .SetProperty(m => m.RenditionStatus, RenditionStatus.Ready).SetProperty(m => m.RenditionProgress, 1.0), CancellationToken.None);
            if (updated == 0)
            {
                // The recording was deleted meanwhile, or its original replaced (a withdrawal silenced it and
                // queued a new rendition): this one may hold a voice that is gone.
                FileErasure.EraseFile(final);
                return;
            }
        }
        finally
        {
            storage.FileSwapLock.Release();
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
