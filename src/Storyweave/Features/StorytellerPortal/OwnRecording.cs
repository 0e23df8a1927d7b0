using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Storyweave.Data;
using Storyweave.Features.Media;
using Storyweave.Hosting;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>What a storyteller's own page can play for one story.</summary>
public enum OwnRecordingState
{
    /// <summary>No recording (or none a browser can play yet): the page shows nothing about it.</summary>
    None,

    /// <summary>Being prepared for playing in a browser.</summary>
    Preparing,

    /// <summary>Told alone: the whole recording.</summary>
    Whole,

    /// <summary>A group story: only their own turns, cut from the recording.</summary>
    OwnTurns,

    /// <summary>A group story whose lines have no times (or are not matched to them): their turns cannot be told apart, so nothing plays.</summary>
    CannotTellApart,
}

/// <summary>
/// A storyteller hears their own recording on their page. A story told alone plays whole (their own interview,
/// as its text is shown whole). In a group story they hear only their own turns: the spans of the lines whose
/// speaker is linked to them, cut from the recording with ffmpeg and joined, as audio only (never anyone's
/// picture). If any of their lines has no time, or none is linked to them, nothing plays: a guess could play
/// someone else's words. The cut is cached under the story's scratch folder (<see cref="JobScratch.CacheForStory"/>)
/// with a name made from the recording and the spans, so a change to the transcript or to who spoke which lines
/// makes a new cut; older cuts for the person are erased when the new one is made, and all of them by any full
/// withdrawal from the story and at start-up.
/// </summary>
public sealed class OwnRecording(StoryweaveDb db, MediaStorage storage, JobScratch scratch, ILogger<OwnRecording> logger)
{
    public sealed record Span(double Start, double End);

    public sealed record Plan(OwnRecordingState State, MediaFile? Media, IReadOnlyList<Span> Spans);

    /// <summary>One ffmpeg cut at a time: a player's first requests arrive together, and the machine is small.</summary>
    private static readonly SemaphoreSlim CutGate = new(1, 1);

    /// <summary>What can be played for each of the person's stories (from the same turns the page shows).</summary>
    public async Task<Dictionary<int, Plan>> PlansAsync(StorytellerSession.Who who, IReadOnlyList<StorytellerPortalService.StoryView> stories, CancellationToken ct)
    {
        var plans = new Dictionary<int, Plan>();
        foreach (var story in stories)
        {
            var media = (await MediaEndpoints.ForStoryAsync(db, who.ProjectId, story.Id, ct)).FirstOrDefault(m => MediaText.CanPlay(m) || MediaText.IsPreparing(m));
            plans[story.Id] = PlanFor(story, media);
        }
        return plans;
    }

    public static Plan PlanFor(StorytellerPortalService.StoryView story, MediaFile? media)
    {
        if (media is null) return new Plan(OwnRecordingState.None, null, []);
        if (!MediaText.CanPlay(media)) return new Plan(MediaText.IsPreparing(media) ? OwnRecordingState.Preparing : OwnRecordingState.None, media, []);
        if (!story.WithOthers) return new Plan(OwnRecordingState.Whole, media, []);
        var spans = Spans(story.Turns, media.DurationSeconds);
        return spans is null ? new Plan(OwnRecordingState.CannotTellApart, media, []) : new Plan(OwnRecordingState.OwnTurns, media, spans);
    }

    /// <summary>
    /// The person's turns as time spans, joined where they touch; a turn without an end runs to the next line's
    /// start (or the recording's end). Null when any of their turns has no start time or they have no turn in the
    /// recording.
    /// </summary>
    public static IReadOnlyList<Span>? Spans(IReadOnlyList<StorytellerPortalService.Turn> turns, double duration)
    {
        var ordered = turns.OrderBy(t => t.Position).ToList();
        var own = new List<Span>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var turn = ordered[i];
            if (turn.Kind != TurnKind.You) continue;
            if (turn.StartSeconds is not { } start) return null;
            var end = turn.EndSeconds
                ?? ordered.Skip(i + 1).Select(t => t.StartSeconds).FirstOrDefault(s => s is not null)
                ?? (duration > 0 ? duration : (double?)null);
            if (end is not { } e || e <= start) return null;
            // Lines timed past the end of the recording (a transcript typed against a longer one) are cut to it.
            if (duration > 0)
            {
                if (start >= duration) continue;
                e = Math.Min(e, duration);
            }
            own.Add(new Span(start, e));
        }
        if (own.Count == 0) return null;
        var merged = new List<Span>();
        foreach (var span in own.OrderBy(s => s.Start))
        {
            if (merged.Count > 0 && span.Start <= merged[^1].End + 0.05)
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, span.End) };
            else merged.Add(span);
        }
        return merged;
    }

    /// <summary>The file to stream for the story, cutting the person's turns first where needed; null when there is nothing to play.</summary>
    public async Task<(string Path, string ContentType)?> FileAsync(StorytellerSession.Who who, StorytellerPortalService.StoryView story, CancellationToken ct)
    {
        var media = (await MediaEndpoints.ForStoryAsync(db, who.ProjectId, story.Id, ct)).FirstOrDefault(MediaText.CanPlay);
        var plan = PlanFor(story, media);
        if (plan.State is not (OwnRecordingState.Whole or OwnRecordingState.OwnTurns) || MediaEndpoints.Playable(plan.Media!, storage) is not { } source || !File.Exists(source.Path))
            return null;
        if (plan.State == OwnRecordingState.Whole) return source;
        return (await CutAsync(who, story.Id, source.Path, plan.Spans, ct), "audio/mp4");
    }

    private async Task<string> CutAsync(StorytellerSession.Who who, int storyId, string source, IReadOnlyList<Span> spans, CancellationToken ct)
    {
        var folder = scratch.CacheForStory(who.ProjectId, storyId, "own-turns");
        var key = Key(source, spans);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"storyteller-{who.StorytellerId}-");
        var path = Path.Combine(folder, prefix + key + ".m4a");
        await CutGate.WaitAsync(ct);
        try
        {
            if (File.Exists(path)) return path;
            var partial = path + ".part";
            var filter = new StringBuilder();
            for (var i = 0; i < spans.Count; i++)
                filter.Append(CultureInfo.InvariantCulture, $"[0:a]atrim=start={spans[i].Start:0.###}:end={spans[i].End:0.###},asetpts=PTS-STARTPTS[a{i}];");
            for (var i = 0; i < spans.Count; i++) filter.Append(CultureInfo.InvariantCulture, $"[a{i}]");
            filter.Append(CultureInfo.InvariantCulture, $"concat=n={spans.Count}:v=0:a=1[out]");
            string[] args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", source, "-filter_complex", filter.ToString(),
                "-map", "[out]", "-vn", "-sn", "-dn", "-map_metadata", "-1", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", "-f", "mp4", partial];
            var (exit, _, errors) = await MediaProbe.RunAsync("ffmpeg", args, TimeSpan.FromMinutes(10), ct);
            if (exit != 0 || !File.Exists(partial))
            {
                FileErasure.EraseFile(partial);
                throw new InvalidOperationException($"ffmpeg could not cut the storyteller's turns (exit {exit}): {errors}");
            }
            File.Move(partial, path, overwrite: true);
            // Older cuts for this person (the transcript or speakers changed since) are not needed any more.
            foreach (var old in Directory.EnumerateFiles(folder, prefix + "*").Where(f => f != path))
                FileErasure.EraseFile(old);
            logger.LogInformation("Cut {Count} own turn(s) of storyteller {StorytellerId} from story {StoryId}", spans.Count, who.StorytellerId, storyId);
            return path;
        }
        finally
        {
            CutGate.Release();
        }
    }

    /// <summary>The recording file (a new rendition or a silenced copy has a new name) and the spans, hashed.</summary>
    private static string Key(string source, IReadOnlyList<Span> spans)
    {
        var text = Path.GetFileName(source) + "|" + string.Join(";", spans.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Start:0.###}-{s.End:0.###}")));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
    }
}
