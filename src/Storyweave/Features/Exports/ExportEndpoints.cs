using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Audit;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Features.Exports;

/// <summary>
/// Downloads of a project's data as CSV or XLSX under <c>/api/projects/{id}/exports/</c>. Passages,
/// storytellers (no personal details) and findings need <c>Project.View</c>; the storytellers file with
/// personal details (contact, access needs, facets) needs <c>Project.SeePersonalDetails</c> (leads, and
/// members a lead granted it: <see cref="ProjectAccess.CanSeePersonalDetails"/>). Every download is written
/// to the event log and the access log (ids and file kinds only).
/// </summary>
public static class ExportEndpoints
{
    public static readonly string[] Formats = ["csv", "xlsx"];

    public static string Path(int projectId, ExportKind kind, string format) =>
        $"/api/projects/{projectId}/exports/{ExportService.Slug(kind)}.{format}";

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/exports").WithTags("Exports");
        foreach (var format in Formats)
        {
            foreach (var kind in new[] { ExportKind.Passages, ExportKind.Storytellers, ExportKind.Findings })
                group.MapGet($"/{ExportService.Slug(kind)}.{format}", (int projectId, HttpContext http, ExportService exports, CurrentUser current,
                        StoryweaveDb db, AccessLog accessLog, TimeProvider clock, JobScratch scratch, CancellationToken ct) =>
                    DownloadAsync(projectId, kind, format, http, exports, current, db, accessLog, clock, scratch, ct))
                    .RequireAuthorization(Policies.ViewProject);

            group.MapGet($"/{ExportService.Slug(ExportKind.StorytellersWithContact)}.{format}", (int projectId, HttpContext http, ExportService exports,
                    CurrentUser current, StoryweaveDb db, AccessLog accessLog, TimeProvider clock, JobScratch scratch, CancellationToken ct) =>
                    DownloadAsync(projectId, ExportKind.StorytellersWithContact, format, http, exports, current, db, accessLog, clock, scratch, ct))
                .RequireAuthorization(Policies.SeePersonalDetails);
        }

        // The REFI-QDA project (QdpxExport): the same people and passages as the coded-passages file, so the same rule.
        group.MapGet("/" + QdpxExport.FileKind, DownloadQdpxAsync).RequireAuthorization(Policies.ViewProject);
    }

    public static string QdpxPath(int projectId) => $"/api/projects/{projectId}/exports/{QdpxExport.FileKind}";

    /// <summary>
    /// Streams the ZIP as it is written. The download is logged first (the counts are known before a byte is sent), so a
    /// file cut short by a closed connection is still on record.
    /// </summary>
    private static async Task DownloadQdpxAsync(int projectId, HttpContext http, QdpxExport qdpx, CurrentUser current, StoryweaveDb db,
        AccessLog accessLog, TimeProvider clock, CancellationToken ct)
    {
        var content = await qdpx.PrepareAsync(projectId, ct);
        if (content is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        db.Record(clock, projectId, current.Id, "export.downloaded", "export", QdpxExport.FileKind,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"stories:{content.Stories.Count};storytellers:{content.Cases.Count}"));
        await db.SaveChangesAsync(ct);
        await accessLog.RecordAsync(projectId, AccessActions.Exported, "export", QdpxExport.FileKind, ct);

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        http.Response.ContentType = QdpxExport.ContentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"project-{projectId}-{today}.qdpx\"";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-store";
        await qdpx.WriteAsync(content, http.Response.Body, ct);
    }

    private static async Task<IResult> DownloadAsync(int projectId, ExportKind kind, string format, HttpContext http, ExportService exports,
        CurrentUser current, StoryweaveDb db, AccessLog accessLog, TimeProvider clock, JobScratch scratch, CancellationToken ct)
    {
        var table = await exports.BuildAsync(projectId, kind, ct);
        var file = $"{ExportService.Slug(kind)}.{format}";
        // Memory (issue #17): the file is written to the project's job scratch folder (private, erased when the
        // download ends, at start-up after a crash, and on a withdrawal), then streamed from there; the writers are
        // synchronous and Kestrel allows only asynchronous writes to a response, and a file keeps a 20,000-row
        // export out of memory, where a byte array held it whole (twice, while it was copied out of its buffer).
        var work = scratch.ForProject(projectId, "export");
        Stream download;
        try
        {
            await using (var output = new FileStream(work.File(file), FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                if (format == "csv") CsvExport.Write(table, output);
                else XlsxExport.Write(table, output);
            }
            db.Record(clock, projectId, current.Id, "export.downloaded", "export", file, $"rows:{table.RowCount}");
            await db.SaveChangesAsync(ct);
            await accessLog.RecordAsync(projectId, AccessActions.Exported, "export", file, ct);
            download = work.OpenReadThenErase(file);
        }
        catch
        {
            work.Dispose();
            throw;
        }

        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-store";
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        // Results.File disposes the stream when the response ends (sent or abandoned), which erases the folder.
        return Results.File(download, format == "csv" ? CsvExport.ContentType : XlsxExport.ContentType,
            $"project-{projectId}-{ExportService.Slug(kind)}-{today}.{format}");
    }
}
