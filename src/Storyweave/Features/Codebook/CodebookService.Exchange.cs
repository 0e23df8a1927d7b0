using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Codebook;

/// <summary>Bringing in a REFI-QDA codebook (<see cref="QdcCodebook"/>): a plan to show first, then one undoable change.</summary>
public sealed partial class CodebookService
{
    public enum ImportAction
    {
        Add,
        MatchedById,
        MatchedByName,
    }

    public sealed record ImportLine(string Name, int Depth, ImportAction Action, string? Color);

    public sealed record ImportPlan(IReadOnlyList<ImportLine> Lines)
    {
        public int Adding => Lines.Count(l => l.Action == ImportAction.Add);
        public int Matching => Lines.Count - Adding;
    }

    /// <summary>What bringing the codebook in would do, changing nothing.</summary>
    public async Task<ImportPlan?> PlanImportAsync(int projectId, QdcCodebook.Book book, CancellationToken ct = default)
    {
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync(ct);
        var lines = new List<ImportLine>();
        Walk(project, themes, book.Codes, existingParent: null, parentIsNew: false, depth: 0, (code, depth, match, how) =>
        {
            lines.Add(new ImportLine(code.Name, depth, how, code.Color));
            return match;
        });
        return new ImportPlan(lines);
    }

    /// <summary>
    /// Brings the codebook in as one codebook change (undo puts the codebook back): codes that match a theme at the
    /// same place — by the GUID Storyweave gave it, else by name — are kept as they are; the others are added there.
    /// </summary>
    public async Task<Result<ImportPlan>?> ImportAsync(int projectId, QdcCodebook.Book book, string actorUserId, CancellationToken ct = default)
    {
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        var origin = $"codebook file: {book.Origin}";
        if (origin.Length > 100) origin = origin[..100];
        return await ChangeAsync<ImportPlan>(projectId, actorUserId, "import", async (themes, undo) =>
        {
            var lines = new List<ImportLine>();
            var added = new List<Theme>();
            Walk(project, themes, book.Codes, existingParent: null, parentIsNew: false, depth: 0, (code, depth, match, how) =>
            {
                lines.Add(new ImportLine(code.Name, depth, how, code.Color));
                return match;
            }, ThemeMaker(projectId, themes, origin, added));
            var plan = new ImportPlan(lines);
            if (added.Count == 0)
                return Result.Fail<ImportPlan>([$"Every code in \u201c{book.Origin}\u201d is already in the codebook, so nothing was added."]);
            await db.SaveChangesAsync(ct);
            undo.Created.AddRange(added.Select(t => t.Id));
            undo.Summary = $"Brought in {(added.Count == 1 ? "1 theme" : $"{added.Count} themes")} from the codebook file \u201c{book.Origin}\u201d";
            return Result.Ok(plan);
        }, null, ct);
    }

    /// <summary>
    /// The codebook of a whole REFI-QDA project brought in with its stories (<see cref="Interop.QdpxProjectImport"/>),
    /// inside the caller's transaction: the same matching as <see cref="ImportAsync"/> (by GUID, else by name at the same
    /// place), the new themes as one undoable codebook change (none when every code is already here). Returns the theme
    /// each code ended up as, keyed by <see cref="CodePathKey"/> of the code's names from the top, so codings find their theme.
    /// </summary>
    public async Task<Dictionary<string, int>?> ImportForProjectFileAsync(int projectId, QdcCodebook.Book book, string actorUserId, CancellationToken ct = default)
    {
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync(ct);
        var matched = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        var adding = 0;
        Walk(project, themes, book.Codes, existingParent: null, parentIsNew: false, depth: 0, (code, depth, match, how) =>
        {
            SetPath(path, depth, code.Name);
            if (match is null) adding++;
            else matched[CodePathKey(path)] = match.Id;
            return match;
        });
        if (adding == 0) return matched;

        var origin = $"project file: {book.Origin}";
        if (origin.Length > 100) origin = origin[..100];
        var made = new Dictionary<string, Theme>(StringComparer.Ordinal);
        var result = await ChangeAsync<int>(projectId, actorUserId, "import", async (live, undo) =>
        {
            var added = new List<Theme>();
            var make = ThemeMaker(projectId, live, origin, added);
            path.Clear();
            Walk(project, live, book.Codes, existingParent: null, parentIsNew: false, depth: 0, (code, depth, match, how) =>
            {
                SetPath(path, depth, code.Name);
                if (match is not null) made[CodePathKey(path)] = match;
                return match;
            }, (code, parent) => made[CodePathKey(path)] = make(code, parent));
            await db.SaveChangesAsync(ct);
            undo.Created.AddRange(added.Select(t => t.Id));
            undo.Summary = $"Brought in {(added.Count == 1 ? "1 theme" : $"{added.Count} themes")} with the project file “{book.Origin}”";
            return Result.Ok(added.Count);
        }, null, ct);
        return result.Succeeded ? made.ToDictionary(m => m.Key, m => m.Value.Id, StringComparer.Ordinal) : null;
    }

    /// <summary>The key of a code by its names from the top of the tree (case does not matter, as when matching by name).</summary>
    public static string CodePathKey(IEnumerable<string> names) => string.Join('\u001f', names.Select(n => n.Trim().ToUpperInvariant()));

    private static void SetPath(List<string> path, int depth, string name)
    {
        if (path.Count > depth) path.RemoveRange(depth, path.Count - depth);
        path.Add(name);
    }

    /// <summary>
    /// Walks the file's tree beside the project's: <paramref name="report"/> hears each code with the theme it matched
    /// (or null) and returns the theme its children go under; <paramref name="create"/>, when given, makes the missing ones.
    /// </summary>
    /// <summary>
    /// Makes the themes an import adds (each added to <paramref name="added"/> and to the context): they go after the
    /// themes already at their place, in the file's order.
    /// </summary>
    private Func<QdcCodebook.Code, Theme?, Theme> ThemeMaker(int projectId, List<Theme> themes, string origin, List<Theme> added)
    {
        var next = new Dictionary<Theme, int>(ReferenceEqualityComparer.Instance);
        var nextAtRoot = NextPosition(themes, null);
        return (code, parent) =>
        {
            int position;
            if (parent is null) position = nextAtRoot++;
            else
            {
                position = next.TryGetValue(parent, out var n) ? n : parent.Id > 0 ? NextPosition(themes, parent.Id) : 0;
                next[parent] = position + 1;
            }
            var theme = new Theme
            {
                ProjectId = projectId,
                Parent = parent,
                Name = code.Name,
                Description = code.Description,
                Color = code.Color ?? "#1f5c4a",
                Position = position,
                CreatedAt = Now,
                Origin = origin,
            };
            added.Add(theme);
            db.Themes.Add(theme);
            return theme;
        };
    }

    private static void Walk(Projects.Project project, List<Theme> themes, IReadOnlyList<QdcCodebook.Code> codes, Theme? existingParent, bool parentIsNew, int depth,
        Func<QdcCodebook.Code, int, Theme?, ImportAction, Theme?> report, Func<QdcCodebook.Code, Theme?, Theme>? create = null)
    {
        foreach (var code in codes)
        {
            Theme? match = null;
            var how = ImportAction.Add;
            if (!parentIsNew)
            {
                var siblings = themes.Where(t => t.ParentId == existingParent?.Id && t.DeletedAt == null && t.Id > 0).ToList();
                var guid = code.Id?.Trim('{', '}').ToLowerInvariant();
                match = guid is null ? null : siblings.FirstOrDefault(t => QdcCodebook.ThemeGuid(project, t) == guid);
                if (match is not null) how = ImportAction.MatchedById;
                else if ((match = siblings.FirstOrDefault(t => SameName(t.Name, code.Name))) is not null) how = ImportAction.MatchedByName;
            }
            report(code, depth, match, how);
            var parentForChildren = match ?? create?.Invoke(code, existingParent);
            Walk(project, themes, code.Children, parentForChildren, parentIsNew: match is null, depth + 1, report, create);
        }
    }
}
