using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Accounts;

[Authorize(Policy = Policies.SignedIn)]
public sealed class TokensModel(StoryweaveDb db, CurrentUser current, AccountService accounts) : PageModel
{
    public List<ApiToken> Tokens { get; private set; } = [];
    public string? NewSecret { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostCreateAsync(string? name)
    {
        (_, NewSecret) = await accounts.CreateTokenAsync(current.RequiredId, name ?? "");
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(int tokenId)
    {
        await accounts.RevokeTokenAsync(current.RequiredId, tokenId);
        return RedirectToPage();
    }

    private async Task LoadAsync()
    {
        var id = current.RequiredId;
        Tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == id).OrderByDescending(t => t.Id).ToListAsync();
    }
}
