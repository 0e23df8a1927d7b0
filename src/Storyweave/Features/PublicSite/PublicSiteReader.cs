using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Media;
using Storyweave.Features.Redaction;
using Storyweave.Features.Reports;
using Storyweave.Hosting;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// Everything the public story site may show, read fresh on every call so that unpublishing or a
/// consent change takes effect on the next request. The web pages and <c>storyweave publish</c> both
/// read through this class only. What is public:
/// <list type="bullet">
/// <item>a story while a lead has published it (<c>Story.PublishedAt</c>) AND <see cref="ConsentPolicy"/> says every
/// storyteller in it agrees to "full story published" with no embargo and none has withdrawn;</item>
/// <item>a playlist while published, with only its ready clips that <see cref="Clips.ClipConsent"/> allows (everyone
/// speaking in the clip agrees to clips: the same rule as the team's page and the upload export);</item>
/// <item>a report file while published, ready and not out of date;</item>
/// <item>and each only while its project is not archived: archiving takes a whole project off the site (and
/// out of the static export) at once, and restoring it brings back what was published.</item>
/// </list>
/// Anything else answers null, which the endpoints turn into 404 (never 403: a guessed URL learns nothing).
/// <para>Redaction: a story's title, summary and transcript lines are redacted here by the project's
/// <see cref="RedactionOutput.PublicSite"/> rules, so the live pages, the server-side search within a
/// transcript and the static export all see only redacted words.</para>
/// </summary>
public sealed class PublicSiteReader(StoryweaveDb db, ConsentPolicy consent, Clips.ClipConsent clipConsent, MediaStorage media, StoryweaveOptions options, RedactionService redaction)
{
    /// <summary>Archived projects show nothing in public (a subquery, so each rule stays one database query).</summary>
    private IQueryable<int> ArchivedProjects => db.Projects.Where(p => p.ArchivedAt != null).Select(p => p.Id);

    /// <summary>Every project with something public, with its public stories, playlists and report files.</summary>
    public async Task<PublicSiteView> SiteAsync(CancellationToken ct = default) => new(await ProjectsAsync(null, ct));

    public async Task<PublicProjectView?> ProjectAsync(int projectId, CancellationToken ct = default) =>
        (await ProjectsAsync(projectId, ct)).SingleOrDefault();

    private async Task<List<PublicProjectView>> ProjectsAsync(int? projectId, CancellationToken ct)
    {
        var stories = await PublicStoriesAsync(projectId, null, ct);
        var playlists = await PublicPlaylistsAsync(projectId, null, ct);
        var reports = await PublicReportFilesAsync(projectId, null, ct);
        var ids = stories.Select(s => s.ProjectId).Concat(playlists.Select(p => p.Summary.ProjectId)).Concat(reports.Select(r => r.ProjectId)).Distinct().ToList();
        var projects = await db.Projects.AsNoTracking().Where(p => ids.Contains(p.Id)).OrderBy(p => p.Name).ThenBy(p => p.Id)
            .Select(p => new { p.Id, p.Name, p.Description }).ToListAsync(ct);
        return projects.Select(p => new PublicProjectView(p.Id, p.Name, p.Description,
            stories.Where(s => s.ProjectId == p.Id).ToList(),
            playlists.Where(x => x.Summary.ProjectId == p.Id).Select(x => x.Summary).ToList(),
            reports.Where(r => r.ProjectId == p.Id).ToList())).ToList();
    }

    /// <summary>One public story with its player, themes and transcript, or null when it is not public now.</summary>
    public async Task<PublicStoryView?> StoryAsync(int projectId, int storyId, CancellationToken ct = default)
    {
        if ((await PublicStoriesAsync(projectId, storyId, ct)).SingleOrDefault() is not { } summary) return null;
        var credits = await SpeakerCreditsAsync(storyId, ct);
        var cues = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position)
            .Select(c => new { c.StartSeconds, c.EndSeconds, c.Speaker, c.Text }).ToListAsync(ct);
        var themes = await db.PassageThemes.AsNoTracking()
            .Where(pt => pt.Passage!.StoryId == storyId && pt.Passage.ProjectId == projectId && pt.Theme!.DeletedAt == null && pt.Theme.MergedIntoId == null)
            .Select(pt => pt.Theme!.Name).Distinct().ToListAsync(ct);
        var redactor = await redaction.ForOutputAsync(projectId, RedactionOutput.PublicSite, ct);
        return new PublicStoryView(summary, await PlayableMediaAsync(projectId, storyId, ct), themes.Order(StringComparer.CurrentCultureIgnoreCase).ToList(),
            cues.Select((c, i) => new PublicCue(i, c.StartSeconds, c.EndSeconds, credits.GetValueOrDefault(c.Speaker, "Speaker"), redactor.Apply(c.Text))).ToList());
    }

    /// <summary>The recording file of a public story, or null (also when <paramref name="mediaId"/> is not the one the page plays).</summary>
    public async Task<PublicFile?> StoryMediaAsync(int projectId, int storyId, int mediaId, CancellationToken ct = default)
    {
        if ((await PublicStoriesAsync(projectId, storyId, ct)).Count == 0) return null;
        return await PlayableMediaAsync(projectId, storyId, ct) is { } m && m.Id == mediaId && File.Exists(m.FilePath)
            ? new PublicFile(m.FilePath, m.ContentType) : null;
    }

    /// <summary>The captions of a public story's player, or null when the story is not public now or its page has no captions track.</summary>
    public async Task<string?> StoryCaptionsAsync(int projectId, int storyId, CancellationToken ct = default) =>
        await StoryAsync(projectId, storyId, ct) is { HasCaptions: true } story ? story.CaptionsVtt() : null;

    /// <summary>The same captions as SRT, with the same checks.</summary>
    public async Task<string?> StoryCaptionsSrtAsync(int projectId, int storyId, CancellationToken ct = default) =>
        await StoryAsync(projectId, storyId, ct) is { HasCaptions: true } story ? story.CaptionsSrt() : null;

    public async Task<PublicPlaylistView?> PlaylistAsync(int projectId, int playlistId, CancellationToken ct = default)
    {
        if (await PublicPlaylistsAsync(projectId, playlistId, ct) is not [var found]) return null;
        var projectName = await db.Projects.Where(p => p.Id == projectId).Select(p => p.Name).SingleAsync(ct);
        return new PublicPlaylistView(found.Summary, projectName, found.Clips);
    }

    public async Task<PublicFile?> ClipFileAsync(int projectId, int playlistId, int clipId, bool captions, CancellationToken ct = default)
    {
        if (await PublicPlaylistsAsync(projectId, playlistId, ct) is not [var found]) return null;
        if (found.Clips.SingleOrDefault(c => c.Id == clipId) is not { } clip) return null;
        if (captions) return clip.CaptionsPath is { } vtt && File.Exists(vtt) ? new PublicFile(vtt, "text/vtt; charset=utf-8") : null;
        return File.Exists(clip.FilePath) ? new PublicFile(clip.FilePath, clip.ContentType) : null;
    }

    /// <summary>A public clip's captions as SRT, converted from the clip's own .vtt (the one the player shows), with the same checks as that file.</summary>
    public async Task<string?> ClipCaptionsSrtAsync(int projectId, int playlistId, int clipId, CancellationToken ct = default) =>
        await ClipFileAsync(projectId, playlistId, clipId, captions: true, ct) is { } vtt ? ClipCaptionsSrt.FromVtt(await File.ReadAllTextAsync(vtt.FilePath, ct)) : null;

    public async Task<PublicFile?> ReportFileAsync(int projectId, int fileId, CancellationToken ct = default)
    {
        if ((await PublicReportFilesAsync(projectId, fileId, ct)).SingleOrDefault() is not { } file || !File.Exists(file.FilePath)) return null;
        var name = string.Concat(file.Title.Select(ch => char.IsLetterOrDigit(ch) || ch is ' ' or '-' ? ch : '_')).Trim();
        return new PublicFile(file.FilePath, PublicFiles.ReportContentType(file.Format), (name.Length == 0 ? "report" : name) + file.Extension);
    }

    /// <summary>The one rule for stories, shared by every public page, file and the static export.</summary>
    private async Task<List<PublicStorySummary>> PublicStoriesAsync(int? projectId, int? storyId, CancellationToken ct)
    {
        var query = db.Stories.AsNoTracking().Where(s => s.PublishedAt != null && !ArchivedProjects.Contains(s.ProjectId));
        if (projectId is { } p) query = query.Where(s => s.ProjectId == p);
        if (storyId is { } s1) query = query.Where(s => s.Id == s1);
        var candidates = await query.OrderBy(s => s.RecordedOn).ThenBy(s => s.Id)
            .Select(s => new { s.Id, s.ProjectId, ProjectName = s.Project!.Name, s.Title, s.Summary, s.RecordedOn }).ToListAsync(ct);
        if (candidates.Count == 0) return [];
        var decisions = await consent.DecideStoriesAsync(candidates.Select(c => c.Id), ConsentUse.PublishStory, ct);
        var allowed = candidates.Where(c => decisions[c.Id].Allowed).ToList();
        var allowedIds = allowed.Select(c => c.Id).ToList();
        var withMedia = await db.MediaFiles.AsNoTracking().Where(m => m.StoryId != null && allowedIds.Contains(m.StoryId.Value))
            .Select(m => new { m.StoryId, m.ProjectId, m.StoredName, m.RenditionStoredName, m.RenditionStatus, m.OriginalIsWebPlayable }).ToListAsync(ct);
        var redactors = new Dictionary<int, Redactor>();
        foreach (var pid in allowed.Select(c => c.ProjectId).Distinct()) redactors[pid] = await redaction.ForOutputAsync(pid, RedactionOutput.PublicSite, ct);
        return allowed.Select(c => new PublicStorySummary(c.ProjectId, c.ProjectName, c.Id, redactors[c.ProjectId].Apply(c.Title), redactors[c.ProjectId].Apply(c.Summary), c.RecordedOn,
            decisions[c.Id].People.Select(x => CreditLine(x.Decision)).ToList(),
            withMedia.Any(m => m.StoryId == c.Id && (m.RenditionStatus == RenditionStatus.Ready || m.OriginalIsWebPlayable)))).ToList();
    }

    private async Task<PublicMedia?> PlayableMediaAsync(int projectId, int storyId, CancellationToken ct)
    {
        foreach (var m in await MediaEndpoints.ForStoryAsync(db, projectId, storyId, ct))
        {
            if (MediaEndpoints.Playable(m, media) is not { } file) continue;
            var extension = Path.GetExtension(file.Path);
            return new PublicMedia(m.Id, m.HasVideo, file.ContentType, extension.Length == 0 ? (m.HasVideo ? ".mp4" : ".m4a") : extension, file.Path);
        }
        return null;
    }

    /// <summary>Speaker label → the words shown for it: each storyteller's public credit, the reporter as "Community reporter".</summary>
    private async Task<Dictionary<string, string>> SpeakerCreditsAsync(int storyId, CancellationToken ct)
    {
        var labels = await db.SpeakerLabels.AsNoTracking().Where(l => l.StoryId == storyId)
            .Select(l => new { l.Label, l.StorytellerId, l.IsReporter }).ToListAsync(ct);
        var people = (await consent.DecideStoriesAsync([storyId], ConsentUse.PublishStory, ct))[storyId].People.ToDictionary(p => p.StorytellerId, p => p.Decision);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in labels)
        {
            result[l.Label] = l.StorytellerId is { } id && people.TryGetValue(id, out var d)
                ? (d.Credit is CreditStyle.Anonymous or null ? "Storyteller" : d.CreditName ?? "Storyteller")
                : l.IsReporter ? "Community reporter" : "Speaker";
        }
        return result;
    }

    private static string CreditLine(ConsentDecision d) => d.Credit is CreditStyle.Anonymous or null ? "Anonymous storyteller" : d.CreditName ?? "Anonymous storyteller";

    private async Task<List<(PublicPlaylistSummary Summary, List<PublicClip> Clips)>> PublicPlaylistsAsync(int? projectId, int? playlistId, CancellationToken ct)
    {
        var query = db.Playlists.AsNoTracking().Where(p => p.PublishedAt != null && !ArchivedProjects.Contains(p.ProjectId));
        if (projectId is { } pid) query = query.Where(p => p.ProjectId == pid);
        if (playlistId is { } id) query = query.Where(p => p.Id == id);
        var playlists = await query.OrderBy(p => p.Title).ThenBy(p => p.Id).Select(p => new { p.Id, p.ProjectId, p.Title, p.Description }).ToListAsync(ct);
        if (playlists.Count == 0) return [];
        var playlistIds = playlists.Select(p => p.Id).ToList();
        var clips = await db.Clips.AsNoTracking()
            .Where(c => playlistIds.Contains(c.PlaylistId) && c.Status == OutputStatus.Ready && c.StoredName != null)
            .OrderBy(c => c.Position).ThenBy(c => c.Id)
            .Select(c => new { c.Id, c.PlaylistId, c.ProjectId, c.StoryId, c.StartSeconds, c.EndSeconds, c.Title, c.Description, c.DurationSeconds, c.StoredName, c.CaptionsStoredName, HasVideo = c.MediaFile!.HasVideo })
            .ToListAsync(ct);
        var verdicts = (await clipConsent.DecideManyAsync(clips.Select(c => new Clips.ClipConsent.Stretch(c.StoryId, c.StartSeconds, c.EndSeconds)).ToList(), ct))
            .Zip(clips).ToDictionary(x => x.Second.Id, x => x.First);
        var result = new List<(PublicPlaylistSummary, List<PublicClip>)>();
        foreach (var p in playlists)
        {
            var visible = clips.Where(c => c.PlaylistId == p.Id && c.ProjectId == p.ProjectId && verdicts[c.Id].Allowed)
                .Select(c =>
                {
                    var ext = Path.GetExtension(c.StoredName!);
                    return new PublicClip(c.Id, c.Title, c.Description, verdicts[c.Id].People, c.DurationSeconds, c.HasVideo,
                        PublicFiles.MediaContentType(ext, c.HasVideo), ext, OutputPath("clips", c.ProjectId, c.StoredName!),
                        c.CaptionsStoredName is { } vtt ? OutputPath("clips", c.ProjectId, vtt) : null);
                }).ToList();
            result.Add((new PublicPlaylistSummary(p.ProjectId, p.Id, p.Title, p.Description, visible.Count), visible));
        }
        return result;
    }

    private async Task<List<PublicReportFile>> PublicReportFilesAsync(int? projectId, int? fileId, CancellationToken ct)
    {
        var query = db.ReportFiles.AsNoTracking().Where(f => f.PublishedAt != null && f.Status == OutputStatus.Ready && f.OutOfDateAt == null && f.SupersededAt == null && f.StoredName != null
                                                             && !ArchivedProjects.Contains(f.ProjectId));
        if (projectId is { } pid) query = query.Where(f => f.ProjectId == pid);
        if (fileId is { } id) query = query.Where(f => f.Id == id);
        var files = await query.OrderBy(f => f.Report!.Title).ThenBy(f => f.Id)
            .Select(f => new { f.Id, f.ProjectId, f.Report!.Title, f.Report.Version, f.Report.Date, f.Report.Kind, f.Format, f.SizeBytes, f.StoredName }).ToListAsync(ct);
        return files.Select(f => new PublicReportFile(f.ProjectId, f.Id, f.Title, f.Version, f.Date, f.Kind, f.Format, f.SizeBytes, OutputPath("outputs", f.ProjectId, f.StoredName!))).ToList();
    }

    /// <summary>A generated file under the data folder (<c>clips/{projectId}/</c> or <c>outputs/{projectId}/</c>), built only from a bare generated name.</summary>
    private string OutputPath(string folder, int projectId, string storedName)
    {
        if (storedName.Length == 0 || storedName != Path.GetFileName(storedName) || storedName.StartsWith('.'))
            throw new InvalidOperationException($"Not a stored file name: {storedName}");
        return Path.Combine(options.DataDir, folder, projectId.ToString(CultureInfo.InvariantCulture), storedName);
    }
}
