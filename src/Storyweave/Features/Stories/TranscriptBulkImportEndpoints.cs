using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.Transcripts;
using Storyweave.Hosting;

namespace Storyweave.Features.Stories;

/// <summary>
/// <c>POST /api/projects/{id}/stories/import</c>: many transcript files (multipart field <c>files</c>, repeated) in one
/// request, one story each (<see cref="TranscriptBulkImport"/>). Leads only, as the page. The body is read with
/// MultipartReader, each file up to the transcript limit and the whole request up to
/// <see cref="TranscriptBulkImport.MaxTotalBytes"/>, and nothing is written to disk; each file is parsed on the thread
/// pool as soon as it has arrived, while the next one is received.
/// </summary>
public static class TranscriptBulkImportEndpoints
{
    public sealed record ImportedDto(IReadOnlyList<TranscriptBulkImport.StoryMade> Stories, IReadOnlyList<string> Skipped, string Consent);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/projects/{projectId:int}/stories/import", async (int projectId, bool? skipExisting, HttpRequest request, TranscriptBulkImport importer, CurrentUser current, CancellationToken ct) =>
        {
            var (files, error) = await ReadFilesAsync(request, ct);
            if (error is not null) return ProjectEndpoints.Problem([error]);
            var outcome = await importer.ImportAsync(projectId, files!, skipExisting ?? false, current.RequiredId, ct);
            if (outcome is null) return Results.NotFound();
            return outcome.Succeeded
                ? Results.Json(new ImportedDto(outcome.Made, outcome.Skipped, TranscriptBulkImport.ConsentNotice), statusCode: outcome.Made.Count > 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK)
                : ProjectEndpoints.Problem(outcome.Errors, StatusCodes.Status422UnprocessableEntity);
        })
        .WithTags("Stories")
        .WithSummary("Brings in many transcript files at once, one story each (titled after the file). Nobody brought in has consent recorded.")
        .Produces<ImportedDto>(StatusCodes.Status201Created)
        .Produces<ProjectEndpoints.ErrorsDto>(StatusCodes.Status400BadRequest)
        .Produces<ProjectEndpoints.ErrorsDto>(StatusCodes.Status422UnprocessableEntity)
        .RequireAuthorization(Policies.ManageProject);
    }

    public const string SendFiles = "Send the transcripts as multipart/form-data, each in a field called 'files'.";

    /// <summary>Every part named <c>files</c> of a multipart request, or the message saying what was wrong.</summary>
    public static async Task<(List<TranscriptBulkImport.UploadedFile>? Files, string? Error)> ReadFilesAsync(HttpRequest request, CancellationToken ct)
    {
        var files = new List<TranscriptBulkImport.UploadedFile>();
        string? error = null;
        var failure = await MultipartForm.ReadAsync(request, TranscriptBulkImport.MaxTotalBytes, async part =>
        {
            if (part.Name != "files") return true;
            var name = part.FileName ?? "";
            var content = await MultipartForm.ReadLimitedAsync(part.Body, TranscriptParser.MaxFileBytes, ct);
            if (content is null) error = TranscriptParser.TooLargeMessage(name);
            else if (files.Count == TranscriptBulkImport.MaxFiles) error = $"More than {TranscriptBulkImport.MaxFiles:N0} files were sent; send them in smaller groups.";
            else files.Add(new TranscriptBulkImport.UploadedFile(name, content).StartReading()); // read while the next file arrives
            return error is null;
        }, ct);
        return failure switch
        {
            MultipartForm.Failure.TooLarge => (null, TooMuch),
            MultipartForm.Failure.NotMultipart => (null, SendFiles),
            MultipartForm.Failure.Unreadable => (null, "The upload could not be read: it was cut off or is not a well-formed file upload. " + SendFiles),
            _ => error is null ? (files, null) : (null, error),
        };
    }

    private static string TooMuch => $"The files together are larger than {TranscriptBulkImport.MaxTotalBytes / 1024 / 1024} MB. Send them in smaller groups.";
}
