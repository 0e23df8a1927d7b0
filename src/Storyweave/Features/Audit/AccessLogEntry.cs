using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Storyweave.Features.Audit;

/// <summary>
/// Who viewed or exported what, and when: ids and actions only, never content. Kept apart from the
/// project event log (which records changes) because views are many. Shown to leads on the audit page.
/// </summary>
public class AccessLogEntry
{
    public long Id { get; set; }
    public int ProjectId { get; set; }
    public DateTime At { get; set; }

    /// <summary>The signed-in user, or null for a storyteller link or a workshop guest.</summary>
    public string? UserId { get; set; }

    /// <summary>Who it was when not a user, by id only, e.g. "storyteller-link:12".</summary>
    public string Actor { get; set; } = "";

    /// <summary>e.g. "viewed", "exported", "downloaded".</summary>
    public required string Action { get; set; }
    public required string TargetType { get; set; }
    public string TargetId { get; set; } = "";
}

public sealed class AccessLogEntryConfiguration : IEntityTypeConfiguration<AccessLogEntry>
{
    public void Configure(EntityTypeBuilder<AccessLogEntry> builder)
    {
        builder.Property(a => a.UserId).HasMaxLength(450);
        builder.Property(a => a.Actor).HasMaxLength(100);
        builder.Property(a => a.Action).HasMaxLength(50);
        builder.Property(a => a.TargetType).HasMaxLength(50);
        builder.Property(a => a.TargetId).HasMaxLength(100);
        builder.HasIndex(a => new { a.ProjectId, a.Id });
    }
}
