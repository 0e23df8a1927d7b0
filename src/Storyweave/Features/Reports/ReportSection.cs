using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Codebook;

namespace Storyweave.Features.Reports;

/// <summary>
/// One section of a report's outline, in order among its siblings; a sub-section has a parent
/// (at most <see cref="MaxDepth"/> levels, which become the headings' levels). Every kind has a title
/// (left empty: no heading; a theme section falls back to the theme's name) and the curator's
/// Markdown <see cref="Body"/> (for <see cref="ReportSectionKind.Writing"/> the whole content; for the
/// others, writing shown before the generated content, e.g. a theme's narrative).
/// </summary>
public class ReportSection
{
    /// <summary>Sections, sub-sections and sub-sub-sections: the heading levels every format has.</summary>
    public const int MaxDepth = 3;

    public const int MaxTitle = 300;

    public int Id { get; set; }
    public int ReportId { get; set; }
    public Report? Report { get; set; }
    public int? ParentId { get; set; }
    public ReportSection? Parent { get; set; }
    public int Position { get; set; }
    public ReportSectionKind Kind { get; set; }
    public string Title { get; set; } = "";

    /// <summary>Markdown (headings, lists, emphasis, links, "&gt;" call-out boxes); raw HTML is shown as text, never rendered.</summary>
    public string Body { get; set; } = "";

    /// <summary><see cref="ReportSectionKind.Theme"/>: the theme or sub-theme shown.</summary>
    public int? ThemeId { get; set; }
    public Theme? Theme { get; set; }

    /// <summary>
    /// Kind-specific choice: a <see cref="ReportSectionKind.Figure"/>'s name (<see cref="ReportFigures"/>), a
    /// <see cref="ReportSectionKind.ValueForAll"/> level ("individuals", "organisations", "society"; "" for the
    /// whole matrix), a <see cref="ReportSectionKind.CrossTab"/>'s call-out question id, or "short" for a
    /// <see cref="ReportSectionKind.WhoTookPart"/> without the tables of how storytellers described themselves.
    /// </summary>
    public string Setting { get; set; } = "";

    /// <summary><see cref="ReportSectionKind.Matrix"/>: the table as JSON (<see cref="ReportMatrix"/>); null for the other kinds.</summary>
    public string? Matrix { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ReportSectionKind>))]
public enum ReportSectionKind
{
    /// <summary>The curator's own writing.</summary>
    Writing,

    /// <summary>A theme or sub-theme: counts, description, narrative and the quotes chosen for it.</summary>
    Theme,

    /// <summary>Who told the stories (the demographics).</summary>
    WhoTookPart,

    /// <summary>A chart or table from the findings.</summary>
    Figure,

    /// <summary>Value for all: one level's changes, or the matrix of all three.</summary>
    ValueForAll,

    /// <summary>Themes × the answers to a call-out question (e.g. impacts by sector).</summary>
    CrossTab,

    /// <summary>
    /// A table the curator writes (<see cref="ReportMatrix"/>): column headings, rows of short phrases and one quote per
    /// column under them, e.g. value for all as the published overview shows it.
    /// </summary>
    Matrix,
}

/// <summary>The charts and tables a <see cref="ReportSectionKind.Figure"/> section can show.</summary>
public static class ReportFigures
{
    /// <summary>How many stories and storytellers each main theme came from.</summary>
    public const string ThemeCounts = "theme-counts";

    /// <summary>Stories by the experience their review sheet records (positive, negative, mixed).</summary>
    public const string Experience = "experience";

    /// <summary>A bar chart of one call-out question's answers: "question:{id}".</summary>
    public const string QuestionPrefix = "question:";

    public static readonly IReadOnlyList<(string Key, string Label)> Fixed =
    [
        (ThemeCounts, "Table: how many stories and storytellers each theme came from"),
        (Experience, "Chart: stories by experience (positive, negative, mixed)"),
    ];
}

public sealed class ReportSectionConfiguration : IEntityTypeConfiguration<ReportSection>
{
    public void Configure(EntityTypeBuilder<ReportSection> builder)
    {
        builder.Property(s => s.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.Title).HasMaxLength(ReportSection.MaxTitle);
        builder.Property(s => s.Body).HasMaxLength(ReportService.MaxText);
        builder.Property(s => s.Setting).HasMaxLength(100);
        builder.HasIndex(s => new { s.ReportId, s.ParentId, s.Position });
        builder.HasOne(s => s.Report).WithMany(r => r.Sections).HasForeignKey(s => s.ReportId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.Parent).WithMany().HasForeignKey(s => s.ParentId).OnDelete(DeleteBehavior.Cascade);
        // A theme deleted from the codebook leaves the section in place (the curator's narrative is kept); it says the theme is gone.
        builder.HasOne(s => s.Theme).WithMany().HasForeignKey(s => s.ThemeId).OnDelete(DeleteBehavior.SetNull);
    }
}
