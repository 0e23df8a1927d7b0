using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Review;

/// <summary>
/// The story review sheet, filled in by the story's reporter. Others read it through the API.
/// Key quotes are added and removed in place: with script, the "Add key quote" and "Remove" buttons post
/// only that change (with <see cref="FragmentHeader"/>) and get back the list of key quotes; without
/// script the same buttons post the whole form, which is saved with the change, and the page reloads.
/// </summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class ReviewSheetModel(StoryweaveDb db, ProjectAccessService access, ReviewService reviews, CodebookService codebook, CurrentUser current) : ProjectPageModel(db, access)
{
    public const string FragmentHeader = "X-Storyweave-Fragment";

    [FromRoute] public int StoryId { get; set; }
    public Story Story { get; private set; } = null!;
    public List<ReviewService.Line> Lines { get; private set; } = [];
    public List<(CodebookService.ThemeNode Node, int Depth)> Themes { get; private set; } = [];
    public List<KeyQuote> Quotes { get; private set; } = [];
    public List<string> Errors { get; } = [];

    /// <summary>Errors about the key quote just added or removed in place (shown in the list, not at the top).</summary>
    public List<string> QuoteErrors { get; } = [];

    /// <summary>What the in-place answer says to screen readers.</summary>
    public string Announcement { get; private set; } = "";

    [BindProperty] public string? Ideas { get; set; }
    [BindProperty] public string? ChangesForIndividuals { get; set; }
    [BindProperty] public string? ChangesForOrganisations { get; set; }
    [BindProperty] public string? ChangesForSociety { get; set; }
    [BindProperty] public Experience Experience { get; set; }
    [BindProperty] public bool IsComplete { get; set; }
    [BindProperty] public List<int> ThemeIds { get; set; } = [];

    /// <summary>Kept quotes travel as "start-end" offsets (hidden fields beside each quote); "Remove" drops one.</summary>
    [BindProperty] public List<string> KeepQuotes { get; set; } = [];
    [BindProperty] public long? NewQuoteCueId { get; set; }
    [BindProperty] public string? NewQuotePart { get; set; }
    [BindProperty] public int? RemoveQuoteId { get; set; }

    /// <summary>The sheet's themes in the reporter's own words, as posted (empty text removes one).</summary>
    [BindProperty] public List<NotedThemeField> NotedThemes { get; set; } = [];
    [BindProperty] public string? NewNotedTheme { get; set; }
    [TempData] public string? Done { get; set; }

    public sealed class NotedThemeField
    {
        public int? Id { get; set; }
        public string? Text { get; set; }
        public int? ThemeId { get; set; }
    }

    private bool WantsFragment => Request.Headers.ContainsKey(FragmentHeader);

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync()) return NotFound();
        var sheet = await reviews.GetAsync(ProjectId, StoryId);
        if (sheet is not null)
        {
            (Ideas, ChangesForIndividuals, ChangesForOrganisations, ChangesForSociety, Experience, IsComplete) =
                (sheet.Ideas, sheet.ChangesForIndividuals, sheet.ChangesForOrganisations, sheet.ChangesForSociety, sheet.Experience, sheet.IsComplete);
            // A theme a noted theme links to shows ticked; that link, not the tick, keeps it on the sheet.
            ThemeIds = sheet.Themes.Select(t => t.ThemeId).ToList();
            Quotes = sheet.KeyQuotes;
            KeepQuotes = Quotes.Select(Key).ToList();
            NotedThemes = sheet.NotedThemes.Select(n => new NotedThemeField { Id = n.Id, Text = n.Text, ThemeId = LiveLink(n) }).ToList();
        }
        return Page();
    }

    public Task<IActionResult> OnPostAsync() => SaveAsync("Review sheet saved.", null);

    public async Task<IActionResult> OnPostAddQuoteAsync()
    {
        if (!WantsFragment) return await SaveAsync("Key quote added and the review sheet saved.", null);
        if (!await LoadAsync()) return NotFound();
        if (NewQuoteCueId is not { } cueId) return await QuotesFragmentAsync(["Choose the line of the transcript your key quote comes from."], "");
        var result = await reviews.AddKeyQuoteAsync(ProjectId, StoryId, new ReviewService.QuoteInput(cueId, NewQuotePart, null, null), current.RequiredId);
        if (result is null) return NotFound();
        return result.Succeeded
            ? await QuotesFragmentAsync([], $"Key quote added: \u201c{Shorten(result.Value!.Text)}\u201d.")
            : await QuotesFragmentAsync(result.Errors, "");
    }

    public async Task<IActionResult> OnPostRemoveQuoteAsync()
    {
        if (!WantsFragment) return await SaveAsync("Key quote removed and the review sheet saved.", RemoveQuoteId);
        if (!await LoadAsync()) return NotFound();
        var removed = RemoveQuoteId is { } id && await reviews.RemoveKeyQuoteAsync(ProjectId, StoryId, id, current.RequiredId);
        return removed
            ? await QuotesFragmentAsync([], "Key quote removed.")
            : await QuotesFragmentAsync(["That key quote is not on the sheet any more. Someone may have removed it already."], "");
    }

    /// <summary>The list of key quotes alone, for the page to swap in; 422 when the change was refused.</summary>
    private async Task<IActionResult> QuotesFragmentAsync(IReadOnlyList<string> errors, string announce)
    {
        Quotes = (await reviews.GetAsync(ProjectId, StoryId))?.KeyQuotes ?? [];
        QuoteErrors.AddRange(errors);
        var count = Quotes.Count == 0 ? "No key quotes yet." : Quotes.Count == 1 ? "1 key quote." : $"{Quotes.Count} key quotes.";
        Announcement = errors.Count > 0 ? "Not changed: " + string.Join(" ", errors) : $"{announce} {count}";
        if (errors.Count > 0) Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Partial("_KeyQuotes", this);
    }

    /// <summary>Saves everything on the form (the no-script path of every button), dropping <paramref name="removeQuoteId"/> if given.</summary>
    private async Task<IActionResult> SaveAsync(string done, int? removeQuoteId)
    {
        if (!await LoadAsync()) return NotFound();
        var before = (await reviews.GetAsync(ProjectId, StoryId))?.KeyQuotes ?? [];
        var dropped = before.FirstOrDefault(q => q.Id == removeQuoteId);
        var quotes = KeepQuotes.Where(k => dropped is null || k != Key(dropped)).Select(k => k.Split('-'))
            .Where(k => k.Length == 2 && int.TryParse(k[0], out _) && int.TryParse(k[1], out _))
            .Select(k => new ReviewService.QuoteInput(null, null, int.Parse(k[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(k[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        if (NewQuoteCueId is { } cueId) quotes.Add(new ReviewService.QuoteInput(cueId, NewQuotePart, null, null));
        else if (!string.IsNullOrWhiteSpace(NewQuotePart)) Errors.Add("Choose the line of the transcript your new key quote comes from.");
        var notes = NotedThemes.Select(n => new ReviewService.NotedThemeInput(n.Id, n.Text, n.ThemeId)).ToList();
        if (!string.IsNullOrWhiteSpace(NewNotedTheme)) notes.Add(new ReviewService.NotedThemeInput(null, NewNotedTheme, null));
        if (Errors.Count == 0)
        {
            var result = await reviews.SaveAsync(ProjectId, StoryId, new ReviewService.SheetInput(Ideas, ChangesForIndividuals, ChangesForOrganisations, ChangesForSociety,
                Experience, IsComplete, ThemeIds, quotes, notes), current.RequiredId);
            if (result is null) return NotFound();
            if (result.Succeeded)
            {
                Done = done;
                return Redirect($"/projects/{ProjectId}/stories/{StoryId}/review{(removeQuoteId is not null || NewQuoteCueId is not null ? "#key-quotes" : "")}");
            }
            Errors.AddRange(result.Errors);
        }
        // Show the quotes as they were before this save, so nothing typed is lost.
        Quotes = before;
        return Page();
    }

    public static string Key(KeyQuote q) => $"{q.StartOffset}-{q.EndOffset}";

    public static string Shorten(string text) => text.Length > 90 ? text[..87] + "\u2026" : text;

    /// <summary>The live codebook theme a noted theme stands for: its own, or the one it was merged into.</summary>
    private static int? LiveLink(ReviewSheetNotedTheme n) => n.Theme switch
    {
        null => null,
        { DeletedAt: null } t => t.Id,
        { MergedIntoId: { } into } => into,
        _ => null,
    };

    private async Task<bool> LoadAsync()
    {
        var story = await Db.Stories.AsNoTracking().SingleOrDefaultAsync(s => s.Id == StoryId && s.ProjectId == ProjectId);
        if (story is null) return false;
        Story = story;
        Lines = await reviews.LinesAsync(ProjectId, StoryId);
        Themes = CodebookService.Flatten(await codebook.TreeAsync(ProjectId)).ToList();
        return true;
    }
}
