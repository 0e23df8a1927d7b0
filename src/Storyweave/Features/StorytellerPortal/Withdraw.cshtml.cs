using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// "Withdraw entirely", asked for by the storyteller: all uses stop at once and the lead gets the
/// request to delete everything (<see cref="StorytellerPortalService.RequestWithdrawalAsync"/>).
/// </summary>
[Authorize(Policy = StorytellerSession.Policy)]
public sealed class WithdrawModel(StorytellerPortalService portal) : PageModel
{
    public List<string> Errors { get; } = [];

    public void OnGet() => Response.Headers.CacheControl = "no-store";

    public async Task<IActionResult> OnPostAsync(bool sure)
    {
        if (!sure)
        {
            Errors.Add("Tick the box to say you are sure, or go back to your page.");
            return Page();
        }
        var who = StorytellerSession.Of(User)!;
        var result = await portal.RequestWithdrawalAsync(who, HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return Redirect("/me?done=withdraw");
    }
}
