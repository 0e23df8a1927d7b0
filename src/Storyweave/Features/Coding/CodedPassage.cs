using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Codebook;
using Storyweave.Features.Stories;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Coding;

/// <summary>
/// A marked passage of a transcript, coded with one or more themes. Anchored by character offsets
/// into the story's plain text (its cues' texts joined by "\n", as REFI-QDA's PlainTextSelection),
/// with a copy of the snippet and the media times of the cues it covers, so it can always be
/// played or cut as a clip even if the transcript is later edited.
/// </summary>
[PersonalData(OnWithdrawal.TheirPartRemoved, InTheirDownload.NotIncluded, OnConsentChange.CheckedAtEveryUse, Why = "The team's analysis; their own words are in the download as transcript turns.")]
public class CodedPassage
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int StoryId { get; set; }
    public Story? Story { get; set; }
    public int StartOffset { get; set; }
    public int EndOffset { get; set; }
    public required string Snippet { get; set; }
    public double? StartSeconds { get; set; }
    public double? EndSeconds { get; set; }

    /// <summary>The speaker label of the first cue covered (for per-speaker views and consent).</summary>
    public string Speaker { get; set; } = "";

    public string? CoderUserId { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>"coding", "review-sheet", or "workshop:{id}" (provenance).</summary>
    public string Origin { get; set; } = "coding";

    public List<PassageTheme> Themes { get; set; } = [];
}

public class PassageTheme
{
    public int PassageId { get; set; }
    public CodedPassage? Passage { get; set; }
    public int ThemeId { get; set; }
    public Theme? Theme { get; set; }
    public string? CoderUserId { get; set; }
    public DateTime CodedAt { get; set; }
}

public enum MemoTarget
{
    Story,
    Passage,
    Theme,
}

public class Memo
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public MemoTarget TargetType { get; set; }
    public int TargetId { get; set; }
    public required string Text { get; set; }
    public string? AuthorUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// Set when a storyteller named in the memo withdrew entirely: the memo is left out of search
    /// (<see cref="Search.SearchIndex"/> does not index it) until a lead has looked at it on the
    /// "Team notes to review" page. See docs/decisions/0008-team-text-after-withdrawal.md.
    /// </summary>
    public bool HeldForReview { get; set; }
}

public sealed class CodedPassageConfiguration : IEntityTypeConfiguration<CodedPassage>
{
    public void Configure(EntityTypeBuilder<CodedPassage> builder)
    {
        builder.Property(p => p.Snippet).HasMaxLength(20000);
        builder.Property(p => p.Speaker).HasMaxLength(200);
        builder.Property(p => p.CoderUserId).HasMaxLength(450);
        builder.Property(p => p.Origin).HasMaxLength(50);
        builder.HasOne(p => p.Story).WithMany().HasForeignKey(p => p.StoryId).OnDelete(DeleteBehavior.Cascade);
        // With the speaker, a project's passages (id, story, speaker) are read from this index alone by the findings page
        // and the codebook, never from the rows' snippets.
        builder.HasIndex(p => new { p.ProjectId, p.StoryId, p.Speaker });
        // A narrow copy of each passage's place (project, story, start, end) by its id: a theme's page counts and
        // orders its thousands of passages from this and the links' index alone, a few hundred KB that stay in SQLite's
        // page cache, instead of looking each passage up in the table, whose snippets make it megabytes (ThemeModel);
        // search's theme filter reads the theme's passages from it too (SearchService).
        builder.HasIndex(p => new { p.Id, p.ProjectId, p.StoryId, p.StartOffset, p.EndOffset }).HasDatabaseName(PlaceIndex);
        // Whether someone has made passages in a project, answered by a seek: the search page's "coded by" list asks it
        // of each person (issue #17: reading every passage and link of the project for it took ~20 ms at 20,000 passages).
        builder.HasIndex(p => new { p.CoderUserId, p.ProjectId });
    }

    /// <summary>The index <c>(Id, ProjectId, StoryId, StartOffset, EndOffset)</c> the theme page and search's theme filter name on SQLite (<c>INDEXED BY</c>).</summary>
    public const string PlaceIndex = "IX_Passages_Id_ProjectId_StoryId_StartOffset_EndOffset";
}

public sealed class PassageThemeConfiguration : IEntityTypeConfiguration<PassageTheme>
{
    public void Configure(EntityTypeBuilder<PassageTheme> builder)
    {
        builder.HasKey(x => new { x.PassageId, x.ThemeId });
        builder.Property(x => x.CoderUserId).HasMaxLength(450);
        builder.HasOne(x => x.Passage).WithMany(p => p.Themes).HasForeignKey(x => x.PassageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(x => x.Theme).WithMany().HasForeignKey(x => x.ThemeId).OnDelete(DeleteBehavior.Restrict);
        // (ThemeId, PassageId): a theme's passage ids come from the index alone, without reading each link's row.
        builder.HasIndex(x => new { x.ThemeId, x.PassageId });
        // Whether someone has put a theme on passages, by theme (and so by project): the search page's "coded by" list.
        builder.HasIndex(x => new { x.CoderUserId, x.ThemeId });
    }
}

public sealed class MemoConfiguration : IEntityTypeConfiguration<Memo>
{
    public void Configure(EntityTypeBuilder<Memo> builder)
    {
        builder.Property(m => m.TargetType).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.Text).HasMaxLength(20000);
        builder.Property(m => m.AuthorUserId).HasMaxLength(450);
        builder.HasIndex(m => new { m.ProjectId, m.TargetType, m.TargetId });
        builder.HasOne<Projects.Project>().WithMany().HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
