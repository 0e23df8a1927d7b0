using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Projects;
using Storyweave.Features.Shared;

namespace Storyweave.Features.Review;

/// <summary>
/// The stories with their review status, 50 at a time, and how far the team has got; found by title or storyteller,
/// and narrowed to the sheets not started, in progress or complete.
/// </summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class ReviewIndexModel(StoryweaveDb db, ProjectAccessService access, ReviewService reviews) : ProjectPageModel(db, access)
{
    public ReviewService.Progress Progress { get; private set; } = new(0, 0, 0, []);
    public List<ReviewService.StoryStatus> Items { get; private set; } = [];

    /// <summary>Words to find in a story's title or its storytellers' names.</summary>
    [FromQuery(Name = "find")] public string? Find { get; set; }

    /// <summary>"not-started", "in-progress" or "complete"; anything else shows every story.</summary>
    [FromQuery(Name = "status")] public string? Status { get; set; }

    // Not "page": Razor Pages keeps that name for its own routing.
    [FromQuery(Name = "pageNumber")] public int PageNumber { get; set; } = 1;

    public ListPage List { get; private set; } = null!;

    public ReviewService.Shown Shown => Status switch
    {
        "not-started" => ReviewService.Shown.NotStarted,
        "in-progress" => ReviewService.Shown.InProgress,
        "complete" => ReviewService.Shown.Complete,
        _ => ReviewService.Shown.All,
    };

    /// <summary>The status filter's value on the page's addresses, null for every story.</summary>
    public string? StatusValue => Shown == ReviewService.Shown.All ? null : Status;

    public async Task OnGetAsync()
    {
        var words = ListPage.Words(Find);
        var (counts, matching, items) = await reviews.PageAsync(ProjectId, words, Shown, PageNumber);
        Progress = counts;
        Items = items;
        List = ListPage.For($"/projects/{ProjectId}/review", "stories", PageNumber, matching, words, StatusValue is { } v ? $"status={v}" : null);
    }
}
