using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Transcription;

/// <summary>
/// Automatic first drafts over the API: ask for one, follow its progress, and choose what happens to a
/// draft that was kept aside. Reporters and leads (<see cref="Policies.GatherStories"/>), as for the editor.
/// </summary>
public static class DraftEndpoints
{
    public sealed record StartRequest(string? Engine, bool? Replace);

    public sealed record DraftDto(int Id, string Engine, string Status, double Progress, string Message, bool Finished, int Lines,
        double AudioSeconds, double ElapsedSeconds, DateTime CreatedAt, DateTime? CompletedAt, string PageUrl, string EditorUrl);

    public static DraftDto ToDto(DraftJob j) => new(j.Id, j.Engine, j.Status.ToString(), Math.Round(j.Progress, 3), DraftService.Describe(j),
        j.Status is not (DraftStatus.Queued or DraftStatus.Running), j.LineCount, j.AudioSeconds, Math.Round(j.ElapsedSeconds, 2), j.CreatedAt, j.CompletedAt,
        $"/projects/{j.ProjectId}/stories/{j.StoryId}/transcript/draft", $"/projects/{j.ProjectId}/stories/{j.StoryId}/transcript/edit");

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{projectId:int}/stories/{storyId:int}/transcript/draft").WithTags("Transcripts");

        group.MapPost("", async (int projectId, int storyId, [FromBody] StartRequest? r, DraftService drafts, CurrentUser current, CancellationToken ct) =>
        {
            var outcome = await drafts.StartAsync(projectId, storyId, r?.Engine, r?.Replace == true, current.RequiredId, enqueue: true, ct);
            return outcome.Succeeded
                ? Results.Accepted($"/api/projects/{projectId}/stories/{storyId}/transcript/draft/{outcome.Job!.Id}", ToDto(outcome.Job))
                : ProjectEndpoints.Problem(outcome.Errors, outcome.Status);
        }).RequireAuthorization(Policies.GatherStories);

        // The newest draft of the story (what the page polls).
        group.MapGet("", async (int projectId, int storyId, StoryweaveDb db, CancellationToken ct) =>
        {
            var job = await db.DraftJobs.AsNoTracking().Where(j => j.StoryId == storyId && j.ProjectId == projectId).OrderByDescending(j => j.Id).FirstOrDefaultAsync(ct);
            return job is null ? Results.NotFound() : Results.Ok(ToDto(job));
        }).RequireAuthorization(Policies.GatherStories);

        group.MapGet("/{jobId:int}", async (int projectId, int storyId, int jobId, StoryweaveDb db, CancellationToken ct) =>
        {
            var job = await db.DraftJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId && j.StoryId == storyId && j.ProjectId == projectId, ct);
            return job is null ? Results.NotFound() : Results.Ok(ToDto(job));
        }).RequireAuthorization(Policies.GatherStories);

        group.MapPost("/{jobId:int}/apply", async (int projectId, int storyId, int jobId, DraftService drafts, CurrentUser current, CancellationToken ct) =>
        {
            var outcome = await drafts.ApplyAsync(projectId, storyId, jobId, current.RequiredId, ct);
            return outcome.Succeeded ? Results.Ok(ToDto(outcome.Job!)) : ProjectEndpoints.Problem(outcome.Errors, outcome.Status);
        }).RequireAuthorization(Policies.GatherStories);

        group.MapPost("/{jobId:int}/discard", async (int projectId, int storyId, int jobId, DraftService drafts, CurrentUser current, CancellationToken ct) =>
        {
            var outcome = await drafts.DiscardAsync(projectId, storyId, jobId, current.RequiredId, ct);
            return outcome.Succeeded ? Results.Ok(ToDto(outcome.Job!)) : ProjectEndpoints.Problem(outcome.Errors, outcome.Status);
        }).RequireAuthorization(Policies.GatherStories);
    }
}
