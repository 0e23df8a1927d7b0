using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storyweave.Hosting;

namespace Storyweave.Features.Accounts;

/// <summary>
/// Where an invitation or reset link leads: the link (account, purpose, token) is the credential. A used, replaced or
/// expired link answers 410 with a plain message; saving signs the person in here and out everywhere else.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(AppHost.SignInRateLimit)]
public sealed class ChoosePasswordModel(AccountLinks links, SignInManager<User> signIn) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? U { get; set; }
    [BindProperty(SupportsGet = true)] public string? P { get; set; }
    [BindProperty(SupportsGet = true)] public string? T { get; set; }
    [BindProperty] public string Password { get; set; } = "";
    [BindProperty] public string Confirm { get; set; } = "";
    public User? LinkUser { get; private set; }
    public List<string> Errors { get; } = [];
    public bool IsInvitation => P == AccountLinks.InvitePurpose;

    public async Task OnGetAsync()
    {
        LinkUser = await links.CheckLinkAsync(U, P, T);
        if (LinkUser is null) Response.StatusCode = StatusCodes.Status410Gone;
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var result = await links.ChoosePasswordAsync(U, P, T, Password, Confirm, HttpContext.RequestAborted);
        if (result.Succeeded)
        {
            await signIn.SignInAsync(result.Value!, isPersistent: false);
            return LocalRedirect("/projects");
        }
        LinkUser = await links.CheckLinkAsync(U, P, T);
        if (LinkUser is null)
        {
            Response.StatusCode = StatusCodes.Status410Gone;
            return Page();
        }
        Errors.AddRange(result.Errors);
        var fields = new Dictionary<string, string>();
        foreach (var e in Errors) fields[e] = e.Contains("same", StringComparison.Ordinal) ? "confirm" : "password";
        ViewData["ErrorFields"] = fields;
        return Page();
    }
}
