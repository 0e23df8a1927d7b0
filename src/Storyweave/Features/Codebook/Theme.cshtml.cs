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

    /// <summary>Passages shown per page of the split table.</summary>
    public const int PageSize = 50;

    /// <summary>Which page of the theme's passages is shown (1 is the first), as "?p=2" ("page" is Razor Pages' own route value); kept across posts.</summary>
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    /// <summary>The passages on this page of the split table (by story, then place in the story); snippets only where consent to analysis allows.</summary>
    public List<(int Id, string Snippet)> Passages { get; private set; } = [];

    /// <summary>The theme's passages on every page, so "Passages 51–100 of 4,012" and the paging links can be written.</summary>
    public int PassageTotal { get; private set; }

    public int PageCount => Math.Max(1, (PassageTotal + PageSize - 1) / PageSize);
    public int FirstShown => PassageTotal == 0 ? 0 : (PageNumber - 1) * PageSize + 1;
    public int LastShown => Math.Min(PassageTotal, PageNumber * PageSize);
    public string PageUrl(int page) => page <= 1 ? $"/projects/{ProjectId}/codebook/{ThemeId}#split-title" : $"/projects/{ProjectId}/codebook/{ThemeId}?p={page}#split-title";
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

    /// <param name="others">Where the passages not ticked go when the theme has more than one page of them: "none", or
    /// the number (0–2) of a new theme. Required then, since the person cannot see them all.</param>
    public async Task<IActionResult> OnPostSplitAsync(List<string>? newNames, List<string>? assign, string? others)
    {
        int? othersTo = null;
        if (others is not null and not "none")
        {
            if (!int.TryParse(others, System.Globalization.CultureInfo.InvariantCulture, out var o) || o is < 0 or > 2)
                return await ShowAsync(["Choose where the passages you did not tick go."], "split");
            othersTo = o;
        }
        else if (others is null && await Db.PassageThemes.CountAsync(x => x.ThemeId == ThemeId) > PageSize)
        {
            return await ShowAsync(["Choose where the passages you did not tick go: this theme has more passages than one page shows."], "split");
        }
        // Each ticked box is "passageId:partIndex", so one passage can go to several new themes.
        var parts = (newNames ?? []).Select((name, i) => new CodebookService.SplitPart(name,
            (assign ?? []).Select(a => a.Split(':')).Where(a => a.Length == 2 && a[1] == i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Select(a => int.TryParse(a[0], out var id) ? id : 0).ToList())).ToList();
        var result = await codebook.SplitAsync(ProjectId, ThemeId, parts, current.RequiredId, othersTo: othersTo);
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
        return PageNumber > 1 ? Redirect(PageUrl(PageNumber).Replace("#split-title", "", StringComparison.Ordinal)) : RedirectToPage();
    }

    private async Task<IActionResult> ShowAsync(IReadOnlyList<string> errors, string form)
    {
        if (!await LoadAsync()) return NotFound();
        Errors.AddRange(errors);
        ErrorsFor = form;
        return Page();
    }

    /// <summary>
    /// Reads what the page shows and no more: the themes (names and places, for the move and merge choices), this
    /// theme's counts, and one page of its passages with consent decided for those passages' stories only. The counts
    /// and the page are worked out by the database (a theme can have thousands of passages; reading each one's place
    /// to sort and count them here cost more than the rest of the page); only the shown page's rows are read. On SQLite
    /// the count of stories and the page's ids come from two narrow indexes (the links' (ThemeId, PassageId) and the
    /// passages' place index) that stay in the connection's page cache: looking 4,400 passages up in their table read
    /// megabytes of pages from the file on every request, most of the page's time.
    /// </summary>
    private async Task<bool> LoadAsync()
    {
        var tree = await codebook.TreeWithoutCountsAsync(ProjectId);
        All = CodebookService.Flatten(tree).ToList();
        var node = All.Select(x => x.Node).FirstOrDefault(n => n.Theme.Id == ThemeId);
        if (node is null) return false;
        Inside = CodebookService.Flatten(node.Children).Select(x => x.Node.Theme.Id).Append(ThemeId).ToHashSet();
        var links = Db.PassageThemes.AsNoTracking().Where(x => x.ThemeId == ThemeId);
        var sheets = Db.ReviewSheetThemes.AsNoTracking().Where(x => x.ThemeId == ThemeId);
        var passageCount = await links.CountAsync();
        var sheetCount = await sheets.CountAsync();
        Node = node with { Passages = passageCount, Stories = passageCount + sheetCount == 0 ? 0 : await StoryCountAsync(links, sheets) };
        Impact = new CodebookService.Impact(passageCount, sheetCount, Inside.Count - 1);
        PassageTotal = passageCount;
        PageNumber = Math.Clamp(PageNumber, 1, PageCount);
        var ids = passageCount == 0 ? [] : await PageIdsAsync(links, (PageNumber - 1) * PageSize, PageSize);
        var rows = await Db.Passages.AsNoTracking().Where(p => ids.Contains(p.Id))
            .Select(p => new { p.Id, p.StoryId, p.Speaker, p.Snippet }).ToDictionaryAsync(p => p.Id);
        var passages = ids.Where(rows.ContainsKey).Select(id => rows[id]).ToList();
        var scope = await AnalysisScope.LoadForStoriesAsync(Db, consent, ProjectId, passages.Select(p => p.StoryId).Distinct().ToList());
        Passages = passages.Select(p => (p.Id, scope.IsTurnVisible(p.StoryId, p.Speaker) ? p.Snippet : $"Passage {p.Id} (hidden: no consent to analysis)")).ToList();
        return true;
    }

    // The stories the theme is in: a passage or the review sheet (as the codebook tree counts them).
    private async Task<int> StoryCountAsync(IQueryable<Coding.PassageTheme> links, IQueryable<Review.ReviewSheetTheme> sheets)
    {
        if (Db.Database.IsNpgsql()) return await links.Select(x => x.Passage!.StoryId).Union(sheets.Select(x => x.StoryId)).CountAsync();
        // SQLite would look each passage up in its table (rowid) for its story; the place index holds the story too.
        return await Db.Database.SqlQueryRaw<int>(StoryCountSql, new Microsoft.Data.Sqlite.SqliteParameter("@theme", ThemeId)).SingleAsync();
    }

    private const string StoryCountSql = $"""
            SELECT COUNT(*) AS "Value" FROM (
              SELECT p."StoryId" FROM "PassageThemes" AS t
              JOIN "Passages" AS p INDEXED BY "{Coding.CodedPassageConfiguration.PlaceIndex}" ON p."Id" = t."PassageId"
              WHERE t."ThemeId" = @theme
              UNION SELECT "StoryId" FROM "ReviewSheetThemes" WHERE "ThemeId" = @theme)
            """;

    // One page of the theme's passage ids, by story, then place in the story, then id.
    private async Task<List<int>> PageIdsAsync(IQueryable<Coding.PassageTheme> links, int skip, int take)
    {
        if (Db.Database.IsNpgsql())
            return await links.Select(x => x.Passage!).OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset).ThenBy(p => p.Id)
                .Skip(skip).Take(take).Select(p => p.Id).ToListAsync();
        return await Db.Database.SqlQueryRaw<int>(PageIdsSql, new Microsoft.Data.Sqlite.SqliteParameter("@theme", ThemeId),
            new Microsoft.Data.Sqlite.SqliteParameter("@take", take), new Microsoft.Data.Sqlite.SqliteParameter("@skip", skip)).ToListAsync();
    }

    private const string PageIdsSql = $"""
            SELECT p."Id" AS "Value" FROM "PassageThemes" AS t
            JOIN "Passages" AS p INDEXED BY "{Coding.CodedPassageConfiguration.PlaceIndex}" ON p."Id" = t."PassageId"
            WHERE t."ThemeId" = @theme
            ORDER BY p."StoryId", p."StartOffset", p."Id" LIMIT @take OFFSET @skip
            """;
}
