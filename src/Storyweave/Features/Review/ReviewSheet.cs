using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Codebook;
using Storyweave.Features.Stories;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Review;

/// <summary>A story review sheet, filled in by the story's reporter: one per story.</summary>
[PersonalData(OnWithdrawal.HeldForReview, InTheirDownload.NotIncluded, OnConsentChange.CheckedAtEveryUse, Why = "The team's writing about a story: deleted with a story told alone, held for a lead's review in a group story.")]
public class ReviewSheet
{
    public int StoryId { get; set; }
    public Story? Story { get; set; }
    public int ProjectId { get; set; }
    public string Ideas { get; set; } = "";
    public string ChangesForIndividuals { get; set; } = "";
    public string ChangesForOrganisations { get; set; } = "";
    public string ChangesForSociety { get; set; } = "";
    public Experience Experience { get; set; }
    public bool IsComplete { get; set; }
    public string? UpdatedByUserId { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Its free text names a storyteller who withdrew entirely: out of search until a lead reviews it (decision 0008).</summary>
    public bool HeldForReview { get; set; }

    public List<KeyQuote> KeyQuotes { get; set; } = [];
    public List<ReviewSheetTheme> Themes { get; set; } = [];
    public List<ReviewSheetNotedTheme> NotedThemes { get; set; } = [];
}

public enum Experience
{
    NotSaid,
    Positive,
    Negative,
    Mixed,
}

/// <summary>A key quotation on a review sheet, linked to a transcript span and its media times (like a passage).</summary>
[PersonalData(OnWithdrawal.TheirPartRemoved, InTheirDownload.NotIncluded, OnConsentChange.CheckedAtEveryUse, Why = "Chosen by the team from the transcript, whose turns are in the download.")]
public class KeyQuote
{
    public int Id { get; set; }
    public int StoryId { get; set; }
    public int Position { get; set; }
    public int StartOffset { get; set; }
    public int EndOffset { get; set; }
    public required string Text { get; set; }
    public double? StartSeconds { get; set; }
    public double? EndSeconds { get; set; }
    public string Speaker { get; set; } = "";
}

[PersonalData(OnWithdrawal.HeldForReview, InTheirDownload.NotIncluded, OnConsentChange.CheckedAtEveryUse, Why = "Part of a review sheet.")]
public class ReviewSheetTheme
{
    public int StoryId { get; set; }
    public int ThemeId { get; set; }
    public Theme? Theme { get; set; }
}

/// <summary>
/// A theme the reporter noted in their own words, e.g. before the project has a codebook. Once linked to a
/// codebook theme (<see cref="ThemeId"/>), the sheet also carries that theme (<see cref="ReviewSheetTheme"/>),
/// so reports and findings see it; the reporter's words are kept as they wrote them.
/// </summary>
[PersonalData(OnWithdrawal.HeldForReview, InTheirDownload.NotIncluded, OnConsentChange.CheckedAtEveryUse, Why = "Part of a review sheet.")]
public class ReviewSheetNotedTheme
{
    public const int MaxLength = 200;

    public int Id { get; set; }
    public int StoryId { get; set; }
    public int Position { get; set; }
    public required string Text { get; set; }
    public int? ThemeId { get; set; }
    public Theme? Theme { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LinkedAt { get; set; }
    public string? LinkedByUserId { get; set; }
}

public sealed class ReviewSheetConfiguration : IEntityTypeConfiguration<ReviewSheet>
{
    public void Configure(EntityTypeBuilder<ReviewSheet> builder)
    {
        builder.HasKey(r => r.StoryId);
        builder.HasOne(r => r.Story).WithOne().HasForeignKey<ReviewSheet>(r => r.StoryId).OnDelete(DeleteBehavior.Cascade);
        foreach (var p in new[] { nameof(ReviewSheet.Ideas), nameof(ReviewSheet.ChangesForIndividuals), nameof(ReviewSheet.ChangesForOrganisations), nameof(ReviewSheet.ChangesForSociety) })
            builder.Property(p).HasMaxLength(8000);
        builder.Property(r => r.Experience).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.UpdatedByUserId).HasMaxLength(450);
        builder.HasMany(r => r.KeyQuotes).WithOne().HasForeignKey(q => q.StoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Themes).WithOne().HasForeignKey(t => t.StoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.NotedThemes).WithOne().HasForeignKey(t => t.StoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => r.ProjectId);
    }
}

public sealed class KeyQuoteConfiguration : IEntityTypeConfiguration<KeyQuote>
{
    public void Configure(EntityTypeBuilder<KeyQuote> builder)
    {
        builder.Property(q => q.Text).HasMaxLength(8000);
        builder.Property(q => q.Speaker).HasMaxLength(200);
    }
}

public sealed class ReviewSheetThemeConfiguration : IEntityTypeConfiguration<ReviewSheetTheme>
{
    public void Configure(EntityTypeBuilder<ReviewSheetTheme> builder)
    {
        builder.HasKey(x => new { x.StoryId, x.ThemeId });
        builder.HasOne(x => x.Theme).WithMany().HasForeignKey(x => x.ThemeId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class ReviewSheetNotedThemeConfiguration : IEntityTypeConfiguration<ReviewSheetNotedTheme>
{
    public void Configure(EntityTypeBuilder<ReviewSheetNotedTheme> builder)
    {
        builder.Property(x => x.Text).HasMaxLength(ReviewSheetNotedTheme.MaxLength);
        builder.Property(x => x.LinkedByUserId).HasMaxLength(450);
        builder.HasIndex(x => x.StoryId);
        // A codebook theme that is ever removed for good leaves the reporter's words, unlinked.
        builder.HasOne(x => x.Theme).WithMany().HasForeignKey(x => x.ThemeId).OnDelete(DeleteBehavior.SetNull);
    }
}
