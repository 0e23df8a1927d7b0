using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Coding;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Features.Review;
using Storyweave.Features.Search;
using Storyweave.Features.Workshops;

namespace Storyweave.Features.Codebook;

/// <summary>
/// Every change to a project's codebook. Each change runs in one transaction and writes one
/// <see cref="CodebookChange"/> whose UndoJson holds the themes' state before the change (only the
/// themes that changed), the themes it created, and the passage and review-sheet links it removed
/// and added — so <see cref="UndoAsync"/> can put things back exactly, whatever the kind of change.
/// Methods return null when the theme is not in the project (the caller answers 404).
/// </summary>
public sealed partial class CodebookService(StoryweaveDb db, TimeProvider clock, ProjectAccessService access, SearchIndex search, WorkshopNotifier workshops)
{
    public const string MoveUp = "move-up";
    public const string DeleteWithIt = "delete";

    public sealed record ThemeInput(string? Name, string? Description, string? Color, string? ShortLabel, int? ParentId);

    public sealed record SplitPart(string? Name, IReadOnlyCollection<int>? PassageIds);

    public sealed record Impact(int Passages, int ReviewSheets, int SubThemes);

    public sealed record ThemeNode(Theme Theme, int Passages, int Stories, IReadOnlyList<ThemeNode> Children);

    public sealed record ChangeView(CodebookChange Change, string Summary, bool CanUndo);

    // The undo record. Theme names are allowed here; story text never is (passage ids only).
    public sealed record ThemeState(int Id, int? ParentId, string Name, string Description, string Color, string ShortLabel, int Position, DateTime? DeletedAt, int? MergedIntoId);

    public sealed record PassageLink(int PassageId, int ThemeId, string? CoderUserId, DateTime CodedAt);

    public sealed record SheetLink(int StoryId, int ThemeId);

    public sealed record UndoData(string Summary, List<ThemeState> Before, List<int> Created,
        List<PassageLink> PassagesRemoved, List<PassageLink> PassagesAdded, List<SheetLink> SheetsRemoved, List<SheetLink> SheetsAdded)
    {
        /// <summary>Passages the change made (a workshop's key-quote cards): undo deletes them, with any memos on them.</summary>
        public List<int>? PassagesCreated { get; init; }

        /// <summary>The workshop a board conversion came from: undo marks it as not converted, so the board can change again.</summary>
        public int? WorkshopId { get; init; }
    }

    /// <summary>The kind of the change written when a workshop board is turned into themes (see WorkshopService.ConvertAsync).</summary>
    public const string WorkshopKind = "workshop";

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColorPattern();

    // ---------- Reading ----------

    public async Task<List<ThemeNode>> TreeAsync(int projectId, CancellationToken ct = default)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync(ct);
        // Each passage's story, and each theme's links, from two narrow indexes (ProjectRows), not by looking each link's
        // passage up in its row: at 20,000 passages those rows are megabytes of snippets, read again on every view.
        // Links to deleted themes come too; no node asks for them.
        var storyOf = await ProjectRows.PassageStoriesAsync(db, projectId, ct);
        var passageLinks = await ProjectRows.ThemeLinksAsync(db, projectId, ct);
        var sheetLinks = await db.ReviewSheetThemes.AsNoTracking().Where(x => x.Theme!.ProjectId == projectId && x.Theme.DeletedAt == null)
            .Select(x => new { x.ThemeId, x.StoryId }).ToListAsync(ct);
        var passages = passageLinks.GroupBy(x => x.ThemeId).ToDictionary(g => g.Key, g => g.Count());
        // Stories: a theme is "in" a story when a passage of it is coded with the theme or its review sheet names it.
        var stories = passageLinks.Where(x => storyOf.ContainsKey(x.PassageId)).Select(x => (x.ThemeId, StoryId: storyOf[x.PassageId]))
            .Concat(sheetLinks.Select(x => (x.ThemeId, x.StoryId)))
            .Distinct().GroupBy(x => x.ThemeId).ToDictionary(g => g.Key, g => g.Count());
        var byParent = themes.ToLookup(t => t.ParentId);
        List<ThemeNode> Build(int? parentId) => byParent[parentId].OrderBy(t => t.Position).ThenBy(t => t.Id)
            .Select(t => new ThemeNode(t, passages.GetValueOrDefault(t.Id), stories.GetValueOrDefault(t.Id), Build(t.Id))).ToList();
        return Build(null);
    }

    /// <summary>
    /// The project's themes as a tree without counting anything (for the theme page's choices: its cost does not grow
    /// with the number of passages). Every node's counts are zero (the theme page counts its one theme itself).
    /// </summary>
    public async Task<List<ThemeNode>> TreeWithoutCountsAsync(int projectId, CancellationToken ct = default)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync(ct);
        var byParent = themes.ToLookup(t => t.ParentId);
        List<ThemeNode> Build(int? parentId) => byParent[parentId].OrderBy(t => t.Position).ThenBy(t => t.Id)
            .Select(t => new ThemeNode(t, 0, 0, Build(t.Id))).ToList();
        return Build(null);
    }

    /// <summary>The tree flattened depth-first, with each theme's depth (for selects and tables).</summary>
    public static IEnumerable<(ThemeNode Node, int Depth)> Flatten(IEnumerable<ThemeNode> nodes, int depth = 0)
    {
        foreach (var n in nodes)
        {
            yield return (n, depth);
            foreach (var c in Flatten(n.Children, depth + 1)) yield return c;
        }
    }

    public async Task<Impact?> ImpactAsync(int projectId, int themeId, CancellationToken ct = default)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync(ct);
        if (themes.All(t => t.Id != themeId)) return null;
        var descendants = Descendants(themes, themeId);
        return new Impact(
            await db.PassageThemes.CountAsync(x => x.ThemeId == themeId, ct),
            await db.ReviewSheetThemes.CountAsync(x => x.ThemeId == themeId, ct),
            descendants.Count);
    }

    public async Task<List<ChangeView>> ChangesAsync(int projectId, int take = 50, CancellationToken ct = default)
    {
        var changes = await db.CodebookChanges.AsNoTracking().Where(c => c.ProjectId == projectId).OrderByDescending(c => c.Id).Take(take).ToListAsync(ct);
        var latest = changes.FirstOrDefault(c => c.UndoneAt is null)?.Id;
        return changes.Select(c => new ChangeView(c, Read(c).Summary, c.Id == latest)).ToList();
    }

    // ---------- Changes ----------

    public async Task<Result<Theme>> CreateAsync(int projectId, ThemeInput input, string? actorUserId, CancellationToken ct = default)
    {
        return await ChangeAsync(projectId, actorUserId, "create", async (themes, undo) =>
        {
            var errors = Validate(themes, input, null);
            if (errors.Count > 0) return Result.Fail<Theme>(errors);
            var theme = new Theme
            {
                ProjectId = projectId,
                ParentId = input.ParentId,
                Name = input.Name!.Trim(),
                Description = input.Description?.Trim() ?? "",
                Color = NormaliseColor(input.Color),
                ShortLabel = input.ShortLabel?.Trim() ?? "",
                Position = NextPosition(themes, input.ParentId),
                CreatedAt = Now,
            };
            db.Themes.Add(theme);
            await db.SaveChangesAsync(ct);
            undo.Created.Add(theme.Id);
            return Result.Ok(theme);
        }, t => $"Added \u201c{t.Name}\u201d", ct);
    }

    public async Task<Result<Theme>?> EditAsync(int projectId, int themeId, ThemeInput input, string actorUserId, CancellationToken ct = default)
    {
        return await ChangeAsync(projectId, actorUserId, "edit", themeId, (themes, theme, undo) =>
        {
            var errors = Validate(themes, input with { ParentId = theme.ParentId }, theme);
            if (errors.Count > 0) return Task.FromResult(Result.Fail<Theme>(errors));
            var oldName = theme.Name;
            theme.Name = input.Name!.Trim();
            theme.Description = input.Description?.Trim() ?? "";
            theme.Color = NormaliseColor(input.Color);
            theme.ShortLabel = input.ShortLabel?.Trim() ?? "";
            undo.Summary = oldName == theme.Name ? $"Edited \u201c{theme.Name}\u201d" : $"Renamed \u201c{oldName}\u201d to \u201c{theme.Name}\u201d";
            return Task.FromResult(Result.Ok(theme));
        }, ct);
    }

    /// <summary>Moves a theme under another parent (null: top level) at a position among its new siblings (0 = first).</summary>
    public async Task<Result<Theme>?> MoveAsync(int projectId, int themeId, int? parentId, int? position, string actorUserId, CancellationToken ct = default)
    {
        return await ChangeAsync(projectId, actorUserId, "move", themeId, (themes, theme, undo) =>
        {
            if (parentId is { } pid)
            {
                if (themes.All(t => t.Id != pid)) return Task.FromResult(Result.Fail<Theme>(["Choose a parent theme from this codebook."]));
                if (pid == themeId || Descendants(themes, themeId).Contains(pid))
                    return Task.FromResult(Result.Fail<Theme>([$"\u201c{theme.Name}\u201d cannot go inside itself or one of its own sub-themes. Choose another place."]));
            }
            if (themes.Any(t => t.ParentId == parentId && t.Id != themeId && SameName(t.Name, theme.Name)))
                return Task.FromResult(Result.Fail<Theme>([$"There is already a theme called \u201c{theme.Name}\u201d there. Rename one of them first."]));
            Place(themes, theme, parentId, position);
            var parentName = parentId is null ? "the top level" : $"\u201c{themes.Single(t => t.Id == parentId).Name}\u201d";
            undo.Summary = $"Moved \u201c{theme.Name}\u201d to {parentName}";
            return Task.FromResult(Result.Ok(theme));
        }, ct);
    }

    /// <summary>Merges a theme into another: its passages, review sheets and sub-themes follow; it is retired.</summary>
    public async Task<Result<Theme>?> MergeAsync(int projectId, int themeId, int intoThemeId, string actorUserId, CancellationToken ct = default)
    {
        return await ChangeAsync(projectId, actorUserId, "merge", themeId, async (themes, theme, undo) =>
        {
            var into = themes.SingleOrDefault(t => t.Id == intoThemeId);
            if (into is null) return Result.Fail<Theme>(["Choose the theme to merge into."]);
            if (into.Id == themeId) return Result.Fail<Theme>(["A theme cannot be merged into itself. Choose another theme."]);
            if (Descendants(themes, themeId).Contains(into.Id))
                return Result.Fail<Theme>([$"\u201c{theme.Name}\u201d cannot be merged into one of its own sub-themes. Move the sub-theme out first."]);

            await MoveLinksAsync(theme.Id, [into.Id], null, undo, ct);
            foreach (var child in themes.Where(t => t.ParentId == themeId).OrderBy(t => t.Position).ToList())
                Place(themes, child, into.Id, null);
            Retire(themes, theme);
            theme.MergedIntoId = into.Id;
            undo.Summary = $"Merged \u201c{theme.Name}\u201d into \u201c{into.Name}\u201d";
            return Result.Ok(into);
        }, ct);
    }

    /// <summary>
    /// Splits a theme into new sibling themes. Each part names the passages that go to it (a passage
    /// may go to several, or to none). Review sheets that named the old theme name every new one,
    /// since a sheet has no passage to choose by; the reporter can untick. Sub-themes go to the first part.
    /// </summary>
    /// <param name="othersTo">Where the passages no part names go: the index of a part (among the parts given), or null for
    /// none of them (as when every passage was on the page and left unticked on purpose). The theme page shows a page of
    /// passages at a time, so it asks the person where the ones they could not see go.</param>
    public async Task<Result<List<Theme>>?> SplitAsync(int projectId, int themeId, IReadOnlyList<SplitPart> parts, string actorUserId, int? othersTo = null, CancellationToken ct = default)
    {
        return await ChangeAsync(projectId, actorUserId, "split", themeId, async (themes, theme, undo) =>
        {
            var named = parts.Where(p => !string.IsNullOrWhiteSpace(p.Name)).ToList();
            if (named.Count < 2) return Result.Fail<List<Theme>>(["Give at least two names for the new themes."]);
            var names = named.Select(p => p.Name!.Trim()).ToList();
            var errors = new List<string>();
            if (names.Any(n => n.Length > 200)) errors.Add("A theme name can be at most 200 characters.");
            if (names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Count) errors.Add("Give each new theme a different name.");
            foreach (var n in names.Where(n => themes.Any(t => t.ParentId == theme.ParentId && t.Id != themeId && SameName(t.Name, n))))
                errors.Add($"There is already a theme called \u201c{n}\u201d there. Choose another name.");
            var passageIds = await db.PassageThemes.Where(x => x.ThemeId == themeId).Select(x => x.PassageId).ToListAsync(ct);
            if (named.SelectMany(p => p.PassageIds ?? []).Any(id => !passageIds.Contains(id)))
                errors.Add("Some of the chosen passages are not coded with this theme. Reload the page and try again.");
            if (othersTo is { } o && (o < 0 || o >= parts.Count || string.IsNullOrWhiteSpace(parts[o].Name)))
                errors.Add("The new theme chosen for the passages you did not tick has no name. Give it a name, or choose another.");
            if (errors.Count > 0) return Result.Fail<List<Theme>>(errors);
            if (othersTo is { } to)
            {
                var ticked = named.SelectMany(p => p.PassageIds ?? []).ToHashSet();
                var rest = passageIds.Where(id => !ticked.Contains(id)).ToList();
                named = named.Select(p => ReferenceEquals(p, parts[to]) ? p with { PassageIds = (p.PassageIds ?? []).Concat(rest).ToList() } : p).ToList();
            }

            var created = new List<Theme>();
            var position = theme.Position;
            foreach (var part in named)
            {
                var t = new Theme { ProjectId = projectId, ParentId = theme.ParentId, Name = part.Name!.Trim(), Color = theme.Color, Description = "", Position = position++, CreatedAt = Now, Origin = $"split:{themeId}" };
                db.Themes.Add(t);
                created.Add(t);
            }
            await db.SaveChangesAsync(ct);
            undo.Created.AddRange(created.Select(t => t.Id));
            var byPassage = named.Select((p, i) => (p, i)).SelectMany(x => (x.p.PassageIds ?? []).Select(id => (id, created[x.i].Id)))
                .GroupBy(x => x.id).ToDictionary(g => g.Key, g => g.Select(x => x.Item2).ToList());
            await MoveLinksAsync(themeId, created.Select(t => t.Id).ToList(), byPassage, undo, ct);
            foreach (var child in themes.Where(t => t.ParentId == themeId).OrderBy(t => t.Position).ToList())
                Place(themes, child, created[0].Id, null);
            Retire(themes, theme);
            // The new themes take the old one's place; later siblings move down to make room.
            var siblings = themes.Where(t => t.ParentId == theme.ParentId && t.DeletedAt == null && !created.Contains(t)).OrderBy(t => t.Position).ToList();
            var order = siblings.Where(t => t.Position < theme.Position).Concat(created).Concat(siblings.Where(t => t.Position >= theme.Position)).ToList();
            for (var i = 0; i < order.Count; i++) order[i].Position = i;
            undo.Summary = $"Split \u201c{theme.Name}\u201d into {string.Join(", ", names.Select(n => $"\u201c{n}\u201d"))}";
            return Result.Ok(created);
        }, ct);
    }

    /// <summary>Retires a theme (soft delete: its passage links stay, so undo is exact). Sub-themes move up or go with it.</summary>
    public async Task<Result<Theme>?> DeleteAsync(int projectId, int themeId, string? subThemes, string actorUserId, CancellationToken ct = default)
    {
        return await ChangeAsync(projectId, actorUserId, "delete", themeId, (themes, theme, undo) =>
        {
            var children = themes.Where(t => t.ParentId == themeId).OrderBy(t => t.Position).ToList();
            var withIt = subThemes == DeleteWithIt;
            if (children.Count > 0 && subThemes is not (MoveUp or DeleteWithIt))
                return Task.FromResult(Result.Fail<Theme>(["Choose what happens to its sub-themes: move them up, or delete them too."]));
            if (withIt)
            {
                foreach (var id in Descendants(themes, themeId))
                    themes.Single(t => t.Id == id).DeletedAt = Now;
            }
            else
            {
                // Sub-themes take the deleted theme's place among its siblings, in their order.
                var siblings = themes.Where(t => t.ParentId == theme.ParentId && t.Id != themeId).OrderBy(t => t.Position).ToList();
                var at = siblings.Count(t => t.Position < theme.Position);
                siblings.InsertRange(at, children);
                foreach (var c in children) c.ParentId = theme.ParentId;
                for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
            }
            Retire(themes, theme);
            undo.Summary = $"Deleted \u201c{theme.Name}\u201d" + (children.Count == 0 ? "" : withIt ? " and its sub-themes" : " (its sub-themes moved up)");
            return Task.FromResult(Result.Ok(theme));
        }, ct);
    }

    public async Task<Result<List<Theme>>?> ApplyTemplateAsync(int projectId, string key, string? actorUserId, CancellationToken ct = default)
    {
        if (CodebookTemplates.Find(key) is not { } template) return null;
        return await ChangeAsync(projectId, actorUserId, "template", async (themes, undo) =>
        {
            // Applying twice does not duplicate: themes already at the top level by that name are skipped.
            var toAdd = template.Themes.Where(tt => !themes.Any(t => t.ParentId == null && SameName(t.Name, tt.Name))).ToList();
            if (toAdd.Count == 0) return Result.Fail<List<Theme>>([$"The codebook already has every theme of \u201c{template.Name}\u201d."]);
            var position = NextPosition(themes, null);
            var added = toAdd.Select(tt => new Theme
            {
                ProjectId = projectId,
                Name = tt.Name,
                Description = tt.Description,
                Color = tt.Color,
                ShortLabel = tt.ShortLabel,
                Position = position++,
                CreatedAt = Now,
                Origin = $"template:{template.Key}",
            }).ToList();
            db.Themes.AddRange(added);
            await db.SaveChangesAsync(ct);
            undo.Created.AddRange(added.Select(t => t.Id));
            undo.Summary = $"Added {added.Count} themes from the template \u201c{template.Name}\u201d";
            return Result.Ok(added);
        }, null, ct);
    }

    /// <summary>Copies the live theme tree of another project the caller can see (themes only, never passages).</summary>
    public async Task<Result<List<Theme>>?> CopyFromAsync(int projectId, int sourceProjectId, string actorUserId, CancellationToken ct = default)
    {
        if (!(await access.ForProjectAsync(sourceProjectId, ct)).CanView) return null;
        if (sourceProjectId == projectId) return Result.Fail<List<Theme>>(["Choose a different project to copy from."]);
        var source = await db.Themes.AsNoTracking().Where(t => t.ProjectId == sourceProjectId && t.DeletedAt == null).ToListAsync(ct);
        var sourceName = await db.Projects.Where(p => p.Id == sourceProjectId).Select(p => p.Name).SingleOrDefaultAsync(ct);
        if (sourceName is null) return null;
        if (source.Count == 0) return Result.Fail<List<Theme>>([$"\u201c{sourceName}\u201d has no themes to copy."]);
        return await ChangeAsync(projectId, actorUserId, "copy", async (themes, undo) =>
        {
            var added = new List<Theme>();
            var position = NextPosition(themes, null);
            // Level by level, so each copy's parent already has its new id.
            var map = new Dictionary<int, Theme>();
            var level = source.Where(t => t.ParentId == null).OrderBy(t => t.Position).ToList();
            while (level.Count > 0)
            {
                foreach (var s in level)
                {
                    var copy = new Theme
                    {
                        ProjectId = projectId,
                        Parent = s.ParentId is { } p ? map[p] : null,
                        Name = s.Name,
                        Description = s.Description,
                        Color = s.Color,
                        ShortLabel = s.ShortLabel,
                        Position = s.ParentId is null ? position++ : s.Position,
                        CreatedAt = Now,
                        Origin = $"project:{sourceProjectId}",
                    };
                    map[s.Id] = copy;
                    added.Add(copy);
                    db.Themes.Add(copy);
                }
                var ids = level.Select(t => t.Id).ToHashSet();
                level = source.Where(t => t.ParentId is { } p && ids.Contains(p)).ToList();
            }
            await db.SaveChangesAsync(ct);
            undo.Created.AddRange(added.Select(t => t.Id));
            undo.Summary = $"Copied {added.Count} themes from \u201c{sourceName}\u201d";
            return Result.Ok(added);
        }, null, ct);
    }

    /// <summary>Undoes the latest change that is not yet undone; anything else is refused in plain words.</summary>
    public async Task<Result<CodebookChange>?> UndoAsync(int projectId, long changeId, string actorUserId, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var change = await db.CodebookChanges.SingleOrDefaultAsync(c => c.Id == changeId && c.ProjectId == projectId, ct);
        if (change is null) return null;
        if (change.UndoneAt is not null) return Result.Fail<CodebookChange>(["This change has already been undone."]);
        var latest = await db.CodebookChanges.Where(c => c.ProjectId == projectId && c.UndoneAt == null).MaxAsync(c => (long?)c.Id, ct);
        if (latest != change.Id)
            return Result.Fail<CodebookChange>(["Only the most recent change can be undone. Undo the later changes first, newest first."]);

        var data = Read(change);
        var affected = data.Before.Select(b => b.Id).Concat(data.Created).ToList();
        var themes = await db.Themes.Where(t => t.ProjectId == projectId && affected.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        foreach (var b in data.Before)
        {
            if (!themes.TryGetValue(b.Id, out var t)) continue;
            (t.ParentId, t.Name, t.Description, t.Color, t.ShortLabel, t.Position, t.DeletedAt, t.MergedIntoId) =
                (b.ParentId, b.Name, b.Description, b.Color, b.ShortLabel, b.Position, b.DeletedAt, b.MergedIntoId);
        }
        // Themes the change created are retired again (never hard deleted: a review sheet may name one since).
        foreach (var id in data.Created)
            if (themes.TryGetValue(id, out var t) && t.DeletedAt is null) t.DeletedAt = Now;

        foreach (var l in data.PassagesAdded)
            await db.PassageThemes.Where(x => x.PassageId == l.PassageId && x.ThemeId == l.ThemeId).ExecuteDeleteAsync(ct);
        foreach (var l in data.SheetsAdded)
            await db.ReviewSheetThemes.Where(x => x.StoryId == l.StoryId && x.ThemeId == l.ThemeId).ExecuteDeleteAsync(ct);
        var livePassages = await db.Passages.Where(p => data.PassagesRemoved.Select(l => l.PassageId).Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        foreach (var l in data.PassagesRemoved.Where(l => livePassages.Contains(l.PassageId)))
            if (!await db.PassageThemes.AnyAsync(x => x.PassageId == l.PassageId && x.ThemeId == l.ThemeId, ct))
                db.PassageThemes.Add(new PassageTheme { PassageId = l.PassageId, ThemeId = l.ThemeId, CoderUserId = l.CoderUserId, CodedAt = l.CodedAt });
        var liveSheets = await db.ReviewSheets.Where(s => data.SheetsRemoved.Select(l => l.StoryId).Contains(s.StoryId)).Select(s => s.StoryId).ToListAsync(ct);
        foreach (var l in data.SheetsRemoved.Where(l => liveSheets.Contains(l.StoryId)))
            if (!await db.ReviewSheetThemes.AnyAsync(x => x.StoryId == l.StoryId && x.ThemeId == l.ThemeId, ct))
                db.ReviewSheetThemes.Add(new ReviewSheetTheme { StoryId = l.StoryId, ThemeId = l.ThemeId });

        // A workshop conversion also made passages from key quotes: they go again, with any memos
        // written on them since, and the board becomes changeable again.
        var passagesCreated = data.PassagesCreated ?? [];
        var origin = data.WorkshopId is { } wid ? $"workshop:{wid}" : null;
        var madePassages = await db.Passages.Where(p => p.ProjectId == projectId && passagesCreated.Contains(p.Id) && p.Origin == origin).ToListAsync(ct);
        var madeIds = madePassages.Select(p => p.Id).ToList();
        db.Memos.RemoveRange(await db.Memos.Where(m => m.ProjectId == projectId && m.TargetType == MemoTarget.Passage && madeIds.Contains(m.TargetId)).ToListAsync(ct));
        db.Passages.RemoveRange(madePassages);
        ProjectEvent? workshopEvent = null;
        if (data.WorkshopId is { } workshopId && await db.Workshops.SingleOrDefaultAsync(w => w.Id == workshopId && w.ProjectId == projectId, ct) is { } workshop)
        {
            workshop.ConvertedAt = null;
            workshopEvent = db.Record(clock, projectId, actorUserId, "workshop.conversion-undone", "workshop", workshopId, $"change:{change.Id.ToString(CultureInfo.InvariantCulture)}");
        }

        change.UndoneAt = Now;
        change.UndoneByUserId = actorUserId;
        db.Record(clock, projectId, actorUserId, "codebook.undone", "codebook-change", change.Id, change.Kind);
        await db.SaveChangesAsync(ct);
        foreach (var storyId in madePassages.Select(p => p.StoryId).Distinct())
            await search.ReindexStoryAsync(projectId, storyId, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (workshopEvent is not null)
            await workshops.ChangedAsync(data.WorkshopId!.Value, workshopEvent.Id, "The board's themes were undone in the codebook. The board can change again.", null);
        return Result.Ok(change);
    }

    // ---------- Machinery ----------

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private sealed class UndoBuilder
    {
        public string Summary { get; set; } = "";
        public List<int> Created { get; } = [];
        public List<PassageLink> PassagesRemoved { get; } = [];
        public List<PassageLink> PassagesAdded { get; } = [];
        public List<SheetLink> SheetsRemoved { get; } = [];
        public List<SheetLink> SheetsAdded { get; } = [];
    }

    private Task<Result<T>?> ChangeAsync<T>(int projectId, string? actorUserId, string kind, int themeId,
        Func<List<Theme>, Theme, UndoBuilder, Task<Result<T>>> apply, CancellationToken ct) =>
        ChangeCoreAsync<T>(projectId, actorUserId, kind, themeId, async (themes, undo) =>
        {
            var theme = themes.SingleOrDefault(t => t.Id == themeId);
            return theme is null ? null : await apply(themes, theme, undo);
        }, null, ct);

    private async Task<Result<T>> ChangeAsync<T>(int projectId, string? actorUserId, string kind,
        Func<List<Theme>, UndoBuilder, Task<Result<T>>> apply, Func<T, string>? summary, CancellationToken ct) =>
        (await ChangeCoreAsync<T>(projectId, actorUserId, kind, null, async (themes, undo) => await apply(themes, undo), summary, ct))!;

    /// <summary>
    /// Loads the project's live themes (tracked), lets <paramref name="apply"/> change them, then
    /// records exactly the themes whose state differs, with the links the change moved.
    /// </summary>
    private async Task<Result<T>?> ChangeCoreAsync<T>(int projectId, string? actorUserId, string kind, int? themeId,
        Func<List<Theme>, UndoBuilder, Task<Result<T>?>> apply, Func<T, string>? summary, CancellationToken ct)
    {
        // Joins a transaction the caller already holds (a whole-project import brings the codebook in with the stories).
        await using var tx = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var themes = await db.Themes.Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync(ct);
        var before = themes.ToDictionary(t => t.Id, State);
        var undo = new UndoBuilder();
        var result = await apply(themes, undo);
        if (result is null || !result.Succeeded) return result;
        if (summary is not null) undo.Summary = summary(result.Value!);

        var changed = themes.Where(t => before.TryGetValue(t.Id, out var b) && b != State(t)).Select(t => before[t.Id]).ToList();
        var data = new UndoData(undo.Summary, changed, undo.Created, undo.PassagesRemoved, undo.PassagesAdded, undo.SheetsRemoved, undo.SheetsAdded);
        var change = new CodebookChange { ProjectId = projectId, Kind = kind, UndoJson = JsonSerializer.Serialize(data), ActorUserId = actorUserId, At = Now };
        db.CodebookChanges.Add(change);
        await db.SaveChangesAsync(ct);
        var subject = themeId ?? undo.Created.FirstOrDefault();
        db.Record(clock, projectId, actorUserId, $"codebook.{kind}", "theme", subject, $"change {change.Id.ToString(CultureInfo.InvariantCulture)}");
        await db.SaveChangesAsync(ct);
        if (tx is not null) await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// Moves every passage and review-sheet link of <paramref name="fromId"/> to the target themes
    /// (for a split, per passage as chosen), never duplicating a link that already exists.
    /// </summary>
    private async Task MoveLinksAsync(int fromId, IReadOnlyList<int> targets, Dictionary<int, List<int>>? perPassage, UndoBuilder undo, CancellationToken ct)
    {
        var links = await db.PassageThemes.Where(x => x.ThemeId == fromId).ToListAsync(ct);
        var passageIds = links.Select(l => l.PassageId).ToList();
        var existing = (await db.PassageThemes.AsNoTracking().Where(x => passageIds.Contains(x.PassageId) && targets.Contains(x.ThemeId))
            .Select(x => new { x.PassageId, x.ThemeId }).ToListAsync(ct)).Select(x => (x.PassageId, x.ThemeId)).ToHashSet();
        foreach (var link in links)
        {
            db.PassageThemes.Remove(link);
            undo.PassagesRemoved.Add(new PassageLink(link.PassageId, link.ThemeId, link.CoderUserId, link.CodedAt));
            var to = perPassage is null ? targets : perPassage.GetValueOrDefault(link.PassageId) ?? [];
            foreach (var target in to.Where(t => existing.Add((link.PassageId, t))))
            {
                db.PassageThemes.Add(new PassageTheme { PassageId = link.PassageId, ThemeId = target, CoderUserId = link.CoderUserId, CodedAt = link.CodedAt });
                undo.PassagesAdded.Add(new PassageLink(link.PassageId, target, link.CoderUserId, link.CodedAt));
            }
        }
        var sheets = await db.ReviewSheetThemes.Where(x => x.ThemeId == fromId).ToListAsync(ct);
        var storyIds = sheets.Select(s => s.StoryId).ToList();
        var existingSheets = (await db.ReviewSheetThemes.AsNoTracking().Where(x => storyIds.Contains(x.StoryId) && targets.Contains(x.ThemeId))
            .Select(x => new { x.StoryId, x.ThemeId }).ToListAsync(ct)).Select(x => (x.StoryId, x.ThemeId)).ToHashSet();
        foreach (var link in sheets)
        {
            db.ReviewSheetThemes.Remove(link);
            undo.SheetsRemoved.Add(new SheetLink(link.StoryId, link.ThemeId));
            foreach (var target in targets.Where(t => existingSheets.Add((link.StoryId, t))))
            {
                db.ReviewSheetThemes.Add(new ReviewSheetTheme { StoryId = link.StoryId, ThemeId = target });
                undo.SheetsAdded.Add(new SheetLink(link.StoryId, target));
            }
        }
    }

    /// <summary>Puts a theme under a parent at a position (null: last), renumbering old and new siblings 0..n.</summary>
    private static void Place(List<Theme> themes, Theme theme, int? parentId, int? position)
    {
        var oldSiblings = themes.Where(t => t.ParentId == theme.ParentId && t.Id != theme.Id && t.DeletedAt == null).OrderBy(t => t.Position).ThenBy(t => t.Id).ToList();
        for (var i = 0; i < oldSiblings.Count; i++) oldSiblings[i].Position = i;
        var siblings = themes.Where(t => t.ParentId == parentId && t.Id != theme.Id && t.DeletedAt == null).OrderBy(t => t.Position).ThenBy(t => t.Id).ToList();
        siblings.Insert(Math.Clamp(position ?? siblings.Count, 0, siblings.Count), theme);
        theme.ParentId = parentId;
        for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
    }

    private void Retire(List<Theme> themes, Theme theme)
    {
        theme.DeletedAt = Now;
        var siblings = themes.Where(t => t.ParentId == theme.ParentId && t.DeletedAt == null).OrderBy(t => t.Position).ThenBy(t => t.Id).ToList();
        for (var i = 0; i < siblings.Count; i++) siblings[i].Position = i;
    }

    private static HashSet<int> Descendants(List<Theme> themes, int themeId)
    {
        var found = new HashSet<int>();
        var queue = new Queue<int>([themeId]);
        while (queue.TryDequeue(out var id))
            foreach (var child in themes.Where(t => t.ParentId == id && t.DeletedAt == null))
                if (found.Add(child.Id)) queue.Enqueue(child.Id);
        return found;
    }

    private static int NextPosition(List<Theme> themes, int? parentId) =>
        themes.Where(t => t.ParentId == parentId && t.DeletedAt == null).Select(t => t.Position + 1).DefaultIfEmpty(0).Max();

    private static List<string> Validate(List<Theme> themes, ThemeInput input, Theme? existing)
    {
        var errors = new List<string>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0) errors.Add("Give the theme a name.");
        else if (name.Length > 200) errors.Add("A theme name can be at most 200 characters.");
        else if (themes.Any(t => t.ParentId == input.ParentId && t != existing && t.DeletedAt == null && SameName(t.Name, name)))
            errors.Add($"There is already a theme called \u201c{name}\u201d there. Choose another name.");
        if ((input.Description?.Trim().Length ?? 0) > 4000) errors.Add("A description can be at most 4,000 characters.");
        if ((input.ShortLabel?.Trim().Length ?? 0) > 20) errors.Add("A short label can be at most 20 characters.");
        if (!string.IsNullOrWhiteSpace(input.Color) && !ColorPattern().IsMatch(input.Color.Trim()))
            errors.Add("Give the colour as # and six letters or digits, like #1f5c4a.");
        if (input.ParentId is { } pid && existing is null && themes.All(t => t.Id != pid))
            errors.Add("Choose a parent theme from this codebook.");
        return errors;
    }

    private static string NormaliseColor(string? color) =>
        string.IsNullOrWhiteSpace(color) ? "#1f5c4a" : color.Trim().ToLowerInvariant();

    private static bool SameName(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    private static ThemeState State(Theme t) => new(t.Id, t.ParentId, t.Name, t.Description, t.Color, t.ShortLabel, t.Position, t.DeletedAt, t.MergedIntoId);

    public static UndoData Read(CodebookChange change) =>
        JsonSerializer.Deserialize<UndoData>(change.UndoJson) ?? throw new InvalidOperationException($"Codebook change {change.Id} has no undo data.");
}
