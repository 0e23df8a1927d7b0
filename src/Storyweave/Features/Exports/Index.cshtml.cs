using Microsoft.AspNetCore.Authorization;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Exports;

/// <summary>The download page for a project's data as CSV and XLSX.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class ExportsModel(StoryweaveDb db, ProjectAccessService access) : ProjectPageModel(db, access)
{
    /// <summary>The storytellers file with contact details: for people the download allows (reporters and leads of an active project).</summary>
    public bool ShowContactFile => Access.CanSeePersonalDetails;

    public string Link(ExportKind kind, string format) => ExportEndpoints.Path(ProjectId, kind, format);
}
