using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Redaction;

/// <summary>A project's redaction rules: leads edit them, everyone on the project can read them and run the check.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class IndexModel(StoryweaveDb db, ProjectAccessService access, RedactionService redaction, RedactionSuggestions suggestions, RedactionCheck check, CurrentUser current)
    : ProjectPageModel(db, access)
{
    public List<RedactionRule> Rules { get; private set; } = [];
    public IReadOnlyList<RedactionSuggestion> Suggestions { get; private set; } = [];
    public RedactionCheckResult? Check { get; private set; }
    public List<string> Errors { get; } = [];
    public string? Message { get; private set; }

    [BindProperty(SupportsGet = true)] public bool RunCheck { get; set; }
    [TempData] public string? Flash { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAddAsync(string? term, string? replacement)
    {
        if (!Access.CanManageProject) return Forbid();
        var result = await redaction.AddAsync(ProjectId, term, replacement, current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return await LoadAsync();
        }
        Flash = $"Added: \u201c{result.Value!.Term}\u201d will show as \u201c{result.Value.Replacement}\u201d.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostEditAsync(int ruleId, string? term, string? replacement)
    {
        if (!Access.CanManageProject) return Forbid();
        var result = await redaction.UpdateAsync(ProjectId, ruleId, term, replacement, current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return await LoadAsync();
        }
        Flash = $"Saved: \u201c{result.Value!.Term}\u201d will show as \u201c{result.Value.Replacement}\u201d.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteAsync(int ruleId)
    {
        if (!Access.CanManageProject) return Forbid();
        if (!await redaction.DeleteAsync(ProjectId, ruleId, current.RequiredId)) return NotFound();
        Flash = "Rule removed.";
        return RedirectToPage();
    }

    private async Task<IActionResult> LoadAsync()
    {
        Message = Flash;
        Rules = await redaction.ListAsync(ProjectId);
        if (Access.CanManageProject) Suggestions = await suggestions.FindAsync(ProjectId);
        if (RunCheck) Check = await check.RunAsync(ProjectId);
        return Page();
    }
}
