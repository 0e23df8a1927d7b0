using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StorytellersModel(StoryweaveDb db, ProjectAccessService access, ConsentPolicy consent) : ProjectPageModel(db, access)
{
    public sealed record Row(Storyteller Person, List<string> Answers, ConsentRecord? Consent);
    public List<Row> Storytellers { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var people = await Db.Storytellers.AsNoTracking().Where(s => s.ProjectId == ProjectId)
            .Include(s => s.Answers).ThenInclude(a => a.Option).AsSplitQuery()
            .OrderBy(s => s.Name).ToListAsync();
        var current = await consent.CurrentAsync(people.Select(p => p.Id).ToList());
        Storytellers = people.Select(p => new Row(p, p.Answers.Select(a => a.Option!.Label).OrderBy(l => l, StringComparer.CurrentCulture).ToList(), current.GetValueOrDefault(p.Id))).ToList();
    }
}
