using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Findings;

/// <summary>A lead sets the small-numbers threshold (the form is also shown on the findings page).</summary>
[Authorize(Policy = Policies.ManageProject)]
public sealed class SmallNumbersModel(StoryweaveDb db, ProjectAccessService access, FindingsService findings, CurrentUser current) : ProjectPageModel(db, access)
{
    [BindProperty] public string? Threshold { get; set; }
    public List<string> Errors { get; } = [];

    public void OnGet() => Threshold = Project.SmallNumberThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnPostAsync()
    {
        int? value = int.TryParse(Threshold?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
        var result = await findings.SetThresholdAsync(ProjectId, value, current.RequiredId, HttpContext.RequestAborted);
        if (result is null) return NotFound();
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        TempData[nameof(FindingsModel.ThresholdSaved)] = new SmallNumberGuard(result.Value).Note;
        return Redirect($"/projects/{ProjectId}/findings#small-numbers");
    }
}
