using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

/// <summary>
/// The transcript editor: player and transcript side by side. With JavaScript it saves as you type
/// (transcript-editor.js); without, the form saves the whole transcript. Both send the version they
/// started from, so a second editor is told about the first one's changes instead of overwriting them.
/// </summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class EditorModel(StoryweaveDb db, ProjectAccessService access, TranscriptService transcripts, CurrentUser current, Audit.AccessLog accessLog) : ProjectPageModel(db, access)
{
    public sealed class CueForm
    {
        public string? Start { get; set; }
        public double? End { get; set; }
        public string? Speaker { get; set; }
        public string? Text { get; set; }
    }

    [FromRoute] public int StoryId { get; set; }
    [BindProperty] public int Version { get; set; }
    [BindProperty] public List<CueForm> Cues { get; set; } = [];

    public Story Story { get; private set; } = null!;
    public MediaFile? Player { get; private set; }
    public List<string> Errors { get; } = [];
    public bool Saved { get; private set; }

    /// <summary>After a conflict: what the other person saved, shown beside the user's own unsaved text.</summary>
    public List<TranscriptCue>? TheirVersion { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync()) return NotFound();
        Version = Story.TranscriptVersion;
        Cues = Story.Cues.OrderBy(c => c.Position).Select(c => new CueForm { Start = TimeText.Format(c.StartSeconds), End = c.EndSeconds, Speaker = c.Speaker, Text = c.Text }).ToList();
        if (Cues.Count == 0) Cues.Add(new CueForm());
        await accessLog.RecordAsync(ProjectId, Audit.AccessActions.Viewed, "transcript", StoryId, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync()) return NotFound();
        var badTime = Cues.Select((c, i) => (c, i)).FirstOrDefault(x => !string.IsNullOrWhiteSpace(x.c.Start) && TimeText.Parse(x.c.Start) is null);
        if (badTime.c is not null)
        {
            Errors.Add($"Line {badTime.i + 1}: write the time as minutes and seconds, for example 1:05.");
            return Page();
        }
        var outcome = await transcripts.SaveAsync(ProjectId, StoryId,
            Cues.Select(c => new TranscriptService.CueInput(TimeText.Parse(c.Start), c.End, c.Speaker, c.Text)).ToList(), Version, "edited", current.RequiredId);
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

    private async Task<bool> LoadAsync()
    {
        var story = await StoryQueries.LoadAsync(Db, ProjectId, StoryId, HttpContext.RequestAborted);
        if (story is null) return false;
        Story = story;
        Saved = Request.Query.ContainsKey("saved");
        Player = await Db.MediaFiles.AsNoTracking()
            .Where(m => m.StoryId == StoryId && (m.OriginalIsWebPlayable || m.RenditionStatus == RenditionStatus.Ready))
            .OrderBy(m => m.Id).FirstOrDefaultAsync();
        return true;
    }
}
