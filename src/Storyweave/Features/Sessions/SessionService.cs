using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Sessions;

/// <summary>Creates sessions (dialogue interviews) with their story, and counts what a project holds.</summary>
public sealed class SessionService(StoryweaveDb db, TimeProvider clock)
{
    public sealed record SessionInput(string? Title, DateOnly? Date, SessionMode Mode, string? ReporterUserId, string? ConversationStarterUsed,
        string? Notes, IReadOnlyCollection<int> StorytellerIds);

    public sealed record Counts(int Storytellers, int Stories, int Sessions, int OneToOneSessions, int GroupSessions);

    public async Task<Result<Story>> CreateAsync(int projectId, SessionInput input, string actorUserId, CancellationToken ct = default)
    {
        var errors = new List<string>();
        var ids = input.StorytellerIds.Distinct().ToList();
        if (ids.Count == 0) errors.Add("Choose the storyteller (or storytellers) in this conversation.");
        if (ids.Count > InterviewSession.MaxStorytellers)
            errors.Add($"A group conversation can have at most {InterviewSession.MaxStorytellers} storytellers; you chose {ids.Count}. Split it into two sessions.");
        if (input.Date is null) errors.Add("Give the date of the conversation.");
        else if (input.Date > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddYears(1)) errors.Add("The date is more than a year away: check the year.");
        if (string.IsNullOrWhiteSpace(input.Title)) errors.Add("Give the story a working title (it can change later).");
        else if (input.Title.Trim().Length > 300) errors.Add("The title can be at most 300 characters.");
        if (!Enum.IsDefined(input.Mode)) errors.Add("Say whether the conversation was online or in person.");
        var known = await db.Storytellers.Where(s => s.ProjectId == projectId && ids.Contains(s.Id)).Select(s => s.Id).ToListAsync(ct);
        if (known.Count != ids.Count) errors.Add("One of the chosen storytellers is not part of this project.");
        if (input.ReporterUserId is { } reporter && !await db.ProjectMembers.AnyAsync(m => m.ProjectId == projectId && m.UserId == reporter, ct))
            errors.Add("The Community Reporter must be a member of this project.");
        if (errors.Count > 0) return Result.Fail<Story>(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        var session = new InterviewSession
        {
            ProjectId = projectId,
            Date = input.Date!.Value,
            Mode = input.Mode,
            ReporterUserId = input.ReporterUserId,
            ConversationStarterUsed = input.ConversationStarterUsed?.Trim() ?? "",
            Notes = input.Notes?.Trim() ?? "",
            CreatedAt = now,
            CreatedByUserId = actorUserId,
        };
        var story = new Story { ProjectId = projectId, Title = input.Title!.Trim(), RecordedOn = session.Date, CreatedAt = now, Session = session };
        foreach (var id in ids) story.Storytellers.Add(new StoryStoryteller { StorytellerId = id });

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Stories.Add(story);
        await db.SaveChangesAsync(ct);
        db.Record(clock, projectId, actorUserId, "session.created", "session", session.Id, ids.Count == 1 ? "one-to-one" : $"group-of-{ids.Count}");
        db.Record(clock, projectId, actorUserId, "story.created", "story", story.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Result.Ok(story);
    }

    /// <summary>Storytellers, stories and sessions are different numbers and each is counted on its own.</summary>
    public async Task<Counts> CountAsync(int projectId, CancellationToken ct = default)
    {
        var storytellers = await db.Storytellers.CountAsync(s => s.ProjectId == projectId, ct);
        var stories = await db.Stories.CountAsync(s => s.ProjectId == projectId, ct);
        var sizes = await db.Stories.Where(s => s.ProjectId == projectId && s.SessionId != null)
            .Select(s => s.Storytellers.Count).ToListAsync(ct);
        var sessions = await db.Sessions.CountAsync(s => s.ProjectId == projectId, ct);
        return new Counts(storytellers, stories, sessions, sizes.Count(n => n <= 1), sizes.Count(n => n > 1));
    }

    /// <summary>Members who can hold a session: Community Reporters and leads.</summary>
    public async Task<List<(string Id, string Name)>> ReportersAsync(int projectId, CancellationToken ct = default) =>
        (await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId && (m.Role == ProjectRole.CommunityReporter || m.Role == ProjectRole.Lead))
            .Select(m => new { m.UserId, m.User!.DisplayName }).ToListAsync(ct))
        .OrderBy(m => m.DisplayName, StringComparer.CurrentCulture).Select(m => (m.UserId, m.DisplayName)).ToList();
}
