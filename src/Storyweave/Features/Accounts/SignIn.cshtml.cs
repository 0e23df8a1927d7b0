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
public sealed class SignInModel(SignInManager<User> signIn, UserManager<User> users, StoryweaveDb db, TimeProvider clock, SignInThrottle throttle) : PageModel
{
    [BindProperty] public string Email { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public List<string> Errors { get; } = [];

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        // Wrong passwords slow this account down (SignInThrottle) instead of locking it: while it must wait, no
        // password is checked, so a guesser learns nothing and its owner waits at most the current delay.
        var key = SignInThrottle.StaffKey(Email);
        if (await throttle.WaitForAsync(key) is { } wait)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Errors.Add($"There have been too many wrong passwords for this email address. Wait {SignInThrottle.Describe(wait)}, then try again. If you have forgotten your password, use \"Forgot your password?\" below.");
            return Page();
        }
        var user = string.IsNullOrWhiteSpace(Email) ? null : await users.FindByEmailAsync(Email.Trim());
        if (user is null)
        {
            await throttle.FailedAsync(key);
            Errors.Add("The email address or password is not right.");
            return Page();
        }
        if (user.DeactivatedAt is not null && await users.CheckPasswordAsync(user, Password))
        {
            // Said only to someone who knows the password: anyone else learns nothing about the account.
            await throttle.SucceededAsync(key);
            Errors.Add("This account has been turned off. Ask the person who looks after this Storyweave.");
            return Page();
        }
        var result = user.DeactivatedAt is not null
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: false);
        if (result.Succeeded)
        {
            await throttle.SucceededAsync(key);
            db.Record(clock, null, user.Id, "account.signed-in", "user", user.Id);
            await db.SaveChangesAsync();
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/projects");
        }
        if (result.IsLockedOut)
        {
            // Only an administrator turns an account off now (wrong passwords slow it down instead).
            Errors.Add("This account has been turned off. Ask the person who looks after this Storyweave.");
            return Page();
        }
        await throttle.FailedAsync(key);
        if (await throttle.WaitForAsync(key) is not null) db.Record(clock, null, user.Id, "account.sign-in-slowed", "user", user.Id);
        await db.SaveChangesAsync();
        Errors.Add("The email address or password is not right.");
        return Page();
    }
}
