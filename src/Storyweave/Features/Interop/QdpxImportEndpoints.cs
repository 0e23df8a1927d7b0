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

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/projects/{projectId:int}/imports/project.qdpx", async (int projectId, string? name, bool? preview, HttpRequest request,
            QdpxProjectImport importer, JobScratch scratch, CurrentUser current, CancellationToken ct) =>
        {
            if (request.ContentLength > QdpxProjectFile.MaxFileBytes)
                return ProjectEndpoints.Problem([QdpxProjectFile.TooBigMessage], StatusCodes.Status413PayloadTooLarge);
            // Kestrel's own limit (30 MB) is below ours; a body sent without a length is counted as it is copied.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                size.MaxRequestBodySize = QdpxProjectFile.MaxFileBytes + 1;
            var fileName = string.IsNullOrWhiteSpace(name) ? "the file" : System.IO.Path.GetFileName(name.Trim());
            using var folder = scratch.ForProject(projectId, "qdpx-import");
            var path = folder.File("upload.qdpx");
            if (!await QdpxUploads.CopyLimitedAsync(request.Body, path, ct))
                return ProjectEndpoints.Problem([QdpxProjectFile.TooBigMessage], StatusCodes.Status413PayloadTooLarge);
            var file = QdpxProjectFile.Read(path, fileName);
            if (!file.Succeeded) return ProjectEndpoints.Problem(file.Errors, StatusCodes.Status422UnprocessableEntity);
            var result = preview == true
                ? await importer.PreviewAsync(projectId, file.Value!, path, ct)
                : await importer.ImportAsync(projectId, file.Value!, fileName, current.RequiredId, path, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded
                ? Results.Ok(ToDto(result.Value!, imported: preview != true))
                : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject).WithTags("Interop")
            .Produces<SummaryDto>().Produces(StatusCodes.Status422UnprocessableEntity).Produces(StatusCodes.Status413PayloadTooLarge);
    }
}
