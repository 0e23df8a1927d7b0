using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Withdrawal;

/// <summary>A lead withdraws a storyteller on their behalf: from chosen uses at once, or entirely after a confirmation naming what goes.</summary>
[Authorize(Policy = Policies.ManageProject)]
public sealed class WithdrawModel(StoryweaveDb db, ProjectAccessService access, WithdrawalService withdrawal, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StorytellerId { get; set; }
    [BindProperty] public List<ConsentUse> Uses { get; set; } = [];
    [BindProperty] public string? HowTold { get; set; }
    [BindProperty] public string? ConfirmName { get; set; }
    public WithdrawalService.Impact Impact { get; private set; } = null!;
    public List<string> Errors { get; } = [];
    public WithdrawalService.Outcome? Done { get; private set; }
    public bool FromUseDone { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await withdrawal.ImpactAsync(ProjectId, StorytellerId) is not { } impact) return NotFound();
        Impact = impact;
        return Page();
    }

    public async Task<IActionResult> OnPostFromUseAsync()
    {
        if (await withdrawal.ImpactAsync(ProjectId, StorytellerId) is not { } impact) return NotFound();
        Impact = impact;
        var result = await withdrawal.WithdrawFromUseAsync(ProjectId, StorytellerId, Uses, WithdrawalActor.Lead(current.RequiredId), HowTold);
        if (!result.Succeeded) Errors.AddRange(result.Errors);
        else FromUseDone = true;
        return Page();
    }

    public async Task<IActionResult> OnPostEntirelyAsync()
    {
        if (await withdrawal.ImpactAsync(ProjectId, StorytellerId) is not { } impact) return NotFound();
        Impact = impact;
        if (!string.Equals(ConfirmName?.Trim(), "withdraw", StringComparison.OrdinalIgnoreCase))
        {
            Errors.Add("To confirm, type the word withdraw in the box. Nothing has been deleted.");
            return Page();
        }
        var result = await withdrawal.WithdrawEntirelyAsync(ProjectId, StorytellerId, WithdrawalActor.Lead(current.RequiredId));
        if (!result.Succeeded) Errors.AddRange(result.Errors);
        else Done = result.Value;
        return Page();
    }
}
