using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Codebook;

/// <summary>One theme: edit, move, merge, split and delete, each a form with its own plain error summary.</summary>
[Authorize(Policy = Policies.Code)]
public sealed class ThemeModel(StoryweaveDb db, ProjectAccessService access, CodebookService codebook, CurrentUser current, ConsentPolicy consent) : ProjectPageModel(db, access)
{
    [FromRoute] public int ThemeId { get; set; }
    public CodebookService.ThemeNode Node { get; private set; } = null!;
    public List<(CodebookService.ThemeNode Node, int Depth)> All { get; private set; } = [];
    public HashSet<int> Inside { get; private set; } = [];
    public CodebookService.Impact Impact { get; private set; } = new(0, 0, 0);

    /// <summary>The passages coded with this theme, for the split table; snippets only where consent to analysis allows.</summary>
    public List<(int Id, string Snippet)> Passages { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string ErrorsFor { get; private set; } = "";

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Color { get; set; }
    [BindProperty] public string? ShortLabel { get; set; }
    [TempData] public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync()) return NotFound();
        Name = Node.Theme.Name;
        Description = Node.Theme.Description;
        Color = Node.Theme.Color;
        ShortLabel = Node.Theme.ShortLabel;
        return Page();
    }

    public async Task<IActionResult> OnPostEditAsync() =>
        await AfterAsync(await codebook.EditAsync(ProjectId, ThemeId, new CodebookService.ThemeInput(Name, Description, Color, ShortLabel, null), current.RequiredId), "edit", "Saved.");

    public async Task<IActionResult> OnPostMoveAsync(string? parent, int? position) =>
        await AfterAsync(await codebook.MoveAsync(ProjectId, ThemeId, int.TryParse(parent, out var p) ? p : null, position is { } n ? n - 1 : null, current.RequiredId), "move", "Moved.");

    public async Task<IActionResult> OnPostMergeAsync(int? intoThemeId)
    {
        if (intoThemeId is null) return await ShowAsync(["Choose the theme to merge into."], "merge");
        var result = await codebook.MergeAsync(ProjectId, ThemeId, intoThemeId.Value, current.RequiredId);
        if (result is { Succeeded: true })
        {
            Done = "Merged. Its passages now belong to this theme. You can undo this in the list of recent changes.";
            return Redirect($"/projects/{ProjectId}/codebook/{intoThemeId}");
        }
        return await AfterAsync(result, "merge", "");
    }

    public async Task<IActionResult> OnPostSplitAsync(List<string>? newNames, List<string>? assign)
    {
        // Each ticked box is "passageId:partIndex", so one passage can go to several new themes.
        var parts = (newNames ?? []).Select((name, i) => new CodebookService.SplitPart(name,
            (assign ?? []).Select(a => a.Split(':')).Where(a => a.Length == 2 && a[1] == i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Select(a => int.TryParse(a[0], out var id) ? id : 0).ToList())).ToList();
        var result = await codebook.SplitAsync(ProjectId, ThemeId, parts, current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded) return await ShowAsync(result.Errors, "split");
        Done = $"Split into {result.Value!.Count} themes. You can undo this in the list of recent changes.";
        return Redirect($"/projects/{ProjectId}/codebook");
    }

    public async Task<IActionResult> OnPostDeleteAsync(string? subThemes)
    {
        var result = await codebook.DeleteAsync(ProjectId, ThemeId, subThemes, current.RequiredId);
        if (result is null) return NotFound();
        if (!result.Succeeded) return await ShowAsync(result.Errors, "delete");
        Done = $"Deleted \u201c{result.Value!.Name}\u201d. You can undo this in the list of recent changes.";
        return Redirect($"/projects/{ProjectId}/codebook");
    }

    private async Task<IActionResult> AfterAsync(Result<Theme>? result, string form, string done)
    {
        if (result is null) return NotFound();
        if (!result.Succeeded) return await ShowAsync(result.Errors, form);
        Done = done;
        return RedirectToPage();
    }

    private async Task<IActionResult> ShowAsync(IReadOnlyList<string> errors, string form)
    {
        if (!await LoadAsync()) return NotFound();
        Errors.AddRange(errors);
        ErrorsFor = form;
        return Page();
    }

    private async Task<bool> LoadAsync()
    {
        var tree = await codebook.TreeAsync(ProjectId);
        All = CodebookService.Flatten(tree).ToList();
        var node = All.Select(x => x.Node).FirstOrDefault(n => n.Theme.Id == ThemeId);
        if (node is null) return false;
        Node = node;
        Inside = CodebookService.Flatten(node.Children).Select(x => x.Node.Theme.Id).Append(ThemeId).ToHashSet();
        Impact = await codebook.ImpactAsync(ProjectId, ThemeId) ?? Impact;
        var scope = await AnalysisScope.LoadAsync(Db, consent, ProjectId);
        var passages = await Db.PassageThemes.AsNoTracking().Where(x => x.ThemeId == ThemeId).OrderBy(x => x.Passage!.StoryId).ThenBy(x => x.Passage!.StartOffset)
            .Select(x => new { x.Passage!.Id, x.Passage.StoryId, x.Passage.Speaker, x.Passage.Snippet }).ToListAsync();
        Passages = passages.Select(p => (p.Id, scope.IsTurnVisible(p.StoryId, p.Speaker) ? p.Snippet : $"Passage {p.Id} (hidden: no consent to analysis)")).ToList();
        return true;
    }
}
