using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Search;

/// <summary>
/// One searchable piece of the team's writing: a story's review sheet, a key quote or a memo (small,
/// and left out while held for review after a withdrawal, which a trigger could not tell). Transcript
/// lines have no entry: the engines index <c>TranscriptCues</c> where it is (Features/Search/README.md).
/// The database's own full-text engine indexes <see cref="Text"/>: an FTS5 table on SQLite and a
/// generated tsvector column with a GIN index on PostgreSQL, both created in the migrations with
/// provider SQL (not part of the EF model). Rows are written in the same transaction as the text
/// they copy, so search never finds words that were edited out or deleted.
/// </summary>
[PersonalData(OnWithdrawal.TheirPartRemoved, InTheirDownload.NotIncluded, OnConsentChange.CheckedAtEveryUse, Why = "An index of the team's writing about a story, made again from what remains.")]
public class SearchEntry
{
    public long Id { get; set; }
    public int ProjectId { get; set; }
    public int? StoryId { get; set; }
    public SearchKind Kind { get; set; }

    /// <summary>The id of the cue, memo, key quote or review sheet the text comes from.</summary>
    public long SourceId { get; set; }

    public string Speaker { get; set; } = "";
    public double? StartSeconds { get; set; }

    /// <summary>Offset of this text in the story's plain text (key quotes only), so a result opens the transcript there.</summary>
    public int? StartOffset { get; set; }

    public required string Text { get; set; }
}

public enum SearchKind
{
    /// <summary>A transcript line: found in <c>TranscriptCues</c> itself, never stored as an entry (since the SearchOnTranscriptRows migration).</summary>
    Cue,
    ReviewSheet,
    KeyQuote,
    Memo,
}

public sealed class SearchEntryConfiguration : IEntityTypeConfiguration<SearchEntry>
{
    public void Configure(EntityTypeBuilder<SearchEntry> builder)
    {
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(e => e.Speaker).HasMaxLength(200);
        builder.HasIndex(e => new { e.ProjectId, e.Kind, e.SourceId });
        builder.HasIndex(e => e.StoryId);
        builder.HasOne<Projects.Project>().WithMany().HasForeignKey(e => e.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Stories.Story>().WithMany().HasForeignKey(e => e.StoryId).OnDelete(DeleteBehavior.Cascade);
    }
}
