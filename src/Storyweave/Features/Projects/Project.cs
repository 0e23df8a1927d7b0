using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Accounts;

namespace Storyweave.Features.Projects;

public class Project
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Stable, URL-safe name used for public addresses (the call-out page, the story site).</summary>
    public required string Slug { get; set; }

    public string Description { get; set; } = "";
    public string ResearchQuestion { get; set; } = "";

    /// <summary>The one open question every dialogue interview starts with.</summary>
    public string ConversationStarter { get; set; } = "";

    public DateOnly? StartDate { get; set; }
    public DateOnly? EndDate { get; set; }

    /// <summary>Made-up content shipped so a newcomer has something to look at.</summary>
    public bool IsSample { get; set; }

    /// <summary>
    /// Small-numbers guard for findings: any count of people above 0 and below this threshold is
    /// shown as "fewer than N" in every output, so nobody can be singled out. 0 turns it off.
    /// On (5) for a new project until a lead chooses otherwise.
    /// </summary>
    public int SmallNumberThreshold { get; set; } = Findings.SmallNumberGuard.DefaultThreshold;

    /// <summary>
    /// When a lead last saved the small-numbers setting; null while the project keeps the default. This is
    /// how a lead's deliberate 0 is told apart from "never chose" (the upgrade that turned the guard on
    /// for existing projects relied on the event log for the same question).
    /// </summary>
    public DateTime? SmallNumberThresholdChosenAt { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? ArchivedAt { get; set; }

    public List<ProjectMember> Members { get; set; } = [];

    public bool IsArchived => ArchivedAt is not null;
}

public class ProjectMember
{
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string UserId { get; set; }
    public User? User { get; set; }
    public ProjectRole Role { get; set; }
    public DateTime AddedAt { get; set; }

    /// <summary>A lead let this reporter or analyst see storytellers' personal details (<see cref="ProjectAccess.CanSeePersonalDetails"/>).</summary>
    public bool MaySeePersonalDetails { get; set; }
}

public sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> builder)
    {
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.Slug).HasMaxLength(80);
        builder.HasIndex(p => p.Slug).IsUnique();
        builder.Property(p => p.Description).HasMaxLength(4000);
        builder.Property(p => p.ResearchQuestion).HasMaxLength(1000);
        builder.Property(p => p.ConversationStarter).HasMaxLength(1000);
        builder.Ignore(p => p.IsArchived);
    }
}

public sealed class ProjectMemberConfiguration : IEntityTypeConfiguration<ProjectMember>
{
    public void Configure(EntityTypeBuilder<ProjectMember> builder)
    {
        builder.HasKey(m => new { m.ProjectId, m.UserId });
        builder.Property(m => m.Role).HasConversion<string>().HasMaxLength(30);
        builder.HasOne(m => m.Project).WithMany(p => p.Members).HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
