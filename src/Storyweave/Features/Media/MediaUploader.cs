using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Hosting;

namespace Storyweave.Features.Media;

/// <summary>The result of one upload: the saved recording, or an HTTP status and a message in plain words.</summary>
public sealed record UploadOutcome(MediaFile? Media, int Status, string? Error)
{
    public bool Succeeded => Media is not null;

    public static UploadOutcome Fail(int status, string error) => new(null, status, error);
}

/// <summary>
/// Takes one recording from a multipart request body and keeps it, used by both the API and the
/// recordings page. The body is streamed to the story's job scratch space (<see cref="JobScratch"/>;
/// hashing as it goes, never held in memory), checked with ffprobe, and only then moved into place and
/// recorded. Whatever goes wrong — a refused file, a size limit, a dropped connection — the scratch
/// folder is erased and nothing is saved.
/// </summary>
public sealed class MediaUploader(
    StoryweaveDb db,
    ConsentPolicy consent,
    MediaStorage storage,
    JobScratch scratch,
    BackgroundJobs jobs,
    StoryweaveOptions options,
    IAntiforgery antiforgery,
    TimeProvider clock,
    ILogger<MediaUploader> logger)
{
    public const string FileField = "file";

    public const string NotARecordingMessage =
        "This file is not a recording Storyweave can play. Upload an audio or video file such as MP4, M4A, MP3, WAV, OGG or WebM.";

    /// <summary>Room for the multipart framing and the form-safety token around the file itself.</summary>
    private const long MultipartAllowance = 1024 * 1024;

    public string TooLargeMessage =>
        $"This file is larger than {MediaText.Size(options.MaxUploadBytes)}, the most Storyweave accepts in one upload. Try a shorter recording, or ask your administrator to raise the limit.";

    /// <param name="tokenInForm">
    /// True for the page's own form (no JavaScript): its first field must be the form-safety token,
    /// which is checked before any of the file is written. The API gets the token as a header instead.
    /// </param>
    public async Task<UploadOutcome> UploadAsync(HttpContext http, int projectId, int storyId, string userId, bool tokenInForm)
    {
        var ct = http.RequestAborted;
        var storytellerIds = await db.Stories.AsNoTracking()
            .Where(s => s.Id == storyId && s.ProjectId == projectId)
            .Select(s => s.Storytellers.Select(x => x.StorytellerId).ToList())
            .SingleOrDefaultAsync(ct);
        if (storytellerIds is null) return UploadOutcome.Fail(StatusCodes.Status404NotFound, "That story is not in this project.");

        // A request that cannot hold a file is refused before consent is looked at.
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return UploadOutcome.Fail(StatusCodes.Status400BadRequest, "Choose a recording to upload.");

        // Consent comes first: nothing of a recording is written before everyone in it has agreed.
        if (storytellerIds.Count == 0)
            return UploadOutcome.Fail(StatusCodes.Status403Forbidden,
                "This story has no storytellers yet. Add the storyteller to the story and record their consent before uploading a recording.");
        var decisions = await consent.DecideManyAsync(storytellerIds, ConsentUse.Recording, ct);
        var missing = decisions.Values.Count(d => !d.Allowed);
        if (missing > 0)
            return UploadOutcome.Fail(StatusCodes.Status403Forbidden, missing == 1 && storytellerIds.Count == 1
                ? "The storyteller has not agreed to being recorded, so this recording cannot be uploaded. Record their consent first."
                : $"{missing} of the {storytellerIds.Count} storytellers in this story have not agreed to being recorded, so this recording cannot be uploaded. Record their consent first.");

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = options.MaxUploadBytes + MultipartAllowance;
        if (http.Request.ContentLength > options.MaxUploadBytes + MultipartAllowance)
            return UploadOutcome.Fail(StatusCodes.Status413PayloadTooLarge, TooLargeMessage);

        JobScratch.Folder? work = null;
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body);
            var tokenChecked = !tokenInForm;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (!tokenChecked)
                {
                    if (name != "__RequestVerificationToken" || !await TokenIsValidAsync(http, section))
                        return UploadOutcome.Fail(StatusCodes.Status400BadRequest, "This page has been open too long to upload from safely. Reload the page and try again.");
                    tokenChecked = true;
                    continue;
                }
                if (name != FileField || !disposition.IsFileDisposition()) continue;

                work = scratch.ForStory(projectId, storyId, "upload");
                var tempPath = work.File("upload.part");
                var (size, sha256, tooLarge) = await SaveAsync(section.Body, tempPath, ct);
                // A full withdrawal of someone in this story erases its scratch space, this upload included.
                if (!File.Exists(tempPath)) return UploadOutcome.Fail(StatusCodes.Status409Conflict, WithdrawnMeanwhileMessage);
                if (tooLarge) return UploadOutcome.Fail(StatusCodes.Status413PayloadTooLarge, TooLargeMessage);
                if (size == 0) return UploadOutcome.Fail(StatusCodes.Status422UnprocessableEntity, "The file you chose is empty. Choose the recording file and try again.");

                var (probe, refused) = await CheckFileAsync(tempPath, ct);
                if (probe is null) return UploadOutcome.Fail(StatusCodes.Status422UnprocessableEntity, refused!);

                var media = await KeepAsync(tempPath, probe, DisplayName(disposition), size, sha256, projectId, storyId, userId);
                return new UploadOutcome(media, StatusCodes.Status201Created, null);
            }
            return UploadOutcome.Fail(StatusCodes.Status400BadRequest, "Choose a recording to upload.");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return UploadOutcome.Fail(StatusCodes.Status413PayloadTooLarge, TooLargeMessage);
        }
        catch (Exception e) when (e is BadHttpRequestException or Microsoft.AspNetCore.Connections.ConnectionResetException
                                   || (e is IOException or OperationCanceledException && ct.IsCancellationRequested))
        {
            // The connection dropped mid-upload (or the body was malformed): nobody is waiting for an answer.
            logger.LogInformation("An upload to story {StoryId} was cut off: {Reason}", storyId, e.Message);
            return UploadOutcome.Fail(StatusCodes.Status400BadRequest, "The upload was interrupted before the whole file arrived. Please try again.");
        }
        catch (MediaToolsMissingException e)
        {
            logger.LogError("{Problem}", e.Message);
            return UploadOutcome.Fail(StatusCodes.Status503ServiceUnavailable, MediaProbe.MissingToolsMessage);
        }
        catch (FileNotFoundException) when (work is not null && !Directory.Exists(work.Path))
        {
            return UploadOutcome.Fail(StatusCodes.Status409Conflict, WithdrawnMeanwhileMessage);
        }
        finally
        {
            work?.Dispose();
        }
    }

    /// <summary>
    /// The checks every recording passes before it is kept, whether uploaded or brought in from a project file: programs,
    /// archives (a zip bomb included: never unpacked or probed) and Office documents are named by their first bytes, then
    /// ffprobe must find sound or a picture. Returns the probe, or the message saying why the file is refused. Throws
    /// <see cref="MediaToolsMissingException"/> when ffprobe is not installed.
    /// </summary>
    public static async Task<(ProbeResult? Probe, string? Refused)> CheckFileAsync(string path, CancellationToken ct)
    {
        var head = FileSignatures.Head(path, 64);
        if (FileSignatures.ProgramKind(head) is { } program) return (null, FileSignatures.ProgramMessage(program, "a recording"));
        if (FileSignatures.ArchiveKind(head) is { } archive) return (null, FileSignatures.ArchiveMessage(archive));
        if (FileSignatures.IsOfficeDocument(head)) return (null, FileSignatures.OfficeDocumentMessage);
        var probe = await MediaProbe.ProbeAsync(path, ct);
        return probe is null ? (null, NotARecordingMessage) : (probe, null);
    }

    /// <summary>The row for a checked recording of a story (a web rendition queued when the original will not play in browsers).</summary>
    public static MediaFile NewRow(ProbeResult probe, string fileName, long size, string sha256, int projectId, int storyId, string userId, DateTime now) => new()
    {
        ProjectId = projectId,
        StoryId = storyId,
        OriginalFileName = fileName,
        StoredName = MediaStorage.NewStoredName(probe.Extension),
        SizeBytes = size,
        Sha256 = sha256,
        HasVideo = probe.HasVideo,
        Container = probe.Container,
        AudioCodec = probe.AudioCodec,
        VideoCodec = probe.VideoCodec,
        DurationSeconds = probe.DurationSeconds,
        Width = probe.Width,
        Height = probe.Height,
        OriginalIsWebPlayable = probe.IsWebPlayable,
        RenditionStatus = probe.IsWebPlayable ? RenditionStatus.NotNeeded : RenditionStatus.Queued,
        UploadedByUserId = userId,
        UploadedAt = now,
    };

    public const string WithdrawnMeanwhileMessage =
        "Someone in this story withdrew while the recording was uploading, so it was not kept. Check who is in the story, then upload it again if everyone in it still agrees.";

    private async Task<bool> TokenIsValidAsync(HttpContext http, MultipartSection section)
    {
        // Antiforgery reads the header before the form, so setting it here validates the field without
        // the whole (possibly gigabyte) form being read into memory.
        var buffer = new char[4096];
        using var textReader = new StreamReader(section.Body);
        var length = await textReader.ReadBlockAsync(buffer, http.RequestAborted);
        http.Request.Headers[MediaHeaders.AntiforgeryHeader] = new string(buffer, 0, length);
        return await antiforgery.IsRequestValidAsync(http);
    }

    private async Task<(long Size, string Sha256, bool TooLarge)> SaveAsync(Stream body, string path, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            await using var file = MediaStorage.CreatePrivateFile(path);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                size += read;
                if (size > options.MaxUploadBytes) return (size, "", true);
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            await file.FlushAsync(ct);
            return (size, Convert.ToHexStringLower(hash.GetHashAndReset()), false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<MediaFile> KeepAsync(string tempPath, ProbeResult probe, string fileName, long size, string sha256, int projectId, int storyId, string userId)
    {
        var playable = probe.IsWebPlayable;
        var media = NewRow(probe, fileName, size, sha256, projectId, storyId, userId, clock.GetUtcNow().UtcDateTime);
        // File first, row second: a row never points at a missing file. If saving fails the file goes too.
        var finalPath = storage.MoveIntoPlace(tempPath, projectId, media.StoredName);
        try
        {
            // Not the request's token: once the file is in place, finish recording it even if the client has gone.
            await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
            db.MediaFiles.Add(media);
            await db.SaveChangesAsync(CancellationToken.None);
            db.Record(clock, projectId, userId, "media.uploaded", "media", media.Id);
            await db.SaveChangesAsync(CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
        }
        catch
        {
            MediaStorage.DeleteQuietly(finalPath);
            throw;
        }
        if (!playable) await RenditionJob.EnqueueAsync(jobs, media.Id, CancellationToken.None);
        return media;
    }

    /// <summary>The uploaded name, for display only: no folders, no control characters, at most 200 characters.</summary>
    private static string DisplayName(ContentDispositionHeaderValue disposition)
    {
        var raw = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value;
        if (string.IsNullOrWhiteSpace(raw)) raw = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "";
        var name = Path.GetFileName(raw.Replace('\\', '/'));
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (name.Length > 200) name = name[..200];
        return name.Length == 0 ? "Recording" : name;
    }
}

public static class MediaHeaders
{
    /// <summary>The header the app's antiforgery options name (see AppHost.AddServices).</summary>
    public const string AntiforgeryHeader = "RequestVerificationToken";
}
