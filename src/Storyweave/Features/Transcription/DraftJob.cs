using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Media;
using Storyweave.Features.Stories;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Transcription;

/// <summary>
/// One request for an automatic first draft of a story's transcript, and the record of how it went.
/// The row is the job: the job engine's job (<see cref="DraftRunJob"/>) carries only its id, so a stop at any
/// moment loses nothing (the engine runs a draft cut off by a stop again; at start-up a Queued or Running row
/// with no job in the engine gets one).
/// <para>
/// The draft's lines are written into the transcript only at the very end, in one transaction
/// through <see cref="TranscriptService.SaveAsync"/> with the version the job started from. If a
/// person changed the transcript meanwhile, the lines are kept here instead (<see cref="DraftStatus.KeptAside"/>,
/// <see cref="ResultJson"/>) until someone chooses to replace the transcript with them or discard them.
/// Rows go with their story (cascade), so a storyteller's full withdrawal from a story they told alone
/// removes any draft text of it; for group stories <c>WithdrawalService</c> deletes the story's drafts.
/// </para>
/// </summary>
[PersonalData(OnWithdrawal.Deleted, InTheirDownload.NotIncluded, OnConsentChange.NotAnOutput, Why = "Bookkeeping of a transcription job.")]
public class DraftJob
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int StoryId { get; set; }
    public Story? Story { get; set; }

    /// <summary>The recording transcribed. Null once that recording is deleted (a queued job then fails with a reason).</summary>
    public int? MediaFileId { get; set; }
    public MediaFile? MediaFile { get; set; }

    /// <summary><see cref="DraftEngines.Pocketsphinx"/> or <see cref="DraftEngines.Whisper"/>.</summary>
    public required string Engine { get; set; }

    public DraftStatus Status { get; set; }

    /// <summary>0–1 while running.</summary>
    public double Progress { get; set; }

    /// <summary>Why it failed, in words for the person who asked (never story text).</summary>
    public string Error { get; set; } = "";

    /// <summary>The person asked to replace a transcript that already had lines.</summary>
    public bool Replace { get; set; }

    /// <summary>The transcript's version when the draft was asked for; the draft is written only if it is still this.</summary>
    public int BaseVersion { get; set; }

    /// <summary>The draft's lines while kept aside (JSON list of start, end, text); emptied once applied or discarded.</summary>
    public string? ResultJson { get; set; }

    /// <summary>How many lines the draft had.</summary>
    public int LineCount { get; set; }

    /// <summary>Length of the recording and how long the engine took, for the real-time factor shown to operators.</summary>
    public double AudioSeconds { get; set; }
    public double ElapsedSeconds { get; set; }

    /// <summary>Who asked (null when asked from the command line).</summary>
    public string? RequestedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// Set every few seconds while running. A Running job whose heartbeat stopped long ago was left by a
    /// process that died (a command-line run killed, say): a new draft may then be started for the story.
    /// </summary>
    public DateTime? HeartbeatAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

public enum DraftStatus
{
    Queued,
    Running,

    /// <summary>The draft's lines are now the story's transcript.</summary>
    Written,

    /// <summary>The transcript changed while the draft was made: the lines wait here for a person's choice.</summary>
    KeptAside,
    Failed,

    /// <summary>A person chose not to use a kept-aside draft; its lines were deleted.</summary>
    Discarded,
}

public sealed class DraftJobConfiguration : IEntityTypeConfiguration<DraftJob>
{
    public void Configure(EntityTypeBuilder<DraftJob> builder)
    {
        builder.ToTable("DraftJobs");
        builder.Property(j => j.Engine).HasMaxLength(20);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.Error).HasMaxLength(2000);
        builder.Property(j => j.RequestedByUserId).HasMaxLength(450);
        builder.HasOne(j => j.Story).WithMany().HasForeignKey(j => j.StoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(j => j.MediaFile).WithMany().HasForeignKey(j => j.MediaFileId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(j => new { j.StoryId, j.Id });
        builder.HasIndex(j => j.Status);
    }
}
