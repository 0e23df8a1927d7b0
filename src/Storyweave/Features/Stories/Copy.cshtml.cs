using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

[Authorize(Policy = Policies.GatherStories)]
public sealed class CopyStoriesModel(StoryweaveDb db, ProjectAccessService access, StoryCopyService copier, CurrentUser current) : ProjectPageModel(db, access)
{
    [BindProperty(SupportsGet = true)] public int? From { get; set; }
    [BindProperty] public List<int> StoryIds { get; set; } = [];
    public List<(int Id, string Name)> Sources { get; private set; } = [];
    public List<(int Id, string Title, string Tellers)> SourceStories { get; private set; } = [];
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : Forbid();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync()) return Forbid();
        if (From is null)
        {
            Errors.Add("Choose the project to copy from.");
            return Page();
        }
        var result = await copier.CopyAsync(ProjectId, From.Value, StoryIds, current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/stories");
    }

    /// <summary>Only projects the person may see can be copied from. False when the chosen one is not one of them.</summary>
    private async Task<bool> LoadAsync()
    {
        var user = await current.GetAsync();
        if (user is null) return false;
        Sources = (await ProjectEndpoints.VisibleTo(Db, user).Where(p => p.Id != ProjectId).OrderBy(p => p.Name).Select(p => new { p.Id, p.Name }).ToListAsync())
            .Select(p => (p.Id, p.Name)).ToList();
        if (From is not { } from) return true;
        if (Sources.All(s => s.Id != from)) return false;
        SourceStories = (await Db.Stories.AsNoTracking().Where(s => s.ProjectId == from).OrderBy(s => s.RecordedOn).ThenBy(s => s.Id)
            .Select(s => new { s.Id, s.Title, Tellers = s.Storytellers.Select(x => x.Storyteller!.Name).ToList() }).ToListAsync())
            .Select(s => (s.Id, s.Title, string.Join(", ", s.Tellers))).ToList();
        return true;
    }
}
