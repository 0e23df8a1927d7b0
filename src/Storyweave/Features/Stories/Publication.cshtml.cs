using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.PublicSite;

namespace Storyweave.Features.Stories;

/// <summary>The story page's publish / unpublish button (leads): records the decision and returns to the story page.</summary>
[Authorize(Policy = Policies.Publish)]
public sealed class PublicationModel(StoryweaveDb db, ProjectAccessService access, PublicationService publication, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    [TempData] public string? PublicationDone { get; set; }

    public IActionResult OnGet() => Redirect($"/projects/{ProjectId}/stories/{StoryId}#public-site");

    public async Task<IActionResult> OnPostAsync([FromForm] bool publish)
    {
        if (!await publication.SetPublishedAsync(ProjectId, StoryId, publish, current.RequiredId, HttpContext.RequestAborted)) return NotFound();
        var status = (await publication.StatusAsync(ProjectId, StoryId, HttpContext.RequestAborted))!;
        PublicationDone = !publish ? "Unpublished: the story is no longer on the public site."
            : status.Visible ? "Published: the story is now on the public site."
            : "Published, but it stays hidden until every storyteller agrees (see below).";
        return Redirect($"/projects/{ProjectId}/stories/{StoryId}#public-site");
    }
}
