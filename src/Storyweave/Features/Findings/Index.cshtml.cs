using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Findings;

/// <summary>Who told the stories, the themes, a cross-tab, and the value for all, with the charts.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class FindingsModel(StoryweaveDb db, ProjectAccessService access, FindingsService findings) : ProjectPageModel(db, access)
{
    /// <summary>The call-out question for the cross-tab; the first question when not chosen.</summary>
    [FromQuery(Name = "crossTab")] public int? CrossTabQuestionId { get; set; }

    [TempData] public string? ThresholdSaved { get; set; }

    public WhoTold WhoTold { get; private set; } = null!;
    public ThemeFindings Themes { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        WhoTold = await findings.WhoToldAsync(ProjectId, ct);
        var questionId = CrossTabQuestionId ?? (WhoTold.Questions.Count > 0 ? WhoTold.Questions[0].QuestionId : null);
        Themes = await findings.ThemesAsync(ProjectId, questionId, ct);
    }

    public string Root => $"/projects/{ProjectId}/findings";
}
