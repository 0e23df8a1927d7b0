using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storyweave.Data;
using Storyweave.Features.Events;
using Storyweave.Hosting;

namespace Storyweave.Features.Accounts;

[AllowAnonymous]
[EnableRateLimiting(AppHost.SignInRateLimit)]
public sealed class SignInModel(SignInManager<User> signIn, UserManager<User> users, StoryweaveDb db, TimeProvider clock) : PageModel
{
    [BindProperty] public string Email { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public List<string> Errors { get; } = [];

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = string.IsNullOrWhiteSpace(Email) ? null : await users.FindByEmailAsync(Email.Trim());
        if (user is null)
        {
            Errors.Add("The email address or password is not right.");
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            db.Record(clock, null, user.Id, "account.signed-in", "user", user.Id);
            await db.SaveChangesAsync();
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/projects");
        }
        if (result.IsLockedOut)
        {
            db.Record(clock, null, user.Id, "account.locked-out", "user", user.Id);
            await db.SaveChangesAsync();
            Errors.Add("This account is locked for 15 minutes after too many wrong passwords. Wait, or ask the person who looks after this Storyweave to reset your password.");
            return Page();
        }
        Errors.Add("The email address or password is not right.");
        return Page();
    }
}
