using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;

namespace Storyweave.Features.Clips;

/// <summary>Whether a stretch of a recording may be a clip, the credit it carries, and whose voices may be named in its captions.</summary>
/// <remarks><see cref="People"/> is one credit line per person in the clip ("Anonymous storyteller" for those who
/// chose not to be named), as the public site lists them; <see cref="Credit"/> joins the names only.</remarks>
public sealed record ClipVerdict(bool Allowed, string Message, string Credit, IReadOnlyDictionary<string, string> VoiceNames, IReadOnlyList<string> People)
{
    public string? VoiceName(string speakerLabel) => VoiceNames.GetValueOrDefault(speakerLabel);
}

/// <summary>
/// Works out who speaks in a stretch of a story and asks <see cref="ConsentPolicy"/> about each of
/// them for <see cref="ConsentUse.Clips"/>; it never reads consent records itself. Who is in a clip:
/// <list type="bullet">
/// <item>every storyteller linked (through the story's speaker labels) to a timed cue overlapping the clip;</item>
/// <item>a turn by the reporter adds nobody (a clip of the reporter's words only counts every storyteller of the story);</item>
/// <item>a turn whose speaker is not linked to anyone, or a clip with no timed cue at all, could be anyone's:
/// then every storyteller of the story counts as in the clip.</item>
/// </list>
/// The clip is allowed only when everyone in it is allowed clips (so embargoes hold too).
/// This is the one rule for sharing a clip: the team's playlist page, its "Export for upload" ZIP and the
/// public story site all ask it, so a clip is never "Ready" in one place and held back in another.
/// </summary>
public sealed class ClipConsent(StoryweaveDb db, ConsentPolicy policy)
{
    public sealed record Stretch(int StoryId, double Start, double End);

    public async Task<ClipVerdict> DecideAsync(Stretch stretch, CancellationToken ct = default) =>
        (await DecideManyAsync([stretch], ct))[0];

    /// <summary>One verdict per stretch, in order; a handful of queries whatever the count.</summary>
    public async Task<IReadOnlyList<ClipVerdict>> DecideManyAsync(IReadOnlyList<Stretch> stretches, CancellationToken ct = default)
    {
        if (stretches.Count == 0) return [];
        var storyIds = stretches.Select(s => s.StoryId).Distinct().ToList();
        var tellers = (await db.StoryStorytellers.AsNoTracking().Where(x => storyIds.Contains(x.StoryId))
                .Select(x => new { x.StoryId, x.StorytellerId, x.Storyteller!.Name }).ToListAsync(ct))
            .GroupBy(x => x.StoryId).ToDictionary(g => g.Key, g => g.OrderBy(x => x.StorytellerId).ToList());
        var labels = (await db.SpeakerLabels.AsNoTracking().Where(l => storyIds.Contains(l.StoryId))
                .Select(l => new { l.StoryId, l.Label, l.StorytellerId, l.IsReporter }).ToListAsync(ct))
            .ToDictionary(l => (l.StoryId, l.Label));
        var cues = (await db.TranscriptCues.AsNoTracking().Where(c => storyIds.Contains(c.StoryId) && c.StartSeconds != null && c.EndSeconds != null)
                .Select(c => new { c.StoryId, Start = c.StartSeconds!.Value, End = c.EndSeconds!.Value, c.Speaker }).ToListAsync(ct))
            .ToLookup(c => c.StoryId);

        var people = new List<(List<int> Ids, HashSet<string> Labels)>();
        foreach (var s in stretches)
        {
            var all = tellers.GetValueOrDefault(s.StoryId)?.Select(t => t.StorytellerId).ToList() ?? [];
            var inClip = new List<int>();
            var speaking = cues[s.StoryId].Where(c => c.Start < s.End && c.End > s.Start).Select(c => c.Speaker).Distinct().ToList();
            var unknown = speaking.Count == 0;
            foreach (var label in speaking)
            {
                if (labels.TryGetValue((s.StoryId, label), out var l) && l.StorytellerId is { } id) inClip.Add(id);
                else if (l is null || !l.IsReporter) unknown = true;
            }
            // Could be anyone's, or only the reporter speaks (nobody's own words, but their story): everyone in it decides.
            if (unknown || inClip.Count == 0) inClip.AddRange(all);
            people.Add((inClip.Distinct().Order().ToList(), speaking.ToHashSet()));
        }

        var decisions = await policy.DecideManyAsync(people.SelectMany(p => p.Ids), ConsentUse.Clips, ct);
        var names = tellers.Values.SelectMany(v => v).GroupBy(t => t.StorytellerId).ToDictionary(g => g.Key, g => g.First().Name);
        var verdicts = new List<ClipVerdict>();
        foreach (var (s, (ids, speaking)) in stretches.Zip(people))
        {
            if (ids.Count == 0)
            {
                verdicts.Add(new ClipVerdict(false, "No storyteller is linked to this story, so nobody has agreed to clips of it.", "", new Dictionary<string, string>(), []));
                continue;
            }
            var refused = ids.Where(id => !decisions[id].Allowed).ToList();
            if (refused.Count > 0)
            {
                var why = string.Join(" ", refused.Select(id => $"{names.GetValueOrDefault(id, "A storyteller")}: {decisions[id].Reason}"));
                verdicts.Add(new ClipVerdict(false, $"This part of the story cannot be a clip. Everyone whose words are in a clip must agree to clips in playlists. {why}", "",
                    new Dictionary<string, string>(), []));
                continue;
            }
            var credits = ids.Select(id => decisions[id].CreditName ?? "").Where(c => c.Length > 0).Distinct().ToList();
            // A voice is named only when its person's credit for clips names them (not anonymous).
            var voices = new Dictionary<string, string>();
            foreach (var label in speaking)
            {
                if (labels.TryGetValue((s.StoryId, label), out var l) && l.StorytellerId is { } id
                    && decisions[id].Credit is { } credit && credit != CreditStyle.Anonymous && decisions[id].CreditName is { Length: > 0 } name)
                    voices[label] = name;
            }
            var lines = ids.Select(id => decisions[id].Credit is CreditStyle.Anonymous or null || decisions[id].CreditName is not { Length: > 0 }
                ? "Anonymous storyteller" : decisions[id].CreditName!).Distinct().ToList();
            verdicts.Add(new ClipVerdict(true, "Agreed.", string.Join(", ", credits), voices, lines));
        }
        return verdicts;
    }
}
