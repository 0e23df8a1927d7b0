using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// A lead's decision to put a story on the public story site, or take it off. Publishing marks the
/// story; whether it is shown is decided again on every request (<see cref="PublicSiteReader"/>), so a
/// story published while a storyteller's embargo runs appears by itself when the embargo ends, and
/// one whose storyteller changes their mind disappears at once.
/// </summary>
public sealed class PublicationService(StoryweaveDb db, ConsentPolicy consent, TimeProvider clock)
{
    public sealed record Status(bool Published, DateTime? PublishedAt, bool Visible, string Reason, IReadOnlyList<StorytellerUseDecision> People);

    public async Task<Status?> StatusAsync(int projectId, int storyId, CancellationToken ct = default)
    {
        var story = await db.Stories.AsNoTracking().Where(s => s.Id == storyId && s.ProjectId == projectId)
            .Select(s => new { s.PublishedAt }).SingleOrDefaultAsync(ct);
        if (story is null) return null;
        var decision = (await consent.DecideStoriesAsync([storyId], ConsentUse.PublishStory, ct))[storyId];
        return new Status(story.PublishedAt is not null, story.PublishedAt, story.PublishedAt is not null && decision.Allowed, decision.Reason, decision.People);
    }

    /// <summary>Publishes or unpublishes; false when there is no such story in the project. Repeating the current state changes nothing.</summary>
    public async Task<bool> SetPublishedAsync(int projectId, int storyId, bool publish, string userId, CancellationToken ct = default)
    {
        var story = await db.Stories.SingleOrDefaultAsync(s => s.Id == storyId && s.ProjectId == projectId, ct);
        if (story is null) return false;
        if (publish == story.PublishedAt is not null) return true;
        story.PublishedAt = publish ? clock.GetUtcNow().UtcDateTime : null;
        story.PublishedByUserId = publish ? userId : null;
        db.Record(clock, projectId, userId, publish ? "story.published" : "story.unpublished", "story", storyId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Puts a playlist on the public site, or takes it off; false when there is no such playlist.
    /// Only its clips that are cut and whose storytellers allow clips now are shown (decided per request).
    /// </summary>
    public async Task<bool> SetPlaylistPublishedAsync(int projectId, int playlistId, bool publish, string userId, CancellationToken ct = default)
    {
        var playlist = await db.Playlists.SingleOrDefaultAsync(p => p.Id == playlistId && p.ProjectId == projectId, ct);
        if (playlist is null) return false;
        if (publish == playlist.PublishedAt is not null) return true;
        playlist.PublishedAt = publish ? clock.GetUtcNow().UtcDateTime : null;
        db.Record(clock, projectId, userId, publish ? "playlist.published" : "playlist.unpublished", "playlist", playlistId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Puts a generated report file on the public site, or takes it off; false when there is no such
    /// file. It is shown only while it is ready and not out of date (decided per request).
    /// </summary>
    public async Task<bool> SetReportFilePublishedAsync(int projectId, int fileId, bool publish, string userId, CancellationToken ct = default)
    {
        var file = await db.ReportFiles.SingleOrDefaultAsync(f => f.Id == fileId && f.ProjectId == projectId, ct);
        if (file is null) return false;
        if (publish == file.PublishedAt is not null) return true;
        file.PublishedAt = publish ? clock.GetUtcNow().UtcDateTime : null;
        db.Record(clock, projectId, userId, publish ? "report-file.published" : "report-file.unpublished", "report-file", fileId);
        await db.SaveChangesAsync(ct);
        return true;
    }
}
