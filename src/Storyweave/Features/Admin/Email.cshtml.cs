using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Email;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Admin;

/// <summary>The email settings (read-only: they live in the server's configuration), a test message, and what is still queued.</summary>
[Authorize(Policy = Policies.Admin)]
public sealed class EmailModel(StoryweaveDb db, EmailOutbox outbox, CurrentUser current, TimeProvider clock) : PageModel
{
    public EmailSettings Settings => outbox.Settings;
    public List<string> Errors { get; } = [];
    [BindProperty] public string To { get; set; } = "";
    public string? Queued { get; private set; }
    public List<OutboxMessage> Waiting { get; private set; } = [];

    public async Task OnGetAsync()
    {
        To = (await current.GetAsync())?.Email ?? "";
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Settings.IsConfigured) Errors.Add("Email is not set up on this server, so no test message can be sent.");
        else if (!AccountService.LooksLikeEmail(To.Trim())) Errors.Add("Enter an email address, like name@example.org.");
        if (Errors.Count == 0)
        {
            db.Record(clock, null, current.Id, "email.test-queued", "user", current.Id);
            await outbox.QueueAsync(EmailContent.Test(Settings.Link("/")), To.Trim(), "", HttpContext.RequestAborted);
            Queued = To.Trim();
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync() =>
        Waiting = await db.OutboxMessages.AsNoTracking().OrderBy(m => m.Id).Take(200).ToListAsync();

    public static string SecurityText(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => "None (only for a mail relay on this machine or a private network)",
        SmtpSecurity.Tls => "TLS from the start (usually port 465)",
        _ => "STARTTLS (usually port 587)",
    };
}
