using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Backup;

/// <summary>
/// A storyteller's own random 256-bit key, which seals their personal content inside every backup
/// (<see cref="BackupSealing"/>). The table is never written into a backup: the operator keeps the key list apart
/// (<c>storyweave export-keys</c>). A full withdrawal deletes the row in its transaction, so every earlier backup
/// becomes unreadable for that person once the old copies of the key list are destroyed (decision 0009).
/// </summary>
[PersonalData(OnWithdrawal.Deleted, InTheirDownload.NotIncluded, OnConsentChange.NotAnOutput,
    Why = "A key, not content: deleting it at withdrawal makes their part of every earlier backup unreadable.")]
public class StorytellerKey
{
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }

    /// <summary>32 random bytes (AES-256).</summary>
    public required byte[] Key { get; set; }

    public DateTime CreatedAt { get; set; }
}

public sealed class StorytellerKeyConfiguration : IEntityTypeConfiguration<StorytellerKey>
{
    public void Configure(EntityTypeBuilder<StorytellerKey> builder)
    {
        builder.HasKey(k => k.StorytellerId);
        builder.HasOne(k => k.Storyteller).WithOne().HasForeignKey<StorytellerKey>(k => k.StorytellerId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(k => k.Key).HasMaxLength(32);
    }
}
