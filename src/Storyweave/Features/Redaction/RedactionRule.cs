using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Storyweave.Features.Redaction;

/// <summary>
/// A word or phrase that identifies someone (a name, a place, an employer) and what to show
/// instead in outputs, e.g. "Sarah" → "[name]" or a pseudonym. Matched as whole words, ignoring case.
/// </summary>
public class RedactionRule
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public required string Term { get; set; }
    public required string Replacement { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }
}

public sealed class RedactionRuleConfiguration : IEntityTypeConfiguration<RedactionRule>
{
    public void Configure(EntityTypeBuilder<RedactionRule> builder)
    {
        builder.Property(r => r.Term).HasMaxLength(200);
        builder.Property(r => r.Replacement).HasMaxLength(200);
        builder.Property(r => r.CreatedByUserId).HasMaxLength(450);
        builder.HasIndex(r => new { r.ProjectId, r.Term }).IsUnique();
    }
}
