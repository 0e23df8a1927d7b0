using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Media;
using Storyweave.Features.Storytellers;
using Storyweave.Hosting;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// "Download everything we hold about you" (right of access and portability): one ZIP with the
/// storyteller's record (answers, self-description, contact details, facets), consent history,
/// their links' dates, their requests, the visits to their page, their transcript turns as text
/// and WebVTT (the same turns their page shows: <see cref="StorytellerPortalService"/>), and the
/// recordings of stories they told alone. Nothing about anyone else: other people's turns are
/// "another person speaking", and recordings with other people in them are left out (the README
/// says how to ask for them). Recordings are read from the stored originals, so after someone else's
/// withdrawal they are the silenced ones (a recording with others in it is never included anyway). The ZIP is
/// built in the storyteller's job scratch space (<see cref="JobScratch"/>), streamed, and erased when the
/// response ends (or at once if building it fails).
/// </summary>
public sealed class StorytellerExport(StoryweaveDb db, StorytellerPortalService portal, ConsentService consent, MediaStorage storage, JobScratch scratch, TimeProvider clock)
{
    private static readonly CultureInfo En = CultureInfo.GetCultureInfo("en-GB");
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>Writes the ZIP to the storyteller's scratch space and returns it open for reading (erased on close).</summary>
    public async Task<Stream?> BuildAsync(StorytellerSession.Who who, CancellationToken ct = default)
    {
        var view = await portal.LoadAsync(who, ct);
        if (view is null) return null;
        var person = await db.Storytellers.AsNoTracking().Include(s => s.Facets)
            .Include(s => s.Answers).ThenInclude(a => a.Option).ThenInclude(o => o!.Question).AsSplitQuery()
            .SingleAsync(s => s.Id == who.StorytellerId, ct);
        var history = await consent.HistoryAsync(who.StorytellerId, ct);
        var links = await db.StorytellerLinks.AsNoTracking().Where(l => l.StorytellerId == who.StorytellerId).OrderBy(l => l.Id)
            .Select(l => new { l.CreatedAt, l.ExpiresAt, l.RevokedAt, l.LastUsedAt }).ToListAsync(ct);
        var target = who.StorytellerId.ToString(CultureInfo.InvariantCulture);
        var visits = await db.AccessLog.AsNoTracking().Where(a => a.ProjectId == who.ProjectId && a.TargetType == "storyteller" && a.TargetId == target)
            .OrderBy(a => a.Id).Select(a => new { a.At, a.Action, ByYou = a.UserId == null }).ToListAsync(ct);
        var storyIds = view.Stories.Where(s => !s.WithOthers).Select(s => s.Id).ToList();
        var media = await db.MediaFiles.AsNoTracking().Where(m => m.StoryId != null && storyIds.Contains(m.StoryId.Value)).OrderBy(m => m.Id).ToListAsync(ct);

        var work = scratch.ForStoryteller(who.ProjectId, who.StorytellerId, "download");
        try
        {
            await WriteZipAsync(work.File("my-story.zip"), view, person, history, links, visits, media, ct);
            return work.OpenReadThenErase("my-story.zip");
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    private async Task WriteZipAsync(string path, StorytellerPortalService.PortalView view, Storyteller person, IReadOnlyList<ConsentRecord> history,
        IEnumerable<object> links, IEnumerable<object> visits, List<MediaFile> media, CancellationToken ct)
    {
        await using (var file = MediaStorage.CreatePrivateFile(path))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: false))
        {
            var storyFiles = new List<object>();
            foreach (var story in view.Stories)
            {
                var name = $"story-{story.Number}";
                await AddTextAsync(zip, $"transcripts/{name}.txt", TranscriptText(story), ct);
                var captions = CaptionLines(story);
                await AddTextAsync(zip, $"transcripts/{name}.vtt", Shared.WebVtt.FromTranscript(captions), ct);
                await AddTextAsync(zip, $"transcripts/{name}.srt", Shared.Srt.FromTranscript(captions), ct);
                var recordings = new List<string>();
                if (!story.WithOthers)
                {
                    var k = 0;
                    foreach (var m in media.Where(m => m.StoryId == story.Id))
                    {
                        var source = storage.OriginalPath(m);
                        if (!File.Exists(source)) continue;
                        var entryName = $"recordings/{name}-recording-{++k}{Path.GetExtension(m.StoredName)}";
                        var entry = zip.CreateEntry(entryName, CompressionLevel.NoCompression);
                        await using var to = await entry.OpenAsync(ct);
                        await using var from = File.OpenRead(source);
                        await from.CopyToAsync(to, ct);
                        recordings.Add(entryName);
                    }
                }
                storyFiles.Add(new
                {
                    story.Title,
                    story.RecordedOn,
                    ToldWithOtherPeople = story.WithOthers,
                    Transcript = $"transcripts/{name}.txt",
                    Captions = $"transcripts/{name}.vtt",
                    CaptionsSubRip = $"transcripts/{name}.srt",
                    Recordings = recordings,
                    OnThePublicStorySite = story.OnPublicSite,
                });
            }

            var record = new
            {
                Made = clock.GetUtcNow().UtcDateTime,
                Project = view.ProjectName,
                You = new
                {
                    person.Name,
                    person.Email,
                    person.Phone,
                    ContactPreference = person.ContactPreference.ToString(),
                    person.ContactNotes,
                    person.AccessNeeds,
                    InYourOwnWords = person.SelfDescription,
                    HowYouJoined = person.EntryMethod.ToString(),
                    person.CreatedAt,
                    person.LastSignedUpAt,
                    TimesSignedUp = person.SignUpCount,
                    Answers = person.Answers.OrderBy(a => a.Option!.Question!.Position).ThenBy(a => a.Option!.Position)
                        .Select(a => new { Question = a.Option!.Question!.Text, Answer = a.Option.Label }).ToList(),
                    FacetsAddedByTheTeam = person.Facets.OrderBy(f => f.Kind).Select(f => new { Kind = FacetText.Label(f.Kind), f.Value, f.AddedAt }).ToList(),
                },
                ConsentHistoryNewestFirst = history.Select(h => new
                {
                    h.Recording,
                    h.Analysis,
                    h.Quotes,
                    h.Clips,
                    FullStoryPublished = h.PublishStory,
                    NameInReports = h.CreditInReports.Label(),
                    NameInClips = h.CreditInClips.Label(),
                    NameOnPublicSite = h.CreditOnPublicSite.Label(),
                    MadeUpName = h.Pseudonym,
                    NothingSharedBefore = h.EmbargoUntil,
                    How = h.Method.Label(),
                    h.GivenAt,
                    h.RecordedAt,
                    RecordedBy = h.RecordedByUserId is null ? "you, on the online form or your own page" : "the project team",
                    h.Note,
                }).ToList(),
                Stories = storyFiles,
                UsedInReports = view.Reports,
                UsedInPlaylists = view.Playlists,
                YourPersonalLinks = links,
                YourMessagesToTheTeam = view.Requests.Select(r => new { r.CreatedAt, r.Text, Answered = r.ResolvedAt, Answer = r.Response }).ToList(),
                VisitsToYourPageAndChanges = visits,
            };
            await AddTextAsync(zip, "about-you.json", JsonSerializer.Serialize(record, Json), ct);
            await AddTextAsync(zip, "README.txt", Readme(view, media.Count > 0, clock.GetUtcNow().UtcDateTime), ct);
        }
    }

    private static async Task AddTextAsync(ZipArchive zip, string name, string text, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using var stream = await entry.OpenAsync(ct);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
    }

    public static string Who(TurnKind kind) => kind switch
    {
        TurnKind.You => "You",
        TurnKind.Reporter => "Reporter",
        TurnKind.Unmatched => "Someone in your conversation",
        _ => "Another person speaking",
    };

    private static string Time(double seconds) =>
        TimeSpan.FromSeconds(seconds).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    private static string TranscriptText(StorytellerPortalService.StoryView story)
    {
        var text = new StringBuilder();
        text.Append(story.Title).Append("\n\n");
        if (story.WithOthers)
            text.Append("You told this story together with other people. Only your own words are here. Where someone else spoke, it says \"Another person speaking\".\n\n");
        foreach (var turn in story.Turns)
        {
            if (turn.StartSeconds is { } at) text.Append('[').Append(Time(at)).Append("] ");
            text.Append(Who(turn.Kind)).Append(": ").Append(turn.Text ?? "…").Append("\n\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// Their own turns and the reporter's with times, as the captions of every other Storyweave output are made
    /// (<see cref="Shared.CaptionCues"/>: readable cues, the same in WebVTT and SRT); other people's words are not
    /// there to caption.
    /// </summary>
    private static List<Shared.WebVtt.Line> CaptionLines(StorytellerPortalService.StoryView story) =>
        story.Turns.Where(t => t.Text is not null).Select(t => new Shared.WebVtt.Line(t.StartSeconds, t.EndSeconds, Who(t.Kind), t.Text!)).ToList();

    private static string Readme(StorytellerPortalService.PortalView view, bool hasRecordings, DateTime now)
    {
        var text = new StringBuilder();
        text.Append("Everything we hold about you\n============================\n\n");
        text.Append("Project: ").Append(view.ProjectName).Append('\n');
        text.Append("Made on: ").Append(now.ToString("d MMMM yyyy", En)).Append("\n\n");
        text.Append("What is in this folder:\n\n");
        text.Append("- about-you.json: what you told us when you signed up (your answers and how you described yourself), how to contact you, ");
        text.Append("the notes the team added to count who took part, every choice you made about how your story is used, ");
        text.Append("where your story has been used, your personal links, your messages to the team, and each time your page was opened.\n");
        text.Append("- transcripts: the words of your story. The .txt files are for reading. The .vtt and .srt files are captions with times (the same captions in two formats).\n");
        if (hasRecordings) text.Append("- recordings: the recordings of the stories you told on your own.\n");
        text.Append('\n');
        foreach (var story in view.Stories.Where(s => s.WithOthers))
        {
            text.Append("Story ").Append(story.Number).Append(" (").Append(story.Title).Append("): you told this story with other people. ");
            text.Append("This folder has only your own words from it. The recording has other people in it, so it is not in this folder. ");
            text.Append("You can ask the project lead for it.\n\n");
        }
        if (view.Stories.Count == 0) text.Append("No story has been recorded with you yet.\n\n");
        text.Append("If something here is wrong, you can ask for a correction on your page.\n");
        return text.ToString();
    }
}
