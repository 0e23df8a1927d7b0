using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Workshops;

/// <summary>The facilitator's page: people, join links, cards, settings, and turning the board into themes.</summary>
[Authorize(Policy = Policies.RunWorkshops)]
public sealed class SetupModel(StoryweaveDb db, ProjectAccessService access, WorkshopService workshops, ConsentPolicy consent) : ProjectPageModel(db, access)
{
    [FromRoute] public int WorkshopId { get; set; }
    public Workshop Workshop { get; private set; } = null!;
    public WorkshopActor Actor { get; private set; } = null!;
    public List<WorkshopParticipant> Participants { get; private set; } = [];
    public List<(string UserId, string Name)> Invitable { get; private set; } = [];
    public List<SourceRow> Passages { get; private set; } = [];
    public List<SourceRow> Quotes { get; private set; } = [];
    public WorkshopService.ProvenanceDto? Provenance { get; private set; }
    public List<string> Errors { get; } = [];
    [TempData] public string? Message { get; set; }

    /// <summary>Shown once, straight after the link is made (only its hash is stored).</summary>
    [TempData] public string? NewLink { get; set; }

    public sealed record SourceRow(int Id, string StoryTitle, string Text, string Speaker, bool OnBoard);

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var (outcome, actor, workshop) = await WorkshopActors.ResolveAsync(Db, User, ProjectId, WorkshopId, HttpContext.RequestAborted);
        if (outcome != ActorOutcome.Allowed)
        {
            context.Result = outcome == ActorOutcome.NotFound ? NotFound() : Forbid();
            return;
        }
        Actor = actor!;
        Workshop = workshop!;
        await base.OnPageHandlerExecutionAsync(context, next);
    }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Participants = await Db.WorkshopParticipants.AsNoTracking().Where(p => p.WorkshopId == WorkshopId).OrderBy(p => p.DisplayName).ToListAsync(ct);
        var taking = Participants.Where(p => p.RevokedAt == null && p.UserId != null).Select(p => p.UserId).ToHashSet();
        Invitable = (await Db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == ProjectId).Select(m => new { m.UserId, m.User!.DisplayName }).ToListAsync(ct))
            .Where(m => !taking.Contains(m.UserId)).Select(m => (m.UserId, m.DisplayName)).OrderBy(m => m.DisplayName, StringComparer.CurrentCulture).ToList();
        var scope = await AnalysisScope.LoadAsync(Db, consent, ProjectId, ct);
        var onBoard = await Db.WorkshopCards.AsNoTracking().Where(c => c.WorkshopId == WorkshopId).Select(c => new { c.PassageId, c.KeyQuoteId }).ToListAsync(ct);
        var passages = await Db.Passages.AsNoTracking().Where(p => p.ProjectId == ProjectId).OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset)
            .Select(p => new { p.Id, p.StoryId, Title = p.Story!.Title, p.Snippet, p.Speaker }).ToListAsync(ct);
        // Only words whose speaker agreed to analysis can become cards, so others are not even listed.
        Passages = passages.Where(p => scope.IsTurnVisible(p.StoryId, p.Speaker))
            .Select(p => new SourceRow(p.Id, p.Title, p.Snippet, p.Speaker, onBoard.Any(o => o.PassageId == p.Id))).ToList();
        var quotes = await Db.KeyQuotes.AsNoTracking()
            .Join(Db.Stories.Where(s => s.ProjectId == ProjectId), q => q.StoryId, s => s.Id, (q, s) => new { q.Id, q.StoryId, s.Title, q.Text, q.Speaker, q.Position })
            .OrderBy(q => q.StoryId).ThenBy(q => q.Position).ToListAsync(ct);
        Quotes = quotes.Where(q => scope.IsTurnVisible(q.StoryId, q.Speaker))
            .Select(q => new SourceRow(q.Id, q.Title, q.Text, q.Speaker, onBoard.Any(o => o.KeyQuoteId == q.Id))).ToList();
        if (Workshop.ConvertedAt is not null) Provenance = await workshops.ProvenanceAsync(WorkshopId, ct);
    }

    public Task<IActionResult> OnPostInviteAsync(string? userId) =>
        Do(workshops.InviteMemberAsync(Actor, Workshop, userId ?? ""), "Invited. They can open the board from the Workshops page.");

    public async Task<IActionResult> OnPostLinkAsync(string? displayName)
    {
        var result = await workshops.CreateJoinLinkAsync(Actor, Workshop, displayName);
        if (!result.Succeeded) return await ShowErrorsAsync(result.Errors);
        var secret = ((WorkshopService.JoinLink)result.Value!).Secret;
        NewLink = $"{Request.Scheme}://{Request.Host}/workshop/join/{secret}";
        Message = $"A join link was made for {displayName!.Trim()}. Copy it now: it is shown only once.";
        return RedirectToPage();
    }

    public Task<IActionResult> OnPostRevokeAsync(int participantId) =>
        Do(workshops.RevokeAsync(Actor, Workshop, participantId), "Removed from the workshop. Their link no longer works.");

    public Task<IActionResult> OnPostCardsAsync(List<int>? passageIds, List<int>? quoteIds, bool asPrompts) =>
        Do(workshops.AddSourceCardsAsync(Actor, Workshop, passageIds ?? [], quoteIds ?? [], asPrompts), "Cards added to the board.");

    public Task<IActionResult> OnPostSettingsAsync(int votesPerParticipant) =>
        Do(workshops.SetSettingsAsync(Actor, Workshop, null, null, votesPerParticipant), "Settings saved.");

    public Task<IActionResult> OnPostConvertAsync() =>
        Do(workshops.ConvertAsync(Actor, Workshop), "The board is now in the codebook as themes.");

    private async Task<IActionResult> Do(Task<WorkshopService.Outcome> change, string message)
    {
        var result = await change;
        if (!result.Succeeded) return await ShowErrorsAsync(result.Errors);
        Message = message;
        return RedirectToPage();
    }

    private async Task<IActionResult> ShowErrorsAsync(IEnumerable<string> errors)
    {
        Errors.AddRange(errors);
        await OnGetAsync();
        return Page();
    }
}
