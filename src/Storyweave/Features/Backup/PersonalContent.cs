using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Storyweave.Data;
using Storyweave.Features.Clips;
using Storyweave.Features.Coding;
using Storyweave.Features.Media;
using Storyweave.Features.Reports;
using Storyweave.Features.Review;
using Storyweave.Features.Sessions;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Transcription;
using Storyweave.Features.Withdrawal;
using Storyweave.Hosting;

namespace Storyweave.Features.Backup;

/// <summary>
/// Whose personal content each row and file of a backup is: exactly what a full withdrawal of that storyteller would
/// delete, so that sealing it with their key (<see cref="BackupSealing"/>) makes it unreadable once the key is gone.
/// <list type="bullet">
/// <item>By declaration, as <see cref="PersonalDataSweep"/> selects (a table added later is covered without being
/// named here): every row of a table linked to a storyteller or a story, not declared kept or anonymised, that points
/// at the person or at a story they told alone.</item>
/// <item>The storyteller's own row (their name, contact and details); the backup keeps its withdrawn husk beside it.</item>
/// <item>As the withdrawal's own steps do: their turns in group stories and the passages and key quotes that overlap
/// them; memos on their stories or passages; the session of a story told alone; a group story's recordings, clips
/// and automatic drafts (these hold everyone's voice, so they need every storyteller's key); report files whose
/// consent basis names them.</item>
/// </list>
/// Read inside the backup's snapshot transaction. Search entries are not written to backups at all: the restore
/// builds them again from what it restored.
/// </summary>
public sealed class PersonalContent
{
    private readonly HashSet<int> _sealed;
    private readonly Dictionary<int, int> _soloOwner = [];
    private readonly Dictionary<int, int[]> _storyTellers = [];
    private readonly Dictionary<int, int> _sessionOwner = [];
    private readonly Dictionary<long, int> _groupCueOwner = [];
    private readonly Dictionary<int, int[]> _passageOwners = [];
    private readonly Dictionary<int, int[]> _quoteOwners = [];
    private readonly Dictionary<long, (int Position, int Length)> _groupCueGap = [];
    private readonly Dictionary<IEntityType, (IReadOnlyList<PersonalDataSweep.Link> Links, bool Swept)> _declared = [];

    private PersonalContent(HashSet<int> sealedFor) => _sealed = sealedFor;

    /// <summary>The storytellers whose content is sealed (everyone not withdrawn).</summary>
    public IReadOnlyCollection<int> SealedFor => _sealed;

    public static async Task<PersonalContent> ReadAsync(StoryweaveDb db, IReadOnlyCollection<int> storytellers, CancellationToken ct)
    {
        var content = new PersonalContent([.. storytellers]);
        foreach (var entity in PersonalDataSweep.LinkedEntities(db.Model))
        {
            var declaration = PersonalDataSweep.Declaration(entity);
            content._declared[entity] = (PersonalDataSweep.Links(entity), declaration?.Withdrawal is not (OnWithdrawal.Kept or OnWithdrawal.Anonymised));
        }

        var links = await db.StoryStorytellers.AsNoTracking().Select(x => new { x.StoryId, x.StorytellerId }).ToListAsync(ct);
        foreach (var story in links.GroupBy(x => x.StoryId))
        {
            var tellers = story.Select(x => x.StorytellerId).Distinct().Order().ToArray();
            content._storyTellers[story.Key] = tellers.Where(content._sealed.Contains).ToArray();
            if (tellers.Length == 1 && content._sealed.Contains(tellers[0])) content._soloOwner[story.Key] = tellers[0];
        }
        var soloIds = content._soloOwner.Keys.ToList();
        foreach (var s in await db.Stories.AsNoTracking().Where(s => s.SessionId != null).Select(s => new { s.Id, s.SessionId }).ToListAsync(ct))
            if (content._soloOwner.TryGetValue(s.Id, out var owner)) content._sessionOwner[s.SessionId!.Value] = owner;

        // Group stories: each person's turns, as the plain text's ranges (cues joined by "\n", as WithdrawalService counts them).
        var groupIds = content._storyTellers.Where(s => !content._soloOwner.ContainsKey(s.Key) && s.Value.Length > 0).Select(s => s.Key).ToList();
        var labels = (await db.SpeakerLabels.AsNoTracking().Where(l => l.StorytellerId != null).Select(l => new { l.StoryId, l.Label, l.StorytellerId }).ToListAsync(ct))
            .Where(l => content._sealed.Contains(l.StorytellerId!.Value)).ToLookup(l => l.StoryId);
        var ranges = new Dictionary<int, List<(int Start, int End, int Owner)>>();
        foreach (var batch in groupIds.Chunk(500))
        {
            var ids = batch.ToList();
            var cues = await db.TranscriptCues.AsNoTracking().Where(c => ids.Contains(c.StoryId)).OrderBy(c => c.StoryId).ThenBy(c => c.Position)
                .Select(c => new { c.Id, c.StoryId, c.Position, c.Speaker, c.Text.Length }).ToListAsync(ct);
            foreach (var story in cues.GroupBy(c => c.StoryId))
            {
                var owners = labels[story.Key].ToDictionary(l => l.Label, l => l.StorytellerId!.Value, StringComparer.Ordinal);
                var offset = 0;
                foreach (var c in story)
                {
                    if (owners.TryGetValue(c.Speaker, out var owner))
                    {
                        content._groupCueOwner[c.Id] = owner;
                        content._groupCueGap[c.Id] = (c.Position, c.Length);
                        if (!ranges.TryGetValue(story.Key, out var list)) ranges[story.Key] = list = [];
                        list.Add((offset, offset + c.Length + 1, owner));
                    }
                    offset += c.Length + 1;
                }
            }
        }
        int[] Overlapping(int storyId, int start, int end) =>
            content._soloOwner.TryGetValue(storyId, out var solo) ? [solo]
            : ranges.TryGetValue(storyId, out var list) ? list.Where(r => start < r.End && end > r.Start).Select(r => r.Owner).Distinct().Order().ToArray() : [];
        foreach (var p in await db.Passages.AsNoTracking().Select(p => new { p.Id, p.StoryId, p.StartOffset, p.EndOffset }).ToListAsync(ct))
            if (Overlapping(p.StoryId, p.StartOffset, p.EndOffset) is { Length: > 0 } owners) content._passageOwners[p.Id] = owners;
        foreach (var q in await db.KeyQuotes.AsNoTracking().Select(q => new { q.Id, q.StoryId, q.StartOffset, q.EndOffset }).ToListAsync(ct))
            if (Overlapping(q.StoryId, q.StartOffset, q.EndOffset) is { Length: > 0 } owners) content._quoteOwners[q.Id] = owners;
        return content;
    }

    /// <summary>Whose the row is (ids ascending); empty when it is nobody's personal content and stays readable.</summary>
    public int[] OwnersOf(IEntityType entity, object row)
    {
        var owners = new SortedSet<int>();
        void Add(int id)
        {
            if (_sealed.Contains(id)) owners.Add(id);
        }
        void AddStory(int storyId)
        {
            if (_soloOwner.TryGetValue(storyId, out var owner)) owners.Add(owner);
        }
        void AddEveryTeller(int storyId)
        {
            if (_storyTellers.TryGetValue(storyId, out var tellers)) owners.UnionWith(tellers);
        }

        if (_declared.TryGetValue(entity, out var declared) && declared.Swept)
        {
            foreach (var link in declared.Links)
            {
                if (link.Column.PropertyInfo?.GetValue(row) is not { } value) continue;
                var id = Convert.ToInt32(value, CultureInfo.InvariantCulture);
                if (link.IsStoryteller) Add(id);
                else AddStory(id);
            }
        }
        switch (row)
        {
            case Storyteller s:
                Add(s.Id);
                break;
            case TranscriptCue c when _groupCueOwner.TryGetValue(c.Id, out var owner):
                owners.Add(owner);
                break;
            case CodedPassage p when _passageOwners.TryGetValue(p.Id, out var passageOwners):
                owners.UnionWith(passageOwners);
                break;
            case KeyQuote q when _quoteOwners.TryGetValue(q.Id, out var quoteOwners):
                owners.UnionWith(quoteOwners);
                break;
            case Memo { TargetType: MemoTarget.Story } m:
                AddStory(m.TargetId);
                break;
            case Memo { TargetType: MemoTarget.Passage } m when _passageOwners.TryGetValue(m.TargetId, out var memoOwners):
                owners.UnionWith(memoOwners);
                break;
            case InterviewSession session when _sessionOwner.TryGetValue(session.Id, out var sessionOwner):
                owners.Add(sessionOwner);
                break;
            case MediaFile { StoryId: { } storyId }:
                AddEveryTeller(storyId);
                break;
            case Clip clip:
                AddEveryTeller(clip.StoryId);
                break;
            case DraftJob job:
                AddEveryTeller(job.StoryId);
                break;
            case ReportFile file:
                foreach (var id in WithdrawalService.BasisStorytellers(file.ConsentBasis)) Add(id);
                break;
        }
        return [.. owners];
    }

    /// <summary>For a person's turn in a group story: where it stood and how long it was (no words), so a restore without their key can re-anchor the rest.</summary>
    public (int Position, int Length)? GapOf(object row) =>
        row is TranscriptCue c && _groupCueGap.TryGetValue(c.Id, out var gap) ? gap : null;

    /// <summary>The data folder's files a row points at (recordings, clips, report files), sealed with the row's owners.</summary>
    public static IEnumerable<string> FilesOf(object row, MediaStorage media, StoryweaveOptions options)
    {
        string Generated(string folder, int projectId, string name) =>
            Path.Combine(options.DataDir, folder, projectId.ToString(CultureInfo.InvariantCulture), Path.GetFileName(name));
        switch (row)
        {
            case MediaFile m:
                yield return media.OriginalPath(m);
                if (media.RenditionPath(m) is { } rendition) yield return rendition;
                break;
            case Clip c:
                if (c.StoredName is { Length: > 0 } clipName) yield return Generated("clips", c.ProjectId, clipName);
                if (c.CaptionsStoredName is { Length: > 0 } captions) yield return Generated("clips", c.ProjectId, captions);
                break;
            case ReportFile f when f.StoredName is { Length: > 0 } name:
                yield return Generated("outputs", f.ProjectId, name);
                break;
        }
    }
}
