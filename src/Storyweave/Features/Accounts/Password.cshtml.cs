using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storyweave.Data;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Accounts;

[Authorize(Policy = Policies.SignedIn)]
public sealed class PasswordModel(UserManager<User> users, SignInManager<User> signIn, StoryweaveDb db, TimeProvider clock) : PageModel
{
    [BindProperty] public string CurrentPassword { get; set; } = "";
    [BindProperty] public string NewPassword { get; set; } = "";
    public List<string> Errors { get; } = [];
    public bool Changed { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return Challenge();
        var result = await users.ChangePasswordAsync(user, CurrentPassword, NewPassword);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors.Select(AccountService.PlainMessage));
            return Page();
        }
        db.Record(clock, null, user.Id, "account.password-changed", "user", user.Id);
        await db.SaveChangesAsync();
        await signIn.RefreshSignInAsync(user);
        Changed = true;
        return Page();
    }
}
