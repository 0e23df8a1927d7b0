using Storyweave.Data;

namespace Storyweave.Features.Events;

/// <summary>
/// Writes event rows into the same unit of work as the change they describe, so an event exists
/// exactly when its change was committed.
/// </summary>
public static class EventLog
{
    public static ProjectEvent Record(this StoryweaveDb db, TimeProvider clock, int? projectId, string? actorUserId,
        string action, string? objectType = null, object? objectId = null, string? detail = null)
    {
        var row = new ProjectEvent
        {
            ProjectId = projectId,
            ActorUserId = actorUserId,
            Action = action,
            ObjectType = objectType,
            ObjectId = objectId?.ToString(),
            Detail = detail,
            OccurredAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Events.Add(row);
        return row;
    }
}
