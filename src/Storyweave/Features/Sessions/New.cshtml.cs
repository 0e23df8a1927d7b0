using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Sessions;

[Authorize(Policy = Policies.GatherStories)]
public sealed class NewSessionModel(StoryweaveDb db, ProjectAccessService access, SessionService sessions, CurrentUser current, TimeProvider clock)
    : ProjectPageModel(db, access)
{
    [BindProperty] public string? Title { get; set; }
    [BindProperty] public DateOnly? Date { get; set; }
    [BindProperty] public SessionMode Mode { get; set; } = SessionMode.Online;
    [BindProperty] public string? ReporterUserId { get; set; }
    [BindProperty] public string? ConversationStarterUsed { get; set; }
    [BindProperty] public string? Notes { get; set; }
    [BindProperty] public List<int> StorytellerIds { get; set; } = [];

    public List<(int Id, string Name)> Storytellers { get; private set; } = [];
    public List<(string Id, string Name)> Reporters { get; private set; } = [];
    public List<string> Errors { get; } = [];

    public async Task OnGetAsync()
    {
        await LoadAsync();
        Date = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        ConversationStarterUsed = Project.ConversationStarter;
        ReporterUserId = Reporters.Any(r => r.Id == current.Id) ? current.Id : null;
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadAsync();
        if (!ModelState.IsValid)
        {
            Errors.Add("Check the date: give the day, month and year.");
            return Page();
        }
        var result = await sessions.CreateAsync(ProjectId, new SessionService.SessionInput(Title, Date, Mode,
            string.IsNullOrEmpty(ReporterUserId) ? null : ReporterUserId, ConversationStarterUsed, Notes, StorytellerIds), current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/stories/{result.Value!.Id}");
    }

    private async Task LoadAsync()
    {
        Storytellers = (await Db.Storytellers.AsNoTracking().Where(s => s.ProjectId == ProjectId).Select(s => new { s.Id, s.Name }).ToListAsync())
            .OrderBy(s => s.Name, StringComparer.CurrentCulture).Select(s => (s.Id, s.Name)).ToList();
        Reporters = await sessions.ReportersAsync(ProjectId);
    }
}
