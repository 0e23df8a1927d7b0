namespace Storyweave.Features.Projects;

/// <summary>What one account may do in one project: the only place that maps roles to abilities.</summary>
/// <param name="PersonalDetailsGrant">A lead let this member (a reporter or analyst) see storytellers' personal details.</param>
public sealed record ProjectAccess(ProjectRole? Role, bool IsAdmin, bool IsArchived, bool PersonalDetailsGrant = false)
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
    /// Storytellers' personal details — contact details, access needs, and facets per person (gender,
    /// disability, ethnicity…: special-category data) — are for leads only, unless a lead granted a named
    /// reporter or analyst access (logged). Least privilege: a reporter who arranges sessions asks the
    /// lead, or is granted access. Counts in findings and reports (with the small-numbers guard) are not
    /// personal details. Pages, API and exports all ask this.
    /// </summary>
    public bool CanSeePersonalDetails => IsAdmin || Role == ProjectRole.Lead
        || (PersonalDetailsGrant && Role is ProjectRole.CommunityReporter or ProjectRole.Analyst);

    /// <summary>Who a lead may grant <see cref="CanSeePersonalDetails"/> to.</summary>
    public static bool MayBeGrantedPersonalDetails(ProjectRole role) => role is ProjectRole.CommunityReporter or ProjectRole.Analyst;

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
        ProjectPermission.SeePersonalDetails => CanSeePersonalDetails,
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
    SeePersonalDetails,
}
