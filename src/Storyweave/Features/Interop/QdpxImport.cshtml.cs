using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Interop;

/// <summary>
/// Bringing in a whole project from NVivo, ATLAS.ti, MAXQDA or QualCoder (.qdpx): choose the file, see what would come
/// in (and what would not, and why), then "Import". Leads only, as the API. The file waits in scratch space between
/// the two steps (<see cref="QdpxUploads"/>) and is read again, with every check, at "Import".
/// </summary>
[Authorize(Policy = Policies.ManageProject)]
[RequestSizeLimit(QdpxProjectFile.MaxFileBytes + FormAllowance)]
[RequestFormLimits(MultipartBodyLengthLimit = QdpxProjectFile.MaxFileBytes + FormAllowance)]
public sealed class QdpxImportModel(StoryweaveDb db, ProjectAccessService access, QdpxProjectImport importer, QdpxUploads uploads, QdpxImportJobs jobs, CurrentUser current)
    : ProjectPageModel(db, access)
{
    private const long FormAllowance = 64 * 1024;

    public List<string> Errors { get; } = [];

    /// <summary>After a file was chosen: what importing it would do.</summary>
    public QdpxProjectImport.Summary? Preview { get; private set; }

    /// <summary>After "Import": what came in.</summary>
    public QdpxProjectImport.Summary? Imported { get; private set; }

    public string Token { get; private set; } = "";
    public string FileName { get; private set; } = "";

    /// <summary>An import started from this page: running (with progress), or finished.</summary>
    public QdpxImportJobs.View? Job { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? job)
    {
        if (job is null) return Page();
        Job = await jobs.FindAsync(ProjectId, job.Value, HttpContext.RequestAborted);
        if (Job is null) return NotFound();
        if (Job.Status == QdpxImportStatus.Succeeded) Imported = Job.Summary;
        if (Job.Status == QdpxImportStatus.Failed) Errors.AddRange(Job.Errors);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(IFormFile? file)
    {
        if (file is null || file.Length == 0)
        {
            Errors.Add("Choose the project file to import: a REFI-QDA project (.qdpx) exported from NVivo, ATLAS.ti, MAXQDA, QualCoder or Storyweave.");
            return Page();
        }
        if (file.Length > QdpxProjectFile.MaxFileBytes)
        {
            Errors.Add(QdpxProjectFile.TooBigMessage);
            return Page();
        }
        FileName = Path.GetFileName(file.FileName);
        await using var stream = file.OpenReadStream();
        var token = await uploads.SaveAsync(ProjectId, stream, HttpContext.RequestAborted);
        if (token is null)
        {
            Errors.Add(QdpxProjectFile.TooBigMessage);
            return Page();
        }
        var read = QdpxProjectFile.Read(uploads.PathOf(ProjectId, token)!, FileName);
        var preview = read.Succeeded ? await importer.PreviewAsync(ProjectId, read.Value!, uploads.PathOf(ProjectId, token), HttpContext.RequestAborted) : null;
        var errors = read.Succeeded ? preview?.Errors ?? ["This project no longer exists."] : read.Errors;
        if (errors.Count > 0)
        {
            uploads.Erase(ProjectId, token);
            Errors.AddRange(errors);
            return Page();
        }
        Preview = preview!.Value;
        Token = token;
        return Page();
    }

    public async Task<IActionResult> OnPostImportAsync(string? token, string? fileName)
    {
        FileName = Path.GetFileName(fileName ?? "") is { Length: > 0 } name ? name : "the project file";
        var path = uploads.PathOf(ProjectId, token);
        if (path is null)
        {
            Errors.Add("The project file to import was lost on the way (it is kept for a day, and not after a restart). Choose the file again.");
            return Page();
        }
        // The import runs in the background (a large file takes minutes); the page shows how far it has got.
        var jobId = await jobs.StartAsync(ProjectId, token!, FileName, current.RequiredId, HttpContext.RequestAborted);
        return Redirect($"/projects/{ProjectId}/import/qdpx?job={jobId}#import-status");
    }
}
