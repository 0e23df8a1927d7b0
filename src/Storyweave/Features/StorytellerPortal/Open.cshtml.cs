using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storyweave.Hosting;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// The page behind a storyteller's personal link. Anonymous on purpose: the secret in the address
/// and the short code are the credentials. An unknown address answers 404; a revoked, expired or
/// locked link a kind explanation (410). A right code starts a session for this one storyteller.
/// Code posts share the sign-in rate limit per address.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(AppHost.CodeRateLimit)]
public sealed class OpenModel(StorytellerLinkService links, TimeProvider clock) : PageModel
{
    [FromRoute] public string Token { get; set; } = "";
    public LinkState? Problem { get; private set; }
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        NoStore();
        var link = await links.FindAsync(Token, HttpContext.RequestAborted);
        if (link is null) return NotFound();
        var state = StorytellerLinkService.StateOf(link, clock.GetUtcNow().UtcDateTime);
        if (state != LinkState.Usable) return Refused(state);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? code)
    {
        NoStore();
        if (StorytellerLinkService.NormaliseCode(code) is null && !string.IsNullOrWhiteSpace(code) && code.Any(char.IsLetter))
        {
            // Letters are never part of a code: say so without counting it as a wrong try.
            var found = await links.FindAsync(Token, HttpContext.RequestAborted);
            if (found is null) return NotFound();
            var current = StorytellerLinkService.StateOf(found, clock.GetUtcNow().UtcDateTime);
            if (current != LinkState.Usable) return Refused(current);
            Errors.Add("The code is 6 numbers, with no letters. For example: 123 456.");
            return Page();
        }
        if (string.IsNullOrWhiteSpace(code))
        {
            if (await links.FindAsync(Token, HttpContext.RequestAborted) is null) return NotFound();
            Errors.Add("Type your 6-number code.");
            return Page();
        }
        var check = await links.CheckCodeAsync(Token, code, HttpContext.RequestAborted);
        if (check is null) return NotFound();
        if (check.State != LinkState.Usable) return Refused(check.State);
        if (!check.Accepted)
        {
            Errors.Add(check.TriesLeft == 1
                ? "That code is not right. Please check it and try again. You can try 1 more time."
                : $"That code is not right. Please check it and try again. You can try {check.TriesLeft} more times.");
            return Page();
        }
        await HttpContext.SignInAsync(StorytellerSession.Scheme, StorytellerSession.Principal(check.Link!, clock.GetUtcNow().UtcDateTime));
        return Redirect("/me");
    }

    private PageResult Refused(LinkState state)
    {
        Problem = state;
        Response.StatusCode = StatusCodes.Status410Gone;
        return Page();
    }

    private void NoStore()
    {
        Response.Headers.CacheControl = "no-store";
        // The address holds a secret: never send it on to another site.
        Response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
