using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Coding;

/// <summary>
/// Coding one story: the transcript with codes in it and beside it. With JavaScript (coding.js) people
/// select words (mouse, touch or keyboard) and choose themes in a chooser beside the selection, see their
/// codes highlighted in the text, and see each other's coding live; without it every line has a "Code this
/// line" link, which opens the one theme form under that line (<see cref="Line"/>), and every code a
/// Remove button of the one remove form. The theme list is written once or twice per page, never per line.
/// </summary>
[Authorize(Policy = Policies.Code)]
public sealed class CodingModel(StoryweaveDb db, ProjectAccessService access, CodingService coding, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }

    /// <summary>Whose codes to show: "all" (default), "me", or a user id. Kept across posts.</summary>
    [BindProperty(SupportsGet = true, Name = "coder")] public string? Coder { get; set; }

    /// <summary>Shows the memos of one passage or one theme beside the story's own.</summary>
    [BindProperty(SupportsGet = true, Name = "passage")] public int? MemoPassageId { get; set; }
    [BindProperty(SupportsGet = true, Name = "theme")] public int? MemoThemeId { get; set; }
    [BindProperty(SupportsGet = true, Name = "done")] public string? Done { get; set; }

    /// <summary>
    /// "project" counts each theme's passages and stories in the whole project on the server (deciding consent for every
    /// story: slow in a large project). Otherwise only this story's counts are written and coding.js fills in the
    /// project's from the theme-counts API; without script the page offers a link that sets this.
    /// </summary>
    [BindProperty(SupportsGet = true, Name = "counts")] public string? CountsFor { get; set; }

    public bool ProjectCounted => CountsFor == "project";

    /// <summary>Without script: the line (cue position) whose theme form is shown.</summary>
    [BindProperty(SupportsGet = true, Name = "line")] public int? Line { get; set; }

    public Story Story { get; private set; } = null!;
    public List<CodingService.CueSpan> Spans { get; private set; } = [];
    public AnalysisScope Scope { get; private set; } = null!;
    public List<Theme> Themes { get; private set; } = [];

    /// <summary>The themes in codebook order (parents before their sub-themes) with their depth.</summary>
    public List<(Theme Theme, int Depth)> ThemeTree { get; private set; } = [];
    public List<CodingService.PassageView> Passages { get; private set; } = [];
    public List<CodingService.ThemeCount> Counts { get; private set; } = [];
    public List<(string Id, string Name)> Coders { get; private set; } = [];
    public List<string> Speakers { get; private set; } = [];
    public List<CodingService.MemoView> StoryMemos { get; private set; } = [];
    public CodingService.PassageView? MemoPassage { get; private set; }
    public List<CodingService.MemoView> PassageMemos { get; private set; } = [];
    public Theme? MemoTheme { get; private set; }
    public List<CodingService.MemoView> ThemeMemos { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string MeId => current.RequiredId;

    public string PageUrl => $"/projects/{ProjectId}/stories/{StoryId}/coding";

    public string? DoneMessage => Done switch
    {
        "coded" => "Coded.",
        "removed" => "The theme was removed from that passage.",
        "memo" => "Memo saved.",
        "memo-deleted" => "Memo deleted.",
        _ => null,
    };

    /// <summary>The passages shown beside each cue (by position): each passage beside the first line it covers.</summary>
    public ILookup<int, CodingService.PassageView> PassagesByCue { get; private set; } = Enumerable.Empty<CodingService.PassageView>().ToLookup(_ => 0);

    public bool IsVisible(TranscriptCue cue) => Scope.IsTurnVisible(StoryId, cue.Speaker);

    /// <summary>Relative to the page (the path is the page's own), so each of hundreds of lines carries only the query.</summary>
    public string LineUrl(int position) => $"?line={position}{(Coder is null ? "" : "&coder=" + Uri.EscapeDataString(Coder))}#code-line";

    public static string Shorten(string text, int max = 120) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "\u2026";

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    public async Task<IActionResult> OnPostCodeLineAsync(int position, List<int> themeIds)
    {
        if (!await LoadAsync()) return NotFound();
        Line = position; // on failure the form is shown again under its line
        var span = Spans.FirstOrDefault(s => s.Cue.Position == position);
        if (span is null) return await FailAsync(["That line is not in the transcript any more. Reload the page."]);
        var result = await coding.CodeSelectionAsync(ProjectId, StoryId, span.Start, span.End, themeIds, current.RequiredId, HttpContext.RequestAborted);
        return result.Succeeded ? Back("coded", $"cue-{position}") : await FailAsync(result.Errors);
    }

    public async Task<IActionResult> OnPostCodeSpeakerAsync(string? speaker, List<int> themeIds)
    {
        var result = await coding.CodeSpeakerAsync(ProjectId, StoryId, speaker, themeIds, current.RequiredId, HttpContext.RequestAborted);
        return result.Succeeded ? Back("coded", "by-speaker") : await FailAsync(result.Errors);
    }

    /// <param name="code">"passageId:themeId", the value of the Remove button pressed (all share one form).</param>
    public async Task<IActionResult> OnPostRemoveAsync(string? code, int? passageId, int? themeId)
    {
        if (code?.Split(':') is [var p, var t] && int.TryParse(p, out var pid) && int.TryParse(t, out var tid)) (passageId, themeId) = (pid, tid);
        if (passageId is null || themeId is null) return await FailAsync(["Choose the code to remove."]);
        var result = await coding.RemoveThemeAsync(ProjectId, passageId.Value, themeId.Value, current.RequiredId, HttpContext.RequestAborted);
        return result.Succeeded ? Back("removed", "transcript-title") : await FailAsync(result.Errors);
    }

    public async Task<IActionResult> OnPostMemoAsync(string? targetType, int targetId, string? text)
    {
        if (CodingEndpoints.ParseTarget(targetType) is not { } target) return await FailAsync(["Say what the memo is about."]);
        var result = await coding.AddMemoAsync(ProjectId, target, targetId, text, current.RequiredId, HttpContext.RequestAborted);
        return result.Succeeded ? Back("memo", "memos") : await FailAsync(result.Errors);
    }

    public async Task<IActionResult> OnPostEditMemoAsync(int memoId, string? text)
    {
        var result = await coding.EditMemoAsync(ProjectId, memoId, text, current.RequiredId, HttpContext.RequestAborted);
        return result.Succeeded ? Back("memo", "memos") : await FailAsync(result.Errors);
    }

    public async Task<IActionResult> OnPostDeleteMemoAsync(int memoId)
    {
        var result = await coding.DeleteMemoAsync(ProjectId, memoId, current.RequiredId, Access.CanManageProject, HttpContext.RequestAborted);
        return result.Succeeded ? Back("memo-deleted", "memos") : await FailAsync(result.Errors);
    }

    /// <summary>Post/redirect/get, keeping the coder filter and the memo panel the person had open.</summary>
    private RedirectResult Back(string done, string anchor)
    {
        var query = new List<string> { $"done={done}" };
        if (!string.IsNullOrEmpty(Coder)) query.Add($"coder={Uri.EscapeDataString(Coder)}");
        if (MemoPassageId is { } p) query.Add($"passage={p}");
        if (MemoThemeId is { } t) query.Add($"theme={t}");
        return Redirect($"{PageUrl}?{string.Join('&', query)}#{anchor}");
    }

    private async Task<IActionResult> FailAsync(IReadOnlyList<string> errors)
    {
        if (!await LoadAsync()) return NotFound();
        Errors.AddRange(errors);
        Done = null;
        return Page();
    }

    private static List<(Theme, int)> InCodebookOrder(List<Theme> themes)
    {
        var children = themes.ToLookup(t => t.ParentId is { } p && themes.Any(x => x.Id == p) ? p : (int?)null);
        var ordered = new List<(Theme, int)>();
        void Walk(int? parent, int depth)
        {
            foreach (var t in children[parent].OrderBy(t => t.Position).ThenBy(t => t.Name, StringComparer.CurrentCulture))
            {
                ordered.Add((t, depth));
                Walk(t.Id, depth + 1);
            }
        }
        Walk(null, 0);
        return ordered;
    }

    private async Task<bool> LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var story = await StoryQueries.LoadAsync(Db, ProjectId, StoryId, ct);
        if (story is null) return false;
        Story = story;
        Spans = CodingService.Layout(story.Cues);
        // Consent is decided for this story's storytellers only, so the page costs the same in a project of any size.
        Scope = await coding.StoryScopeAsync(ProjectId, StoryId, ct);
        Themes = await coding.ThemesAsync(ProjectId, ct);
        ThemeTree = InCodebookOrder(Themes);
        var coderId = CodingEndpoints.CoderFilter(Coder, current);
        // Read once for everyone (the coder filter's list needs all of them) from the lines already read, then filtered.
        var all = await coding.PassagesAsync(ProjectId, StoryId, null, Scope, story.Cues, ct);
        Passages = CodingService.ForCoder(all, coderId);
        PassagesByCue = Passages.ToLookup(p => Spans.FirstOrDefault(s => s.End > p.StartOffset && s.Start < p.EndOffset)?.Cue.Position ?? -1);
        Counts = ProjectCounted
            ? await coding.CountsAsync(ProjectId, StoryId, await coding.ScopeAsync(ProjectId, ct), ct)
            : await coding.StoryCountsAsync(ProjectId, StoryId, Themes, Scope, ct);
        // Everyone who has coded this story, for the "one coder's" filter (from all passages, not only the filtered ones).
        Coders = all.SelectMany(p => p.Themes).Where(t => t.CoderUserId is not null).Select(t => (t.CoderUserId!, t.CoderName ?? "Someone"))
            .Distinct().OrderBy(c => c.Item2, StringComparer.CurrentCulture).ToList();
        Speakers = story.Cues.Where(IsVisible).Select(c => c.Speaker).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        StoryMemos = await coding.MemosAsync(ProjectId, MemoTarget.Story, StoryId, ct);
        if (MemoPassageId is { } pid && all.FirstOrDefault(p => p.Id == pid) is { } passage)
        {
            MemoPassage = passage;
            PassageMemos = await coding.MemosAsync(ProjectId, MemoTarget.Passage, pid, ct);
        }
        if (MemoThemeId is { } tid && Themes.FirstOrDefault(t => t.Id == tid) is { } theme)
        {
            MemoTheme = theme;
            ThemeMemos = await coding.MemosAsync(ProjectId, MemoTarget.Theme, tid, ct);
        }
        return true;
    }
}

/// <summary>What the memo partial needs: the memos of one target, and how to name that target in labels.</summary>
public sealed record MemoPanel(CodingModel Page, MemoTarget Target, int TargetId, string About, IReadOnlyList<CodingService.MemoView> Memos);
