using Microsoft.AspNetCore.Http.Features;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Features.Interop;

/// <summary>
/// <c>POST /api/projects/{id}/imports/project.qdpx</c>: the body is the .qdpx file itself (streamed to scratch space);
/// <c>?preview=true</c> changes nothing and answers what would come in. Leads only (<c>Project.Manage</c>): an import
/// adds storytellers and their stories, not just themes. A bad file is a 422 whose errors name what is wrong.
/// </summary>
public static class QdpxImportEndpoints
{
    public sealed record ItemDto(int Id, string Name);

    public sealed record SummaryDto(string ProjectName, string Origin, bool Imported, int CodesNew, int CodesMatched, int Stories, int CodedPassages,
        int Storytellers, int StorytellersNamedAfterSource, int Memos, int QuestionsNew, IReadOnlyList<string> Skipped, string Consent,
        IReadOnlyList<ItemDto> StoriesMade, IReadOnlyList<ItemDto> StorytellersMade, int Recordings);

    public static string Path(int projectId) => $"/api/projects/{projectId}/imports/project.qdpx";

    public static SummaryDto ToDto(QdpxProjectImport.Summary s, bool imported) =>
        new(s.ProjectName, s.Origin, imported, s.CodesNew, s.CodesMatched, s.Stories, s.CodedPassages, s.Storytellers, s.StorytellersNamedAfterSource,
            s.Memos, s.QuestionsNew, s.Skipped, QdpxProjectImport.ConsentNotice,
            s.StoriesMade.Select(x => new ItemDto(x.Id, x.Title)).ToList(), s.StorytellersMade.Select(x => new ItemDto(x.Id, x.Name)).ToList(), s.Recordings);

    /// <summary>A background import: its state, how far it is, and (when finished) what came in or what went wrong.</summary>
    public sealed record JobDto(int Id, string Status, double Progress, string Stage, IReadOnlyList<string> Errors, SummaryDto? Result, string StatusUrl);

    /// <summary>Files larger than this are imported in the background (202 and a status URL); smaller ones in the request, unless <c>background=true</c>.</summary>
    public const long BackgroundAboveBytes = 1024 * 1024;

    public static string JobPath(int projectId, int jobId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/api/projects/{projectId}/imports/{jobId}");

    public static JobDto ToDto(int projectId, QdpxImportJobs.View job) =>
        new(job.Id, job.Status.ToString(), job.Progress, job.Stage, job.Errors, job.Summary is null ? null : ToDto(job.Summary, imported: true), JobPath(projectId, job.Id));

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/projects/{projectId:int}/imports/project.qdpx", async (int projectId, string? name, bool? preview, bool? background, HttpRequest request,
            QdpxProjectImport importer, QdpxImportJobs jobs, QdpxUploads uploads, JobScratch scratch, CurrentUser current, CancellationToken ct) =>
        {
            if (request.ContentLength > QdpxProjectFile.MaxFileBytes)
                return ProjectEndpoints.Problem([QdpxProjectFile.TooBigMessage], StatusCodes.Status413PayloadTooLarge);
            // Kestrel's own limit (30 MB) is below ours; a body sent without a length is counted as it is copied.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                size.MaxRequestBodySize = QdpxProjectFile.MaxFileBytes + 1;
            var fileName = string.IsNullOrWhiteSpace(name) ? "the file" : System.IO.Path.GetFileName(name.Trim());
            if (preview != true && (background == true || request.ContentLength > BackgroundAboveBytes))
            {
                // Large files: checked here (a bad file is answered at once), imported by the worker; the upload waits in scratch space.
                var token = await uploads.SaveAsync(projectId, request.Body, ct);
                if (token is null) return ProjectEndpoints.Problem([QdpxProjectFile.TooBigMessage], StatusCodes.Status413PayloadTooLarge);
                var read = QdpxProjectFile.Read(uploads.PathOf(projectId, token)!, fileName);
                var checkedFile = read.Succeeded ? await importer.PreviewAsync(projectId, read.Value!, uploads.PathOf(projectId, token), ct) : null;
                var problems = read.Succeeded ? checkedFile?.Errors ?? ["This project no longer exists."] : read.Errors;
                if (problems.Count > 0)
                {
                    uploads.Erase(projectId, token);
                    return ProjectEndpoints.Problem(problems, StatusCodes.Status422UnprocessableEntity);
                }
                var jobId = await jobs.StartAsync(projectId, token, fileName, current.RequiredId, ct);
                var view = await jobs.FindAsync(projectId, jobId, ct);
                return Results.Accepted(JobPath(projectId, jobId), ToDto(projectId, view!));
            }
            using var folder = scratch.ForProject(projectId, "qdpx-import");
            var path = folder.File("upload.qdpx");
            if (!await QdpxUploads.CopyLimitedAsync(request.Body, path, ct))
                return ProjectEndpoints.Problem([QdpxProjectFile.TooBigMessage], StatusCodes.Status413PayloadTooLarge);
            var file = QdpxProjectFile.Read(path, fileName);
            if (!file.Succeeded) return ProjectEndpoints.Problem(file.Errors, StatusCodes.Status422UnprocessableEntity);
            var result = preview == true
                ? await importer.PreviewAsync(projectId, file.Value!, path, ct)
                : await importer.ImportAsync(projectId, file.Value!, fileName, current.RequiredId, path, ct: ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded
                ? Results.Ok(ToDto(result.Value!, imported: preview != true))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject).WithTags("Interop")
            .Produces<SummaryDto>().Produces<JobDto>(StatusCodes.Status202Accepted).Produces(StatusCodes.Status422UnprocessableEntity).Produces(StatusCodes.Status413PayloadTooLarge);

        api.MapGet("/projects/{projectId:int}/imports/{jobId:int}", async (int projectId, int jobId, QdpxImportJobs jobs, CancellationToken ct) =>
            await jobs.FindAsync(projectId, jobId, ct) is { } job ? Results.Ok(ToDto(projectId, job)) : Results.NotFound())
            .RequireAuthorization(Policies.ManageProject).WithTags("Interop").Produces<JobDto>().Produces(StatusCodes.Status404NotFound);
    }
}
