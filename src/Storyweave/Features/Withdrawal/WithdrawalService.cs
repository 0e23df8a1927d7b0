using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Audit;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Media;
using Storyweave.Features.Search;
using Storyweave.Features.Stories;
using Storyweave.Hosting;

namespace Storyweave.Features.Withdrawal;

/// <summary>Who carried out a withdrawal: the storyteller on their own page, or a lead on their behalf.</summary>
public sealed record WithdrawalActor(string? UserId, string Actor)
{
    public bool OnBehalf => UserId is not null;

    /// <summary>A lead acting for the storyteller (recorded as "on behalf").</summary>
    public static WithdrawalActor Lead(string userId) => new(userId, "");

    /// <summary>The storyteller themself, through their personal link (by id only, e.g. "storyteller-link:12").</summary>
    public static WithdrawalActor Storyteller(string linkActor) => new(null, linkActor);
}

/// <summary>
/// The one place that carries out a withdrawal.
/// <list type="bullet">
/// <item><b>From use</b>: a new consent record (through <see cref="ConsentService"/>) without the uses withdrawn.
/// Every output asks <see cref="ConsentPolicy"/>/<see cref="AnalysisScope"/> on each request, so the story
/// leaves analysis, coding, search, boards and exports at once.</item>
/// <item><b>Entirely</b>: in one transaction, deletes the person's media, transcripts (the whole story when
/// they told it alone; only their turns in a group story), answers, facets, consent records, links and
/// requests, wipes their details and marks them withdrawn. After commit: the job scratch space of their
/// stories is erased (<see cref="JobScratch.EraseForWithdrawal"/>), files are overwritten and deleted, a group
/// recording has their turns silenced sample-exactly and checked (<see cref="AudioSilencer"/>; its web rendition
/// is made again from the silenced original), and the database is compacted so deleted text does not survive
/// in free pages (SQLite) or dead rows (PostgreSQL).</item>
/// </list>
/// The event log keeps ids and the fact of the withdrawal, never content.
/// </summary>
public sealed class WithdrawalService(
    StoryweaveDb db, TimeProvider clock, ConsentService consentService, ConsentPolicy policy, SearchIndex search,
    MediaStorage media, JobScratch scratch, BackgroundJobs jobs, TeamTextReview teamText, StoryweaveOptions options, ILogger<WithdrawalService> logger)
{
    public const string WithdrawnName = "Withdrawn storyteller";

    /// <summary>What a full withdrawal will delete, named for the confirmation the lead sees.</summary>
    public sealed record Impact(string Name, int SoloStories, int GroupStories, int Recordings, int GroupRecordings, int Turns,
        int Passages, int KeyQuotes, int Answers, int Facets, int ConsentRecords, int Links, int Requests, int Clips, int ReportFiles);

    /// <summary>What a full withdrawal did, for the page and the API.</summary>
    public sealed record Outcome(int StorytellerId, int StoriesDeleted, int TurnsRemoved, int RecordingsDeleted, int RecordingsSilenced,
        int PassagesDeleted, int KeyQuotesDeleted, int FilesErased, int ReportFilesOutOfDate, int UndoRecordsScrubbed,
        IReadOnlyList<string> Notes, CompactionResult Compaction)
    {
        /// <summary>How many pieces of team writing naming them wait on "Team notes to review" (decision 0008).</summary>
        public int TeamWritingHeld { get; init; }

        /// <summary>
        /// Rows the withdrawal's own steps had left and the closing sweep deleted, by table (<see cref="PersonalDataSweep"/>).
        /// Empty when every step did its work; anything here is logged as a warning to look into.
        /// </summary>
        public IReadOnlyDictionary<string, int> Swept { get; init; } = new Dictionary<string, int>();
    }

    /// <summary>How the database was cleaned after the delete, with the time it took.</summary>
    public sealed record CompactionResult(string Provider, long Milliseconds, IReadOnlyDictionary<string, long> DeadRowsAfter);

    // ---- Withdraw from use ----------------------------------------------------------------------

    public async Task<Result<ConsentRecord>> WithdrawFromUseAsync(int projectId, int storytellerId, IReadOnlyCollection<ConsentUse> uses,
        WithdrawalActor actor, string? howTold, CancellationToken ct = default)
    {
        var person = await db.Storytellers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct);
        if (person is null) return Result.Fail<ConsentRecord>(["That storyteller is not part of this project."]);
        if (person.WithdrawnAt is not null) return Result.Fail<ConsentRecord>(["This storyteller has already withdrawn entirely: nothing of theirs is used."]);
        if (uses.Count == 0) return Result.Fail<ConsentRecord>(["Choose at least one use to withdraw from."]);
        if (actor.OnBehalf && string.IsNullOrWhiteSpace(howTold))
            return Result.Fail<ConsentRecord>(["Say how the storyteller told you they want to withdraw (for example \u201cphone call on 3 May\u201d or \u201cemail\u201d)."]);
        if ((howTold?.Length ?? 0) > 500) return Result.Fail<ConsentRecord>(["How they told you can be at most 500 characters."]);
        var current = (await policy.CurrentAsync([storytellerId], ct)).GetValueOrDefault(storytellerId);
        if (current is null) return Result.Fail<ConsentRecord>(["No consent has been recorded for this storyteller, so nothing of theirs is in use."]);

        bool Keep(ConsentUse use) => current.Allows(use) && !uses.Contains(use);
        var input = new ConsentService.ConsentInput(Keep(ConsentUse.Recording), Keep(ConsentUse.Analysis), Keep(ConsentUse.Quotes), Keep(ConsentUse.Clips),
            Keep(ConsentUse.PublishStory), current.CreditInReports, current.CreditInClips, current.CreditOnPublicSite, current.Pseudonym, current.EmbargoUntil,
            actor.OnBehalf ? ConsentMethod.PaperForm : ConsentMethod.OnlineForm, null, null, actor.OnBehalf ? howTold!.Trim() : null, null,
            actor.OnBehalf ? "Withdrawn on the storyteller's behalf by a lead." : "Withdrawn by the storyteller on their own page.");
        var usesText = string.Join(",", uses.Distinct().Order().Select(u => u.ToString()));
        var recorded = await consentService.RecordAsync(projectId, storytellerId, input, actor.UserId, $"withdrawal {Who(actor)}", ct);
        if (!recorded.Succeeded) return recorded;
        db.Record(clock, projectId, actor.UserId, "storyteller.withdrew-from-use", "storyteller", storytellerId, $"{Who(actor)} uses:{usesText}");
        LogAccess(projectId, actor, "withdrew-from-use", storytellerId);
        await db.SaveChangesAsync(ct);
        return recorded;
    }

    private static string Who(WithdrawalActor actor) => actor.OnBehalf ? "on-behalf" : "self";

    private void LogAccess(int projectId, WithdrawalActor actor, string action, int storytellerId) =>
        db.AccessLog.Add(new AccessLogEntry
        {
            ProjectId = projectId,
            At = clock.GetUtcNow().UtcDateTime,
            UserId = actor.UserId,
            Actor = actor.OnBehalf ? "" : actor.Actor,
            Action = action,
            TargetType = "storyteller",
            TargetId = storytellerId.ToString(CultureInfo.InvariantCulture),
        });

    // ---- Withdraw entirely ----------------------------------------------------------------------

    public async Task<Impact?> ImpactAsync(int projectId, int storytellerId, CancellationToken ct = default)
    {
        var person = await db.Storytellers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct);
        if (person is null) return null;
        var plan = await PlanAsync(storytellerId, ct);
        var allStories = plan.SoloStoryIds.Concat(plan.GroupStoryIds).ToList();
        var recordings = await db.MediaFiles.CountAsync(m => m.StoryId != null && plan.SoloStoryIds.Contains(m.StoryId.Value), ct);
        var groupRecordings = await db.MediaFiles.CountAsync(m => m.StoryId != null && plan.GroupStoryIds.Contains(m.StoryId.Value), ct);
        var turns = await db.TranscriptCues.CountAsync(c => plan.SoloStoryIds.Contains(c.StoryId), ct) + plan.GroupCueCount;
        var passages = await db.Passages.CountAsync(p => plan.SoloStoryIds.Contains(p.StoryId), ct) + plan.GroupPassageIds.Count;
        var quotes = await db.KeyQuotes.CountAsync(q => plan.SoloStoryIds.Contains(q.StoryId), ct) + plan.GroupKeyQuoteIds.Count;
        var clips = await db.Clips.CountAsync(c => allStories.Contains(c.StoryId), ct);
        var reportFiles = (await ReportFilesIncludingAsync(projectId, storytellerId, ct)).Count;
        return new Impact(person.Name, plan.SoloStoryIds.Count, plan.GroupStoryIds.Count, recordings, groupRecordings, turns, passages, quotes,
            await db.StorytellerAnswers.CountAsync(a => a.StorytellerId == storytellerId, ct),
            await db.StorytellerFacets.CountAsync(f => f.StorytellerId == storytellerId, ct),
            await db.ConsentRecords.CountAsync(c => c.StorytellerId == storytellerId, ct),
            await db.StorytellerLinks.CountAsync(l => l.StorytellerId == storytellerId, ct),
            await db.CorrectionRequests.CountAsync(r => r.StorytellerId == storytellerId, ct),
            clips, reportFiles);
    }

    private sealed record Plan(List<int> SoloStoryIds, List<int> GroupStoryIds, int GroupCueCount, List<int> GroupPassageIds, List<int> GroupKeyQuoteIds);

    private async Task<Plan> PlanAsync(int storytellerId, CancellationToken ct)
    {
        var storyIds = await db.StoryStorytellers.Where(x => x.StorytellerId == storytellerId).Select(x => x.StoryId).ToListAsync(ct);
        var counts = await db.StoryStorytellers.Where(x => storyIds.Contains(x.StoryId)).GroupBy(x => x.StoryId)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var solo = counts.Where(c => c.Count == 1).Select(c => c.Key).ToList();
        var group = counts.Where(c => c.Count > 1).Select(c => c.Key).ToList();
        var cueCount = 0;
        var passageIds = new List<int>();
        var quoteIds = new List<int>();
        foreach (var storyId in group)
        {
            var turns = await GroupTurnsAsync(storyId, storytellerId, ct);
            cueCount += turns.Removed.Count;
            passageIds.AddRange((await db.Passages.Where(p => p.StoryId == storyId).Select(p => new { p.Id, p.StartOffset, p.EndOffset }).ToListAsync(ct))
                .Where(p => turns.Overlaps(p.StartOffset, p.EndOffset)).Select(p => p.Id));
            quoteIds.AddRange((await db.KeyQuotes.Where(q => q.StoryId == storyId).Select(q => new { q.Id, q.StartOffset, q.EndOffset }).ToListAsync(ct))
                .Where(q => turns.Overlaps(q.StartOffset, q.EndOffset)).Select(q => q.Id));
        }
        return new Plan(solo, group, cueCount, passageIds, quoteIds);
    }

    /// <summary>A group story's cues with their plain-text ranges (cues joined by "\n"), and which of them are the person's.</summary>
    private sealed record GroupTurns(List<TranscriptCue> All, List<TranscriptCue> Removed, List<(int Start, int End)> RemovedRanges, List<string> Labels)
    {
        public bool Overlaps(int start, int end) => RemovedRanges.Any(r => start < r.End && end > r.Start);

        /// <summary>Where an offset outside the removed turns lands once they are gone.</summary>
        public int Shift(int offset) => offset - RemovedRanges.Where(r => r.End <= offset).Sum(r => r.End - r.Start);
    }

    private async Task<GroupTurns> GroupTurnsAsync(int storyId, int storytellerId, CancellationToken ct)
    {
        var labels = await db.SpeakerLabels.Where(l => l.StoryId == storyId && l.StorytellerId == storytellerId).Select(l => l.Label).ToListAsync(ct);
        var cues = await db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync(ct);
        var removed = new List<TranscriptCue>();
        var ranges = new List<(int, int)>();
        var offset = 0;
        foreach (var c in cues)
        {
            if (labels.Contains(c.Speaker))
            {
                removed.Add(c);
                ranges.Add((offset, offset + c.Text.Length + 1)); // the turn and its "\n"
            }
            offset += c.Text.Length + 1;
        }
        return new GroupTurns(cues, removed, ranges, labels);
    }

    public async Task<Result<Outcome>> WithdrawEntirelyAsync(int projectId, int storytellerId, WithdrawalActor actor, CancellationToken ct = default)
    {
        var person = await db.Storytellers.SingleOrDefaultAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct);
        if (person is null) return Result.Fail<Outcome>(["That storyteller is not part of this project."]);
        if (person.WithdrawnAt is not null) return Result.Fail<Outcome>(["This storyteller has already withdrawn entirely."]);

        var notes = new List<string>();
        var heldTeamWriting = 0;
        var filesToErase = new List<string>();
        var silence = new List<(MediaFile Media, List<(double Start, double End)> Spans)>();
        var groupStoriesTouched = new List<int>();
        int storiesDeleted, turnsRemoved = 0, recordingsDeleted = 0, passagesDeleted = 0, quotesDeleted = 0;
        List<int> deletedPassageIds = [];
        List<int> deletedStoryIds;
        List<int> theirStoryIds;

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var plan = await PlanAsync(storytellerId, ct);
            deletedStoryIds = plan.SoloStoryIds;
            theirStoryIds = [.. plan.SoloStoryIds, .. plan.GroupStoryIds];

            // 1. Stories they told alone go whole: recordings, clips, passages, quotes, memos, search entries, the story.
            var soloMedia = await db.MediaFiles.Where(m => m.StoryId != null && plan.SoloStoryIds.Contains(m.StoryId.Value)).ToListAsync(ct);
            filesToErase.AddRange(soloMedia.SelectMany(MediaPaths));
            recordingsDeleted += soloMedia.Count;
            var soloPassageIds = await db.Passages.Where(p => plan.SoloStoryIds.Contains(p.StoryId)).Select(p => p.Id).ToListAsync(ct);
            var soloQuoteIds = await db.KeyQuotes.Where(q => plan.SoloStoryIds.Contains(q.StoryId)).Select(q => q.Id).ToListAsync(ct);
            deletedPassageIds.AddRange(soloPassageIds);
            passagesDeleted += soloPassageIds.Count;
            quotesDeleted += soloQuoteIds.Count;
            filesToErase.AddRange(await ClipFilesAsync(db.Clips.Where(c => plan.SoloStoryIds.Contains(c.StoryId)), ct));
            await db.Clips.Where(c => plan.SoloStoryIds.Contains(c.StoryId)).ExecuteDeleteAsync(ct);
            // Automatic drafts of any story they are in (a kept-aside draft holds their words, and a group story's
            // draft cannot be split by speaker): deleted with their lines.
            await db.DraftJobs.Where(j => plan.SoloStoryIds.Contains(j.StoryId) || plan.GroupStoryIds.Contains(j.StoryId)).ExecuteDeleteAsync(ct);
            await DeleteSpansAsync(projectId, soloPassageIds, soloQuoteIds, ct);
            await db.Memos.Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Story && plan.SoloStoryIds.Contains(m.TargetId)).ExecuteDeleteAsync(ct);
            await db.SearchEntries.Where(e => e.StoryId != null && plan.SoloStoryIds.Contains(e.StoryId.Value)).ExecuteDeleteAsync(ct);
            await db.MediaFiles.Where(m => m.StoryId != null && plan.SoloStoryIds.Contains(m.StoryId.Value)).ExecuteDeleteAsync(ct);
            turnsRemoved += await db.TranscriptCues.Where(c => plan.SoloStoryIds.Contains(c.StoryId)).ExecuteDeleteAsync(ct);
            await db.SpeakerLabels.Where(l => plan.SoloStoryIds.Contains(l.StoryId)).ExecuteDeleteAsync(ct);
            await db.StoryStorytellers.Where(x => plan.SoloStoryIds.Contains(x.StoryId)).ExecuteDeleteAsync(ct);
            var sessionIds = await db.Stories.Where(s => plan.SoloStoryIds.Contains(s.Id) && s.SessionId != null).Select(s => s.SessionId!.Value).ToListAsync(ct);
            storiesDeleted = await db.Stories.Where(s => plan.SoloStoryIds.Contains(s.Id)).ExecuteDeleteAsync(ct); // review sheets cascade
            await db.Sessions.Where(s => sessionIds.Contains(s.Id)).ExecuteDeleteAsync(ct); // the reporter's notes on that conversation

            // 1b. Team-written text anywhere in the project that names them (memos, review sheets, sticky
            // notes, codebook themes) is held for review: out of search and off the board (their search
            // entries go now; SearchIndex skips held items when a story is indexed again, so step 2 cannot
            // bring them back) until a lead looks at it. Checked before step 3 wipes the name. Decision 0008.
            var pseudonym = (await policy.CurrentAsync([storytellerId], ct)).GetValueOrDefault(storytellerId)?.Pseudonym;
            var held = await teamText.HoldNamingAsync(projectId, TeamTextReview.NamesOf(person.Name, pseudonym), ct);
            heldTeamWriting = held.Total;
            if (held.Total > 0)
                notes.Add($"Team writing names them: {held.Describe()}. It is hidden from search and the workshop board until a lead reviews it on the “Team notes to review” page (/projects/{projectId}/team-notes).");

            // 2. Group stories: only their turns go; passages and quotes overlapping them go; the rest is re-anchored.
            foreach (var storyId in plan.GroupStoryIds)
            {
                var turns = await GroupTurnsAsync(storyId, storytellerId, ct);
                var passages = await db.Passages.Where(p => p.StoryId == storyId).ToListAsync(ct);
                var quotes = await db.KeyQuotes.Where(q => q.StoryId == storyId).ToListAsync(ct);
                var goingPassages = passages.Where(p => turns.Overlaps(p.StartOffset, p.EndOffset)).Select(p => p.Id).ToList();
                var goingQuotes = quotes.Where(q => turns.Overlaps(q.StartOffset, q.EndOffset)).Select(q => q.Id).ToList();
                var spans = Merge(turns.Removed.Where(c => c.StartSeconds is not null && c.EndSeconds is not null)
                    .Select(c => (c.StartSeconds!.Value, c.EndSeconds!.Value)).ToList());
                var untimed = turns.Removed.Any(c => c.StartSeconds is null || c.EndSeconds is null);

                // Clips that hold their voice (from their passages/quotes, or overlapping their turns' times) go.
                var clipQuery = db.Clips.Where(c => c.StoryId == storyId && ((c.PassageId != null && goingPassages.Contains(c.PassageId.Value))
                    || (c.KeyQuoteId != null && goingQuotes.Contains(c.KeyQuoteId.Value))));
                var clipIds = await clipQuery.Select(c => c.Id).ToListAsync(ct);
                foreach (var clip in await db.Clips.AsNoTracking().Where(c => c.StoryId == storyId).ToListAsync(ct))
                    if ((untimed && turns.Removed.Count > 0) || spans.Any(s => clip.StartSeconds < s.End && clip.EndSeconds > s.Start)) clipIds.Add(clip.Id);
                filesToErase.AddRange(await ClipFilesAsync(db.Clips.Where(c => clipIds.Contains(c.Id)), ct));
                await db.Clips.Where(c => clipIds.Contains(c.Id)).ExecuteDeleteAsync(ct);

                await DeleteSpansAsync(projectId, goingPassages, goingQuotes, ct);
                deletedPassageIds.AddRange(goingPassages);
                passagesDeleted += goingPassages.Count;
                quotesDeleted += goingQuotes.Count;
                foreach (var p in passages.Where(p => !goingPassages.Contains(p.Id)))
                    (p.StartOffset, p.EndOffset) = (turns.Shift(p.StartOffset), turns.Shift(p.EndOffset));
                foreach (var q in quotes.Where(q => !goingQuotes.Contains(q.Id)))
                    (q.StartOffset, q.EndOffset) = (turns.Shift(q.StartOffset), turns.Shift(q.EndOffset));

                db.TranscriptCues.RemoveRange(turns.Removed);
                var position = 0;
                foreach (var c in turns.All.Except(turns.Removed)) c.Position = position++;
                turnsRemoved += turns.Removed.Count;
                await db.SpeakerLabels.Where(l => l.StoryId == storyId && l.StorytellerId == storytellerId).ExecuteDeleteAsync(ct);
                await db.StoryStorytellers.Where(x => x.StoryId == storyId && x.StorytellerId == storytellerId).ExecuteDeleteAsync(ct);
                var story = await db.Stories.SingleAsync(s => s.Id == storyId, ct);
                story.TranscriptVersion++; // an editor open on the old text gets a conflict instead of writing their turns back
                story.TranscriptUpdatedAt = clock.GetUtcNow().UtcDateTime;

                // Their voice in the group recording: silenced at their turns' times, or the recording deleted when we cannot tell where they speak.
                var groupMedia = await db.MediaFiles.Where(m => m.StoryId == storyId).ToListAsync(ct);
                foreach (var m in groupMedia)
                {
                    if (turns.Removed.Count == 0) continue;
                    if (untimed)
                    {
                        filesToErase.AddRange(MediaPaths(m));
                        db.MediaFiles.Remove(m);
                        recordingsDeleted++;
                        notes.Add($"A group recording (recording {m.Id}) was deleted: some of their turns have no times in the transcript, so their voice could not be silenced reliably.");
                    }
                    else
                    {
                        silence.Add((m, spans));
                    }
                }
                await db.SaveChangesAsync(ct);
                await search.ReindexStoryAsync(projectId, storyId, ct);
                groupStoriesTouched.Add(storyId);
            }

            // 3. The person: answers, facets, consent history (the one purge path), links, requests; details wiped.
            await db.StorytellerAnswers.Where(a => a.StorytellerId == storytellerId).ExecuteDeleteAsync(ct);
            await db.StorytellerFacets.Where(f => f.StorytellerId == storytellerId).ExecuteDeleteAsync(ct);
            await db.StorytellerLinks.Where(l => l.StorytellerId == storytellerId).ExecuteDeleteAsync(ct);
            await db.CorrectionRequests.Where(r => r.StorytellerId == storytellerId).ExecuteDeleteAsync(ct);
            // Their key goes in this transaction: every earlier backup's seal of their content cannot be opened any more (decision 0009).
            await db.StorytellerKeys.Where(k => k.StorytellerId == storytellerId).ExecuteDeleteAsync(ct);
            Anonymise(person);
            person.WithdrawnAt = clock.GetUtcNow().UtcDateTime;

            // 4. Anything generated from their words: report files (made out of date, files erased), undo records.
            var reportFiles = await ReportFilesIncludingAsync(projectId, storytellerId, ct);
            foreach (var f in reportFiles)
            {
                if (f.StoredName is { } name) filesToErase.Add(OutputPath(projectId, name));
                f.StoredName = null;
                f.OutOfDateAt ??= clock.GetUtcNow().UtcDateTime;
                f.OutOfDateReason = "A storyteller whose words or details it held has withdrawn. Regenerate it to make a new version without them.";
                f.ConsentBasis = WithoutStoryteller(f.ConsentBasis, storytellerId);
            }
            var scrubbed = await ScrubUndoRecordsAsync(projectId, deletedPassageIds, deletedStoryIds, ct);
            if (scrubbed > 0)
                notes.Add($"{scrubbed} codebook change(s) pointed at their passages. Undo still works for these changes, but it can no longer put back links to the deleted passages.");

            db.Record(clock, projectId, actor.UserId, "storyteller.withdrawn", "storyteller", storytellerId,
                $"{Who(actor)} stories:{storiesDeleted} group:{groupStoriesTouched.Count} recordings:{recordingsDeleted}");
            LogAccess(projectId, actor, "withdrew-entirely", storytellerId);
            await db.SaveChangesAsync(ct);
            using (db.AllowConsentPurge(storytellerId))
            {
                db.ConsentRecords.RemoveRange(await db.ConsentRecords.Where(c => c.StorytellerId == storytellerId).ToListAsync(ct));
                await db.SaveChangesAsync(ct);
            }
            // 5. The guarantee behind the steps above: every table that declares its rows about the person go
            //    ([PersonalData]) is swept, so a table added later is withdrawn without being listed here.
            var swept = await PersonalDataSweep.SweepAsync(db, storytellerId, plan.SoloStoryIds, ct);
            if (swept.Count > 0)
                logger.LogWarning("Withdrawal of storyteller {StorytellerId}: the closing sweep deleted rows the earlier steps had left: {Tables}",
                    storytellerId, string.Join(", ", swept.Select(t => $"{t.Key} {t.Value}")));
            await tx.CommitAsync(ct);
            var outcomeReports = reportFiles.Count;

            // After commit: files. A failure here is logged and named; the database no longer points at them.
            // First the scratch space of jobs working on their stories (a clip being cut, an upload, a report
            // being written): those jobs fail and can be run again without them.
            var scratchErased = scratch.EraseForWithdrawal(projectId, storytellerId, theirStoryIds);
            if (scratchErased > 0) logger.LogInformation("Withdrawal of storyteller {StorytellerId}: erased {Count} job scratch file(s)", storytellerId, scratchErased);
            var silenced = 0;
            foreach (var (m, spans) in silence)
            {
                if (await SilenceAsync(m, spans, filesToErase, ct)) silenced++;
                else notes.Add($"Their turns in a group recording (recording {m.Id}) could not be silenced, so that recording was deleted.");
            }
            var erased = 0;
            foreach (var path in filesToErase.Distinct())
                if (Erase(path)) erased++;

            var compaction = await CompactAsync(ct);
            logger.LogInformation("Storyteller {StorytellerId} withdrew entirely: {Stories} stories, {Turns} turns, {Files} files, compaction {Ms} ms",
                storytellerId, storiesDeleted, turnsRemoved, erased, compaction.Milliseconds);
            return Result.Ok(new Outcome(storytellerId, storiesDeleted, turnsRemoved, recordingsDeleted, silenced, passagesDeleted, quotesDeleted,
                erased, outcomeReports, scrubbed, notes, compaction)
            { TeamWritingHeld = heldTeamWriting, Swept = swept });
        }
    }

    /// <summary>Wipes what identifies a storyteller, leaving the husk a full withdrawal keeps (also what a backup restores for someone withdrawn since).</summary>
    public static void Anonymise(Storytellers.Storyteller person)
    {
        (person.Name, person.Email, person.NormalizedEmail, person.Phone) = (WithdrawnName, null, null, null);
        (person.SelfDescription, person.ContactNotes, person.AccessNeeds, person.CopyNote) = ("", "", "", "");
    }

    /// <summary>Deletes passages and key quotes with what hangs on them: memos on the passages, report quotes (cascade), theme links (cascade).</summary>
    private async Task DeleteSpansAsync(int projectId, List<int> passageIds, List<int> quoteIds, CancellationToken ct)
    {
        if (passageIds.Count > 0)
        {
            await db.Memos.Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Passage && passageIds.Contains(m.TargetId)).ExecuteDeleteAsync(ct);
            await db.ReportQuotes.Where(q => q.PassageId != null && passageIds.Contains(q.PassageId.Value)).ExecuteDeleteAsync(ct);
            await db.PassageThemes.Where(x => passageIds.Contains(x.PassageId)).ExecuteDeleteAsync(ct);
            await db.Passages.Where(p => passageIds.Contains(p.Id)).ExecuteDeleteAsync(ct);
        }
        if (quoteIds.Count > 0)
        {
            await db.ReportQuotes.Where(q => q.KeyQuoteId != null && quoteIds.Contains(q.KeyQuoteId.Value)).ExecuteDeleteAsync(ct);
            await db.KeyQuotes.Where(q => quoteIds.Contains(q.Id)).ExecuteDeleteAsync(ct);
        }
        // Workshop cards keep only ids: a card whose passage or quote is gone shows as "withdrawn" on the board.
    }

    private IEnumerable<string> MediaPaths(MediaFile m)
    {
        yield return media.OriginalPath(m);
        if (media.RenditionPath(m) is { } r) yield return r;
    }

    private async Task<List<string>> ClipFilesAsync(IQueryable<Clips.Clip> clips, CancellationToken ct)
    {
        var rows = await clips.Select(c => new { c.ProjectId, c.StoredName, c.CaptionsStoredName }).ToListAsync(ct);
        return rows.SelectMany(c => new[] { c.StoredName, c.CaptionsStoredName }.OfType<string>().Select(n => GeneratedPath("clips", c.ProjectId, n))).ToList();
    }

    private string OutputPath(int projectId, string storedName) => GeneratedPath("outputs", projectId, storedName);

    private string GeneratedPath(string folder, int projectId, string storedName)
    {
        if (storedName.Length == 0 || storedName != Path.GetFileName(storedName) || storedName.StartsWith('.'))
            throw new InvalidOperationException("A stored file name must be a plain generated name.");
        return Path.Combine(options.DataDir, folder, projectId.ToString(CultureInfo.InvariantCulture), storedName);
    }

    private async Task<List<Reports.ReportFile>> ReportFilesIncludingAsync(int projectId, int storytellerId, CancellationToken ct)
    {
        var files = await db.ReportFiles.Where(f => f.ProjectId == projectId).ToListAsync(ct);
        return files.Where(f => BasisStorytellers(f.ConsentBasis).Contains(storytellerId)).ToList();
    }

    /// <summary>The storyteller ids a report file's consent basis names (a JSON array of objects with "storytellerId").</summary>
    internal static HashSet<int> BasisStorytellers(string json)
    {
        var ids = new HashSet<int>();
        try
        {
            if (JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json) is JsonArray array)
                foreach (var entry in array.OfType<JsonObject>())
                    if (entry.FirstOrDefault(p => string.Equals(p.Key, "storytellerId", StringComparison.OrdinalIgnoreCase)).Value is JsonValue v && v.TryGetValue<int>(out var id))
                        ids.Add(id);
        }
        catch (JsonException)
        {
        }
        return ids;
    }

    private static string WithoutStoryteller(string json, int storytellerId)
    {
        try
        {
            if (JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json) is not JsonArray array) return "[]";
            var keep = array.OfType<JsonObject>().Where(e => !BasisStorytellers(new JsonArray(e.DeepClone()).ToJsonString()).Contains(storytellerId))
                .Select(e => (JsonNode)e.DeepClone()).ToArray();
            return new JsonArray(keep).ToJsonString();
        }
        catch (JsonException)
        {
            return "[]";
        }
    }

    /// <summary>
    /// Codebook undo records hold ids only (never story text, see <see cref="CodebookService.UndoData"/>). Links to
    /// deleted passages and review sheets are taken out, so an undo never tries to restore them.
    /// </summary>
    private async Task<int> ScrubUndoRecordsAsync(int projectId, List<int> passageIds, List<int> storyIds, CancellationToken ct)
    {
        if (passageIds.Count == 0 && storyIds.Count == 0) return 0;
        var scrubbed = 0;
        foreach (var change in await db.CodebookChanges.Where(c => c.ProjectId == projectId).ToListAsync(ct))
        {
            var data = CodebookService.Read(change);
            bool Gone(CodebookService.PassageLink l) => passageIds.Contains(l.PassageId);
            bool SheetGone(CodebookService.SheetLink l) => storyIds.Contains(l.StoryId);
            var touches = data.PassagesRemoved.Any(Gone) || data.PassagesAdded.Any(Gone) || data.SheetsRemoved.Any(SheetGone) || data.SheetsAdded.Any(SheetGone)
                || (data.PassagesCreated?.Any(passageIds.Contains) ?? false);
            if (!touches) continue;
            var clean = data with
            {
                PassagesRemoved = data.PassagesRemoved.Where(l => !Gone(l)).ToList(),
                PassagesAdded = data.PassagesAdded.Where(l => !Gone(l)).ToList(),
                SheetsRemoved = data.SheetsRemoved.Where(l => !SheetGone(l)).ToList(),
                SheetsAdded = data.SheetsAdded.Where(l => !SheetGone(l)).ToList(),
                PassagesCreated = data.PassagesCreated?.Where(id => !passageIds.Contains(id)).ToList(),
            };
            change.UndoJson = JsonSerializer.Serialize(clean);
            scrubbed++;
        }
        return scrubbed;
    }

    private static List<(double Start, double End)> Merge(List<(double Start, double End)> spans)
    {
        var merged = new List<(double Start, double End)>();
        foreach (var s in spans.OrderBy(s => s.Start))
        {
            if (merged.Count > 0 && s.Start <= merged[^1].End + 0.05) merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, s.End));
            else merged.Add(s);
        }
        return merged;
    }

    /// <summary>
    /// Silences the spans in a group recording's original (<see cref="AudioSilencer"/>: sample-exact, with margins,
    /// checked sample by sample), and swaps the silenced file in for the old one, which is overwritten. Metadata
    /// tags are dropped: they may name people. The old web rendition is erased and a new one queued, made from the
    /// silenced original; a rendition or clip being made from the old original meanwhile is not kept (it checks the
    /// original's SHA-256 under <see cref="MediaStorage.FileSwapLock"/>). On failure the recording is deleted
    /// instead, so their voice never stays.
    /// </summary>
    private async Task<bool> SilenceAsync(MediaFile m, List<(double Start, double End)> spans, List<string> filesToErase, CancellationToken ct)
    {
        var original = media.OriginalPath(m);
        using var work = scratch.ForStory(m.ProjectId, m.StoryId!.Value, "silence");
        var temp = work.File("silenced" + Path.GetExtension(original));
        var outcome = File.Exists(original)
            ? await AudioSilencer.SilenceFileAsync(original, temp, spans.Select(s => new AudioSilencer.Span(s.Start, s.End)).ToList(), work.Path, ct)
            : new AudioSilencer.Outcome(false, "the original file is missing");
        if (!outcome.Silent)
        {
            logger.LogWarning("Silencing recording {MediaId} failed: {Detail}", m.Id, outcome.Detail);
            var row = await db.MediaFiles.AsNoTracking().SingleOrDefaultAsync(x => x.Id == m.Id, ct) ?? m;
            filesToErase.AddRange(MediaPaths(row));
            await db.MediaFiles.Where(x => x.Id == m.Id).ExecuteDeleteAsync(ct);
            return false;
        }
        logger.LogInformation("Silenced {Count} stretch(es) in recording {MediaId}: {Detail}", spans.Count, m.Id, outcome.Detail);
        string hash;
        await using (var stream = File.OpenRead(temp))
            hash = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream, ct));
        var size = new FileInfo(temp).Length;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, DataFolder.PrivateFile);

        IDisposable swap;
        try
        {
            // Held by every node's renditions and clip cuts for a moment only: given up after FileSwapLock.Timeout.
            swap = await media.FileSwapLock.TakeAsync(CancellationToken.None);
        }
        catch (TimeoutException e)
        {
            // Their voice must not stay: the recording is deleted instead, as when silencing fails. A rendition or
            // clip cut from it meanwhile finds its row gone and erases what it made.
            logger.LogError(e, "Could not swap in the silenced recording {MediaId}; deleting it instead", m.Id);
            var row = await db.MediaFiles.AsNoTracking().SingleOrDefaultAsync(x => x.Id == m.Id, CancellationToken.None) ?? m;
            filesToErase.AddRange(MediaPaths(row));
            await db.MediaFiles.Where(x => x.Id == m.Id).ExecuteDeleteAsync(CancellationToken.None);
            return false;
        }
        using (swap)
        {
            // Read again under the lock: a rendition may have been finished since the withdrawal began.
            var row = await db.MediaFiles.AsNoTracking().SingleOrDefaultAsync(x => x.Id == m.Id, CancellationToken.None);
            if (row is null) return true; // deleted meanwhile; its files go with it
            FileErasure.Overwrite(original);
            File.Move(temp, original, overwrite: true);
            var oldRendition = media.RenditionPath(row);
            var remake = row.RenditionStatus != RenditionStatus.NotNeeded;
            await db.MediaFiles.Where(x => x.Id == m.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Sha256, hash).SetProperty(x => x.SizeBytes, size)
                .SetProperty(x => x.RenditionStoredName, (string?)null).SetProperty(x => x.RenditionProgress, 0.0).SetProperty(x => x.RenditionError, "")
                .SetProperty(x => x.RenditionStatus, remake ? RenditionStatus.Queued : RenditionStatus.NotNeeded), CancellationToken.None);
            if (oldRendition is not null) Erase(oldRendition);
            if (remake) await RenditionJob.EnqueueAsync(jobs, m.Id, CancellationToken.None);
        }
        return true;
    }

    /// <summary>Overwrites a file's bytes with zeros, then deletes it (best effort on copy-on-write and flash storage; see docs/operations.md).</summary>
    private bool Erase(string path)
    {
        try
        {
            return FileErasure.EraseFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError(e, "Could not erase a withdrawn storyteller's file {Path}", path);
            return false;
        }
    }

    /// <summary>Tables whose rows a full withdrawal deletes or rewrites (vacuumed on PostgreSQL).</summary>
    internal static readonly string[] AffectedTables =
    [
        "TranscriptCues", "SpeakerLabels", "Stories", "StoryStorytellers", "Sessions", "MediaFiles", "Passages", "PassageThemes", "Memos",
        "ReviewSheets", "KeyQuotes", "ReviewSheetThemes", "ReviewSheetNotedThemes", "SearchEntries", "Storytellers", "StorytellerAnswers", "StorytellerFacets",
        "ConsentRecords", "StorytellerLinks", "CorrectionRequests", "Clips", "ReportQuotes", "ReportFiles", "CodebookChanges", "StorytellerKeys",
    ];

    /// <summary>
    /// SQLite: secure_delete has zeroed the deleted cells; a checkpoint moves the WAL into the file and
    /// truncates it, VACUUM rebuilds the file so no free page keeps old text, and a second checkpoint
    /// empties the WAL VACUUM wrote. PostgreSQL: VACUUM (outside any transaction) removes the dead rows.
    /// </summary>
    public async Task<CompactionResult> CompactAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var dead = new Dictionary<string, long>();
        if (db.IsPostgres)
        {
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            // VACUUM takes no parameters; the names are this class's own constants, never input.
            // VACUUM cannot remove a row that another open transaction may still see; such a reader
            // finishes within moments, so try again a few times (about 6 s in all) before reporting
            // what is left.
            for (var attempt = 1; ; attempt++)
            {
                foreach (var table in AffectedTables)
                    await db.Database.ExecuteSqlRawAsync(string.Concat("VACUUM \"", table, "\""), ct);
                dead = await DeadRowsAsync(ct);
                if (attempt == 8 || dead.Values.All(n => n == 0)) break;
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
            }
        }
        else
        {
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", ct);
            await db.Database.ExecuteSqlRawAsync("VACUUM;", ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", ct);
        }
        return new CompactionResult(db.IsPostgres ? "postgresql" : "sqlite", watch.ElapsedMilliseconds, dead);
    }

    /// <summary>PostgreSQL: dead rows left in the affected tables (0 after a successful VACUUM).</summary>
    public async Task<Dictionary<string, long>> DeadRowsAsync(CancellationToken ct = default)
    {
        var result = new Dictionary<string, long>();
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened) await connection.OpenAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE relname = ANY(@names)";
            var p = command.CreateParameter();
            p.ParameterName = "names";
            p.Value = AffectedTables;
            command.Parameters.Add(p);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) result[reader.GetString(0)] = reader.GetInt64(1);
        }
        finally
        {
            if (opened) await connection.CloseAsync();
        }
        return result;
    }
}
