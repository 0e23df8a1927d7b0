using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Clips;

/// <summary>
/// Making a clip from a passage or key quote (<c>…/clips?passageId=…</c>), or changing one
/// (<c>…/clips/{clipId}</c>): start and end with a preview of the story's recording, title,
/// description, burned-in captions and silencing of redacted words. Consent is asked before the form is even shown.
/// </summary>
[Authorize(Policy = Policies.Code)]
public sealed class ClipEditorModel(StoryweaveDb db, ProjectAccessService access, ClipService clips, ClipConsent consent, CurrentUser current)
    : ProjectPageModel(db, access)
{
    [FromRoute] public int PlaylistId { get; set; }
    [FromRoute] public int? ClipId { get; set; }
    [BindProperty(SupportsGet = true)] public int? PassageId { get; set; }
    [BindProperty(SupportsGet = true)] public int? KeyQuoteId { get; set; }
    [BindProperty] public string? Start { get; set; }
    [BindProperty] public string? End { get; set; }
    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public bool BurnCaptions { get; set; }
    [BindProperty] public bool SilenceRedactedWords { get; set; }

    public Playlist Playlist { get; private set; } = null!;
    public string StoryTitle { get; private set; } = "";
    public int StoryId { get; private set; }
    public string SourceText { get; private set; } = "";
    public double SourceStart { get; private set; }
    public double SourceEnd { get; private set; }
    public MediaFile? Media { get; private set; }
    public ClipVerdict? Verdict { get; private set; }

    /// <summary>The caption lines the clip will contain at the times in the form (only when allowed).</summary>
    public ClipService.CaptionPreview? Preview { get; private set; }
    public List<string> Errors { get; private set; } = [];
    public bool IsNew => ClipId is null;

    [TempData] public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync(prefill: true)) return NotFound();
        await PreviewAsync();
        return Page();
    }

    private async Task PreviewAsync()
    {
        if (Verdict is null || StoryId == 0 || TimeText.Parse(Start) is not { } start || TimeText.Parse(End) is not { } end) return;
        Preview = await clips.PreviewAsync(ProjectId, StoryId, start, end);
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync(prefill: false)) return NotFound();
        var startSeconds = TimeText.Parse(Start);
        var endSeconds = TimeText.Parse(End);
        if (startSeconds is null) Errors.Add("Write the start as minutes and seconds, like 1:05.5.");
        if (endSeconds is null) Errors.Add("Write the end as minutes and seconds, like 1:12.");
        if (Errors.Count > 0) return Page();
        await PreviewAsync();
        var result = IsNew
            ? await clips.AddClipAsync(ProjectId, PlaylistId, new(PassageId, KeyQuoteId, startSeconds, endSeconds, Title, Description, BurnCaptions, SilenceRedactedWords), current.RequiredId)
            : await clips.UpdateClipAsync(ProjectId, ClipId!.Value, new(startSeconds, endSeconds, Title, Description, BurnCaptions, SilenceRedactedWords), current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded)
        {
            Errors = result.Errors.ToList();
            return Page();
        }
        Done = result.Value!.Status == Reports.OutputStatus.Queued
            ? $"“{result.Value.Title}” is being cut. It plays here when it is ready."
            : $"Saved “{result.Value.Title}”.";
        return Redirect($"/projects/{ProjectId}/playlists/{PlaylistId}#clip-{result.Value.Id}");
    }

    private async Task<bool> LoadAsync(bool prefill)
    {
        var playlist = await Db.Playlists.AsNoTracking().SingleOrDefaultAsync(p => p.Id == PlaylistId && p.ProjectId == ProjectId);
        if (playlist is null) return false;
        Playlist = playlist;
        if (ClipId is { } clipId)
        {
            var clip = await Db.Clips.AsNoTracking().Include(c => c.MediaFile).Include(c => c.Story)
                .SingleOrDefaultAsync(c => c.Id == clipId && c.PlaylistId == PlaylistId && c.ProjectId == ProjectId);
            if (clip is null) return false;
            var origin = await clips.OriginAsync(ProjectId, clip.PassageId, clip.KeyQuoteId);
            (StoryId, StoryTitle, Media) = (clip.StoryId, clip.Story!.Title, clip.MediaFile);
            (SourceText, SourceStart, SourceEnd) = origin is null ? ("", clip.StartSeconds, clip.EndSeconds) : (origin.Text, origin.Start, origin.End);
            if (prefill)
            {
                (Start, End) = (ClipText.Time(clip.StartSeconds), ClipText.Time(clip.EndSeconds));
                (Title, Description, BurnCaptions, SilenceRedactedWords) = (clip.Title, clip.Description, clip.BurnCaptions, clip.SilenceRedactedWords);
            }
            Verdict = await consent.DecideAsync(new(clip.StoryId, clip.StartSeconds, clip.EndSeconds));
            return true;
        }
        if ((PassageId is null) == (KeyQuoteId is null))
        {
            Errors.Add("Choose one coded passage or one key quote to make the clip from.");
            return true;
        }
        var source = await clips.OriginAsync(ProjectId, PassageId, KeyQuoteId);
        if (source is null) return false;
        (StoryId, StoryTitle, Media, SourceText, SourceStart, SourceEnd) = (source.StoryId, source.StoryTitle, source.Media, source.Text, source.Start, source.End);
        if (source.Start < 0 || source.End < 0)
        {
            Errors.Add("This passage has no times in the recording (its transcript has no timings), so it cannot be cut as a clip.");
            return true;
        }
        if (prefill) (Start, End, Title) = (ClipText.Time(source.Start), ClipText.Time(source.End), SuggestedTitle(source.Text));
        Verdict = await consent.DecideAsync(new(source.StoryId, source.Start, source.End));
        return true;
    }

    /// <summary>The first few words of the passage, as a title to start from.</summary>
    private static string SuggestedTitle(string text)
    {
        var words = text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var title = string.Join(' ', words.Take(8));
        return words.Length > 8 ? title + "…" : title;
    }
}
