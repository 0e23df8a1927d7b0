using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Projects;

/// <summary>Policy names. Every endpoint and page names exactly one of these (or AllowAnonymous).</summary>
public static class Policies
{
    /// <summary>Any signed-in account.</summary>
    public const string SignedIn = "SignedIn";

    /// <summary>Instance administrators.</summary>
    public const string Admin = "Admin";

    public const string ViewProject = "Project.View";
    public const string ManageProject = "Project.Manage";
    public const string GatherStories = "Project.GatherStories";
    public const string Code = "Project.Code";
    public const string RunWorkshops = "Project.RunWorkshops";
    public const string Publish = "Project.Publish";
    public const string ViewAudit = "Project.ViewAudit";

    /// <summary>Storytellers' contact details, access needs and per-person facets (special-category data).</summary>
    public const string SeePersonalDetails = "Project.SeePersonalDetails";

    public static readonly IReadOnlyDictionary<string, ProjectPermission> ProjectPolicies = new Dictionary<string, ProjectPermission>
    {
        [ViewProject] = ProjectPermission.View,
        [ManageProject] = ProjectPermission.ManageProject,
        [GatherStories] = ProjectPermission.GatherStories,
        [Code] = ProjectPermission.Code,
        [RunWorkshops] = ProjectPermission.RunWorkshops,
        [Publish] = ProjectPermission.Publish,
        [ViewAudit] = ProjectPermission.ViewAudit,
        [SeePersonalDetails] = ProjectPermission.SeePersonalDetails,
    };

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().AddRequirements(new AdminRequirement()));
        foreach (var (name, permission) in ProjectPolicies)
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().AddRequirements(new ProjectPermissionRequirement(permission)));
        // No FallbackPolicy on purpose: it would also apply to URLs that match nothing, turning an
        // honest 404 into a sign-in redirect (and the public site must answer 404 to guessed URLs).
        // Instead, AuthorizationAudit + its test fail the suite on any endpoint without a named rule.
    }
}

public sealed record ProjectPermissionRequirement(ProjectPermission Permission) : IAuthorizationRequirement;

public sealed record AdminRequirement : IAuthorizationRequirement;

/// <summary>Looks up the caller's access to the project named by the <c>projectId</c> route value.</summary>
public sealed class ProjectAccessService(StoryweaveDb db, CurrentUser currentUser)
{
    private readonly Dictionary<int, ProjectAccess> _cache = [];
    private (int ProjectId, string UserId, ProjectAccess Access)? _remembered;

    /// <summary>
    /// The caller's access to a project as the request's authentication read it, in the same statement as the API
    /// token (<see cref="ApiTokenAuthenticationHandler"/>), so it is not read twice. For this request only, and only
    /// while <paramref name="userId"/> is the signed-in account.
    /// </summary>
    public void Remember(int projectId, string userId, ProjectAccess access) => _remembered = (projectId, userId, access);

    public async Task<ProjectAccess> ForProjectAsync(int projectId, CancellationToken ct = default)
    {
        if (_cache.TryGetValue(projectId, out var cached)) return cached;
        if (_remembered is { } r && r.ProjectId == projectId && currentUser.Id is { } id && id == r.UserId)
            return _cache[projectId] = r.Access;
        var user = await currentUser.GetAsync(ct);
        ProjectAccess access;
        if (user is null)
        {
            access = ProjectAccess.None;
        }
        else
        {
            var project = await db.Projects.AsNoTracking()
                .Where(p => p.Id == projectId)
                .Select(p => new
                {
                    p.ArchivedAt,
                    Role = p.Members.Where(m => m.UserId == user.Id).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
                    Grant = p.Members.Any(m => m.UserId == user.Id && m.MaySeePersonalDetails),
                })
                .SingleOrDefaultAsync(ct);
            // A missing project gives members nothing (403, like a project they are not in) but lets an
            // admin through, so the page itself can answer 404.
            access = project is null
                ? new ProjectAccess(null, user.IsAdmin, false)
                : new ProjectAccess(project.Role, user.IsAdmin, project.ArchivedAt is not null, project.Grant);
        }
        _cache[projectId] = access;
        return access;
    }

    public static int? ProjectIdFrom(HttpContext http)
    {
        var raw = http.GetRouteValue("projectId")?.ToString();
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}

public sealed class ProjectPermissionHandler(ProjectAccessService accessService) : AuthorizationHandler<ProjectPermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ProjectPermissionRequirement requirement)
    {
        if (context.Resource is not HttpContext http) return;
        if (ProjectAccessService.ProjectIdFrom(http) is not { } projectId) return;
        var access = await accessService.ForProjectAsync(projectId, http.RequestAborted);
        if (access.Allows(requirement.Permission)) context.Succeed(requirement);
    }
}

public sealed class AdminHandler(CurrentUser currentUser) : AuthorizationHandler<AdminRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminRequirement requirement)
    {
        var user = await currentUser.GetAsync();
        if (user?.IsAdmin == true) context.Succeed(requirement);
    }
}
