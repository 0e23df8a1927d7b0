using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Interop;

/// <summary>
/// A source or case of a REFI-QDA project file that became a story or storyteller here, by the file's GUID. Bringing
/// the same file (or one that shares its sources or cases) in again is refused instead of doubling the stories.
/// Kept when the story or storyteller is later deleted or withdrawn: a withdrawn person must not come back by
/// importing the old file again.
/// </summary>
public class ImportedQdaObject
{
    public const string SourceKind = "source";
    public const string CaseKind = "case";

    public long Id { get; set; }
    public int ProjectId { get; set; }

    /// <summary><see cref="SourceKind"/> or <see cref="CaseKind"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>The GUID in the file, lower case without braces.</summary>
    public required string FileId { get; set; }

    /// <summary>The story (source) or storyteller (case) it became.</summary>
    public int TargetId { get; set; }

    public DateTime ImportedAt { get; set; }
    public string? ImportedByUserId { get; set; }
}

public sealed class ImportedQdaObjectConfiguration : IEntityTypeConfiguration<ImportedQdaObject>
{
    public void Configure(EntityTypeBuilder<ImportedQdaObject> builder)
    {
        builder.Property(x => x.Kind).HasMaxLength(10);
        builder.Property(x => x.FileId).HasMaxLength(64);
        builder.Property(x => x.ImportedByUserId).HasMaxLength(450);
        builder.HasIndex(x => new { x.ProjectId, x.Kind, x.FileId }).IsUnique();
        builder.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
