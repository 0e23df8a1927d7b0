using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

public static class StoryEndpoints
{
    public sealed record StorytellerDto(int Id, string Name, string SelfDescription);
    public sealed record StorySummaryDto(int Id, string Title, DateOnly? RecordedOn, IReadOnlyList<int> StorytellerIds, int CueCount);
    /// <summary>A transcript line. <c>IsDraft</c>: machine-made, not yet checked by a person.</summary>
    public sealed record CueDto(int Position, double? Start, double? End, string Speaker, string Text, bool IsDraft = false);
    public sealed record SpeakerDto(string Label, int? StorytellerId, bool IsReporter);
    public sealed record StoryDto(int Id, string Title, DateOnly? RecordedOn, int? SessionId, string CopyNote, int? CopiedFromStoryId, int TranscriptVersion,
        string? TranscriptFormat, IReadOnlyList<StorytellerDto> Storytellers, IReadOnlyList<SpeakerDto> Speakers, IReadOnlyList<CueDto> Cues);

    public static void Map(RouteGroupBuilder api)
    {
        MapCopy(api);
        var group = api.MapGroup("/projects/{projectId:int}").WithTags("Stories").RequireAuthorization(Policies.ViewProject);

        group.MapGet("/stories", async (int projectId, StoryweaveDb db, CancellationToken ct) =>
            Results.Ok(await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).OrderBy(s => s.Id)
                .Select(s => new StorySummaryDto(s.Id, s.Title, s.RecordedOn, s.Storytellers.Select(x => x.StorytellerId).ToList(), s.Cues.Count))
                .ToListAsync(ct)));

        group.MapGet("/stories/{storyId:int}", async (int projectId, int storyId, StoryweaveDb db, Audit.AccessLog accessLog, CancellationToken ct) =>
        {
            var story = await StoryQueries.LoadAsync(db, projectId, storyId, ct);
            if (story is null) return Results.NotFound();
            await accessLog.RecordAsync(projectId, Audit.AccessActions.Viewed, "story", storyId, ct);
            return Results.Ok(ToDto(story));
        });
    }

    public sealed record CopyRequest(int SourceProjectId, IReadOnlyList<int>? StoryIds);

    public static void MapCopy(RouteGroupBuilder api) =>
        api.MapPost("/projects/{projectId:int}/stories/copy", async (int projectId, CopyRequest r, StoryCopyService copier, ProjectAccessService access, Accounts.CurrentUser current, CancellationToken ct) =>
        {
            if (!(await access.ForProjectAsync(r.SourceProjectId, ct)).CanView)
                return ProjectEndpoints.Problem(["You cannot see the project you want to copy from."], StatusCodes.Status403Forbidden);
            var result = await copier.CopyAsync(projectId, r.SourceProjectId, r.StoryIds ?? [], current.RequiredId, ct);
            return result.Succeeded ? Results.Ok(new { storyIds = result.Value }) : ProjectEndpoints.Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).WithTags("Stories").RequireAuthorization(Policies.GatherStories);

    public static StoryDto ToDto(Story s) => new(s.Id, s.Title, s.RecordedOn, s.SessionId, s.CopyNote, s.CopiedFromStoryId, s.TranscriptVersion, s.TranscriptFormat,
        s.Storytellers.Select(x => new StorytellerDto(x.Storyteller!.Id, x.Storyteller.Name, x.Storyteller.SelfDescription)).ToList(),
        s.Speakers.OrderBy(l => l.Label, StringComparer.Ordinal).Select(l => new SpeakerDto(l.Label, l.StorytellerId, l.IsReporter)).ToList(),
        s.Cues.OrderBy(c => c.Position).Select(c => new CueDto(c.Position, c.StartSeconds, c.EndSeconds, c.Speaker, c.Text, c.IsDraft)).ToList());
}

public static class StoryQueries
{
    /// <summary>One story of one project, with its storytellers and cues. Null when it is not in that project.</summary>
    public static Task<Story?> LoadAsync(StoryweaveDb db, int projectId, int storyId, CancellationToken ct) =>
        db.Stories.AsNoTracking().AsSplitQuery()
            .Include(s => s.Storytellers).ThenInclude(x => x.Storyteller)
            .Include(s => s.Cues)
            .Include(s => s.Speakers)
            .Include(s => s.Session)
            .SingleOrDefaultAsync(s => s.Id == storyId && s.ProjectId == projectId, ct);
}
