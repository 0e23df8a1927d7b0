using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// "Withdraw entirely", done by the storyteller themself: <see cref="WithdrawalService.WithdrawEntirelyAsync"/>
/// deletes everything held about them at once (the same path a lead uses on their behalf). Their
/// links are deleted with it, so the session ends and they land on the "left" page.
/// </summary>
[Authorize(Policy = StorytellerSession.Policy)]
public sealed class WithdrawModel(WithdrawalService withdrawal) : PageModel
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
        var result = await withdrawal.WithdrawEntirelyAsync(who.ProjectId, who.StorytellerId,
            WithdrawalActor.Storyteller(StorytellerSession.Actor(who.LinkId)), HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        await HttpContext.SignOutAsync(StorytellerSession.Scheme);
        return Redirect("/me/left?withdrawn=true");
    }
}
