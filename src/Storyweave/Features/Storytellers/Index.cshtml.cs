using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Shared;

namespace Storyweave.Features.Storytellers;

[Authorize(Policy = Policies.ViewProject)]
public sealed class StorytellersModel(StoryweaveDb db, ProjectAccessService access, ConsentPolicy consent) : ProjectPageModel(db, access)
{
    public sealed record Row(Storyteller Person, List<string> Answers, ConsentRecord? Consent);
    public List<Row> Storytellers { get; private set; } = [];

    /// <summary>Words to find in a storyteller's name.</summary>
    [FromQuery(Name = "find")] public string? Find { get; set; }

    // Not "page": Razor Pages keeps that name for its own routing.
    [FromQuery(Name = "pageNumber")] public int PageNumber { get; set; } = 1;

    /// <summary>The page of storytellers shown (50 at a time, by name).</summary>
    public ListPage List { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        var words = ListPage.Words(Find);
        var people = Db.Storytellers.AsNoTracking().Where(s => s.ProjectId == ProjectId);
        if (words is not null)
        {
            // Ignoring case (the database's lower(): on SQLite, of ASCII letters only).
            var lower = words.ToLowerInvariant();
            // Run by the database (lower(), instr/strpos), never by .NET, so no culture applies.
#pragma warning disable CA1304, CA1311, CA1862
            people = people.Where(s => s.Name.ToLower().Contains(lower));
#pragma warning restore CA1304, CA1311, CA1862
        }
        var total = await people.CountAsync();
        List = ListPage.For($"/projects/{ProjectId}/storytellers", "storytellers", PageNumber, total, words);
        var shown = await people.OrderBy(s => s.Name).ThenBy(s => s.Id).Skip(List.Skip).Take(ListPage.Size)
            .Include(s => s.Answers).ThenInclude(a => a.Option).AsSplitQuery().ToListAsync();
        var current = await consent.CurrentAsync(shown.Select(p => p.Id).ToList());
        Storytellers = shown.Select(p => new Row(p, p.Answers.Select(a => a.Option!.Label).OrderBy(l => l, StringComparer.CurrentCulture).ToList(), current.GetValueOrDefault(p.Id))).ToList();
    }
}
