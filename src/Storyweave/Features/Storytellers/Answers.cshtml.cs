using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.CallOut;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

/// <summary>
/// The team enters or corrects which answers a storyteller chose to the project's sign-up questions: for a story
/// copied from an earlier project, answers given on paper or by phone, or a correction the person asked for.
/// </summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class AnswersModel(StoryweaveDb db, ProjectAccessService access, StorytellerService storytellers, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StorytellerId { get; set; }
    public string PersonName { get; private set; } = "";
    public bool Withdrawn { get; private set; }
    public List<CategoryQuestion> Questions { get; private set; } = [];
    public HashSet<int> Chosen { get; private set; } = [];
    public List<string> Errors { get; } = [];
    [TempData] public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync([FromForm(Name = "options")] List<int>? options)
    {
        if (!await LoadAsync()) return NotFound();
        if (!ModelState.IsValid)
        {
            Errors.Add("One of the ticked answers could not be read. Reload the page and choose again.");
            return Page();
        }
        var result = await storytellers.SetAnswersAsync(ProjectId, StorytellerId, options ?? [], current.RequiredId, HttpContext.RequestAborted);
        if (result is null) return NotFound();
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            Chosen = (options ?? []).ToHashSet();
            return Page();
        }
        Done = result.Value is { Added: 0, Removed: 0 } ? "Nothing changed: those were already their answers." : $"Saved {PersonName}'s answers.";
        return Redirect($"/projects/{ProjectId}/storytellers/{StorytellerId}");
    }

    private async Task<bool> LoadAsync()
    {
        var person = await Db.Storytellers.AsNoTracking().Include(s => s.Answers)
            .SingleOrDefaultAsync(s => s.Id == StorytellerId && s.ProjectId == ProjectId);
        if (person is null) return false;
        PersonName = person.Name;
        Withdrawn = person.WithdrawnAt is not null;
        Chosen = person.Answers.Select(a => a.OptionId).ToHashSet();
        Questions = await Db.CategoryQuestions.AsNoTracking().Where(q => q.ProjectId == ProjectId).Include(q => q.Options)
            .OrderBy(q => q.Position).ThenBy(q => q.Id).ToListAsync();
        foreach (var q in Questions) q.Options = q.Options.OrderBy(o => o.Position).ThenBy(o => o.Id).ToList();
        return true;
    }
}
