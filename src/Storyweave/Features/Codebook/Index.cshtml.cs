using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Codebook;

/// <summary>The codebook: everyone in the project can read it; leads and analysts change it here.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class CodebookIndexModel(StoryweaveDb db, ProjectAccessService access, CodebookService codebook, CurrentUser current) : ProjectPageModel(db, access)
{
    public List<CodebookService.ThemeNode> Tree { get; private set; } = [];
    public List<CodebookService.ChangeView> Changes { get; private set; } = [];
    public Dictionary<string, string> Names { get; private set; } = [];
    public List<(int Id, string Name)> OtherProjects { get; private set; } = [];
    public List<string> Errors { get; } = [];

    /// <summary>Which form the errors belong to, so the summary shows next to it.</summary>
    public string ErrorsFor { get; private set; } = "";

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Color { get; set; }
    [BindProperty] public string? ShortLabel { get; set; }
    [BindProperty] public int? ParentId { get; set; }
    [TempData] public string? Done { get; set; }

    /// <summary>After a codebook file was chosen: what bringing it in would do, and the file (as read) to confirm with.</summary>
    public CodebookService.ImportPlan? Preview { get; private set; }
    public string PreviewOrigin { get; private set; } = "";
    public string PreviewBook { get; private set; } = "";

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAddAsync()
    {
        if (!Access.CanCode) return Forbid();
        var result = await codebook.CreateAsync(ProjectId, new CodebookService.ThemeInput(Name, Description, Color, ShortLabel, ParentId), current.RequiredId);
        return await AfterAsync(result.Errors, "add", $"Added \u201c{Name?.Trim()}\u201d.");
    }

    public async Task<IActionResult> OnPostTemplateAsync(string? templateKey)
    {
        if (!Access.CanCode) return Forbid();
        var result = await codebook.ApplyTemplateAsync(ProjectId, templateKey ?? "", current.RequiredId);
        return await AfterAsync(result?.Errors ?? ["Choose a template."], "template", $"Added {result?.Value?.Count} themes from the template.");
    }

    public async Task<IActionResult> OnPostCopyAsync(int? sourceProjectId)
    {
        if (!Access.CanCode) return Forbid();
        var result = sourceProjectId is { } id ? await codebook.CopyFromAsync(ProjectId, id, current.RequiredId) : null;
        return await AfterAsync(result?.Errors ?? ["Choose a project you can see to copy from."], "copy", $"Copied {result?.Value?.Count} themes.");
    }

    public async Task<IActionResult> OnPostImportPreviewAsync(IFormFile? file)
    {
        if (!Access.CanCode) return Forbid();
        if (file is null || file.Length == 0)
            return await AfterAsync(["Choose the codebook file to bring in: a REFI-QDA codebook (.qdc), or a whole project (.qdpx) whose codebook is read."], "import", "");
        await using var stream = file.OpenReadStream();
        var book = await QdcCodebook.ReadAsync(stream, Path.GetFileName(file.FileName), HttpContext.RequestAborted);
        if (!book.Succeeded) return await AfterAsync(book.Errors, "import", "");
        Preview = await codebook.PlanImportAsync(ProjectId, book.Value!);
        PreviewOrigin = book.Value!.Origin;
        PreviewBook = Convert.ToBase64String(QdcCodebook.Write(book.Value));
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostImportAsync(string? book)
    {
        if (!Access.CanCode) return Forbid();
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(book ?? "");
        }
        catch (FormatException)
        {
            bytes = [];
        }
        if (bytes.Length == 0) return await AfterAsync(["The codebook to bring in was lost on the way. Choose the file again."], "import", "");
        var read = QdcCodebook.Read(new MemoryStream(bytes), "the codebook file");
        if (!read.Succeeded) return await AfterAsync(read.Errors, "import", "");
        var result = await codebook.ImportAsync(ProjectId, read.Value!, current.RequiredId);
        return await AfterAsync(result?.Errors ?? ["This project no longer exists."], "import",
            $"Brought in {(result?.Value?.Adding == 1 ? "1 theme" : $"{result?.Value?.Adding} themes")} from \u201c{read.Value!.Origin}\u201d. You can undo this under Recent changes.");
    }

    public async Task<IActionResult> OnPostUndoAsync(long changeId)
    {
        if (!Access.CanCode) return Forbid();
        var result = await codebook.UndoAsync(ProjectId, changeId, current.RequiredId);
        return await AfterAsync(result?.Errors ?? ["That change is not part of this codebook."], "changes", "Undone.");
    }

    private async Task<IActionResult> AfterAsync(IReadOnlyList<string> errors, string form, string done)
    {
        if (errors.Count == 0)
        {
            Done = done;
            return RedirectToPage();
        }
        Errors.AddRange(errors);
        ErrorsFor = form;
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Tree = await codebook.TreeAsync(ProjectId);
        if (!Access.CanCode) return;
        Changes = await codebook.ChangesAsync(ProjectId, 20);
        var ids = Changes.Select(c => c.Change.ActorUserId).OfType<string>().Distinct().ToList();
        Names = await Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName);
        var me = await current.GetAsync();
        // Projects the person can see: all for an admin, otherwise those they are a member of.
        var projects = Db.Projects.AsNoTracking().Where(p => p.Id != ProjectId);
        if (me?.IsAdmin != true) projects = projects.Where(p => p.Members.Any(m => m.UserId == current.RequiredId));
        OtherProjects = (await projects.OrderBy(p => p.Name).Select(p => new { p.Id, p.Name }).ToListAsync()).Select(p => (p.Id, p.Name)).ToList();
    }
}
