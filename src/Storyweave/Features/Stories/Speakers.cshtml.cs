using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

/// <summary>Links each speaker label in the transcript to one of the session's storytellers or the reporter, so each person's consent applies to their own turns.</summary>
[Authorize(Policy = Policies.GatherStories)]
public sealed class SpeakersModel(StoryweaveDb db, ProjectAccessService access, TranscriptService transcripts, CurrentUser current) : ProjectPageModel(db, access)
{
    public sealed record Row(string Label, int? StorytellerId, bool IsReporter, int Turns, string Example);

    [FromRoute] public int StoryId { get; set; }
    [FromQuery] public int? Imported { get; set; }
    public Story Story { get; private set; } = null!;
    public List<Row> Rows { get; private set; } = [];
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : NotFound();

    /// <summary>Each label posts "teller:ID", "reporter" or "" (not linked yet).</summary>
    public async Task<IActionResult> OnPostAsync(Dictionary<string, string> who)
    {
        if (!await LoadAsync()) return NotFound();
        var mappings = who.Select(kv => new TranscriptService.SpeakerMapping(kv.Key,
            kv.Value.StartsWith("teller:", StringComparison.Ordinal) && int.TryParse(kv.Value.AsSpan(7), System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null,
            kv.Value == "reporter")).ToList();
        var result = await transcripts.MapSpeakersAsync(ProjectId, StoryId, mappings, current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/stories/{StoryId}");
    }

    private async Task<bool> LoadAsync()
    {
        var story = await StoryQueries.LoadAsync(Db, ProjectId, StoryId, HttpContext.RequestAborted);
        if (story is null) return false;
        Story = story;
        Rows = story.Speakers.OrderBy(s => s.Label, StringComparer.CurrentCulture).Select(s =>
        {
            var turns = story.Cues.Where(c => c.Speaker == s.Label).OrderBy(c => c.Position).ToList();
            var example = turns.FirstOrDefault()?.Text ?? "";
            return new Row(s.Label, s.StorytellerId, s.IsReporter, turns.Count, example.Length > 140 ? example[..140] + "…" : example);
        }).ToList();
        return true;
    }
}
