using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storyweave.Features.Accounts;
using Storyweave.Hosting;

namespace Storyweave.Features.Setup;

/// <summary>First run: creates the first administrator. Once one exists this page is gone (404).</summary>
[AllowAnonymous]
[EnableRateLimiting(AppHost.SetupRateLimit)]
public sealed class SetupModel(AccountService accounts, SignInManager<User> signIn) : PageModel
{
    [BindProperty] public string Name { get; set; } = "";
    [BindProperty] public string Email { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    public List<string> Errors { get; } = [];

    private static readonly SemaphoreSlim s_gate = new(1, 1);

    public async Task<IActionResult> OnGetAsync() => await accounts.AnyAdminAsync() ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        // Serialised so two people racing through setup cannot both become the first admin.
        await s_gate.WaitAsync();
        try
        {
            if (await accounts.AnyAdminAsync()) return NotFound();
            var result = await accounts.CreateAsync(Email, Name, Password, isAdmin: true, actorUserId: null);
            if (!result.Succeeded)
            {
                Errors.AddRange(result.Errors);
                return Page();
            }
            await signIn.SignInAsync(result.Value!, isPersistent: false);
            return Redirect("/projects");
        }
        finally
        {
            s_gate.Release();
        }
    }
}
