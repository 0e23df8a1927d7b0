namespace Storyweave.Features.Projects;

/// <summary>What one account may do in one project: the only place that maps roles to abilities.</summary>
public sealed record ProjectAccess(ProjectRole? Role, bool IsAdmin, bool IsArchived)
{
    public static readonly ProjectAccess None = new(null, false, false);

    public bool IsMember => Role is not null;
    public bool CanView => IsAdmin || IsMember;

    /// <summary>Settings, members, archive. Stays possible when archived (to un-archive).</summary>
    public bool CanManageProject => IsAdmin || Role == ProjectRole.Lead;

    public bool CanGatherStories => Active && (IsAdmin || Role is ProjectRole.Lead or ProjectRole.CommunityReporter);
    public bool CanCode => Active && (IsAdmin || Role is ProjectRole.Lead or ProjectRole.Analyst);
    public bool CanRunWorkshops => Active && (IsAdmin || Role is ProjectRole.Lead or ProjectRole.Analyst);
    public bool CanPublish => Active && (IsAdmin || Role == ProjectRole.Lead);
    public bool CanViewAudit => IsAdmin || Role == ProjectRole.Lead;

    /// <summary>
    /// Storytellers' contact details and access needs: only for people who arrange sessions or manage
    /// the project (reporters and leads), never analysts or viewers. Pages, API and exports all ask this.
    /// </summary>
    public bool CanSeeContactDetails => CanGatherStories || CanManageProject;

    private bool Active => !IsArchived;

    public bool Allows(ProjectPermission permission) => permission switch
    {
        ProjectPermission.View => CanView,
        ProjectPermission.ManageProject => CanManageProject,
        ProjectPermission.GatherStories => CanGatherStories,
        ProjectPermission.Code => CanCode,
        ProjectPermission.RunWorkshops => CanRunWorkshops,
        ProjectPermission.Publish => CanPublish,
        ProjectPermission.ViewAudit => CanViewAudit,
        _ => false,
    };
}

public enum ProjectPermission
{
    View,
    ManageProject,
    GatherStories,
    Code,
    RunWorkshops,
    Publish,
    ViewAudit,
}
