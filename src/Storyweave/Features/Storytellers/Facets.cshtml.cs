using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Storytellers;

/// <summary>Curators tag a self-description with optional facets, beside (never instead of) the person's words.</summary>
[Authorize(Policy = Policies.Code)]
[Authorize(Policy = Policies.SeePersonalDetails)]
public sealed class FacetsModel(StoryweaveDb db, ProjectAccessService access, FacetService facets, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StorytellerId { get; set; }
    public Storyteller Person { get; private set; } = null!;
    public List<FacetChoice> Choices { get; private set; } = [];
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddAsync(FacetKind kind, string? value, bool addToList)
    {
        if (!await LoadAsync()) return NotFound();
        var result = await facets.AddAsync(ProjectId, StorytellerId, kind, value, addToList, current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRemoveAsync(int facetId)
    {
        await facets.RemoveAsync(ProjectId, StorytellerId, facetId, current.RequiredId);
        return RedirectToPage();
    }

    private async Task<bool> LoadAsync()
    {
        var person = await Db.Storytellers.AsNoTracking().Include(s => s.Facets).SingleOrDefaultAsync(s => s.Id == StorytellerId && s.ProjectId == ProjectId);
        if (person is null) return false;
        Person = person;
        Choices = await Db.FacetChoices.AsNoTracking().Where(c => c.ProjectId == ProjectId).OrderBy(c => c.Kind).ThenBy(c => c.Value).ToListAsync();
        return true;
    }
}

public sealed class FacetService(StoryweaveDb db, TimeProvider clock)
{
    public async Task<Result<StorytellerFacet>> AddAsync(int projectId, int storytellerId, FacetKind kind, string? value, bool addToList, string actorUserId, CancellationToken ct = default)
    {
        var text = value?.Trim() ?? "";
        if (text.Length == 0) return Result.Fail<StorytellerFacet>(["Write the facet, or pick one from the project's list."]);
        if (text.Length > 200) return Result.Fail<StorytellerFacet>(["A facet can be at most 200 characters."]);
        if (!Enum.IsDefined(kind)) return Result.Fail<StorytellerFacet>(["Choose what kind of facet this is."]);
        if (!await db.Storytellers.AnyAsync(s => s.Id == storytellerId && s.ProjectId == projectId, ct))
            return Result.Fail<StorytellerFacet>(["That storyteller is not part of this project."]);
        var facet = new StorytellerFacet { StorytellerId = storytellerId, Kind = kind, Value = text, AddedByUserId = actorUserId, AddedAt = clock.GetUtcNow().UtcDateTime };
        db.StorytellerFacets.Add(facet);
        if (addToList && !await db.FacetChoices.AnyAsync(c => c.ProjectId == projectId && c.Kind == kind && c.Value == text, ct))
            db.FacetChoices.Add(new FacetChoice { ProjectId = projectId, Kind = kind, Value = text });
        db.Record(clock, projectId, actorUserId, "facet.added", "storyteller", storytellerId, kind.ToString());
        await db.SaveChangesAsync(ct);
        return Result.Ok(facet);
    }

    public async Task<bool> RemoveAsync(int projectId, int storytellerId, int facetId, string actorUserId, CancellationToken ct = default)
    {
        var facet = await db.StorytellerFacets.SingleOrDefaultAsync(f => f.Id == facetId && f.StorytellerId == storytellerId && f.Storyteller!.ProjectId == projectId, ct);
        if (facet is null) return false;
        db.StorytellerFacets.Remove(facet);
        db.Record(clock, projectId, actorUserId, "facet.removed", "storyteller", storytellerId, facet.Kind.ToString());
        await db.SaveChangesAsync(ct);
        return true;
    }
}
