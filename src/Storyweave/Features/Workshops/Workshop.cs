using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Workshops;

/// <summary>A live sense-making (or "ingredients") workshop: a shared board of cards and clusters.</summary>
public class Workshop
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Title { get; set; }
    public WorkshopKind Kind { get; set; }
    public int VotesPerParticipant { get; set; } = 3;
    public bool IsLocked { get; set; }
    public bool VotesRevealed { get; set; }
    public DateTime? TimerEndsAt { get; set; }
    public string? FacilitatorUserId { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Set when the board was turned into codebook themes.</summary>
    public DateTime? ConvertedAt { get; set; }
}

public enum WorkshopKind
{
    SenseMaking,
    Ingredients,
}

/// <summary>
/// Someone taking part: a project member, or a person without an account who joined through a
/// personal link (only the name they want to be credited by is kept; the link's secret is hashed).
/// </summary>
public class WorkshopParticipant
{
    public int Id { get; set; }
    public int WorkshopId { get; set; }
    public string? UserId { get; set; }
    public required string DisplayName { get; set; }
    public string? JoinTokenHash { get; set; }
    public bool IsFacilitator { get; set; }
    public DateTime InvitedAt { get; set; }
    public DateTime? JoinedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

public class WorkshopCluster
{
    public int Id { get; set; }
    public int WorkshopId { get; set; }
    public required string Name { get; set; }
    public int Position { get; set; }
    public int? MergedIntoId { get; set; }
    public int? CreatedByParticipantId { get; set; }
}

public enum CardKind
{
    /// <summary>A coded passage from a transcript (with a clip).</summary>
    Passage,

    /// <summary>A key quotation from a review sheet.</summary>
    KeyQuote,

    /// <summary>A sticky note written by a participant.</summary>
    Note,

    /// <summary>A story extract used as a prompt (ingredients workshops).</summary>
    Prompt,
}

/// <summary>
/// A card on the board. Passage and quote cards refer to their source (so consent and withdrawal
/// apply when the board is shown); only sticky notes carry their own text.
/// <see cref="Version"/> increases on every move: a move based on an older version loses, so two
/// people moving the same card end in one well-defined state.
/// </summary>
public class WorkshopCard
{
    public int Id { get; set; }
    public int WorkshopId { get; set; }
    public CardKind Kind { get; set; }
    public int? PassageId { get; set; }
    public int? KeyQuoteId { get; set; }
    public string NoteText { get; set; } = "";
    public int? ClusterId { get; set; }
    public int Position { get; set; }
    public int Version { get; set; }
    public int? CreatedByParticipantId { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>A sticky note that names a storyteller who withdrew entirely: its words are hidden until a lead reviews it (decision 0008).</summary>
    public bool HeldForReview { get; set; }
}

public class WorkshopVote
{
    public int Id { get; set; }
    public int WorkshopId { get; set; }
    public int ParticipantId { get; set; }
    public int? CardId { get; set; }
    public int? ClusterId { get; set; }
    /// <summary>
    /// Which of the participant's votes this is, 1 to the workshop's limit. Unique per participant, so two nodes (or two
    /// quick clicks) taking the last free vote at once cannot both succeed: the database refuses the second.
    /// </summary>
    public int Slot { get; set; }
    public DateTime At { get; set; }
}

public sealed class WorkshopConfiguration : IEntityTypeConfiguration<Workshop>
{
    public void Configure(EntityTypeBuilder<Workshop> builder)
    {
        builder.Property(w => w.Title).HasMaxLength(200);
        builder.Property(w => w.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(w => w.FacilitatorUserId).HasMaxLength(450);
        builder.HasOne(w => w.Project).WithMany().HasForeignKey(w => w.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class WorkshopParticipantConfiguration : IEntityTypeConfiguration<WorkshopParticipant>
{
    public void Configure(EntityTypeBuilder<WorkshopParticipant> builder)
    {
        builder.Property(p => p.UserId).HasMaxLength(450);
        builder.Property(p => p.DisplayName).HasMaxLength(200);
        builder.Property(p => p.JoinTokenHash).HasMaxLength(64);
        builder.HasIndex(p => p.JoinTokenHash).IsUnique();
        // One participant row per member and workshop (guests and room groups have no user id), whichever node adds it.
        builder.HasIndex(p => new { p.WorkshopId, p.UserId }).IsUnique();
        builder.HasOne<Workshop>().WithMany().HasForeignKey(p => p.WorkshopId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class WorkshopClusterConfiguration : IEntityTypeConfiguration<WorkshopCluster>
{
    public void Configure(EntityTypeBuilder<WorkshopCluster> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.HasOne<Workshop>().WithMany().HasForeignKey(c => c.WorkshopId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class WorkshopCardConfiguration : IEntityTypeConfiguration<WorkshopCard>
{
    public void Configure(EntityTypeBuilder<WorkshopCard> builder)
    {
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.NoteText).HasMaxLength(2000);
        builder.Property(c => c.Version).IsConcurrencyToken();
        builder.HasOne<Workshop>().WithMany().HasForeignKey(c => c.WorkshopId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => new { c.WorkshopId, c.ClusterId });
    }
}

public sealed class WorkshopVoteConfiguration : IEntityTypeConfiguration<WorkshopVote>
{
    public void Configure(EntityTypeBuilder<WorkshopVote> builder)
    {
        builder.HasOne<Workshop>().WithMany().HasForeignKey(v => v.WorkshopId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(v => new { v.WorkshopId, v.ParticipantId, v.Slot }).IsUnique();
        builder.ToTable(t => t.HasCheckConstraint("CK_WorkshopVotes_Slot", "\"Slot\" >= 1"));
    }
}
