using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Features.Workshops;

/// <summary>
/// The page behind a personal join link, for people without an account. Anonymous on purpose:
/// the link's secret is the credential. It asks only for the name to be credited, then signs the
/// person in to this one workshop (decision 0004) and shows the board.
/// </summary>
[AllowAnonymous]
public sealed class JoinModel(StoryweaveDb db, WorkshopService workshops) : PageModel
{
    [FromRoute] public string Token { get; set; } = "";
    public WorkshopParticipant? Participant { get; private set; }
    public Workshop? Workshop { get; private set; }
    public bool SignedIn { get; private set; }
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        Participant = await workshops.FindByJoinSecretAsync(Token, HttpContext.RequestAborted);
        if (Participant is null) return NotFound();
        Workshop = await db.Workshops.AsNoTracking().SingleAsync(w => w.Id == Participant.WorkshopId);
        var guest = await HttpContext.AuthenticateAsync(WorkshopGuest.Scheme);
        if (guest.Succeeded && WorkshopGuest.ParticipantIdOf(guest.Principal, Workshop.Id) == Participant.Id && Participant.JoinedAt is not null)
        {
            // The antiforgery token on the board must be issued for the principal the API will see.
            HttpContext.User = guest.Principal;
            SignedIn = true;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? name)
    {
        var result = await workshops.AcceptJoinAsync(Token, name, HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            Participant = await workshops.FindByJoinSecretAsync(Token, HttpContext.RequestAborted);
            if (Participant is null) return NotFound();
            Workshop = await db.Workshops.AsNoTracking().SingleAsync(w => w.Id == Participant.WorkshopId);
            Errors.AddRange(result.Errors);
            return Page();
        }
        await HttpContext.SignInAsync(WorkshopGuest.Scheme, WorkshopGuest.Principal(result.Value!));
        return Redirect($"/workshop/join/{Uri.EscapeDataString(Token)}");
    }
}
