using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Projects;
using Storyweave.Features.Review;

namespace Storyweave.Features.Reports;

/// <summary>
/// A report a curator assembles from the coded data: an ordered outline of sections
/// (<see cref="ReportSection"/>: the curator's writing, or content generated from the data), started
/// from a template (<see cref="ReportKind"/>) with its writing prefilled from the project; quotes are
/// picked per theme from coded passages or review-sheet key quotes (<see cref="ReportQuote"/>). Files
/// are made from it in the background (<see cref="ReportFile"/>).
/// </summary>
public class Report
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public ReportKind Kind { get; set; }
    public required string Title { get; set; }
    public string Version { get; set; } = "1.0";
    public DateOnly Date { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string? CreatedByUserId { get; set; }

    /// <summary>
    /// Goes up by one with every edit (title, outline, quotes, their order). A file records the number it was
    /// built from, so a file made before the latest edit is known exactly, without comparing clocks.
    /// </summary>
    public int ContentVersion { get; set; }

    public List<ReportSection> Sections { get; set; } = [];

    /// <summary>Organisations credited with the co-authors ("Funded by …"), in the curator's order.</summary>
    public List<ReportPartner> Partners { get; set; } = [];
    public List<ReportQuote> Quotes { get; set; } = [];
    public List<ReportFile> Files { get; set; } = [];
}

/// <summary>
/// A partner organisation named in the report's credits with its role, e.g. "Funded by" the National Lottery
/// Community Fund, with an optional web address (http or https) that the files link.
/// </summary>
public class ReportPartner
{
    public int Id { get; set; }
    public int ReportId { get; set; }
    public Report? Report { get; set; }
    public int Position { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }

    /// <summary>"" when none.</summary>
    public string Link { get; set; } = "";
}

/// <summary>The template a report was started from (<see cref="ReportTemplates"/>); the outline can be changed freely after.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReportKind>))]
public enum ReportKind
{
    /// <summary>"Full report", shaped like a published Community Reporting full report.</summary>
    Full,

    /// <summary>"Overview (4–5 pages)": short intro, key findings for chosen themes, who shared, a challenges panel.</summary>
    Overview,

    /// <summary>"Short summary": summary text, key points and a pointer to the full analysis.</summary>
    Summary,
}

/// <summary>A quote the curator picked for a theme, in order: a coded passage or a review-sheet key quote.</summary>
public class ReportQuote
{
    public int Id { get; set; }
    public int ReportId { get; set; }
    public Report? Report { get; set; }
    public int ThemeId { get; set; }
    public Theme? Theme { get; set; }
    public int? PassageId { get; set; }
    public CodedPassage? Passage { get; set; }
    public int? KeyQuoteId { get; set; }
    public KeyQuote? KeyQuote { get; set; }
    public int Position { get; set; }

    /// <summary>
    /// The curator's short note shown with the quote in the report. Required when the quote illustrates a
    /// theme it was not coded under (it says why it fits); optional otherwise. "" when none.
    /// </summary>
    public string Note { get; set; } = "";
}

/// <summary>
/// One generated file of a report (DOCX, PDF, HTML or Markdown), made in the background.
/// <see cref="ConsentBasis"/> records the consent state it was built from (which storytellers'
/// words, under which consent record, credited how). When consent changes so that the file is no
/// longer allowed, it is out of date: it cannot be downloaded and can be regenerated.
/// Making a format again adds a new file; when it is ready, the earlier file of that format is
/// superseded (<see cref="SupersededAt"/>): kept, listed under "Earlier versions" for leads, and
/// downloadable only when asked for explicitly.
/// </summary>
public class ReportFile
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int ReportId { get; set; }
    public Report? Report { get; set; }
    public ReportFormat Format { get; set; }
    public OutputStatus Status { get; set; }

    /// <summary>0 to 1 while generating.</summary>
    public double Progress { get; set; }
    public string ProgressText { get; set; } = "";

    /// <summary>Generated name under the data folder's outputs/{projectId}/; never a user-supplied name.</summary>
    public string? StoredName { get; set; }
    public long SizeBytes { get; set; }

    /// <summary>JSON: the consent records (and credits) the file was built from.</summary>
    public string ConsentBasis { get; set; } = "[]";

    public DateTime? OutOfDateAt { get; set; }
    public string OutOfDateReason { get; set; } = "";

    /// <summary>Set when a lead puts the file on the public story site.</summary>
    public DateTime? PublishedAt { get; set; }

    /// <summary>Set when a newer file of the same report and format became ready and took this one's place.</summary>
    public DateTime? SupersededAt { get; set; }

    /// <summary>The report's <see cref="Report.ContentVersion"/> this file was built from.</summary>
    public int ContentVersion { get; set; }

    public string Error { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? CreatedByUserId { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ReportFormat>))]
public enum ReportFormat
{
    Docx,
    Pdf,
    Html,
    Markdown,
}

/// <summary>State of anything generated in the background (report files, clips).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutputStatus>))]
public enum OutputStatus
{
    Queued,
    Running,
    Ready,
    Failed,
}

public sealed class ReportConfiguration : IEntityTypeConfiguration<Report>
{
    public void Configure(EntityTypeBuilder<Report> builder)
    {
        builder.Property(r => r.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Title).HasMaxLength(300);
        builder.Property(r => r.Version).HasMaxLength(40);
        builder.Property(r => r.CreatedByUserId).HasMaxLength(450);
        builder.HasIndex(r => r.ProjectId);
        builder.HasOne(r => r.Project).WithMany().HasForeignKey(r => r.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ReportPartnerConfiguration : IEntityTypeConfiguration<ReportPartner>
{
    public void Configure(EntityTypeBuilder<ReportPartner> builder)
    {
        builder.Property(p => p.Name).HasMaxLength(ReportService.MaxPartnerName);
        builder.Property(p => p.Role).HasMaxLength(ReportService.MaxPartnerRole);
        builder.Property(p => p.Link).HasMaxLength(ReportService.MaxPartnerLink);
        builder.HasIndex(p => new { p.ReportId, p.Position });
        builder.HasOne(p => p.Report).WithMany(r => r.Partners).HasForeignKey(p => p.ReportId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ReportQuoteConfiguration : IEntityTypeConfiguration<ReportQuote>
{
    public void Configure(EntityTypeBuilder<ReportQuote> builder)
    {
        builder.HasIndex(q => new { q.ReportId, q.ThemeId, q.Position });
        builder.Property(q => q.Note).HasMaxLength(ReportService.MaxQuoteNote);
        builder.HasOne(q => q.Report).WithMany(r => r.Quotes).HasForeignKey(q => q.ReportId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(q => q.Theme).WithMany().HasForeignKey(q => q.ThemeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(q => q.Passage).WithMany().HasForeignKey(q => q.PassageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(q => q.KeyQuote).WithMany().HasForeignKey(q => q.KeyQuoteId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ReportFileConfiguration : IEntityTypeConfiguration<ReportFile>
{
    public void Configure(EntityTypeBuilder<ReportFile> builder)
    {
        builder.Property(f => f.Format).HasConversion<string>().HasMaxLength(20);
        builder.Property(f => f.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(f => f.ProgressText).HasMaxLength(200);
        builder.Property(f => f.StoredName).HasMaxLength(200);
        builder.Property(f => f.OutOfDateReason).HasMaxLength(1000);
        builder.Property(f => f.Error).HasMaxLength(2000);
        builder.Property(f => f.CreatedByUserId).HasMaxLength(450);
        builder.HasIndex(f => f.ProjectId);
        builder.HasIndex(f => new { f.ReportId, f.Format });
        builder.HasOne(f => f.Report).WithMany(r => r.Files).HasForeignKey(f => f.ReportId).OnDelete(DeleteBehavior.Cascade);
    }
}
