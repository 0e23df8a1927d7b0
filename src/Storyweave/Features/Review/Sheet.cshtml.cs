using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Review;

/// <summary>The story review sheet, filled in by the story's reporter. Others read it through the API.</summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class ReviewSheetModel(StoryweaveDb db, ProjectAccessService access, ReviewService reviews, CodebookService codebook, CurrentUser current) : ProjectPageModel(db, access)
{
    [FromRoute] public int StoryId { get; set; }
    public Story Story { get; private set; } = null!;
    public List<ReviewService.Line> Lines { get; private set; } = [];
    public List<(CodebookService.ThemeNode Node, int Depth)> Themes { get; private set; } = [];
    public List<KeyQuote> Quotes { get; private set; } = [];
    public List<string> Errors { get; } = [];

    [BindProperty] public string? Ideas { get; set; }
    [BindProperty] public string? ChangesForIndividuals { get; set; }
    [BindProperty] public string? ChangesForOrganisations { get; set; }
    [BindProperty] public string? ChangesForSociety { get; set; }
    [BindProperty] public Experience Experience { get; set; }
    [BindProperty] public bool IsComplete { get; set; }
    [BindProperty] public List<int> ThemeIds { get; set; } = [];

    /// <summary>Kept quotes travel as "start-end" offsets; unticking "keep" drops one.</summary>
    [BindProperty] public List<string> KeepQuotes { get; set; } = [];
    [BindProperty] public long? NewQuoteCueId { get; set; }
    [BindProperty] public string? NewQuotePart { get; set; }
    [TempData] public string? Done { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await LoadAsync()) return NotFound();
        var sheet = await reviews.GetAsync(ProjectId, StoryId);
        if (sheet is not null)
        {
            (Ideas, ChangesForIndividuals, ChangesForOrganisations, ChangesForSociety, Experience, IsComplete) =
                (sheet.Ideas, sheet.ChangesForIndividuals, sheet.ChangesForOrganisations, sheet.ChangesForSociety, sheet.Experience, sheet.IsComplete);
            ThemeIds = sheet.Themes.Select(t => t.ThemeId).ToList();
            Quotes = sheet.KeyQuotes;
            KeepQuotes = Quotes.Select(Key).ToList();
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync()) return NotFound();
        var quotes = KeepQuotes.Select(k => k.Split('-')).Where(k => k.Length == 2 && int.TryParse(k[0], out _) && int.TryParse(k[1], out _))
            .Select(k => new ReviewService.QuoteInput(null, null, int.Parse(k[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(k[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        if (NewQuoteCueId is { } cueId) quotes.Add(new ReviewService.QuoteInput(cueId, NewQuotePart, null, null));
        else if (!string.IsNullOrWhiteSpace(NewQuotePart)) Errors.Add("Choose the line of the transcript your new key quote comes from.");
        if (Errors.Count == 0)
        {
            var result = await reviews.SaveAsync(ProjectId, StoryId, new ReviewService.SheetInput(Ideas, ChangesForIndividuals, ChangesForOrganisations, ChangesForSociety,
                Experience, IsComplete, ThemeIds, quotes), current.RequiredId);
            if (result is null) return NotFound();
            if (result.Succeeded)
            {
                Done = "Review sheet saved.";
                return RedirectToPage();
            }
            Errors.AddRange(result.Errors);
        }
        // Show the quotes as they were before this save, so nothing typed is lost.
        Quotes = (await reviews.GetAsync(ProjectId, StoryId))?.KeyQuotes ?? [];
        return Page();
    }

    public static string Key(KeyQuote q) => $"{q.StartOffset}-{q.EndOffset}";

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
