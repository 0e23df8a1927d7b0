using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Media;

/// <summary>
/// An uploaded recording. The file lives in the data folder under a generated name
/// (<c>media/{projectId}/{StoredName}</c>); the uploaded file name is kept for display only and is
/// never used as a path. ffprobe's findings are recorded; a web-playable rendition is made in the
/// background when the original will not play in browsers.
/// </summary>
[PersonalData(OnWithdrawal.TheirPartRemoved, InTheirDownload.Included, OnConsentChange.CheckedAtEveryUse, Why = "Recordings of stories told alone are in the download; a group recording is silenced in their turns.")]
public class MediaFile
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public int? StoryId { get; set; }
    public Story? Story { get; set; }

    public required string OriginalFileName { get; set; }
    public required string StoredName { get; set; }
    public long SizeBytes { get; set; }
    public string Sha256 { get; set; } = "";

    public bool HasVideo { get; set; }
    public string Container { get; set; } = "";
    public string AudioCodec { get; set; } = "";
    public string VideoCodec { get; set; } = "";
    public double DurationSeconds { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }

    /// <summary>True when browsers can play the original as it is (e.g. H.264/AAC MP4, Opus WebM, MP3).</summary>
    public bool OriginalIsWebPlayable { get; set; }

    public string? RenditionStoredName { get; set; }
    public RenditionStatus RenditionStatus { get; set; }

    /// <summary>0–1 while a rendition is being made.</summary>
    public double RenditionProgress { get; set; }
    public string RenditionError { get; set; } = "";

    public string? UploadedByUserId { get; set; }
    public DateTime UploadedAt { get; set; }
}

public enum RenditionStatus
{
    NotNeeded,
    Queued,
    Running,
    Ready,
    Failed,
}

public sealed class MediaFileConfiguration : IEntityTypeConfiguration<MediaFile>
{
    public void Configure(EntityTypeBuilder<MediaFile> builder)
    {
        builder.Property(m => m.OriginalFileName).HasMaxLength(260);
        builder.Property(m => m.StoredName).HasMaxLength(100);
        builder.Property(m => m.RenditionStoredName).HasMaxLength(100);
        builder.Property(m => m.Sha256).HasMaxLength(64);
        builder.Property(m => m.Container).HasMaxLength(100);
        builder.Property(m => m.AudioCodec).HasMaxLength(50);
        builder.Property(m => m.VideoCodec).HasMaxLength(50);
        builder.Property(m => m.RenditionStatus).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.RenditionError).HasMaxLength(2000);
        builder.Property(m => m.UploadedByUserId).HasMaxLength(450);
        builder.HasOne(m => m.Project).WithMany().HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.Story).WithMany().HasForeignKey(m => m.StoryId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(m => m.StoryId);
    }
}
