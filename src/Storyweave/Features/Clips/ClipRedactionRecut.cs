using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Events;
using Storyweave.Features.Redaction;
using Storyweave.Features.Reports;
using Storyweave.Hosting;

namespace Storyweave.Features.Clips;

/// <summary>
/// After a redaction rule was added, changed or deleted: cuts again every clip whose stored files
/// depend on it. A clip depends on the rules through its stored (and burned-in) captions and, when it
/// silences redacted words, its sound; both come from the transcript cues overlapping the clip, so a
/// clip is cut again when any of those cues reads differently under the clips redactor from before
/// the change and the one after (both from <see cref="RedactionService.ForOutputAsync"/>). Served
/// captions and titles are redacted at request time and need nothing.
/// </summary>
public sealed class ClipRedactionRecut(StoryweaveDb db, ClipStorage storage, BackgroundJobs jobs, TimeProvider clock, ILogger<ClipRedactionRecut> logger)
{
    /// <summary>The event detail of a clip cut again because a redaction rule changed.</summary>
    public const string Detail = "recut; redaction rule changed";

    /// <summary>Queues the affected clips to be cut again; returns how many.</summary>
    public async Task<int> RecutAsync(int projectId, Redactor before, Redactor after, string? actorUserId, CancellationToken ct = default)
    {
        if (before.SameRulesAs(after)) return 0;
        // Ready clips have files made with the old rules; a clip being cut now may have read them.
        // Queued clips read the rules when their turn comes, so they need nothing.
        var clips = await db.Clips.Where(c => c.ProjectId == projectId
            && ((c.Status == OutputStatus.Ready && (c.StoredName != null || c.CaptionsStoredName != null)) || c.Status == OutputStatus.Running)).ToListAsync(ct);
        if (clips.Count == 0) return 0;
        var storyIds = clips.Select(c => c.StoryId).Distinct().ToList();
        var cues = (await db.TranscriptCues.AsNoTracking().Where(c => storyIds.Contains(c.StoryId) && c.StartSeconds != null && c.EndSeconds != null)
            .Select(c => new { c.StoryId, c.StartSeconds, c.EndSeconds, c.Text }).ToListAsync(ct)).ToLookup(c => c.StoryId);
        var recut = new List<Clip>();
        foreach (var clip in clips)
        {
            var affected = cues[clip.StoryId].Any(c => c.EndSeconds > clip.StartSeconds && c.StartSeconds < clip.EndSeconds
                && !string.Equals(before.Apply(c.Text), after.Apply(c.Text), StringComparison.Ordinal));
            if (!affected) continue;
            storage.DeleteFiles(clip);
            (clip.StoredName, clip.CaptionsStoredName, clip.DurationSeconds, clip.CutMethod) = (null, null, null, "");
            // A clip being cut is put back in the queue: the job saves a cut only while the clip is still Running.
            (clip.Status, clip.Progress, clip.Error, clip.CompletedAt) = (OutputStatus.Queued, 0, "", null);
            db.Record(clock, projectId, actorUserId, "clip.updated", "clip", clip.Id, Detail);
            recut.Add(clip);
        }
        if (recut.Count == 0) return 0;
        await db.SaveChangesAsync(ct);
        foreach (var clip in recut) await ClipJob.EnqueueAsync(jobs, clip.Id, CancellationToken.None);
        logger.LogInformation("Queued {Count} clip(s) of project {ProjectId} to be cut again after a redaction rule changed", recut.Count, projectId);
        return recut.Count;
    }
}
