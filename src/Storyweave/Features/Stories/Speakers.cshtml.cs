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

    /// <summary>The reporter's name, shown beside "The Community Reporter" so the choice is clear.</summary>
    public string? ReporterName { get; private set; }

    /// <summary>
    /// Each label posts "teller:ID", "reporter" or "" (not linked yet; browsers send an empty value, which
    /// binds as null). Anything else is answered with a message naming the speaker, never an error page.
    /// </summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (!await LoadAsync()) return NotFound();
        // Read from the form itself: a bound dictionary falls back to every form field (the antiforgery
        // token among them) when no "who[…]" field was sent.
        var who = Request.Form.Where(f => f.Key.StartsWith("who[", StringComparison.Ordinal) && f.Key.EndsWith(']'))
            .ToDictionary(f => f.Key[4..^1], f => (string?)f.Value.ToString(), StringComparer.Ordinal);
        if (who.Count == 0)
        {
            Errors.Add(Rows.Count == 0 ? "This transcript names no speakers, so there is nobody to link." : "Nothing was sent. Choose who each speaker is, then press Save.");
            return Page();
        }
        var mappings = new List<TranscriptService.SpeakerMapping>();
        foreach (var (label, value) in who)
        {
            var choice = (value ?? "").Trim();
            if (choice.Length == 0) mappings.Add(new(label, null, false));
            else if (choice == "reporter") mappings.Add(new(label, null, true));
            else if (choice.StartsWith("teller:", StringComparison.Ordinal)
                     && int.TryParse(choice.AsSpan(7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                mappings.Add(new(label, id, false));
            else Errors.Add($"The choice for “{label}” was not one of the people listed. Choose a storyteller, the Community Reporter or “Not linked yet”.");
        }
        if (Errors.Count > 0) return Page();
        var result = await transcripts.MapSpeakersAsync(ProjectId, StoryId, mappings, current.RequiredId);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors);
            return Page();
        }
        var linked = mappings.Count(m => m.StorytellerId is not null || m.IsReporter);
        TempData["SpeakersDone"] = linked == mappings.Count
            ? "Saved: every speaker is linked to a person."
            : $"Saved. {mappings.Count - linked} of {mappings.Count} speakers are not linked yet: their turns count as every storyteller's until you link them.";
        return Redirect($"/projects/{ProjectId}/stories/{StoryId}");
    }

    private async Task<bool> LoadAsync()
    {
        var story = await StoryQueries.LoadAsync(Db, ProjectId, StoryId, HttpContext.RequestAborted);
        if (story is null) return false;
        Story = story;
        ReporterName = story.Session?.ReporterUserId is { } reporterId
            ? await Db.Users.AsNoTracking().Where(u => u.Id == reporterId).Select(u => u.DisplayName).SingleOrDefaultAsync()
            : null;
        Rows = story.Speakers.OrderBy(s => s.Label, StringComparer.CurrentCulture).Select(s =>
        {
            var turns = story.Cues.Where(c => c.Speaker == s.Label).OrderBy(c => c.Position).ToList();
            var example = turns.FirstOrDefault()?.Text ?? "";
            return new Row(s.Label, s.StorytellerId, s.IsReporter, turns.Count, example.Length > 140 ? example[..140] + "…" : example);
        }).ToList();
        return true;
    }
}
