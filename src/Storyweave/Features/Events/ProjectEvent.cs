using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Storyweave.Features.Events;

/// <summary>
/// One row of the append-only event log: who did what, when, to which object.
/// Invariant: rows hold ids and action names only, never story text or personal details, so the
/// log can be kept after a storyteller withdraws. <see cref="Data.StoryweaveDb"/> refuses updates
/// and deletes.
/// </summary>
public class ProjectEvent
{
    public long Id { get; set; }

    /// <summary>Null for instance-level events (an account created, the first admin set up).</summary>
    public int? ProjectId { get; set; }

    /// <summary>The account that acted; null when the system or the command line acted.</summary>
    public string? ActorUserId { get; set; }

    /// <summary>Dotted action name, e.g. <c>project.created</c>, <c>member.role-changed</c>.</summary>
    public required string Action { get; set; }

    public string? ObjectType { get; set; }
    public string? ObjectId { get; set; }

    /// <summary>Optional extra ids or enum values (e.g. the new role), never free text.</summary>
    public string? Detail { get; set; }

    public DateTime OccurredAt { get; set; }
}

public sealed class ProjectEventConfiguration : IEntityTypeConfiguration<ProjectEvent>
{
    public void Configure(EntityTypeBuilder<ProjectEvent> builder)
    {
        builder.ToTable("ProjectEvents");
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.ObjectType).HasMaxLength(50);
        builder.Property(e => e.ObjectId).HasMaxLength(100);
        builder.Property(e => e.ActorUserId).HasMaxLength(450);
        builder.Property(e => e.Detail).HasMaxLength(200);
        builder.HasIndex(e => new { e.ProjectId, e.Id });
    }
}
