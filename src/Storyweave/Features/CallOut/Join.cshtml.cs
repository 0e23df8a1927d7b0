using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Email;
using Storyweave.Features.Projects;
using Storyweave.Features.Storytellers;
using Storyweave.Hosting;

namespace Storyweave.Features.CallOut;

/// <summary>
/// The public sign-up page: the only page for storytellers that needs no account. It exists only
/// while the call-out is published (404 otherwise, so nothing unpublished is reachable), shows a
/// short "closed" message outside its dates, and keeps bots out with a honeypot field and a
/// per-address rate limit.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(AppHost.SignUpRateLimit)]
public sealed class JoinModel(StoryweaveDb db, CallOutService callOuts, StorytellerService storytellers, EmailOutbox outbox, CallOutSignUpLimit projectLimit, TimeProvider clock, ILogger<JoinModel> logger) : PageModel
{
    [FromRoute] public string Slug { get; set; } = "";

    public Project Project { get; private set; } = null!;
    public CallOut CallOut { get; private set; } = null!;
    public bool IsOpen { get; private set; }
    public string ClosedMessage { get; private set; } = "";
    public List<string> Errors { get; } = [];

    /// <summary>Which field each message is about, for links in the error summary.</summary>
    public Dictionary<string, string> ErrorFields { get; } = [];

    public ViewDataDictionary ErrorFieldsView(ViewDataDictionary viewData) => new(viewData) { ["ErrorFields"] = ErrorFields };

    /// <summary>Set after a successful sign-up: the confirmation replaces the form.</summary>
    public string? ConfirmedName { get; private set; }
    public ContactPreference ConfirmedContact { get; private set; }

    [BindProperty] public StorytellerForm Form { get; set; } = new();

    /// <summary>Honeypot: hidden from people (and screen readers); bots fill it in.</summary>
    [BindProperty] public string? Website { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync()) return NotFound();
        if (!IsOpen) return Page();
        if (!string.IsNullOrEmpty(Website))
        {
            // Looks like a bot: say thank you (so it learns nothing) and store nothing.
            logger.LogInformation("Sign-up honeypot filled on project {ProjectId}; nothing stored.", Project.Id);
            ConfirmedName = Form.Name?.Trim() ?? "";
            return Page();
        }
        if (!ModelState.IsValid)
        {
            Errors.Add("Something in the form could not be read. Please check your answers and try again.");
            return Page();
        }
        var input = Form.ToInput();
        // The project's own limit counts sign-ups that would be stored (not forms sent back to be corrected).
        if (StorytellerService.Validate(input).Count == 0 && await projectLimit.TryTakeAsync(Project.Id, CallOut.SignUpsPerHour, HttpContext.RequestAborted) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            logger.LogInformation("Sign-up limit of project {ProjectId} reached; asked to wait {Seconds} s.", Project.Id, seconds);
            // The form is shown again with everything typed, so nothing is lost.
            Errors.Add($"This project has had as many sign-ups as it can take in an hour. Nothing has been saved yet. Please send the form again in {SignInThrottle.Describe(TimeSpan.FromSeconds(seconds))}, or ask the project team to sign you up.");
            var page = Page();
            page.StatusCode = StatusCodes.Status429TooManyRequests;
            return page;
        }
        var result = await storytellers.RegisterAsync(Project.Id, input, EntryMethod.SignUpForm, actorUserId: null);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            foreach (var (field, message) in StorytellerService.ValidateFields(input)) ErrorFields.TryAdd(message, field);
            return Page();
        }
        ConfirmedName = result.Value!.Storyteller.Name;
        ConfirmedContact = Form.ContactPreference;
        await QueueConfirmationAsync(result.Value.Storyteller);
        return Page();
    }

    /// <summary>How the team will get in touch, in the words of "Someone … will get in touch {how}".</summary>
    public static string How(ContactPreference p) => p switch
    {
        ContactPreference.Email => "by email",
        ContactPreference.Phone => "by phone",
        ContactPreference.Text => "by text message",
        _ => "through the person you told us about",
    };

    /// <summary>
    /// A confirmation to the address the person gave, when email is set up; without an address or email there is
    /// simply none (the page itself says the same). The project's leads are named as the people to contact.
    /// </summary>
    private async Task QueueConfirmationAsync(Storyteller person)
    {
        if (string.IsNullOrWhiteSpace(person.Email) || !outbox.Settings.IsConfigured) return;
        var leads = await db.ProjectMembers.AsNoTracking()
            .Where(m => m.ProjectId == Project.Id && m.Role == ProjectRole.Lead && m.User!.DeactivatedAt == null && m.User.Email != null)
            .OrderBy(m => m.AddedAt).Select(m => new { m.User!.DisplayName, m.User.Email }).Take(3).ToListAsync();
        await outbox.QueueAsync(
            EmailContent.SignUpConfirmation(person.Name, Project.Name, How(person.ContactPreference), leads.Select(l => (l.DisplayName, l.Email!)).ToList()),
            person.Email, person.Name, HttpContext.RequestAborted);
    }

    private async Task<bool> LoadAsync()
    {
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Slug == Slug && p.ArchivedAt == null);
        if (project is null) return false;
        var callOut = await callOuts.GetAsync(project.Id);
        if (!callOut.IsPublished) return false;
        Project = project;
        CallOut = callOut;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        IsOpen = callOut.IsOpenOn(today);
        var en = System.Globalization.CultureInfo.GetCultureInfo("en-GB");
        ClosedMessage = callOut.ClosesOn is { } closes && today > closes
            ? $"Sign-ups for this project closed on {closes.ToString("d MMMM yyyy", en)}. Thank you for your interest."
            : callOut.OpensOn is { } opens && today < opens
                ? $"Sign-ups for this project open on {opens.ToString("d MMMM yyyy", en)}. Please come back then."
                : "Sign-ups for this project are closed.";
        return true;
    }
}
