using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Stories;

/// <summary>
/// One story: the recording(s) and transcript of one dialogue interview (session). A group story
/// belongs to every storyteller in it; each person's consent applies to their own turns, found
/// through <see cref="SpeakerLabel"/>. A story copied from an earlier project has no session here.
/// </summary>
[PersonalData(OnWithdrawal.TheirPartRemoved, InTheirDownload.Included, OnConsentChange.CheckedAtEveryUse, Why = "A story told alone goes whole; a group story stays for the others, without their turns.")]
public class Story
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Title { get; set; }
    public string Summary { get; set; } = "";
    public DateOnly? RecordedOn { get; set; }
    public DateTime CreatedAt { get; set; }

    public int? SessionId { get; set; }
    public Sessions.InterviewSession? Session { get; set; }

    /// <summary>Set when the story was copied in from an earlier project.</summary>
    public int? CopiedFromStoryId { get; set; }
    public string CopyNote { get; set; } = "";

    /// <summary>Which parser the transcript came from (vtt, srt, otr, timestamped, f4, docx, text, edited).</summary>
    public string? TranscriptFormat { get; set; }

    /// <summary>
    /// Bumped on every transcript save. The editor sends the version it started from; a stale
    /// version is refused (409), so a second editor is told instead of overwriting the first.
    /// Anything that changes a story's lines (words, order, speakers, which lines there are) must bump it in
    /// the same transaction: coding's <see cref="Coding.TranscriptLayouts"/> are kept per version.
    /// </summary>
    public int TranscriptVersion { get; set; }
    public DateTime? TranscriptUpdatedAt { get; set; }
    public string? TranscriptUpdatedByUserId { get; set; }

    /// <summary>
    /// Set when a lead publishes the story on the public story site. The story is shown there only
    /// while this is set AND every storyteller in it agrees to "full story published" with no
    /// embargo in force (<see cref="Consent.ConsentPolicy"/> decides, on every request).
    /// </summary>
    public DateTime? PublishedAt { get; set; }
    public string? PublishedByUserId { get; set; }

    public List<StoryStoryteller> Storytellers { get; set; } = [];
    public List<TranscriptCue> Cues { get; set; } = [];
    public List<SpeakerLabel> Speakers { get; set; } = [];
}

/// <summary>Maps a transcript's speaker label (e.g. "Sam Smith" from Zoom) to a storyteller or the reporter.</summary>
[PersonalData(OnWithdrawal.Deleted, InTheirDownload.Included, OnConsentChange.NotAnOutput)]
public class SpeakerLabel
{
    public int StoryId { get; set; }
    public Story? Story { get; set; }
    public required string Label { get; set; }
    public int? StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }
    public bool IsReporter { get; set; }
}

[PersonalData(OnWithdrawal.Deleted, InTheirDownload.Included, OnConsentChange.NotAnOutput)]
public class StoryStoryteller
{
    public int StoryId { get; set; }
    public Story? Story { get; set; }
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }
}

/// <summary>One turn or caption of a transcript. Times are optional: plain-text transcripts have none.</summary>
[PersonalData(OnWithdrawal.TheirPartRemoved, InTheirDownload.Included, OnConsentChange.CheckedAtEveryUse)]
public class TranscriptCue
{
    public long Id { get; set; }
    public int StoryId { get; set; }
    public Story? Story { get; set; }
    public int Position { get; set; }
    public double? StartSeconds { get; set; }
    public double? EndSeconds { get; set; }
    public string Speaker { get; set; } = "";
    public required string Text { get; set; }

    /// <summary>
    /// Where this line starts in the story's plain text (the lines joined by "\n", in C# characters), so a
    /// search result opens the transcript at its words and a theme filter can tell which passages cover it.
    /// Kept by every writer of lines: <see cref="TranscriptService"/> (new lines, later lines moved by the
    /// difference), <see cref="TranscriptBulkImport"/>, and <see cref="Search.SearchIndex.ReindexStoryAsync"/>
    /// for the rest (copies, imports, withdrawal, restore). The full-text index reads <see cref="Text"/> itself
    /// (decision in Features/Search/README.md), so this is the only search data a line carries.
    /// </summary>
    public int StartOffset { get; set; }

    /// <summary>
    /// Machine-made (an automatic first draft) and not yet checked by a person. The editor labels such
    /// lines "Automatic draft — check this line"; editing the words or "Mark as checked" clears it.
    /// </summary>
    public bool IsDraft { get; set; }
}

public sealed class StoryConfiguration : IEntityTypeConfiguration<Story>
{
    public void Configure(EntityTypeBuilder<Story> builder)
    {
        builder.Property(s => s.Title).HasMaxLength(300);
        builder.Property(s => s.Summary).HasMaxLength(4000);
        builder.Property(s => s.CopyNote).HasMaxLength(1000);
        builder.Property(s => s.TranscriptFormat).HasMaxLength(20);
        builder.Property(s => s.TranscriptUpdatedByUserId).HasMaxLength(450);
        builder.Property(s => s.PublishedByUserId).HasMaxLength(450);
        builder.HasOne(s => s.Project).WithMany().HasForeignKey(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.Session).WithOne(x => x.Story).HasForeignKey<Story>(s => s.SessionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(s => s.SessionId).IsUnique();
    }
}

public sealed class StoryStorytellerConfiguration : IEntityTypeConfiguration<StoryStoryteller>
{
    public void Configure(EntityTypeBuilder<StoryStoryteller> builder)
    {
        builder.HasKey(x => new { x.StoryId, x.StorytellerId });
        builder.HasOne(x => x.Story).WithMany(s => s.Storytellers).HasForeignKey(x => x.StoryId).OnDelete(DeleteBehavior.Cascade);
        // Restrict: removing a storyteller is a withdrawal, handled explicitly, never a silent cascade.
        builder.HasOne(x => x.Storyteller).WithMany().HasForeignKey(x => x.StorytellerId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class TranscriptCueConfiguration : IEntityTypeConfiguration<TranscriptCue>
{
    public void Configure(EntityTypeBuilder<TranscriptCue> builder)
    {
        builder.Property(c => c.Speaker).HasMaxLength(200);
        builder.HasIndex(c => new { c.StoryId, c.Position });
        builder.HasOne(c => c.Story).WithMany(s => s.Cues).HasForeignKey(c => c.StoryId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class SpeakerLabelConfiguration : IEntityTypeConfiguration<SpeakerLabel>
{
    public void Configure(EntityTypeBuilder<SpeakerLabel> builder)
    {
        builder.HasKey(x => new { x.StoryId, x.Label });
        builder.Property(x => x.Label).HasMaxLength(200);
        builder.HasOne(x => x.Story).WithMany(s => s.Speakers).HasForeignKey(x => x.StoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(x => x.Storyteller).WithMany().HasForeignKey(x => x.StorytellerId).OnDelete(DeleteBehavior.Restrict);
    }
}
