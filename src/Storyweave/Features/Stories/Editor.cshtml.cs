using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

/// <summary>
/// The transcript editor: player and transcript side by side. With JavaScript (transcript-editor.js)
/// it builds a transcript from nothing (add, split, merge, delete lines, speakers and times from the
/// player, oTranscribe-style keys) and saves the whole transcript as you type; without, the form saves
/// corrections to the existing lines. Both send the version they started from, so a second editor is
/// told about the first one's changes instead of overwriting them.
/// </summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class EditorModel(StoryweaveDb db, ProjectAccessService access, TranscriptService transcripts, CurrentUser current, Audit.AccessLog accessLog) : ProjectPageModel(db, access)
{
    /// <summary>One line of the form. Times are text as people type them ("1:05.3"); the exact stored
    /// seconds travel beside them, so a time nobody touched is saved exactly as it was, not rounded.</summary>
    public sealed class CueForm
    {
        public string? Start { get; set; }
        public string? End { get; set; }
        public double? StartSeconds { get; set; }
        public double? EndSeconds { get; set; }
        public string? Speaker { get; set; }
        public string? Text { get; set; }

        /// <summary>On an automatic-draft line: a fingerprint of its words as drafted. The line stays a
        /// draft while its words still match (the form has no other way to know they were edited).</summary>
        public string? DraftOf { get; set; }

        /// <summary>"Mark as checked" ticked (the form's version of the button).</summary>
        public bool Checked { get; set; }
    }

    [FromRoute] public int StoryId { get; set; }
    [BindProperty] public int Version { get; set; }
    [BindProperty] public List<CueForm> Cues { get; set; } = [];

    public Story Story { get; private set; } = null!;
    public MediaFile? Player { get; private set; }
    public List<string> Errors { get; } = [];
    public bool Saved { get; private set; }

    /// <summary>The session's people and the transcript's speakers, in the order "next speaker" goes through them.</summary>
    public List<string> People { get; private set; } = [];

    /// <summary>After a conflict: what the other person saved, shown beside the user's own unsaved text.</summary>
    public List<TranscriptCue>? TheirVersion { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync()) return NotFound();
        Version = Story.TranscriptVersion;
        Cues = Story.Cues.OrderBy(c => c.Position).Select(c => new CueForm
        {
            Start = TimeText.FormatTenths(c.StartSeconds),
            End = TimeText.FormatTenths(c.EndSeconds),
            StartSeconds = c.StartSeconds,
            EndSeconds = c.EndSeconds,
            Speaker = c.Speaker,
            Text = c.Text,
            DraftOf = c.IsDraft ? Fingerprint(c.Text) : null,
        }).ToList();
        // An empty transcript starts with one empty line, at the start of the recording when there is one.
        if (Cues.Count == 0) Cues.Add(Player is null ? new CueForm() : new CueForm { Start = TimeText.FormatTenths(0), StartSeconds = 0 });
        await accessLog.RecordAsync(ProjectId, Audit.AccessActions.Viewed, "transcript", StoryId, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync()) return NotFound();
        var lines = new List<TranscriptService.CueInput>();
        for (var i = 0; i < Cues.Count; i++)
        {
            var c = Cues[i];
            var start = ReadTime(c.Start, c.StartSeconds, i, "start");
            var end = ReadTime(c.End, c.EndSeconds, i, "end");
            var text = (c.Text ?? "").ReplaceLineEndings("\n");
            var isDraft = c.DraftOf is not null && !c.Checked && c.DraftOf == Fingerprint(text);
            lines.Add(new TranscriptService.CueInput(start, end, c.Speaker, text, isDraft));
        }
        if (Errors.Count > 0) return Page();

        var outcome = await transcripts.SaveAsync(ProjectId, StoryId, lines, Version, "edited", current.RequiredId);
        if (outcome.Conflict)
        {
            Errors.Add(StoryTranscriptEndpoints.ConflictMessage);
            TheirVersion = await Db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == StoryId).OrderBy(c => c.Position).ToListAsync();
            // Saving again now deliberately keeps this person's version (they have seen the other).
            Version = outcome.Version;
            ModelState.Remove(nameof(Version));
            return Page();
        }
        if (!outcome.Saved)
        {
            Errors.AddRange(outcome.Errors);
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/stories/{StoryId}/transcript/edit?saved=1");
    }

    /// <summary>The typed time, or the exact stored one when the text still reads as it did (so nothing is rounded by saving).</summary>
    private double? ReadTime(string? text, double? exact, int index, string which)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (exact is not null && text.Trim() == TimeText.FormatTenths(exact)) return exact;
        var parsed = TimeText.Parse(text);
        if (parsed is null)
            Errors.Add($"Line {index + 1}: the {which} time \"{text.Trim()}\" is not a time. Write minutes and seconds, for example 1:05.3, or hours too, for example 1:02:05.3.");
        return parsed;
    }

    /// <summary>A short fingerprint of a draft line's words (line endings as the browser sends them do not count).</summary>
    public static string Fingerprint(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n").Trim())))[..16];

    private async Task<bool> LoadAsync()
    {
        var story = await StoryQueries.LoadAsync(Db, ProjectId, StoryId, HttpContext.RequestAborted);
        if (story is null) return false;
        Story = story;
        Saved = Request.Query.ContainsKey("saved");
        Player = await Db.MediaFiles.AsNoTracking()
            .Where(m => m.StoryId == StoryId && (m.OriginalIsWebPlayable || m.RenditionStatus == RenditionStatus.Ready))
            .OrderBy(m => m.Id).FirstOrDefaultAsync();
        var reporter = story.SessionId is { } sessionId
            ? await Db.Sessions.AsNoTracking().Where(s => s.Id == sessionId).Select(s => s.Reporter!.DisplayName).SingleOrDefaultAsync()
            : null;
        People = PeopleOf(story, reporter);
        return true;
    }

    /// <summary>
    /// Speakers already in the transcript (in order of first turn), then the session's storytellers and its
    /// reporter that no label stands for yet: the list "next speaker" cycles through and the speaker box offers.
    /// </summary>
    private static List<string> PeopleOf(Story story, string? reporterName)
    {
        var people = story.Cues.OrderBy(c => c.Position).Select(c => c.Speaker).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var linked = story.Speakers.Where(l => people.Contains(l.Label)).ToList();
        foreach (var teller in story.Storytellers.Select(x => x.Storyteller!))
        {
            if (!linked.Any(l => l.StorytellerId == teller.Id) && !people.Contains(teller.Name)) people.Add(teller.Name);
        }
        if (!linked.Any(l => l.IsReporter))
        {
            var name = string.IsNullOrWhiteSpace(reporterName) ? "Reporter" : reporterName.Trim();
            if (!people.Contains(name)) people.Add(name);
        }
        return people;
    }
}
