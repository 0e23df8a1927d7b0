using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

/// <summary>Records a consent change as a new record; the page shows what is in force now, prefilled.</summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class ConsentModel(StoryweaveDb db, ProjectAccessService access, ConsentService consent, ConsentPolicy policy, CurrentUser current)
    : ProjectPageModel(db, access)
{
    public sealed class ConsentForm
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
        public DateOnly? EmbargoUntil { get; set; }
        public ConsentMethod Method { get; set; } = ConsentMethod.RecordedVerbally;
        public int? VerbalMediaId { get; set; }
        public string? VerbalAt { get; set; }
        public string? PaperFormReference { get; set; }
        public DateOnly? GivenOn { get; set; }
        public string? Note { get; set; }
    }

    [FromRoute] public int StorytellerId { get; set; }
    [BindProperty] public ConsentForm Form { get; set; } = new();
    public string PersonName { get; private set; } = "";
    public List<(int Id, string Label)> Recordings { get; private set; } = [];
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync()) return NotFound();
        var now = (await policy.CurrentAsync([StorytellerId])).GetValueOrDefault(StorytellerId);
        if (now is not null)
        {
            Form = new ConsentForm
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
                EmbargoUntil = now.EmbargoUntil,
            };
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync()) return NotFound();
        if (!ModelState.IsValid)
        {
            Errors.Add("Check the dates: give the day, month and year.");
            return Page();
        }
        var verbalAt = Stories.TimeText.Parse(Form.VerbalAt);
        if (!string.IsNullOrWhiteSpace(Form.VerbalAt) && verbalAt is null)
        {
            Errors.Add("Write the time in the recording as minutes and seconds, for example 1:05.");
            return Page();
        }
        var f = Form;
        var result = await consent.RecordAsync(ProjectId, StorytellerId, new ConsentService.ConsentInput(
            f.Recording, f.Analysis, f.Quotes, f.Clips, f.PublishStory, f.CreditInReports, f.CreditInClips, f.CreditOnPublicSite, f.Pseudonym,
            f.EmbargoUntil, f.Method, f.VerbalMediaId, verbalAt, f.PaperFormReference, f.GivenOn, f.Note), current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/storytellers/{StorytellerId}#history-title");
    }

    private async Task<bool> LoadAsync()
    {
        var person = await Db.Storytellers.AsNoTracking().Where(s => s.Id == StorytellerId && s.ProjectId == ProjectId).Select(s => s.Name).SingleOrDefaultAsync();
        if (person is null) return false;
        PersonName = person;
        Recordings = (await Db.MediaFiles.AsNoTracking()
            .Where(m => m.ProjectId == ProjectId && m.Story!.Storytellers.Any(x => x.StorytellerId == StorytellerId))
            .Select(m => new { m.Id, m.OriginalFileName, Title = m.Story!.Title }).ToListAsync())
            .Select(m => (m.Id, $"{m.Title}: {m.OriginalFileName}")).ToList();
        return true;
    }
}
