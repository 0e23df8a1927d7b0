using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.Transcripts;

namespace Storyweave.Features.Stories;

[Authorize(Policy = Policies.GatherStories)]
[RequestSizeLimit(TranscriptParser.MaxFileBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = TranscriptParser.MaxFileBytes + 64 * 1024)]
public sealed class ImportTranscriptModel(StoryweaveDb db, ProjectAccessService access, TranscriptImporter importer, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    public string StoryTitle { get; private set; } = "";
    public int ExistingLines { get; private set; }
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(IFormFile? file, string? format, bool replace)
    {
        if (!await LoadAsync()) return NotFound();
        if (file is null || file.Length == 0)
        {
            Errors.Add("Choose the transcript file to import.");
            return Page();
        }
        if (file.Length > TranscriptParser.MaxFileBytes)
        {
            Errors.Add(TranscriptParser.TooLargeMessage(file.FileName));
            return Page();
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        var outcome = await importer.ImportAsync(ProjectId, StoryId, buffer.ToArray(), file.FileName, string.IsNullOrEmpty(format) ? null : format, replace, current.RequiredId);
        if (outcome.Errors.Count > 0)
        {
            Errors.AddRange(outcome.Errors);
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/stories/{StoryId}/transcript/speakers?imported={outcome.Parsed!.Cues.Count}");
    }

    private async Task<bool> LoadAsync()
    {
        var story = await Db.Stories.AsNoTracking().Where(s => s.Id == StoryId && s.ProjectId == ProjectId)
            .Select(s => new { s.Title, Lines = s.Cues.Count }).SingleOrDefaultAsync();
        if (story is null) return false;
        StoryTitle = story.Title;
        ExistingLines = story.Lines;
        return true;
    }
}
