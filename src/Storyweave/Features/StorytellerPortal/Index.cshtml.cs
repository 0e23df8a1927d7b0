using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storyweave.Features.Consent;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// A storyteller's own page: their story, where it was used, their choices (which they can
/// change), download, corrections. Who they are comes only from their session, never the request.
/// Every visit and change is written to the access log.
/// </summary>
[Authorize(Policy = StorytellerSession.Policy)]
public sealed class PortalModel(StorytellerPortalService portal, OwnRecording recordings) : PageModel
{
    public sealed class ChoicesForm
    {
        public bool Recording { get; set; }
        public bool Analysis { get; set; }
        public bool Quotes { get; set; }
        public bool Clips { get; set; }
        public bool PublishStory { get; set; }
        public CreditStyle CreditInReports { get; set; } = CreditStyle.Anonymous;
        public CreditStyle CreditInClips { get; set; } = CreditStyle.Anonymous;
        public CreditStyle CreditOnPublicSite { get; set; } = CreditStyle.Anonymous;
        public string? Pseudonym { get; set; }
    }

    public StorytellerPortalService.PortalView View { get; private set; } = null!;

    /// <summary>What can be played for each story, by story id.</summary>
    public Dictionary<int, OwnRecording.Plan> Recordings { get; private set; } = [];
    [BindProperty] public ChoicesForm Choices { get; set; } = new();
    [BindProperty] public string? Correction { get; set; }
    [FromQuery(Name = "done")] public string? Done { get; set; }
    public List<string> ChoiceErrors { get; } = [];
    public List<string> CorrectionErrors { get; } = [];

    private StorytellerSession.Who Who => StorytellerSession.Of(User) ?? throw new InvalidOperationException("The storyteller policy let through a request without a storyteller session.");

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync(fillChoices: true)) return NotFound();
        await portal.LogAsync(Who, "viewed", HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostConsentAsync()
    {
        if (!ModelState.IsValid)
        {
            if (!await LoadAsync(fillChoices: false)) return NotFound();
            ChoiceErrors.Add("Please choose one answer for each question about your name.");
            return Page();
        }
        var c = Choices;
        var result = await portal.ChangeConsentAsync(Who, new StorytellerPortalService.Choices(c.Recording, c.Analysis, c.Quotes, c.Clips, c.PublishStory,
            c.CreditInReports, c.CreditInClips, c.CreditOnPublicSite, c.Pseudonym), ct: HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            if (!await LoadAsync(fillChoices: false)) return NotFound();
            ChoiceErrors.AddRange(result.Errors);
            return Page();
        }
        return Redirect("/me?done=choices#choices");
    }

    public async Task<IActionResult> OnPostStopAllAsync()
    {
        var result = await portal.StopAllUseAsync(Who, ct: HttpContext.RequestAborted);
        if (!result.Succeeded) return BadRequest();
        return Redirect("/me?done=stopped#choices");
    }

    public async Task<IActionResult> OnPostCorrectionAsync()
    {
        var result = await portal.RequestCorrectionAsync(Who, Correction, HttpContext.RequestAborted);
        if (!result.Succeeded)
        {
            if (!await LoadAsync(fillChoices: true)) return NotFound();
            CorrectionErrors.AddRange(result.Errors);
            return Page();
        }
        return Redirect("/me?done=correction#correction");
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(StorytellerSession.Scheme);
        return Redirect("/me/left");
    }

    private async Task<bool> LoadAsync(bool fillChoices)
    {
        var view = await portal.LoadAsync(Who, HttpContext.RequestAborted);
        if (view is null) return false;
        View = view;
        Recordings = await recordings.PlansAsync(view.Who, view.Stories, HttpContext.RequestAborted);
        Response.Headers.CacheControl = "no-store";
        if (fillChoices && view.Consent is { } now)
        {
            Choices = new ChoicesForm
            {
                Recording = now.Recording,
                Analysis = now.Analysis,
                Quotes = now.Quotes,
                Clips = now.Clips,
                PublishStory = now.PublishStory,
                CreditInReports = now.CreditInReports,
                CreditInClips = now.CreditInClips,
                CreditOnPublicSite = now.CreditOnPublicSite,
                Pseudonym = now.Pseudonym,
            };
        }
        return true;
    }
}
