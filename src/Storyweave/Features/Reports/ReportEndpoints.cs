using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Audit;
using Storyweave.Features.Codebook;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Reports;

/// <summary>Reports and their files. Reading and downloading: Project.View; editing and generating: Project.Publish.</summary>
public static partial class ReportEndpoints
{
    /// <param name="Kind">The template: Full, Overview or Summary.</param>
    /// <param name="KeyThemeIds">Overview and summary: the main themes to feature as key findings (none: those found in most stories).</param>
    public sealed record CreateRequest(ReportKind? Kind, string? Title, IReadOnlyList<int>? KeyThemeIds = null);
    public sealed record UpdateRequest(string? Title, string? Version, DateOnly? Date);

    /// <param name="AfterSectionId">Add it right after this section (at the same level); none: at the end of the outline.</param>
    /// <param name="Matrix">A "Matrix" section's whole table (headings, rows, one quote or null per column); left out: the table stays as it is.</param>
    public sealed record SectionRequest(ReportSectionKind? Kind, string? Title, string? Body, int? ThemeId, string? Setting, int? AfterSectionId = null, ReportMatrix? Matrix = null);

    /// <summary>A section in reading order: <paramref name="Depth"/> 0 is top level; <paramref name="Heading"/> is what the files show.</summary>
    /// <param name="Matrix">A "Matrix" section's table with each column's quote as the files show it; null for other kinds.</param>
    public sealed record SectionDto(int Id, int? ParentId, int Position, int Depth, ReportSectionKind Kind, string Title, string Heading, string Body, int? ThemeId, string Setting, MatrixDto? Matrix = null);

    /// <summary>A table the curator writes: <paramref name="Quotes"/> has one entry per column (null: no quote chosen).</summary>
    public sealed record MatrixDto(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<MatrixQuoteDto?> Quotes);

    /// <summary>A column's chosen quote: <paramref name="Included"/> false when consent (or its removal) keeps it out of the files, with the reason.</summary>
    public sealed record MatrixQuoteDto(int? PassageId, int? KeyQuoteId, string Text, bool Included, string Credit, string? LeftOutReason);

    /// <summary>How a fill from value for all went: the section, the rows written and the changes beyond the table's row limit.</summary>
    public sealed record FillDto(SectionDto Section, int Rows, int LeftOut);
    /// <param name="Note">Shown with the quote in the report; needed when the quote is not coded with the theme (it says why it fits).</param>
    public sealed record AddQuoteRequest(int? PassageId, int? KeyQuoteId, string? Note = null);
    public sealed record MoveRequest(string? Direction);
    public sealed record GenerateRequest(ReportFormat? Format);

    public sealed record QuoteDto(int Id, int? PassageId, int? KeyQuoteId, string Text, bool Included, string Credit, string? LeftOutReason, string Note = "");

    /// <summary>A theme at any depth (sub-themes follow their parent), with the quotes chosen for it in order.</summary>
    public sealed record ThemeDto(int ThemeId, string Name, IReadOnlyList<QuoteDto> Quotes, int? ParentId = null, int Depth = 0);
    /// <summary>
    /// <paramref name="MadeBeforeLatestChanges"/>: the report was edited after this file was built (it can still be
    /// downloaded; make it again to include the edits). <paramref name="Superseded"/>: a newer file of the same format
    /// took its place; it has no <paramref name="DownloadUrl"/> (leads ask for it with <c>?earlier=true</c>).
    /// </summary>
    public sealed record FileDto(int Id, int ReportId, ReportFormat Format, OutputStatus Status, double Progress, string ProgressText, long SizeBytes,
        DateTime CreatedAt, DateTime? CompletedAt, bool OutOfDate, string OutOfDateReason, string Error, string? DownloadUrl,
        bool MadeBeforeLatestChanges, bool Superseded);
    public sealed record ReportDto(int Id, ReportKind Kind, string Title, string Version, DateOnly Date, DateTime UpdatedAt, IReadOnlyList<SectionDto> Sections,
        IReadOnlyList<ThemeDto> Themes, IReadOnlyList<FileDto> Files, IReadOnlyList<PartnerDto>? Partners = null);

    /// <summary>A partner organisation in the credits: <paramref name="Role"/> such as "Funded by"; <paramref name="Link"/> "" when none.</summary>
    public sealed record PartnerDto(int Id, string Name, string Role, string Link);
    public sealed record PartnerRequest(string? Name, string? Role, string? Link);
    /// <summary>The whole list, in order: it replaces the report's partners.</summary>
    public sealed record PartnersRequest(IReadOnlyList<PartnerRequest>? Partners);
    public sealed record SummaryDto(int Id, ReportKind Kind, string Title, string Version, DateOnly Date, DateTime UpdatedAt, int Files);
    public sealed record CandidateDto(int? PassageId, int? KeyQuoteId, int StoryId, string StoryTitle, string Kind, string Text, bool Allowed, string Credit, string Reason);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}").WithTags("Reports");

        group.MapGet("/reports", async (int projectId, ReportService reports, CancellationToken ct) =>
            Results.Ok((await reports.ListAsync(projectId, ct)).Select(r => new SummaryDto(r.Id, r.Kind, r.Title, r.Version, r.Date, r.UpdatedAt, r.Files.Count(f => f.SupersededAt == null)))))
            .RequireAuthorization(Policies.ViewProject);

        group.MapPost("/reports", async (int projectId, CreateRequest r, ReportService reports, CurrentUser current, ReportContentBuilder builder, StoryweaveDb db, CancellationToken ct) =>
        {
            if (r.Kind is null) return ProjectEndpoints.Problem(["Choose the kind of report: Full, Overview or Summary."], StatusCodes.Status422UnprocessableEntity);
            var result = await reports.CreateAsync(projectId, r.Kind.Value, r.Title, current.RequiredId, r.KeyThemeIds, ct);
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            return Results.Created($"/api/projects/{projectId}/reports/{result.Value!.Id}", await ToDtoAsync(db, builder, reports, result.Value, ct));
        }).RequireAuthorization(Policies.Publish);

        group.MapGet("/reports/{reportId:int}", async (int projectId, int reportId, ReportService reports, ReportContentBuilder builder, StoryweaveDb db, CancellationToken ct) =>
            await reports.FindAsync(projectId, reportId, ct) is { } report ? Results.Ok(await ToDtoAsync(db, builder, reports, report, ct)) : Results.NotFound())
            .RequireAuthorization(Policies.ViewProject);

        group.MapPut("/reports/{reportId:int}", async (int projectId, int reportId, UpdateRequest r, ReportService reports, CurrentUser current, ReportContentBuilder builder, StoryweaveDb db, CancellationToken ct) =>
        {
            var result = await reports.UpdateAsync(projectId, reportId, new ReportService.TextsInput(r.Title, r.Version, r.Date), current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(await ToDtoAsync(db, builder, reports, result.Value!, ct)) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Publish);

        group.MapDelete("/reports/{reportId:int}", async (int projectId, int reportId, ReportService reports, CurrentUser current, CancellationToken ct) =>
            await reports.DeleteAsync(projectId, reportId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.Publish);

        // The outline: same rules as the report's other edits (read: Project.View; change: Project.Publish).
        group.MapGet("/reports/{reportId:int}/sections", async (int projectId, int reportId, ReportService reports, ReportContentBuilder builder, CancellationToken ct) =>
            await reports.OutlineAsync(projectId, reportId, ct) is { } outline ? Results.Ok(await SectionDtosAsync(builder, projectId, outline, ct)) : Results.NotFound())
            .RequireAuthorization(Policies.ViewProject);

        group.MapPost("/reports/{reportId:int}/sections", async (int projectId, int reportId, SectionRequest r, ReportService reports, ReportContentBuilder builder, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reports.AddSectionAsync(projectId, reportId, new ReportService.SectionInput(r.Kind, r.Title, r.Body, r.ThemeId, r.Setting, r.Matrix), r.AfterSectionId, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            var dto = await SectionDtoAsync(reports, builder, projectId, reportId, result.Value!.Id, ct);
            return Results.Created($"/api/projects/{projectId}/reports/{reportId}/sections/{dto.Id}", dto);
        }).RequireAuthorization(Policies.Publish);

        group.MapPut("/reports/{reportId:int}/sections/{sectionId:int}", async (int projectId, int reportId, int sectionId, SectionRequest r, ReportService reports, ReportContentBuilder builder, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reports.UpdateSectionAsync(projectId, reportId, sectionId, new ReportService.SectionInput(r.Kind, r.Title, r.Body, r.ThemeId, r.Setting, r.Matrix), current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            return Results.Ok(await SectionDtoAsync(reports, builder, projectId, reportId, sectionId, ct));
        }).RequireAuthorization(Policies.Publish);

        // A matrix section ("Table you write"): fill its rows from the value-for-all changes review sheets record (replacing them).
        group.MapPost("/reports/{reportId:int}/sections/{sectionId:int}/matrix/fill", async (int projectId, int reportId, int sectionId, ReportService reports, ReportContentBuilder builder, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reports.FillMatrixFromValueForAllAsync(projectId, reportId, sectionId, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            if (!result.Succeeded) return ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            return Results.Ok(new FillDto(await SectionDtoAsync(reports, builder, projectId, reportId, sectionId, ct), result.Value!.Rows, result.Value.LeftOut));
        }).RequireAuthorization(Policies.Publish);

        // The quotes a table's columns may show (quotable now, with the credit each storyteller chose); like a theme's candidates, for curators.
        group.MapGet("/reports/{reportId:int}/matrix-candidates", async (int projectId, int reportId, ReportService reports, CancellationToken ct) =>
            await reports.FindAsync(projectId, reportId, ct) is null ? Results.NotFound()
                : Results.Ok((await reports.MatrixCandidatesAsync(projectId, ct)).Select(c => new CandidateDto(c.PassageId, c.KeyQuoteId, c.StoryId, c.StoryTitle, c.Kind, c.Text, c.Allowed, c.Credit, c.Reason))))
            .RequireAuthorization(Policies.Publish);

        group.MapPost("/reports/{reportId:int}/sections/{sectionId:int}/move", async (int projectId, int reportId, int sectionId, MoveRequest r, ReportService reports, ReportContentBuilder builder, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reports.MoveSectionAsync(projectId, reportId, sectionId, r.Direction, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(await SectionDtosAsync(builder, projectId, (await reports.OutlineAsync(projectId, reportId, ct))!, ct)) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Publish);

        group.MapDelete("/reports/{reportId:int}/sections/{sectionId:int}", async (int projectId, int reportId, int sectionId, ReportService reports, CurrentUser current, CancellationToken ct) =>
            await reports.DeleteSectionAsync(projectId, reportId, sectionId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.Publish);

        // Partners named in the credits: read with Project.View; the whole list is replaced with Project.Publish.
        group.MapGet("/reports/{reportId:int}/partners", async (int projectId, int reportId, ReportService reports, CancellationToken ct) =>
            await reports.FindAsync(projectId, reportId, ct) is null ? Results.NotFound() : Results.Ok((await reports.PartnersAsync(reportId, ct)).Select(ToDto)))
            .RequireAuthorization(Policies.ViewProject);

        group.MapPut("/reports/{reportId:int}/partners", async (int projectId, int reportId, PartnersRequest r, ReportService reports, CurrentUser current, CancellationToken ct) =>
        {
            if (r.Partners is null) return ProjectEndpoints.Problem(["Send the list of partners (\"partners\": [] for none)."], StatusCodes.Status422UnprocessableEntity);
            var result = await reports.SetPartnersAsync(projectId, reportId, r.Partners.Select(p => new ReportService.PartnerInput(p?.Name, p?.Role, p?.Link)).ToList(), current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(result.Value!.Select(ToDto)) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Publish);

        group.MapGet("/reports/{reportId:int}/themes/{themeId:int}/candidates", async (int projectId, int reportId, int themeId, ReportService reports, CancellationToken ct) =>
        {
            if (await reports.FindAsync(projectId, reportId, ct) is null) return Results.NotFound();
            var list = await reports.CandidatesAsync(projectId, themeId, ct);
            return list is null ? Results.NotFound()
                : Results.Ok(list.Select(c => new CandidateDto(c.PassageId, c.KeyQuoteId, c.StoryId, c.StoryTitle, c.Kind, c.Text, c.Allowed, c.Credit, c.Reason)));
        }).RequireAuthorization(Policies.Publish);

        group.MapPost("/reports/{reportId:int}/themes/{themeId:int}/quotes", async (int projectId, int reportId, int themeId, AddQuoteRequest r, ReportService reports, CurrentUser current, CancellationToken ct) =>
        {
            var result = await reports.AddQuoteAsync(projectId, reportId, themeId, r.PassageId, r.KeyQuoteId, r.Note, current.RequiredId, ct);
            if (result is null) return Results.NotFound();
            return result.Succeeded ? Results.Ok(new { id = result.Value!.Id, position = result.Value.Position }) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.Publish);

        group.MapPost("/reports/{reportId:int}/quotes/{quoteId:int}/move", async (int projectId, int reportId, int quoteId, MoveRequest r, ReportService reports, CurrentUser current, CancellationToken ct) =>
        {
            var direction = r.Direction switch { "up" => -1, "down" => 1, _ => 0 };
            if (direction == 0) return ProjectEndpoints.Problem(["Say which way to move the quote: \"up\" or \"down\"."], StatusCodes.Status422UnprocessableEntity);
            return await reports.MoveQuoteAsync(projectId, reportId, quoteId, direction, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound();
        }).RequireAuthorization(Policies.Publish);

        group.MapDelete("/reports/{reportId:int}/quotes/{quoteId:int}", async (int projectId, int reportId, int quoteId, ReportService reports, CurrentUser current, CancellationToken ct) =>
            await reports.RemoveQuoteAsync(projectId, reportId, quoteId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.Publish);

        group.MapPost("/reports/{reportId:int}/files", async (int projectId, int reportId, GenerateRequest r, ReportService reports, CurrentUser current, CancellationToken ct) =>
        {
            if (r.Format is not { } format || !Enum.IsDefined(format))
                return ProjectEndpoints.Problem(["Choose a format: Docx, Pdf, Html or Markdown."], StatusCodes.Status422UnprocessableEntity);
            var file = await reports.GenerateAsync(projectId, reportId, format, current.RequiredId, ct);
            return file is null ? Results.NotFound() : Results.Accepted(FileUrl(projectId, file.Id), ToDto(file));
        }).RequireAuthorization(Policies.Publish);

        group.MapGet("/reports/{reportId:int}/files", async (int projectId, int reportId, ReportService reports, StoryweaveDb db, CancellationToken ct) =>
        {
            if (await reports.FindAsync(projectId, reportId, ct) is null) return Results.NotFound();
            return Results.Ok((await FilesAsync(db, reportId, ct)).Select(ToDto));
        }).RequireAuthorization(Policies.ViewProject);

        group.MapGet("/report-files/{fileId:int}", async (int projectId, int fileId, StoryweaveDb db, CancellationToken ct) =>
            await db.ReportFiles.AsNoTracking().Include(f => f.Report).SingleOrDefaultAsync(f => f.Id == fileId && f.ProjectId == projectId, ct) is { } file ? Results.Ok(ToDto(file)) : Results.NotFound())
            .RequireAuthorization(Policies.ViewProject);

        group.MapPost("/report-files/{fileId:int}/regenerate", async (int projectId, int fileId, ReportService reports, CurrentUser current, CancellationToken ct) =>
            await reports.RegenerateAsync(projectId, fileId, current.RequiredId, ct) is { } file ? Results.Accepted(FileUrl(projectId, file.Id), ToDto(file)) : Results.NotFound())
            .RequireAuthorization(Policies.Publish);

        group.MapDelete("/report-files/{fileId:int}", async (int projectId, int fileId, ReportService reports, CurrentUser current, CancellationToken ct) =>
            await reports.DeleteFileAsync(projectId, fileId, current.RequiredId, ct) ? Results.NoContent() : Results.NotFound())
            .RequireAuthorization(Policies.Publish);

        group.MapGet("/report-files/{fileId:int}/content", DownloadAsync).RequireAuthorization(Policies.ViewProject);
    }

    public const string SupersededText = "A newer file of the same format has replaced this one. Download the current file from the report's page; "
        + "project leads can still open this earlier version under \u201cEarlier versions\u201d there.";

    /// <summary>
    /// A download checks consent again first: a file no longer allowed is 410 Gone with the reason
    /// (whether or not a consent hook already marked it). A superseded file is 410 too, unless a lead asks
    /// for it on purpose (<paramref name="earlier"/>). Every download is logged.
    /// </summary>
    public static async Task<IResult> DownloadAsync(int projectId, int fileId, bool? earlier, HttpContext http, StoryweaveDb db, ReportStaleness staleness, ReportStorage storage,
        CurrentUser current, ProjectAccessService access, TimeProvider clock, CancellationToken ct)
    {
        var file = await db.ReportFiles.AsNoTracking().Include(f => f.Report).SingleOrDefaultAsync(f => f.Id == fileId && f.ProjectId == projectId, ct);
        if (file is null) return Results.NotFound();
        if (file.SupersededAt is not null)
        {
            if (earlier != true) return ProjectEndpoints.Problem([SupersededText], StatusCodes.Status410Gone);
            if (!(await access.ForProjectAsync(projectId, ct)).CanPublish)
                return ProjectEndpoints.Problem(["Only project leads can download earlier versions of a report's files."], StatusCodes.Status403Forbidden);
        }
        if (file.Status != OutputStatus.Ready)
        {
            var message = file.Status == OutputStatus.Failed ? file.Error : "This file is still being made. Try again when it says Ready.";
            return ProjectEndpoints.Problem([message], StatusCodes.Status409Conflict);
        }
        if (await staleness.CheckFileAsync(file, ct) is { } reason) return ProjectEndpoints.Problem([reason], StatusCodes.Status410Gone);
        if (storage.PathOf(file) is not { } path || !File.Exists(path))
            return ProjectEndpoints.Problem(["The file is missing from the server's data folder. Regenerate it."], StatusCodes.Status404NotFound);

        var now = clock.GetUtcNow().UtcDateTime;
        db.Record(clock, projectId, current.Id, "report-file.downloaded", "report-file", file.Id);
        db.AccessLog.Add(new AccessLogEntry { ProjectId = projectId, At = now, UserId = current.Id, Action = "downloaded", TargetType = "report-file", TargetId = file.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await db.SaveChangesAsync(ct);

        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-store";
        return Results.File(path, ReportStorage.ContentType(file.Format), DownloadName(file.Report!, file.Format));
    }

    /// <summary>e.g. "value-of-co-production-overview-v1.0.docx": letters, digits and hyphens only.</summary>
    public static string DownloadName(Report report, ReportFormat format)
    {
        var slug = NotSlug().Replace(report.Title.ToLowerInvariant(), "-").Trim('-');
        if (slug.Length > 60) slug = slug[..60].Trim('-');
        if (slug.Length == 0) slug = "report";
        var version = NotSlug().Replace(report.Version.ToLowerInvariant(), "-").Trim('-');
        return $"{slug}{(version.Length > 0 ? "-v" + version : "")}{ReportStorage.Extension(format)}";
    }

    [GeneratedRegex("[^a-z0-9.]+")]
    private static partial Regex NotSlug();

    /// <summary>Shown instead of a picked quote's words once the storyteller no longer agrees to analysis.</summary>
    public const string HiddenText = "(Words hidden: the storyteller no longer agrees to their story being used.)";

    public static string FileUrl(int projectId, int fileId) => $"/api/projects/{projectId}/report-files/{fileId}";

    /// <summary>The report's files, newest first, each with its report (for <see cref="MadeBeforeLatestChanges"/>); superseded ones included.</summary>
    public static Task<List<ReportFile>> FilesAsync(StoryweaveDb db, int reportId, CancellationToken ct) =>
        db.ReportFiles.AsNoTracking().Include(f => f.Report).Where(f => f.ReportId == reportId).OrderByDescending(f => f.Id).ToListAsync(ct);

    /// <summary>A ready file built before the report's latest edit (texts, quotes or their order). Needs <see cref="ReportFile.Report"/> loaded.</summary>
    public static bool MadeBeforeLatestChanges(ReportFile f) =>
        f.Status == OutputStatus.Ready && f.OutOfDateAt is null && f.Report is { } r && f.ContentVersion < r.ContentVersion;

    public static FileDto ToDto(ReportFile f) => new(f.Id, f.ReportId, f.Format, f.Status, f.Progress, f.ProgressText, f.SizeBytes, f.CreatedAt, f.CompletedAt,
        f.OutOfDateAt is not null, f.OutOfDateReason, f.Error,
        f.Status == OutputStatus.Ready && f.OutOfDateAt is null && f.SupersededAt is null ? FileUrl(f.ProjectId, f.Id) + "/content" : null,
        MadeBeforeLatestChanges(f), f.SupersededAt is not null);

    public static PartnerDto ToDto(ReportPartner p) => new(p.Id, p.Name, p.Role, p.Link);

    public static SectionDto ToDto(ReportService.OutlineEntry e, IReadOnlyDictionary<ReportMatrixQuote, ReportContentBuilder.MatrixQuoteView>? quotes = null) =>
        new(e.Section.Id, e.Section.ParentId, e.Section.Position, e.Depth, e.Section.Kind, e.Section.Title, e.Heading, e.Section.Body, e.Section.ThemeId, e.Section.Setting,
            e.Section.Kind == ReportSectionKind.Matrix ? ToDto(ReportMatrix.Parse(e.Section.Matrix), quotes ?? new Dictionary<ReportMatrixQuote, ReportContentBuilder.MatrixQuoteView>()) : null);

    public static MatrixDto ToDto(ReportMatrix m, IReadOnlyDictionary<ReportMatrixQuote, ReportContentBuilder.MatrixQuoteView> quotes) =>
        new(m.Columns, m.Rows, m.Quotes.Select(q => q is null ? null : quotes.TryGetValue(q, out var v)
            ? new MatrixQuoteDto(q.PassageId, q.KeyQuoteId, v.Answer.TeamMaySee ? v.Text : HiddenText, v.Answer.Allowed, v.Answer.Allowed ? v.Answer.Credit : "", v.Answer.Allowed ? null : v.Answer.Reason)
            : new MatrixQuoteDto(q.PassageId, q.KeyQuoteId, "", false, "", ReportContentBuilder.MatrixQuoteGone)).ToList());

    /// <summary>The outline's sections, with every matrix section's quotes resolved through consent in one go.</summary>
    public static async Task<List<SectionDto>> SectionDtosAsync(ReportContentBuilder builder, int projectId, IReadOnlyList<ReportService.OutlineEntry> outline, CancellationToken ct)
    {
        var quotes = await builder.MatrixQuotesAsync(projectId, outline.Where(e => e.Section.Kind == ReportSectionKind.Matrix)
            .SelectMany(e => ReportMatrix.Parse(e.Section.Matrix).Quotes).OfType<ReportMatrixQuote>(), ct);
        return outline.Select(e => ToDto(e, quotes)).ToList();
    }

    private static async Task<SectionDto> SectionDtoAsync(ReportService reports, ReportContentBuilder builder, int projectId, int reportId, int sectionId, CancellationToken ct) =>
        (await SectionDtosAsync(builder, projectId, (await reports.OutlineAsync(projectId, reportId, ct))!, ct)).Single(s => s.Id == sectionId);

    public static async Task<ReportDto> ToDtoAsync(StoryweaveDb db, ReportContentBuilder builder, ReportService reports, Report r, CancellationToken ct)
    {
        var themes = await builder.TopThemesAsync(r.ProjectId, ct);
        var picked = (await builder.PickedQuotesAsync(r.Id, r.ProjectId, ct)).ToLookup(q => q.ThemeId);
        var files = await FilesAsync(db, r.Id, ct);
        var outline = await reports.OutlineAsync(r.ProjectId, r.Id, ct) ?? [];
        return new ReportDto(r.Id, r.Kind, r.Title, r.Version, r.Date, r.UpdatedAt, await SectionDtosAsync(builder, r.ProjectId, outline, ct),
            CodebookService.Flatten(themes).Select(x => new ThemeDto(x.Node.Theme.Id, x.Node.Theme.Name, picked[x.Node.Theme.Id].OrderBy(q => q.Position)
                .Select(q => new QuoteDto(q.ReportQuoteId, q.PassageId, q.KeyQuoteId, q.Answer.TeamMaySee ? q.Text : HiddenText, q.Answer.Allowed, q.Answer.Allowed ? q.Answer.Credit : "", q.Answer.Allowed ? null : q.Answer.Reason, q.Note)).ToList(),
                x.Node.Theme.ParentId, x.Depth)).ToList(),
            files.Select(ToDto).ToList(), (await reports.PartnersAsync(r.Id, ct)).Select(ToDto).ToList());
    }
}
