using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Search;

/// <summary>The search page: a plain GET form (works without JavaScript) and a list of results.</summary>
[Authorize(Policy = Policies.ViewProject)]
public sealed class SearchModel(StoryweaveDb db, ProjectAccessService access, SearchService search, ConsentPolicy consent, Audit.AccessLog accessLog) : ProjectPageModel(db, access)
{
    public sealed record Choice(string Value, string Label);
    public sealed record OptionGroup(string Question, List<Choice> Options);

    [FromQuery(Name = "q")] public string? Q { get; set; }
    [FromQuery(Name = "themeId")] public int? ThemeId { get; set; }
    [FromQuery(Name = "optionId")] public int? OptionId { get; set; }
    [FromQuery(Name = "speaker")] public string? Speaker { get; set; }
    [FromQuery(Name = "coderId")] public string? CoderId { get; set; }

    // Not "page": Razor Pages keeps that name for its own routing.
    [FromQuery(Name = "pageNumber")] public int PageNumber { get; set; } = 1;

    public List<Choice> Themes { get; private set; } = [];
    public List<OptionGroup> Options { get; private set; } = [];
    public List<string> Speakers { get; private set; } = [];

    /// <summary>
    /// Past this many speaker names the "said by" filter is a text field rather than a list: at 1,000 stories there are
    /// ~2,000 names, a list no one can scroll through on a phone and most of the page's 137 KB.
    /// </summary>
    public const int SpeakerListLimit = 60;

    /// <summary>Whether the "said by" filter is typed (<see cref="SpeakerListLimit"/>).</summary>
    public bool SpeakerIsTyped => Speakers.Count > SpeakerListLimit;

    /// <summary>Why a typed speaker could not be searched for (no one of that name speaks in the visible stories); null when it could.</summary>
    public string? SpeakerError { get; private set; }

    /// <summary>Names that contain what was typed, when nobody has exactly that name (at most five), to search with instead.</summary>
    public List<string> SpeakerSuggestions { get; private set; } = [];
    public List<Choice> Coders { get; private set; } = [];
    public SearchService.Outcome? Outcome { get; private set; }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Themes = await Db.Themes.AsNoTracking().Where(t => t.ProjectId == ProjectId && t.DeletedAt == null && t.MergedIntoId == null)
            .OrderBy(t => t.Position).ThenBy(t => t.Name).Select(t => new Choice(t.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), t.Name)).ToListAsync(ct);
        var options = await Db.CategoryOptions.AsNoTracking().Where(o => o.Question!.ProjectId == ProjectId)
            .OrderBy(o => o.Question!.Position).ThenBy(o => o.Position)
            .Select(o => new { Question = o.Question!.Text, o.Id, o.Label }).ToListAsync(ct);
        Options = options.GroupBy(o => o.Question)
            .Select(g => new OptionGroup(g.Key, g.Select(o => new Choice(o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), o.Label)).ToList())).ToList();

        // Only speaker names whose words may be searched are offered.
        var scope = await AnalysisScope.LoadAsync(Db, consent, ProjectId, ct);
        var labels = await Db.SpeakerLabels.AsNoTracking().Where(l => l.Story!.ProjectId == ProjectId).Select(l => new { l.StoryId, l.Label }).ToListAsync(ct);
        Speakers = labels.Where(l => scope.IsTurnVisible(l.StoryId, l.Label)).Select(l => l.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.CurrentCulture).ToList();

        // Everyone who has made a passage or put a theme on one in this project: asked of each person with two index
        // seeks (coder, project), rather than reading every passage and theme link of the project for their coders.
        Coders = await Db.Users.AsNoTracking()
            .Where(u => Db.Passages.Any(p => p.CoderUserId == u.Id && p.ProjectId == ProjectId)
                || Db.PassageThemes.Any(t => t.CoderUserId == u.Id && t.Theme!.ProjectId == ProjectId))
            .OrderBy(u => u.DisplayName).Select(u => new Choice(u.Id, u.DisplayName)).ToListAsync(ct);

        var speaker = SearchEndpoints.NullIfEmpty(Speaker?.Trim());
        if (speaker is not null && SpeakerIsTyped)
        {
            // Typed: the name in any case, the exact spelling first (labels are matched exactly by the search).
            var match = Speakers.FirstOrDefault(s => s == speaker) ?? Speakers.FirstOrDefault(s => string.Equals(s, speaker, StringComparison.OrdinalIgnoreCase));
            if (match is not null) speaker = Speaker = match;
            else
            {
                SpeakerError = $"Nobody called \u201c{speaker}\u201d speaks in the stories you can search. Check the spelling, or leave \u201csaid by\u201d empty to search what everyone said.";
                SpeakerSuggestions = Speakers.Where(s => s.Contains(speaker, StringComparison.OrdinalIgnoreCase)).Take(5).ToList();
            }
        }

        if (Q is not null && SpeakerError is null)
        {
            var filters = new SearchService.Filters(ThemeId, OptionId, speaker, SearchEndpoints.NullIfEmpty(CoderId));
            Outcome = await search.SearchAsync(ProjectId, Q, filters, PageNumber, ct);
            // That a search was made, never its words.
            await accessLog.RecordAsync(ProjectId, Audit.AccessActions.Searched, "search", null, ct);
        }
    }

    /// <summary>This search's address with another speaker, from the first page.</summary>
    public string SpeakerUrl(string speaker)
    {
        var was = Speaker;
        Speaker = speaker;
        var url = PageUrl(1);
        Speaker = was;
        return url;
    }

    /// <summary>This search's address with another page number (the form's values, URL-encoded).</summary>
    public string PageUrl(int number)
    {
        var query = new Dictionary<string, string?>
        {
            ["q"] = Q,
            ["themeId"] = ThemeId?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["optionId"] = OptionId?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["speaker"] = Speaker,
            ["coderId"] = CoderId,
            ["pageNumber"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString($"/projects/{ProjectId}/search", query.Where(kv => !string.IsNullOrEmpty(kv.Value)));
    }

    public static string KindName(SearchKind kind) => kind switch
    {
        SearchKind.Cue => "Transcript",
        SearchKind.ReviewSheet => "Review sheet",
        SearchKind.KeyQuote => "Key quote",
        SearchKind.Memo => "Memo",
        _ => "",
    };
}
