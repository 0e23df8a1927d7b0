using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Hosting;

namespace Storyweave.Features.Reports;

/// <summary>
/// Decides whether generated report files are still allowed by everyone's current consent, by asking
/// <see cref="ConsentPolicy"/> again about each use each file's <see cref="ReportFile.ConsentBasis"/>
/// relied on. A file is out of date when someone quoted or named no longer agrees to quotes (or is
/// embargoed), changed how they are credited, or someone counted no longer agrees to analysis. An
/// out-of-date file is deleted from disk at once (it holds words that may no longer be shown), is
/// never downloadable again, and can be regenerated. Call <see cref="CheckAsync"/> after any consent
/// change; downloads call <see cref="CheckFileAsync"/> too, so a missed hook cannot leak a file.
/// A change to the project's redaction rules makes every file made before it out of date the same way
/// (<see cref="MarkRedactionChangedAsync"/>, called by <c>RedactionService</c>).
/// </summary>
public sealed class ReportStaleness(StoryweaveDb db, ConsentPolicy policy, ReportStorage storage, BackgroundJobs jobs, TimeProvider clock, ILogger<ReportStaleness> logger)
{
    public const string Regenerate = "Regenerate it to make a new version that follows everyone's current consent.";

    public const string RedactionChanged = "This file is out of date because a redaction rule changed after it was made: it may show words the project now hides, "
        + "or hide words it no longer hides. Regenerate it to make a new version with the current rules.";

    /// <summary>
    /// After a redaction rule was added, changed or deleted: every ready file of the project is marked
    /// out of date (deleted from disk, downloads answer 410 with <see cref="RedactionChanged"/>), and a
    /// file being generated right now is started again, because it may have read the old rules.
    /// Returns how many ready files were marked.
    /// </summary>
    public async Task<int> MarkRedactionChangedAsync(int projectId, string? actorUserId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var files = await db.ReportFiles.Where(f => f.ProjectId == projectId && f.OutOfDateAt == null
            && (f.Status == OutputStatus.Ready || f.Status == OutputStatus.Running)).ToListAsync(ct);
        var restarted = new List<int>();
        var marked = 0;
        foreach (var file in files)
        {
            if (file.Status == OutputStatus.Running)
            {
                // The worker only saves a result while the file is still Running, so its old-rules result is dropped.
                (file.Status, file.Progress, file.ProgressText) = (OutputStatus.Queued, 0, "Waiting to start again: a redaction rule changed");
                restarted.Add(file.Id);
                continue;
            }
            MarkOutOfDate(projectId, file, RedactionChanged, now, actorUserId);
            marked++;
        }
        if (files.Count == 0) return 0;
        await db.SaveChangesAsync(ct);
        foreach (var id in restarted) await ReportJob.EnqueueAsync(jobs, id, CancellationToken.None);
        logger.LogInformation("Marked {Count} report file(s) of project {ProjectId} out of date after a redaction rule changed ({Restarted} started again)",
            marked, projectId, restarted.Count);
        return marked;
    }

    private void MarkOutOfDate(int projectId, ReportFile file, string reason, DateTime now, string? actorUserId)
    {
        file.OutOfDateAt = now;
        file.OutOfDateReason = reason.Length <= 1000 ? reason : reason[..997] + "\u2026";
        storage.Delete(file);
        file.StoredName = null;
        db.Record(clock, projectId, actorUserId, "report-file.out-of-date", "report-file", file.Id);
    }

    /// <summary>Checks every ready file of the project; returns how many were marked out of date.</summary>
    public async Task<int> CheckAsync(int projectId, CancellationToken ct = default)
    {
        var files = await db.ReportFiles.Where(f => f.ProjectId == projectId && f.Status == OutputStatus.Ready && f.OutOfDateAt == null).ToListAsync(ct);
        return await MarkAsync(projectId, files, ct);
    }

    /// <summary>Checks one file (at download time); returns the reason it is out of date, or null when it may be downloaded.</summary>
    public async Task<string?> CheckFileAsync(ReportFile file, CancellationToken ct = default)
    {
        if (file.OutOfDateAt is not null) return file.OutOfDateReason;
        var tracked = await db.ReportFiles.SingleAsync(f => f.Id == file.Id, ct);
        await MarkAsync(file.ProjectId, [tracked], ct);
        return tracked.OutOfDateAt is null ? null : tracked.OutOfDateReason;
    }

    private async Task<int> MarkAsync(int projectId, List<ReportFile> files, CancellationToken ct)
    {
        if (files.Count == 0) return 0;
        var bases = files.ToDictionary(f => f.Id, f => Parse(f.ConsentBasis));
        var ids = bases.Values.SelectMany(b => b).Select(e => e.StorytellerId).Distinct().ToList();
        var quotes = await policy.DecideManyAsync(ids, ConsentUse.Quotes, ct);
        var analysis = await policy.DecideManyAsync(ids, ConsentUse.Analysis, ct);
        var people = await db.Storytellers.AsNoTracking().Where(s => ids.Contains(s.Id)).Select(s => new { s.Id, s.Name, s.WithdrawnAt }).ToListAsync(ct);
        var names = people.ToDictionary(s => s.Id, s => s.Name);
        var withdrawn = people.Where(s => s.WithdrawnAt != null).Select(s => s.Id).ToHashSet();
        var now = clock.GetUtcNow().UtcDateTime;
        var marked = 0;
        foreach (var file in files)
        {
            var reasons = new List<string>();
            foreach (var entry in bases[file.Id])
            {
                var who = names.GetValueOrDefault(entry.StorytellerId) is { Length: > 0 } n ? n : "A storyteller";
                if (withdrawn.Contains(entry.StorytellerId) || !names.ContainsKey(entry.StorytellerId))
                    reasons.Add($"{who} has withdrawn from the project");
                else if (entry.Uses.Contains(nameof(ConsentUse.Analysis)) && !analysis[entry.StorytellerId].Allowed)
                    reasons.Add($"{who} is counted in it but no longer agrees to their story being used ({analysis[entry.StorytellerId].Reason})");
                else if (entry.Uses.Contains(nameof(ConsentUse.Quotes)) && quotes[entry.StorytellerId] is var q)
                {
                    if (!q.Allowed) reasons.Add($"{who} is quoted or named in it, and their quotes may no longer be used ({q.Reason.TrimEnd('.')})");
                    else if (entry.CreditShown is not null && q.CreditName != entry.CreditShown)
                        reasons.Add($"{who} changed how they want to be credited in reports (now: {q.Credit?.Label().ToLowerInvariant()})");
                }
            }
            if (reasons.Count == 0) continue;
            MarkOutOfDate(projectId, file, $"This file is out of date because consent changed: {string.Join("; ", reasons)}. {Regenerate}", now, null);
            marked++;
        }
        if (marked > 0)
        {
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Marked {Count} report file(s) of project {ProjectId} out of date after a consent change", marked, projectId);
        }
        return marked;
    }

    public static List<ConsentBasisEntry> Parse(string json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<List<ConsentBasisEntry>>(json) ?? [];
}
