using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Admin;

[Authorize(Policy = Policies.Admin)]
public sealed class UsersModel(StoryweaveDb db, AccountService accounts, CurrentUser current, TimeProvider clock) : PageModel
{
    public List<AdminEndpoints.UserDto> Users { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string? CreatedEmail { get; private set; }
    public string? CreatedPassword { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync(string? name, string? email, bool isAdmin)
    {
        var password = AccountService.GeneratePassword();
        var result = await accounts.CreateAsync(email ?? "", name ?? "", password, isAdmin, current.Id);
        if (result.Succeeded)
        {
            CreatedEmail = result.Value!.Email;
            CreatedPassword = password;
        }
        else
        {
            Errors.AddRange(result.Errors);
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var now = clock.GetUtcNow();
        Users = (await db.Users.AsNoTracking().OrderBy(u => u.DisplayName).ToListAsync()).Select(u => AdminEndpoints.ToDto(u, now)).ToList();
    }
}
