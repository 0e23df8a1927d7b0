using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StorytellerDetailModel(StoryweaveDb db, ProjectAccessService access, ConsentService consent, Audit.AccessLog accessLog) : ProjectPageModel(db, access)
{
    [FromRoute] public int StorytellerId { get; set; }
    public Storyteller Person { get; private set; } = null!;
    public List<(string Question, List<string> Answers)> Answers { get; private set; } = [];
    public List<ConsentRecord> History { get; private set; } = [];
    public Dictionary<string, string> Names { get; private set; } = [];
    public List<(int Id, string Title)> Stories { get; private set; } = [];
    public string? EnteredBy { get; private set; }

    /// <summary>Set by a page that saved something about this person and came back here.</summary>
    [Microsoft.AspNetCore.Mvc.TempData] public string? Done { get; set; }

    public string EntryByText() => EnteredBy ?? "a team member";

    /// <summary>Contact details, access needs and facets: leads, and members a lead granted access (<see cref="Projects.ProjectAccess.CanSeePersonalDetails"/>).</summary>
    public bool ShowContact => Access.CanSeePersonalDetails;

    public async Task<IActionResult> OnGetAsync()
    {
        var person = await Db.Storytellers.AsNoTracking().Include(s => s.Facets)
            .Include(s => s.Answers).ThenInclude(a => a.Option).ThenInclude(o => o!.Question).AsSplitQuery()
            .SingleOrDefaultAsync(s => s.Id == StorytellerId && s.ProjectId == ProjectId);
        if (person is null) return NotFound();
        Person = person;
        Answers = person.Answers.GroupBy(a => a.Option!.Question!)
            .OrderBy(g => g.Key.Position)
            .Select(g => (g.Key.Text, g.OrderBy(a => a.Option!.Position).Select(a => a.Option!.Label).ToList())).ToList();
        History = await consent.HistoryAsync(StorytellerId);
        var ids = History.SelectMany(h => new[] { h.TakenByUserId, h.RecordedByUserId }).Append(person.EnteredByUserId).OfType<string>().Distinct().ToList();
        Names = await Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName);
        EnteredBy = person.EnteredByUserId is { } by ? Names.GetValueOrDefault(by, "a team member") : null;
        Stories = (await Db.StoryStorytellers.AsNoTracking().Where(x => x.StorytellerId == StorytellerId)
            .Select(x => new { x.Story!.Id, x.Story.Title }).ToListAsync()).Select(x => (x.Id, x.Title)).ToList();
        await accessLog.RecordAsync(ProjectId, Audit.AccessActions.Viewed, "storyteller", StorytellerId, HttpContext.RequestAborted);
        return Page();
    }
}
