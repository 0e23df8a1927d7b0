using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storyweave.Hosting;

namespace Storyweave.Features.Accounts;

/// <summary>Asks for a reset link. The answer is the same whether the address has an account or not.</summary>
[AllowAnonymous]
[EnableRateLimiting(AppHost.SignInRateLimit)]
public sealed class ForgotPasswordModel(AccountLinks links) : PageModel
{
    [BindProperty] public string Email { get; set; } = "";
    public List<string> Errors { get; } = [];
    public string? SentTo { get; private set; }
    public bool EmailIsSetUp => links.EmailIsSetUp;

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!EmailIsSetUp) return Page();
        if (!AccountService.LooksLikeEmail(Email.Trim()))
        {
            Errors.Add("Enter your email address, like name@example.org.");
            ViewData["ErrorFields"] = new Dictionary<string, string> { [Errors[0]] = "email" };
            return Page();
        }
        await links.RequestPasswordResetAsync(Email, HttpContext.RequestAborted);
        SentTo = Email.Trim();
        return Page();
    }
}
