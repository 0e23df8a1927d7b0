using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

/// <summary>
/// "Bring in transcripts": choose many transcript files (a whole folder), one story each (<see cref="TranscriptBulkImport"/>).
/// Leads only, as the API.
/// </summary>
[Authorize(Policy = Policies.ManageProject)]
[RequestSizeLimit(TranscriptBulkImport.MaxTotalBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = TranscriptBulkImport.MaxTotalBytes, ValueCountLimit = TranscriptBulkImport.MaxFiles + 16)]
public sealed class BulkImportModel(StoryweaveDb db, ProjectAccessService access, TranscriptBulkImport importer, CurrentUser current)
    : ProjectPageModel(db, access)
{
    public List<string> Errors { get; } = [];

    public TranscriptBulkImport.Outcome? Imported { get; private set; }

    [BindProperty]
    public bool SkipExisting { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(List<IFormFile> files)
    {
        var uploads = new List<TranscriptBulkImport.UploadedFile>();
        foreach (var file in files.Where(f => f.Length > 0 || f.FileName.Length > 0))
        {
            if (file.Length > Transcripts.TranscriptParser.MaxFileBytes)
            {
                Errors.Add(Transcripts.TranscriptParser.TooLargeMessage(file.FileName));
                continue;
            }
            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, HttpContext.RequestAborted);
            uploads.Add(new TranscriptBulkImport.UploadedFile(Path.GetFileName(file.FileName), buffer.ToArray()));
        }
        if (Errors.Count > 0) return Page();
        if (uploads.Count == 0)
        {
            Errors.Add("Choose one or more transcript files to bring in.");
            return Page();
        }
        var outcome = await importer.ImportAsync(ProjectId, uploads, SkipExisting, current.RequiredId, HttpContext.RequestAborted);
        if (outcome is null) return NotFound();
        if (!outcome.Succeeded)
        {
            Errors.AddRange(outcome.Errors);
            return Page();
        }
        Imported = outcome;
        return Page();
    }
}
