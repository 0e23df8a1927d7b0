using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Coding;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;
using Storyweave.Features.Reports;
using Storyweave.Features.Review;
using Storyweave.Features.Stories;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Clips;

/// <summary>An ordered set of clips with a title, played in order with captions, exportable for a video site.</summary>
public class Playlist
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }

    /// <summary>Set when a lead puts the playlist on the public story site (only clips whose storytellers agree are shown).</summary>
    public DateTime? PublishedAt { get; set; }

    public List<Clip> Clips { get; set; } = [];
}

/// <summary>
/// A short cut of a story's recording, made from a coded passage or a key quote (start and end can
/// be adjusted). The cut file and its WebVTT captions are generated in the background under the
/// data folder's clips/{projectId}/ with generated names.
/// </summary>
[PersonalData(OnWithdrawal.TheirPartRemoved, InTheirDownload.NotIncluded, OnConsentChange.MadeFilesGoOutOfDate, Why = "Cut by the team from a recording; the storyteller gets the recording itself. Clips of their turns are deleted with their files.")]
public class Clip
{
    public int Id { get; set; }
    public int PlaylistId { get; set; }
    public Playlist? Playlist { get; set; }
    public int ProjectId { get; set; }
    public int StoryId { get; set; }
    public Story? Story { get; set; }
    public int MediaFileId { get; set; }
    public MediaFile? MediaFile { get; set; }
    public int? PassageId { get; set; }
    public CodedPassage? Passage { get; set; }
    public int? KeyQuoteId { get; set; }
    public KeyQuote? KeyQuote { get; set; }

    public double StartSeconds { get; set; }
    public double EndSeconds { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public int Position { get; set; }
    public bool BurnCaptions { get; set; }

    /// <summary>
    /// When set, the cut's sound is silenced wherever a transcript cue in the clip contains a word a
    /// redaction rule hides in clips (the whole cue: there are no word times; see AudioSilencing).
    /// </summary>
    public bool SilenceRedactedWords { get; set; }

    public OutputStatus Status { get; set; }
    public double Progress { get; set; }

    /// <summary>"copy" (stream copy) or "re-encode": how the cut was made.</summary>
    public string CutMethod { get; set; } = "";
    public string? StoredName { get; set; }
    public string? CaptionsStoredName { get; set; }
    public double? DurationSeconds { get; set; }
    public string Error { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

public sealed class PlaylistConfiguration : IEntityTypeConfiguration<Playlist>
{
    public void Configure(EntityTypeBuilder<Playlist> builder)
    {
        builder.Property(p => p.Title).HasMaxLength(300);
        builder.Property(p => p.Description).HasMaxLength(4000);
        builder.Property(p => p.CreatedByUserId).HasMaxLength(450);
        builder.HasIndex(p => p.ProjectId);
        builder.HasOne(p => p.Project).WithMany().HasForeignKey(p => p.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ClipConfiguration : IEntityTypeConfiguration<Clip>
{
    public void Configure(EntityTypeBuilder<Clip> builder)
    {
        builder.Property(c => c.Title).HasMaxLength(300);
        builder.Property(c => c.Description).HasMaxLength(4000);
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.CutMethod).HasMaxLength(20);
        builder.Property(c => c.StoredName).HasMaxLength(200);
        builder.Property(c => c.CaptionsStoredName).HasMaxLength(200);
        builder.Property(c => c.Error).HasMaxLength(2000);
        builder.HasIndex(c => new { c.PlaylistId, c.Position });
        builder.HasIndex(c => c.StoryId);
        builder.HasOne(c => c.Playlist).WithMany(p => p.Clips).HasForeignKey(c => c.PlaylistId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(c => c.Story).WithMany().HasForeignKey(c => c.StoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(c => c.MediaFile).WithMany().HasForeignKey(c => c.MediaFileId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(c => c.Passage).WithMany().HasForeignKey(c => c.PassageId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne(c => c.KeyQuote).WithMany().HasForeignKey(c => c.KeyQuoteId).OnDelete(DeleteBehavior.SetNull);
    }
}
