using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.Shared;

namespace Storyweave.Features.Stories;

public static class StoryTranscriptEndpoints
{
    public sealed record SaveRequest(int? Version, string? Format, IReadOnlyList<TranscriptService.CueInput>? Cues);
    public sealed record SavedDto(int Version);
    public sealed record ImportedDto(string Format, int Version, int Cues);
    public sealed record ConflictDto(int Version, string Message, IReadOnlyList<StoryEndpoints.CueDto> Current);

    public const string ConflictMessage =
        "Someone else saved this transcript while you were editing. Your changes are still here and have not been saved. " +
        "Compare with their version, then save again to keep yours.";

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/stories/{storyId:int}").WithTags("Transcripts");

        group.MapPut("/transcript", async (int projectId, int storyId, SaveRequest r, TranscriptService transcripts, StoryweaveDb db, CurrentUser current, CancellationToken ct) =>
        {
            if (r.Version is null) return ProjectEndpoints.Problem(["Send the version of the transcript your changes are based on."]);
            var outcome = await transcripts.SaveAsync(projectId, storyId, r.Cues ?? [], r.Version, r.Format ?? "edited", current.RequiredId, ct);
            if (outcome.Conflict)
            {
                var now = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position)
                    .Select(c => new StoryEndpoints.CueDto(c.Position, c.StartSeconds, c.EndSeconds, c.Speaker, c.Text, c.IsDraft)).ToListAsync(ct);
                return Results.Json(new ConflictDto(outcome.Version, ConflictMessage, now), statusCode: StatusCodes.Status409Conflict);
            }
            return outcome.Saved ? Results.Ok(new SavedDto(outcome.Version)) : ProjectEndpoints.Problem(outcome.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.GatherStories);

        // The import reads the same multipart upload as POST /api/transcripts/parse (see there for why
        // it is not bound as IFormFile), parses it, and stores it as the story's transcript.
        group.MapPost("/transcript/import", async (int projectId, int storyId, bool? replace, HttpRequest request, TranscriptImporter importer, CurrentUser current, CancellationToken ct) =>
        {
            var (upload, error) = await Transcripts.TranscriptEndpoints.ReadUploadAsync(request, null, ct);
            if (error is not null) return error;
            return await importer.ImportAsync(projectId, storyId, upload!.File, upload.FileName, upload.Format, replace == true, current.RequiredId, ct) switch
            {
                { Parsed: null, FormatError: { } e } => Transcripts.TranscriptEndpoints.Unparseable(e),
                { Errors.Count: > 0 } r => ProjectEndpoints.Problem(r.Errors, r.NeedsReplace ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity),
                var r => Results.Created($"/api/projects/{projectId}/stories/{storyId}", new ImportedDto(r.Parsed!.Format, r.Version, r.Parsed.Cues.Count)),
            };
        }).RequireAuthorization(Policies.GatherStories);

        // Captions for the transcript editor's player (team only, like the editor): the words and speaker
        // labels as saved, unredacted, as the editor itself shows them. The same cues as SRT for download.
        group.MapGet("/transcript/captions", (int projectId, int storyId, StoryweaveDb db, Audit.AccessLog accessLog, HttpContext http, CancellationToken ct) =>
            TeamCaptionsAsync(projectId, storyId, srt: false, db, accessLog, http, ct)).RequireAuthorization(Policies.GatherStories);
        group.MapGet("/transcript/captions.srt", (int projectId, int storyId, StoryweaveDb db, Audit.AccessLog accessLog, HttpContext http, CancellationToken ct) =>
            TeamCaptionsAsync(projectId, storyId, srt: true, db, accessLog, http, ct)).RequireAuthorization(Policies.GatherStories);

        group.MapPut("/speakers", async (int projectId, int storyId, IReadOnlyList<TranscriptService.SpeakerMapping> mappings, TranscriptService transcripts, CurrentUser current, CancellationToken ct) =>
        {
            var result = await transcripts.MapSpeakersAsync(projectId, storyId, mappings, current.RequiredId, ct);
            return result.Succeeded ? Results.NoContent() : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.GatherStories);
    }

    private static async Task<IResult> TeamCaptionsAsync(int projectId, int storyId, bool srt, StoryweaveDb db, Audit.AccessLog accessLog, HttpContext http, CancellationToken ct)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return Results.NotFound();
        var lines = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position)
            .Select(c => new WebVtt.Line(c.StartSeconds, c.EndSeconds, c.Speaker, c.Text)).ToListAsync(ct);
        await accessLog.RecordAsync(projectId, Audit.AccessActions.Viewed, "transcript", storyId, ct);
        http.Response.Headers.CacheControl = "no-store";
        if (!srt) return Results.Text(WebVtt.FromTranscript(lines), "text/vtt; charset=utf-8");
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"story-{storyId}.srt\"";
        return Results.Text(Srt.FromTranscript(lines), Srt.ContentType);
    }
}
