using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Sessions;

/// <summary>
/// A dialogue interview: a peer conversation between one Community Reporter and one storyteller
/// (one-to-one) or a group of 2–9. It opens with the conversation starter. Its recordings and
/// transcript form one <see cref="Story"/>; the session's storytellers are the story's.
/// </summary>
public class InterviewSession
{
    public const int MaxStorytellers = 9;

    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public DateOnly Date { get; set; }
    public SessionMode Mode { get; set; }

    /// <summary>The Community Reporter who held the conversation.</summary>
    public string? ReporterUserId { get; set; }
    public User? Reporter { get; set; }

    public string ConversationStarterUsed { get; set; } = "";
    public string Notes { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }

    public Story? Story { get; set; }
}

public enum SessionMode
{
    Online,
    InPerson,
}

public sealed class InterviewSessionConfiguration : IEntityTypeConfiguration<InterviewSession>
{
    public void Configure(EntityTypeBuilder<InterviewSession> builder)
    {
        builder.ToTable("Sessions");
        builder.Property(s => s.Mode).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.ConversationStarterUsed).HasMaxLength(1000);
        builder.Property(s => s.Notes).HasMaxLength(4000);
        builder.Property(s => s.CreatedByUserId).HasMaxLength(450);
        builder.HasOne(s => s.Project).WithMany().HasForeignKey(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.Reporter).WithMany().HasForeignKey(s => s.ReporterUserId).OnDelete(DeleteBehavior.SetNull);
    }
}
