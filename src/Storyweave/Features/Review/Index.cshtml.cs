using Microsoft.AspNetCore.Authorization;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Review;

/// <summary>Every story with its review status, and how far the team has got.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class ReviewIndexModel(StoryweaveDb db, ProjectAccessService access, ReviewService reviews) : ProjectPageModel(db, access)
{
    public ReviewService.Progress Progress { get; private set; } = new(0, 0, 0, []);

    public async Task OnGetAsync() => Progress = await reviews.ProgressAsync(ProjectId);
}
