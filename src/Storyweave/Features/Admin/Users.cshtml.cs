using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Admin;

[Authorize(Policy = Policies.Admin)]
public sealed class UsersModel(StoryweaveDb db, AccountService accounts, AccountLinks links, CurrentUser current, TimeProvider clock) : PageModel
{
    public List<AdminEndpoints.UserDto> Users { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string? CreatedEmail { get; private set; }
    public string? CreatedPassword { get; private set; }
    public string? Notice { get; private set; }
    public string? LinkToGive { get; private set; }
    public bool EmailIsSetUp => links.EmailIsSetUp;
    public string? MyId => current.Id;

    public bool AdminsOnlyStartProjects { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostProjectStartersAsync(string? who)
    {
        await ProjectStarters.SetAsync(db, clock, who == ProjectStarters.AdminsOnly, current.RequiredId, HttpContext.RequestAborted);
        Notice = who == ProjectStarters.AdminsOnly ? "Only administrators can start new projects now." : "Everyone with an account can start new projects now.";
        await LoadAsync();
        return Page();
    }

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

    public async Task<IActionResult> OnPostInviteAsync(string? name, string? email, bool isAdmin)
    {
        var actor = (await current.GetAsync())!;
        Sent(await links.InviteAsync(email ?? "", name ?? "", isAdmin, actor, RequestSite(Request), HttpContext.RequestAborted), "invited");
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostResendAsync(string? userId)
    {
        var actor = (await current.GetAsync())!;
        Sent(await links.ResendInvitationAsync(userId ?? "", actor, RequestSite(Request), HttpContext.RequestAborted), "sent again");
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(string? userId) =>
        await DoneAsync(await links.CancelInvitationAsync(userId ?? "", (await current.GetAsync())!, HttpContext.RequestAborted), u => $"The invitation for {u.Email} is cancelled.");

    public async Task<IActionResult> OnPostDeactivateAsync(string? userId) =>
        await DoneAsync(await links.DeactivateAsync(userId ?? "", (await current.GetAsync())!, HttpContext.RequestAborted), u => $"{u.DisplayName}'s account is turned off. They cannot sign in, and their API tokens no longer work.");

    public async Task<IActionResult> OnPostReactivateAsync(string? userId) =>
        await DoneAsync(await links.ReactivateAsync(userId ?? "", (await current.GetAsync())!, HttpContext.RequestAborted), u => $"{u.DisplayName}'s account is turned on again.");

    private async Task<IActionResult> DoneAsync(Result<User> result, Func<User, string> notice)
    {
        if (result.Succeeded) Notice = notice(result.Value!);
        else Errors.AddRange(result.Errors);
        await LoadAsync();
        return Page();
    }

    private void Sent(Result<AccountLinks.LinkSent> result, string verb)
    {
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return;
        }
        var sent = result.Value!;
        Notice = sent.Emailed
            ? $"{sent.User.DisplayName} is {verb}. We have sent a link to {sent.User.Email} to choose a password."
            : $"{sent.User.DisplayName} is {verb}.";
        LinkToGive = sent.Link;
    }

    /// <summary>This request's own address, for links shown to the administrator who made the request (never emailed).</summary>
    public static string RequestSite(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    public static string StatusText(string status) => status switch
    {
        AdminEndpoints.Pending => "Invited (pending)",
        AdminEndpoints.Deactivated => "Turned off",
        AdminEndpoints.LockedOut => "Locked after wrong passwords",
        _ => "Active",
    };

    private async Task LoadAsync()
    {
        AdminsOnlyStartProjects = await ProjectStarters.AdminsOnlyAsync(db);
        var now = clock.GetUtcNow();
        Users = (await db.Users.AsNoTracking().OrderBy(u => u.DisplayName).ToListAsync()).Select(u => AdminEndpoints.ToDto(u, now)).ToList();
    }
}
