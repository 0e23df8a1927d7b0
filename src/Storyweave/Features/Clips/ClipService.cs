using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Audit;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Media;
using Storyweave.Features.Redaction;
using Storyweave.Features.Reports;
using Storyweave.Features.Shared;
using Storyweave.Features.Stories;
using Storyweave.Hosting;

namespace Storyweave.Features.Clips;

/// <summary>
/// Playlists and their clips: made from coded passages or key quotes, cut in the background by
/// <see cref="ClipJob"/>, played in order and exported for a video site. Consent is asked through
/// <see cref="ClipConsent"/> (which asks <see cref="ConsentPolicy"/>) when a clip is made or changed,
/// again just before it is cut, and again whenever it is played, listed or exported: a clip that is
/// no longer allowed is never served, and its files are deleted (<see cref="RemoveDisallowedAsync"/>).
/// </summary>
public sealed class ClipService(StoryweaveDb db, TimeProvider clock, ClipConsent consent, ClipStorage storage, BackgroundJobs jobs, ConsentPolicy policy, RedactionService redaction)
{
    public const double MinimumSeconds = 0.5;
    public const double MaximumSeconds = 600;

    public const string NotAllowedAnyMore = "Not allowed any more";

    public const string RemovedMessage =
        "Not allowed any more: a storyteller's consent no longer allows this clip, so its file has been deleted. If consent allows it again, save the clip to cut it again.";

    public sealed record PlaylistInput(string? Title, string? Description);

    public sealed record ClipInput(int? PassageId, int? KeyQuoteId, double? Start, double? End, string? Title, string? Description, bool BurnCaptions, bool SilenceRedactedWords = false);

    /// <param name="SilenceRedactedWords">Null leaves the setting as it is.</param>
    public sealed record ClipEdit(double? Start, double? End, string? Title, string? Description, bool BurnCaptions, bool? SilenceRedactedWords = null);

    public sealed record PlaylistSummary(Playlist Playlist, int Clips);

    /// <summary>A clip as shown: its row, the consent verdict now, and whether its file can be played.</summary>
    public sealed record ClipView(Clip Clip, string StoryTitle, ClipVerdict Verdict, bool Playable)
    {
        public bool Allowed => Verdict.Allowed;

        public string StateText => !Verdict.Allowed ? NotAllowedAnyMore
            : Clip.Status switch
            {
                OutputStatus.Queued => "Waiting to be cut",
                OutputStatus.Running => string.Create(CultureInfo.InvariantCulture, $"Being cut: {Math.Round(Clip.Progress * 100)}%"),
                OutputStatus.Failed => "Could not be cut",
                _ => Playable ? "Ready" : "The file is missing",
            };

        public string Detail => !Verdict.Allowed ? Verdict.Message : Clip.Status == OutputStatus.Failed ? Clip.Error : "";
    }

    public sealed record PlaylistView(Playlist Playlist, IReadOnlyList<ClipView> Clips);

    /// <summary>Something a clip can be made from: a coded passage or a key quote with times in a story that has a recording.</summary>
    public sealed record Source(string Kind, int Id, int StoryId, string StoryTitle, string Text, double Start, double End, string Credit);

    public sealed record Sources(IReadOnlyList<Source> Allowed, int NotAllowed);

    // --- Playlists ---------------------------------------------------------------------------------

    public async Task<List<PlaylistSummary>> PlaylistsAsync(int projectId, CancellationToken ct = default) =>
        (await db.Playlists.AsNoTracking().Where(p => p.ProjectId == projectId).OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id)
            .Select(p => new { Playlist = p, Clips = p.Clips.Count }).ToListAsync(ct))
        .Select(x => new PlaylistSummary(x.Playlist, x.Clips)).ToList();

    public async Task<Result<Playlist>> CreatePlaylistAsync(int projectId, PlaylistInput input, string actorUserId, CancellationToken ct = default)
    {
        var title = input.Title?.Trim() ?? "";
        var description = input.Description?.Trim() ?? "";
        var errors = new List<string>();
        if (title.Length == 0) errors.Add("Give the playlist a title.");
        if (title.Length > 300) errors.Add("The playlist's title can be at most 300 characters.");
        if (description.Length > 4000) errors.Add("The playlist's description can be at most 4,000 characters.");
        if (errors.Count > 0) return Result.Fail<Playlist>(errors);
        var playlist = new Playlist { ProjectId = projectId, Title = title, Description = description, CreatedAt = UtcNow, CreatedByUserId = actorUserId };
        db.Playlists.Add(playlist);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "playlist.created", "playlist", playlist.Id);
        await db.SaveChangesAsync(ct);
        return Result.Ok(playlist);
    }

    public async Task<bool> DeletePlaylistAsync(int projectId, int playlistId, string actorUserId, CancellationToken ct = default)
    {
        var playlist = await db.Playlists.Include(p => p.Clips).SingleOrDefaultAsync(p => p.Id == playlistId && p.ProjectId == projectId, ct);
        if (playlist is null) return false;
        var clips = playlist.Clips.ToList();
        db.Playlists.Remove(playlist);
        db.Record(clock, projectId, actorUserId, "playlist.deleted", "playlist", playlistId);
        await db.SaveChangesAsync(ct);
        foreach (var clip in clips) storage.DeleteFiles(clip);
        return true;
    }

    /// <summary>The playlist with each clip's consent checked now; clips no longer allowed lose their files first.</summary>
    public async Task<PlaylistView?> PlaylistAsync(int projectId, int playlistId, CancellationToken ct = default)
    {
        if (!await db.Playlists.AnyAsync(p => p.Id == playlistId && p.ProjectId == projectId, ct)) return null;
        await RemoveDisallowedAsync(projectId, playlistId, ct);
        var playlist = await db.Playlists.AsNoTracking().SingleAsync(p => p.Id == playlistId, ct);
        var clips = await db.Clips.AsNoTracking().Where(c => c.PlaylistId == playlistId).OrderBy(c => c.Position).ThenBy(c => c.Id)
            .Select(c => new { Clip = c, StoryTitle = c.Story!.Title }).ToListAsync(ct);
        var verdicts = await consent.DecideManyAsync(clips.Select(c => Stretch(c.Clip)).ToList(), ct);
        var views = clips.Zip(verdicts).Select(x => new ClipView(x.First.Clip, x.First.StoryTitle, x.Second, IsPlayable(x.First.Clip, x.Second))).ToList();
        return new PlaylistView(playlist, views);
    }

    // --- Sources -----------------------------------------------------------------------------------

    /// <summary>
    /// Coded passages and key quotes that can become clips: they have times, their story has a
    /// recording, their words are within analysis consent, and everyone speaking in them agreed to clips.
    /// Anything else is only counted, never shown.
    /// </summary>
    public async Task<Sources> SourcesAsync(int projectId, CancellationToken ct = default)
    {
        var withMedia = db.MediaFiles.Where(m => m.ProjectId == projectId && m.StoryId != null).Select(m => m.StoryId!.Value);
        var passages = await db.Passages.AsNoTracking()
            .Where(p => p.ProjectId == projectId && p.StartSeconds != null && p.EndSeconds != null && withMedia.Contains(p.StoryId))
            .OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset)
            .Select(p => new { p.Id, p.StoryId, StoryTitle = p.Story!.Title, p.Snippet, Start = p.StartSeconds!.Value, End = p.EndSeconds!.Value, p.Speaker })
            .ToListAsync(ct);
        var quotes = await db.KeyQuotes.AsNoTracking()
            .Where(q => q.StartSeconds != null && q.EndSeconds != null && withMedia.Contains(q.StoryId) && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId))
            .OrderBy(q => q.StoryId).ThenBy(q => q.Position)
            .Select(q => new { q.Id, q.StoryId, q.Text, Start = q.StartSeconds!.Value, End = q.EndSeconds!.Value, q.Speaker })
            .ToListAsync(ct);
        var titles = await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).Select(s => new { s.Id, s.Title }).ToDictionaryAsync(s => s.Id, s => s.Title, ct);
        var candidates = passages.Select(p => (Kind: "passage", p.Id, p.StoryId, Text: p.Snippet, p.Start, p.End, p.Speaker))
            .Concat(quotes.Select(q => (Kind: "quote", q.Id, q.StoryId, q.Text, q.Start, q.End, q.Speaker))).ToList();
        var scope = await AnalysisScope.LoadAsync(db, policy, projectId, ct);
        var visible = candidates.Where(c => scope.IsTurnVisible(c.StoryId, c.Speaker)).ToList();
        var verdicts = await consent.DecideManyAsync(visible.Select(c => new ClipConsent.Stretch(c.StoryId, c.Start, c.End)).ToList(), ct);
        var allowed = visible.Zip(verdicts).Where(x => x.Second.Allowed)
            .Select(x => new Source(x.First.Kind, x.First.Id, x.First.StoryId, titles.GetValueOrDefault(x.First.StoryId, ""), x.First.Text, x.First.Start, x.First.End, x.Second.Credit))
            .ToList();
        return new Sources(allowed, candidates.Count - allowed.Count);
    }

    public sealed record Origin(int StoryId, string StoryTitle, string Text, double Start, double End, MediaFile? Media);

    /// <summary>The passage or quote a clip is made from, with its story's recording (the first one uploaded), or null when not in this project.</summary>
    public async Task<Origin?> OriginAsync(int projectId, int? passageId, int? keyQuoteId, CancellationToken ct = default)
    {
        int storyId;
        string text;
        double? start, end;
        if (passageId is { } pid && keyQuoteId is null)
        {
            var p = await db.Passages.AsNoTracking().SingleOrDefaultAsync(p => p.Id == pid && p.ProjectId == projectId, ct);
            if (p is null) return null;
            (storyId, text, start, end) = (p.StoryId, p.Snippet, p.StartSeconds, p.EndSeconds);
        }
        else if (keyQuoteId is { } qid && passageId is null)
        {
            var q = await db.KeyQuotes.AsNoTracking().SingleOrDefaultAsync(q => q.Id == qid && db.Stories.Any(s => s.Id == q.StoryId && s.ProjectId == projectId), ct);
            if (q is null) return null;
            (storyId, text, start, end) = (q.StoryId, q.Text, q.StartSeconds, q.EndSeconds);
        }
        else
        {
            return null;
        }
        var title = await db.Stories.Where(s => s.Id == storyId).Select(s => s.Title).SingleAsync(ct);
        var media = await MediaOfStoryAsync(projectId, storyId, ct);
        return new Origin(storyId, title, text, start ?? -1, end ?? -1, media);
    }

    private Task<MediaFile?> MediaOfStoryAsync(int projectId, int storyId, CancellationToken ct) =>
        db.MediaFiles.AsNoTracking().Where(m => m.ProjectId == projectId && m.StoryId == storyId).OrderBy(m => m.Id).FirstOrDefaultAsync(ct);

    // --- Clips -------------------------------------------------------------------------------------

    /// <summary>Makes a clip (queued to be cut) at the end of the playlist, if everyone speaking in it agreed to clips.</summary>
    public async Task<Result<Clip>?> AddClipAsync(int projectId, int playlistId, ClipInput input, string actorUserId, CancellationToken ct = default)
    {
        if (!await db.Playlists.AnyAsync(p => p.Id == playlistId && p.ProjectId == projectId, ct)) return null;
        if ((input.PassageId is null) == (input.KeyQuoteId is null))
            return Result.Fail<Clip>(["Choose one coded passage or one key quote to make the clip from."]);
        var origin = await OriginAsync(projectId, input.PassageId, input.KeyQuoteId, ct);
        if (origin is null)
            return Result.Fail<Clip>([input.PassageId is not null ? "That coded passage is not part of this project." : "That key quote is not part of this project."]);
        if (origin.Start < 0 || origin.End < 0)
            return Result.Fail<Clip>(["This passage has no times in the recording (its transcript has no timings), so it cannot be cut as a clip."]);
        if (origin.Media is not { } media)
            return Result.Fail<Clip>(["This story has no recording to cut a clip from. Upload one on the story's Recordings page first."]);

        var (start, end) = await SnapAsync(origin.StoryId, input.Start ?? origin.Start, input.End ?? origin.End, ct);
        var title = input.Title?.Trim() ?? "";
        var description = input.Description?.Trim() ?? "";
        var errors = Check(media, start, end, title, description, input.BurnCaptions);
        if (errors.Count > 0) return Result.Fail<Clip>(errors);
        var verdict = await consent.DecideAsync(new ClipConsent.Stretch(origin.StoryId, start, end), ct);
        if (!verdict.Allowed) return Result.Fail<Clip>([verdict.Message]);

        var position = (await db.Clips.Where(c => c.PlaylistId == playlistId).MaxAsync(c => (int?)c.Position, ct) ?? 0) + 1;
        var clip = new Clip
        {
            PlaylistId = playlistId,
            ProjectId = projectId,
            StoryId = origin.StoryId,
            MediaFileId = media.Id,
            PassageId = input.PassageId,
            KeyQuoteId = input.KeyQuoteId,
            StartSeconds = start,
            EndSeconds = end,
            Title = title,
            Description = description,
            Position = position,
            BurnCaptions = input.BurnCaptions,
            SilenceRedactedWords = input.SilenceRedactedWords,
            Status = OutputStatus.Queued,
            CreatedAt = UtcNow,
        };
        db.Clips.Add(clip);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "clip.created", "clip", clip.Id, clip.SilenceRedactedWords ? SilenceOnDetail : null);
        await db.SaveChangesAsync(ct);
        await ClipJob.EnqueueAsync(jobs, clip.Id, CancellationToken.None);
        return Result.Ok(clip);
    }

    /// <summary>Event detail when a clip is made or changed with its redacted words silenced, or changed back.</summary>
    public const string SilenceOnDetail = "silence-redacted-words:on";
    public const string SilenceOffDetail = "silence-redacted-words:off";

    /// <summary>Changes a clip's words, or its times, burned-in captions or silencing (then it is cut again, if consent allows).</summary>
    public async Task<Result<Clip>?> UpdateClipAsync(int projectId, int clipId, ClipEdit input, string actorUserId, CancellationToken ct = default)
    {
        var clip = await db.Clips.Include(c => c.MediaFile).SingleOrDefaultAsync(c => c.Id == clipId && c.ProjectId == projectId, ct);
        if (clip is null) return null;
        var (start, end) = await SnapAsync(clip.StoryId, input.Start ?? clip.StartSeconds, input.End ?? clip.EndSeconds, ct);
        var title = input.Title?.Trim() ?? "";
        var description = input.Description?.Trim() ?? "";
        var errors = Check(clip.MediaFile!, start, end, title, description, input.BurnCaptions);
        if (errors.Count > 0) return Result.Fail<Clip>(errors);
        var silence = input.SilenceRedactedWords ?? clip.SilenceRedactedWords;
        var silenceChanged = silence != clip.SilenceRedactedWords;
        var recut = start != clip.StartSeconds || end != clip.EndSeconds || input.BurnCaptions != clip.BurnCaptions || silenceChanged || clip.Status == OutputStatus.Failed
            || (clip.Status == OutputStatus.Ready && clip.StoredName is null);
        if (recut)
        {
            var verdict = await consent.DecideAsync(new ClipConsent.Stretch(clip.StoryId, start, end), ct);
            if (!verdict.Allowed) return Result.Fail<Clip>([verdict.Message]);
        }
        clip.Title = title;
        clip.Description = description;
        if (recut)
        {
            storage.DeleteFiles(clip);
            (clip.StartSeconds, clip.EndSeconds, clip.BurnCaptions, clip.SilenceRedactedWords) = (start, end, input.BurnCaptions, silence);
            (clip.StoredName, clip.CaptionsStoredName, clip.DurationSeconds, clip.CutMethod) = (null, null, null, "");
            (clip.Status, clip.Progress, clip.Error, clip.CompletedAt) = (OutputStatus.Queued, 0, "", null);
        }
        var detail = recut ? "recut" : null;
        if (silenceChanged) detail += "; " + (silence ? SilenceOnDetail : SilenceOffDetail);
        db.Record(clock, projectId, actorUserId, "clip.updated", "clip", clip.Id, detail);
        await db.SaveChangesAsync(ct);
        if (recut) await ClipJob.EnqueueAsync(jobs, clip.Id, CancellationToken.None);
        return Result.Ok(clip);
    }

    /// <summary>Moves a clip one place up (earlier) or down (later) in its playlist; false when there is no such clip.</summary>
    public async Task<bool> MoveClipAsync(int projectId, int clipId, bool up, string actorUserId, CancellationToken ct = default)
    {
        var clip = await db.Clips.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clipId && c.ProjectId == projectId, ct);
        if (clip is null) return false;
        var all = await db.Clips.Where(c => c.PlaylistId == clip.PlaylistId).OrderBy(c => c.Position).ThenBy(c => c.Id).ToListAsync(ct);
        var i = all.FindIndex(c => c.Id == clipId);
        var j = up ? i - 1 : i + 1;
        if (j < 0 || j >= all.Count) return true; // already first or last: nothing to do
        (all[i], all[j]) = (all[j], all[i]);
        for (var k = 0; k < all.Count; k++) all[k].Position = k + 1;
        db.Record(clock, projectId, actorUserId, "clip.moved", "clip", clipId, up ? "up" : "down");
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<bool> DeleteClipAsync(int projectId, int clipId, string actorUserId, CancellationToken ct = default)
    {
        var clip = await db.Clips.SingleOrDefaultAsync(c => c.Id == clipId && c.ProjectId == projectId, ct);
        if (clip is null) return false;
        db.Clips.Remove(clip);
        db.Record(clock, projectId, actorUserId, "clip.deleted", "clip", clipId);
        await db.SaveChangesAsync(ct);
        storage.DeleteFiles(clip);
        return true;
    }

    public sealed record CaptionPreview(double Start, double End, ClipVerdict Verdict, IReadOnlyList<WebVtt.Cue> Lines);

    /// <summary>
    /// What a clip of this stretch would contain, before it is made: the times as they will be kept (put back on
    /// line boundaries), the consent verdict, and — only when it is allowed — the caption lines, shifted to the
    /// clip and with the words redacted and voices named exactly as the clip's captions will be. Null when the
    /// story is not in the project.
    /// </summary>
    public async Task<CaptionPreview?> PreviewAsync(int projectId, int storyId, double start, double end, CancellationToken ct = default)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return null;
        (start, end) = await SnapAsync(storyId, start, end, ct);
        var verdict = await consent.DecideAsync(new ClipConsent.Stretch(storyId, start, end), ct);
        if (!verdict.Allowed || end <= start) return new CaptionPreview(start, end, verdict, []);
        var redactor = await redaction.ForOutputAsync(projectId, RedactionOutput.Clips, ct);
        var lines = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId && c.StartSeconds < end && c.EndSeconds > start)
            .Select(c => new ClipCaptions.Line(c.StartSeconds, c.EndSeconds, c.Speaker, c.Text)).ToListAsync(ct);
        return new CaptionPreview(start, end, verdict, ClipCaptions.Cues(ClipCaptions.Redact(lines, redactor), start, end, verdict.VoiceName).ToList());
    }

    /// <summary>
    /// Times typed to a tenth of a second put back on the transcript's own line boundaries when they are that
    /// close (<see cref="ClipText.Snap"/>): "2:14.9" for a line starting at 2:14.93 starts the clip at 2:14.93, so
    /// it neither opens with the end of the line before nor reaches into a neighbour's turn.
    /// </summary>
    private async Task<(double Start, double End)> SnapAsync(int storyId, double start, double end, CancellationToken ct)
    {
        var near = await db.TranscriptCues.AsNoTracking()
            .Where(c => c.StoryId == storyId && c.StartSeconds != null && c.EndSeconds != null
                        && ((c.StartSeconds >= start - 1 && c.StartSeconds <= start + 1) || (c.EndSeconds >= start - 1 && c.EndSeconds <= start + 1)
                            || (c.StartSeconds >= end - 1 && c.StartSeconds <= end + 1) || (c.EndSeconds >= end - 1 && c.EndSeconds <= end + 1)))
            .Select(c => new { Start = c.StartSeconds!.Value, End = c.EndSeconds!.Value }).ToListAsync(ct);
        var boundaries = near.SelectMany(c => new[] { c.Start, c.End }).ToList();
        return (ClipText.Snap(start, boundaries), ClipText.Snap(end, boundaries));
    }

    private static List<string> Check(MediaFile media, double start, double end, string title, string description, bool burn)
    {
        var errors = new List<string>();
        if (start < 0) errors.Add("The start cannot be before the beginning of the recording.");
        if (end <= start) errors.Add("The end must be after the start.");
        else if (end - start < MinimumSeconds) errors.Add("A clip must be at least half a second long.");
        else if (end - start > MaximumSeconds) errors.Add("A clip can be at most 10 minutes long.");
        if (media.DurationSeconds > 0 && end > media.DurationSeconds + 0.05)
            errors.Add($"The end is after the recording ends (it is {ClipText.Time(media.DurationSeconds)} long).");
        if (title.Length == 0) errors.Add("Give the clip a title.");
        if (title.Length > 300) errors.Add("The clip's title can be at most 300 characters.");
        if (description.Length > 4000) errors.Add("The clip's description can be at most 4,000 characters.");
        if (burn && !media.HasVideo)
            errors.Add("Captions can only be burned into a video, and this recording is sound only. A captions file is made for every clip anyway.");
        return errors;
    }

    // --- Consent re-checks -------------------------------------------------------------------------

    /// <summary>
    /// Deletes the files of every clip in the project (or one playlist) that consent no longer allows,
    /// and marks it "not allowed any more" (Status Failed with <see cref="RemovedMessage"/>). Called
    /// before a playlist is shown, played or exported; the withdrawal feature calls it after a
    /// storyteller withdraws. Returns how many clips were removed.
    /// </summary>
    public async Task<int> RemoveDisallowedAsync(int projectId, int? playlistId = null, CancellationToken ct = default)
    {
        var query = db.Clips.Where(c => c.ProjectId == projectId
            && (c.StoredName != null || c.CaptionsStoredName != null || c.Status == OutputStatus.Queued || c.Status == OutputStatus.Running));
        if (playlistId is { } pid) query = query.Where(c => c.PlaylistId == pid);
        var clips = await query.ToListAsync(ct);
        if (clips.Count == 0) return 0;
        var verdicts = await consent.DecideManyAsync(clips.Select(Stretch).ToList(), ct);
        var removed = clips.Zip(verdicts).Where(x => !x.Second.Allowed).Select(x => x.First).ToList();
        foreach (var clip in removed)
        {
            storage.DeleteFiles(clip);
            (clip.StoredName, clip.CaptionsStoredName, clip.DurationSeconds, clip.Progress) = (null, null, null, 0);
            (clip.Status, clip.Error) = (OutputStatus.Failed, RemovedMessage);
            db.Record(clock, projectId, null, "clip.removed", "clip", clip.Id, "consent");
        }
        if (removed.Count > 0) await db.SaveChangesAsync(ct);
        return removed.Count;
    }

    /// <summary>A clip with consent asked now (null when not in the project); a clip no longer allowed loses its files here.</summary>
    public async Task<(Clip Clip, ClipVerdict Verdict)?> PlayableAsync(int projectId, int clipId, CancellationToken ct = default)
    {
        var clip = await db.Clips.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clipId && c.ProjectId == projectId, ct);
        if (clip is null) return null;
        var verdict = await consent.DecideAsync(Stretch(clip), ct);
        if (!verdict.Allowed) await RemoveDisallowedAsync(projectId, clip.PlaylistId, ct);
        return (clip, verdict);
    }

    /// <summary>
    /// WebVTT (or, with <paramref name="srt"/>, SRT) for the clip, built now from the transcript, with voices
    /// named as each person's clip credit allows today and the words redacted by the project's
    /// <see cref="RedactionOutput.Clips"/> rules.
    /// </summary>
    public async Task<string> CaptionsAsync(Clip clip, ClipVerdict verdict, bool srt = false, CancellationToken ct = default)
    {
        var cues = await CaptionCuesAsync(clip, verdict, await redaction.ForOutputAsync(clip.ProjectId, RedactionOutput.Clips, ct), ct);
        return srt ? Srt.Write(cues) : WebVtt.Write(cues);
    }

    private async Task<IReadOnlyList<WebVtt.Cue>> CaptionCuesAsync(Clip clip, ClipVerdict verdict, Redactor redactor, CancellationToken ct)
    {
        var lines = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == clip.StoryId && c.StartSeconds < clip.EndSeconds && c.EndSeconds > clip.StartSeconds)
            .Select(c => new ClipCaptions.Line(c.StartSeconds, c.EndSeconds, c.Speaker, c.Text)).ToListAsync(ct);
        return ClipCaptions.Cues(ClipCaptions.Redact(lines, redactor), clip.StartSeconds, clip.EndSeconds, verdict.VoiceName).ToList();
    }

    public bool IsPlayable(Clip clip, ClipVerdict verdict) =>
        verdict.Allowed && clip.Status == OutputStatus.Ready && storage.FilePath(clip) is { } path && File.Exists(path);

    public string? FilePath(Clip clip) => storage.FilePath(clip);

    public static string ContentType(string storedName) => Path.GetExtension(storedName) switch
    {
        ".mp4" => "video/mp4",
        ".m4a" => "audio/mp4",
        ".wav" => "audio/wav",
        ".mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    };

    // --- Export ------------------------------------------------------------------------------------

    /// <summary>The rows of the export's CSV (also the ZIP's contents, in order).</summary>
    public sealed record ExportRow(int Order, string FileName, string CaptionsFile, string SrtCaptionsFile, string Title, string Description, string Credit);

    /// <summary>
    /// Writes the playlist's allowed, ready clips as a ZIP straight to <paramref name="output"/>: each
    /// clip file, its captions as .vtt and .srt (the same cues), and clips.csv (order, file name, both
    /// captions files, title, description, credit). The export is recorded in the event log and the access log before anything is sent.
    /// </summary>
    public async Task<bool> ExportAsync(int projectId, int playlistId, Stream output, string actorUserId, Action? beforeWriting = null, CancellationToken ct = default)
    {
        var view = await PlaylistAsync(projectId, playlistId, ct);
        if (view is null) return false;
        var included = view.Clips.Where(c => c.Playable).ToList();
        var redactor = await redaction.ForOutputAsync(projectId, RedactionOutput.Clips, ct);
        var rows = new List<(ClipView View, ExportRow Row)>();
        var order = 0;
        foreach (var c in included)
        {
            order++;
            var name = string.Create(CultureInfo.InvariantCulture, $"{order:00}-{Slug(redactor.Apply(c.Clip.Title))}");
            rows.Add((c, new ExportRow(order, name + Path.GetExtension(c.Clip.StoredName!), name + ".vtt", name + ".srt", redactor.Apply(c.Clip.Title), redactor.Apply(c.Clip.Description), c.Verdict.Credit)));
        }

        db.Record(clock, projectId, actorUserId, "playlist.exported", "playlist", playlistId, string.Create(CultureInfo.InvariantCulture, $"{rows.Count} clips"));
        db.AccessLog.Add(new AccessLogEntry
        {
            ProjectId = projectId,
            At = UtcNow,
            UserId = actorUserId,
            Action = "exported",
            TargetType = "playlist",
            TargetId = playlistId.ToString(CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(ct);
        beforeWriting?.Invoke();

        await using var buffered = new SyncBufferingStream(output);
        await using (var zip = await ZipArchive.CreateAsync(buffered, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            foreach (var (c, row) in rows)
            {
                // Recordings are already compressed: stored as they are.
                var entry = zip.CreateEntry(row.FileName, CompressionLevel.NoCompression);
                await using (var target = await entry.OpenAsync(ct))
                await using (var source = File.OpenRead(storage.FilePath(c.Clip)!))
                    await source.CopyToAsync(target, ct);
                var cues = await CaptionCuesAsync(c.Clip, c.Verdict, redactor, ct);
                var captions = zip.CreateEntry(row.CaptionsFile, CompressionLevel.Optimal);
                await using (var target = await captions.OpenAsync(ct))
                    await target.WriteAsync(Encoding.UTF8.GetBytes(WebVtt.Write(cues)), ct);
                var srt = zip.CreateEntry(row.SrtCaptionsFile, CompressionLevel.Optimal);
                await using (var target = await srt.OpenAsync(ct))
                    await target.WriteAsync(Encoding.UTF8.GetBytes(Srt.Write(cues)), ct);
            }
            var csvEntry = zip.CreateEntry("clips.csv", CompressionLevel.Optimal);
            await using var csvStream = await csvEntry.OpenAsync(ct);
            await using var writer = new StreamWriter(csvStream, Exports.CsvExport.Encoding);
            // The shared configuration: names and titles typed by anyone (the public sign-up page among them) never run as formulas.
            await using var csv = Exports.CsvExport.NewWriter(writer);
            csv.WriteField("order");
            csv.WriteField("file_name");
            csv.WriteField("captions_file");
            csv.WriteField("captions_file_srt");
            csv.WriteField("title");
            csv.WriteField("description");
            csv.WriteField("credit");
            await csv.NextRecordAsync();
            foreach (var (_, row) in rows)
            {
                csv.WriteField(row.Order);
                csv.WriteField(row.FileName);
                csv.WriteField(row.CaptionsFile);
                csv.WriteField(row.SrtCaptionsFile);
                csv.WriteField(row.Title);
                csv.WriteField(row.Description);
                csv.WriteField(row.Credit);
                await csv.NextRecordAsync();
            }
        }
        await buffered.DrainAsync(ct);
        return true;
    }

    /// <summary>A file-name part from a title: lower-case ASCII letters and digits joined by hyphens, at most 40 characters.</summary>
    public static string Slug(string title)
    {
        var sb = new StringBuilder();
        foreach (var ch in title.Normalize(NormalizationForm.FormD).ToLowerInvariant())
        {
            if (ch is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(ch);
            else if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark) continue;
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= 40) break;
        }
        var slug = sb.ToString().Trim('-');
        return slug.Length == 0 ? "clip" : slug;
    }

    private static ClipConsent.Stretch Stretch(Clip c) => new(c.StoryId, c.StartSeconds, c.EndSeconds);

    private DateTime UtcNow => clock.GetUtcNow().UtcDateTime;
}
