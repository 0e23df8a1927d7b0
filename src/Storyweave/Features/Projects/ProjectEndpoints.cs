using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Projects;

public static class ProjectEndpoints
{
    public sealed record ProjectDto(int Id, string Name, string Slug, string Description, string ResearchQuestion,
        string ConversationStarter, DateOnly? StartDate, DateOnly? EndDate, bool IsSample, bool Archived, DateTime CreatedAt, ProjectRole? MyRole);
    public sealed record ProjectRequest(string? Name, string? Description, string? ResearchQuestion, string? ConversationStarter, DateOnly? StartDate, DateOnly? EndDate);
    /// <param name="MaySeePersonalDetails">Whether this member sees storytellers' personal details (leads always; others when granted).</param>
    public sealed record MemberDto(string UserId, string Email, string DisplayName, ProjectRole Role, DateTime AddedAt, bool MaySeePersonalDetails = false);

    public sealed record PersonalDetailsRequest(bool? Allow);
    public sealed record MemberRequest(string? Email, ProjectRole? Role);
    public sealed record ErrorsDto(IReadOnlyList<ErrorDto> Errors);
    public sealed record ErrorDto(string Message);

    public static IResult Problem(IEnumerable<string> errors, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new ErrorsDto(errors.Select(e => new ErrorDto(e)).ToList()), statusCode: status);

    public static void Map(RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("Projects");

        projects.MapGet("", async (CurrentUser current, StoryweaveDb db, bool? includeArchived, CancellationToken ct) =>
        {
            var user = await current.GetAsync(ct);
            if (user is null) return Results.Unauthorized();
            var list = await VisibleTo(db, user)
                .Where(p => includeArchived == true || p.ArchivedAt == null)
                .OrderBy(p => p.Name)
                .Select(p => new { Project = p, Role = p.Members.Where(m => m.UserId == user.Id).Select(m => (ProjectRole?)m.Role).FirstOrDefault() })
                .ToListAsync(ct);
            return Results.Ok(list.Select(x => ToDto(x.Project, x.Role)));
        }).RequireAuthorization(Policies.SignedIn);

        projects.MapPost("", async (ProjectRequest request, CurrentUser current, ProjectService service, StoryweaveDb db, CancellationToken ct) =>
        {
            if (!await Admin.ProjectStarters.MayStartAsync(db, await current.GetAsync(ct), ct))
                return Problem([Admin.ProjectStarters.Refusal], StatusCodes.Status403Forbidden);
            var result = await service.CreateAsync(ToDetails(request), current.RequiredId, ct: ct);
            return result.Succeeded
                ? Results.Created($"/api/projects/{result.Value!.Id}", ToDto(result.Value, ProjectRole.Lead))
                : Problem(result.Errors);
        }).RequireAuthorization(Policies.SignedIn);

        projects.MapGet("/{projectId:int}", async (int projectId, StoryweaveDb db, ProjectAccessService access, CancellationToken ct) =>
        {
            // An administrator is let through to a project that does not exist (members get a 403): a 404, not a server error.
            var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
            return project is null ? Results.NotFound() : Results.Ok(ToDto(project, (await access.ForProjectAsync(projectId, ct)).Role));
        }).RequireAuthorization(Policies.ViewProject);

        projects.MapPut("/{projectId:int}", async (int projectId, ProjectRequest request, CurrentUser current, ProjectService service, ProjectAccessService access, CancellationToken ct) =>
        {
            var result = await service.UpdateAsync(projectId, ToDetails(request), current.RequiredId, ct);
            return result.Succeeded ? Results.Ok(ToDto(result.Value!, (await access.ForProjectAsync(projectId, ct)).Role)) : Problem(result.Errors);
        }).RequireAuthorization(Policies.ManageProject);

        projects.MapPost("/{projectId:int}/archive", async (int projectId, CurrentUser current, ProjectService service, CancellationToken ct) =>
        {
            await service.SetArchivedAsync(projectId, true, current.RequiredId, ct);
            return Results.NoContent();
        }).RequireAuthorization(Policies.ManageProject);

        projects.MapPost("/{projectId:int}/unarchive", async (int projectId, CurrentUser current, ProjectService service, CancellationToken ct) =>
        {
            await service.SetArchivedAsync(projectId, false, current.RequiredId, ct);
            return Results.NoContent();
        }).RequireAuthorization(Policies.ManageProject);

        projects.MapGet("/{projectId:int}/members", async (int projectId, StoryweaveDb db, CancellationToken ct) =>
            Results.Ok(await MembersAsync(db, projectId, ct))).RequireAuthorization(Policies.ViewProject);

        projects.MapPut("/{projectId:int}/members", async (int projectId, MemberRequest request, CurrentUser current, ProjectService service, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Email) || request.Role is null)
                return Problem(["Give the person's email address and a role (Lead, CommunityReporter, Analyst or Viewer)."]);
            var result = await service.SetMemberAsync(projectId, request.Email, request.Role.Value, current.RequiredId, ct);
            if (!result.Succeeded) return Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
            var m = result.Value!;
            return Results.Ok(new MemberDto(m.UserId, m.User!.Email ?? "", m.User.DisplayName, m.Role, m.AddedAt));
        }).RequireAuthorization(Policies.ManageProject);

        projects.MapPut("/{projectId:int}/members/{userId}/personal-details", async (int projectId, string userId, PersonalDetailsRequest request, CurrentUser current,
            ProjectService service, CancellationToken ct) =>
        {
            if (request.Allow is not { } allow) return Problem(["Say whether this member may see storytellers' personal details: {\"allow\": true} or {\"allow\": false}."]);
            var result = await service.SetPersonalDetailsAccessAsync(projectId, userId, allow, current.RequiredId, ct);
            return result.Succeeded ? Results.NoContent() : Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);

        projects.MapDelete("/{projectId:int}/members/{userId}", async (int projectId, string userId, CurrentUser current, ProjectService service, CancellationToken ct) =>
        {
            var result = await service.RemoveMemberAsync(projectId, userId, current.RequiredId, ct);
            return result.Succeeded ? Results.NoContent() : Problem(result.Errors, StatusCodes.Status422UnprocessableEntity);
        }).RequireAuthorization(Policies.ManageProject);
    }

    /// <summary>Projects the user may see: all for an admin, otherwise those they are a member of.</summary>
    public static IQueryable<Project> VisibleTo(StoryweaveDb db, User user) =>
        user.IsAdmin ? db.Projects.AsNoTracking() : db.Projects.AsNoTracking().Where(p => p.Members.Any(m => m.UserId == user.Id));

    public static async Task<List<MemberDto>> MembersAsync(StoryweaveDb db, int projectId, CancellationToken ct) =>
        (await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId)
            .Select(m => new MemberDto(m.UserId, m.User!.Email ?? "", m.User.DisplayName, m.Role, m.AddedAt,
                m.Role == ProjectRole.Lead || (m.MaySeePersonalDetails && (m.Role == ProjectRole.CommunityReporter || m.Role == ProjectRole.Analyst))))
            .ToListAsync(ct))
        .OrderByDescending(m => m.Role).ThenBy(m => m.DisplayName, StringComparer.CurrentCultureIgnoreCase).ToList();

    public static ProjectDto ToDto(Project p, ProjectRole? myRole) => new(p.Id, p.Name, p.Slug, p.Description, p.ResearchQuestion,
        p.ConversationStarter, p.StartDate, p.EndDate, p.IsSample, p.ArchivedAt is not null, p.CreatedAt, myRole);

    private static ProjectService.Details ToDetails(ProjectRequest r) =>
        new(r.Name ?? "", r.Description, r.ResearchQuestion, r.ConversationStarter, r.StartDate, r.EndDate);
}
