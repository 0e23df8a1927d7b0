using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.StorytellerPortal;

/// <summary>
/// A storyteller's personal link to their own page (no account needed): a long secret in the
/// address plus a short code given separately (by email, printed, or handed over by the reporter).
/// Only hashes are stored. Links expire and can be revoked.
/// </summary>
[PersonalData(OnWithdrawal.Deleted, InTheirDownload.Included, OnConsentChange.NotAnOutput, Why = "The download has the links' dates, never the secret itself.")]
public class StorytellerLink
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }
    public required string TokenHash { get; set; }
    public required string CodeHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }

    /// <summary>Wrong short codes in a row; the link locks after a few.</summary>
    public int FailedCodeAttempts { get; set; }
}

/// <summary>A storyteller's request to correct something held about them; it reaches the project lead.</summary>
[PersonalData(OnWithdrawal.Deleted, InTheirDownload.Included, OnConsentChange.NotAnOutput)]
public class CorrectionRequest
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }
    public required string Text { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public string? ResolvedByUserId { get; set; }
    public string Response { get; set; } = "";
}

public sealed class StorytellerLinkConfiguration : IEntityTypeConfiguration<StorytellerLink>
{
    public void Configure(EntityTypeBuilder<StorytellerLink> builder)
    {
        builder.Property(l => l.TokenHash).HasMaxLength(100);
        builder.Property(l => l.CodeHash).HasMaxLength(100);
        builder.Property(l => l.CreatedByUserId).HasMaxLength(450);
        builder.HasIndex(l => l.TokenHash).IsUnique();
        builder.HasIndex(l => l.StorytellerId);
        builder.HasOne(l => l.Storyteller).WithMany().HasForeignKey(l => l.StorytellerId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CorrectionRequestConfiguration : IEntityTypeConfiguration<CorrectionRequest>
{
    public void Configure(EntityTypeBuilder<CorrectionRequest> builder)
    {
        builder.Property(c => c.Text).HasMaxLength(8000);
        builder.Property(c => c.Response).HasMaxLength(8000);
        builder.Property(c => c.ResolvedByUserId).HasMaxLength(450);
        builder.HasIndex(c => c.ProjectId);
        builder.HasOne(c => c.Storyteller).WithMany().HasForeignKey(c => c.StorytellerId).OnDelete(DeleteBehavior.Cascade);
    }
}
