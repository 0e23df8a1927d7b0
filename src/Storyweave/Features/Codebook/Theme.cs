using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Codebook;

/// <summary>
/// A theme in a project's codebook; sub-themes have a parent (any depth). Themes are never hard
/// deleted by the app: a delete or merge sets <see cref="DeletedAt"/> / <see cref="MergedIntoId"/>
/// so every change can be undone from <see cref="CodebookChange"/>.
/// </summary>
public class Theme
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public int? ParentId { get; set; }
    public Theme? Parent { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";

    /// <summary>A colour as #rrggbb. Always shown with the name, never alone.</summary>
    public string Color { get; set; } = "#1f5c4a";

    public string ShortLabel { get; set; } = "";
    public int Position { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
    public int? MergedIntoId { get; set; }

    /// <summary>Where the theme came from: a template name, a workshop ("workshop:12"), or empty when typed in.</summary>
    public string Origin { get; set; } = "";

    /// <summary>Its name or description names a storyteller who withdrew entirely: listed for a lead to review (decision 0008).</summary>
    public bool HeldForReview { get; set; }

    public List<Theme> Children { get; set; } = [];
}

/// <summary>
/// One codebook change, with what is needed to undo it: the ids involved and the state before
/// (names, parents, passage links) as JSON. Holds theme names and ids, never story text.
/// </summary>
public class CodebookChange
{
    public long Id { get; set; }
    public int ProjectId { get; set; }
    public required string Kind { get; set; }
    public required string UndoJson { get; set; }
    public string? ActorUserId { get; set; }
    public DateTime At { get; set; }
    public DateTime? UndoneAt { get; set; }
    public string? UndoneByUserId { get; set; }
}

public sealed class ThemeConfiguration : IEntityTypeConfiguration<Theme>
{
    public void Configure(EntityTypeBuilder<Theme> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.Description).HasMaxLength(4000);
        builder.Property(t => t.Color).HasMaxLength(7);
        builder.Property(t => t.ShortLabel).HasMaxLength(20);
        builder.Property(t => t.Origin).HasMaxLength(100);
        builder.HasOne(t => t.Project).WithMany().HasForeignKey(t => t.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(t => t.Parent).WithMany(t => t.Children).HasForeignKey(t => t.ParentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(t => new { t.ProjectId, t.ParentId, t.Position });
    }
}

public sealed class CodebookChangeConfiguration : IEntityTypeConfiguration<CodebookChange>
{
    public void Configure(EntityTypeBuilder<CodebookChange> builder)
    {
        builder.Property(c => c.Kind).HasMaxLength(30);
        builder.Property(c => c.ActorUserId).HasMaxLength(450);
        builder.Property(c => c.UndoneByUserId).HasMaxLength(450);
        builder.HasIndex(c => new { c.ProjectId, c.Id });
        builder.HasOne<Project>().WithMany().HasForeignKey(c => c.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
