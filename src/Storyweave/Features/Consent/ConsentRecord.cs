using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Consent;

/// <summary>
/// One consent decision by one storyteller: which uses they agree to, how they are credited in each
/// kind of output, any embargo, and how and when the decision was given and recorded.
/// Invariant: append-only. A change is a new row; the newest row (highest Id) is in force, and the
/// older ones are the visible history. <see cref="Data.StoryweaveDb"/> refuses updates and deletes.
/// </summary>
[PersonalData(OnWithdrawal.Deleted, InTheirDownload.Included, OnConsentChange.NotAnOutput)]
public class ConsentRecord
{
    public long Id { get; set; }
    public int ProjectId { get; set; }
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }

    public bool Recording { get; set; }
    public bool Analysis { get; set; }
    public bool Quotes { get; set; }
    public bool Clips { get; set; }
    public bool PublishStory { get; set; }

    public CreditStyle CreditInReports { get; set; } = CreditStyle.Anonymous;
    public CreditStyle CreditInClips { get; set; } = CreditStyle.Anonymous;
    public CreditStyle CreditOnPublicSite { get; set; } = CreditStyle.Anonymous;

    /// <summary>The name to use where the chosen credit is <see cref="CreditStyle.Pseudonym"/>.</summary>
    public string Pseudonym { get; set; } = "";

    /// <summary>Nothing is quoted, clipped or published before this date (analysis may go on).</summary>
    public DateOnly? EmbargoUntil { get; set; }

    public ConsentMethod Method { get; set; }

    /// <summary>For consent recorded verbally: the recording and the time in it where it was given.</summary>
    public int? VerbalMediaId { get; set; }
    public double? VerbalAtSeconds { get; set; }

    /// <summary>For a paper form: where the scanned form is kept (a reference, e.g. a file or folder name).</summary>
    public string PaperFormReference { get; set; } = "";

    /// <summary>When the person gave this consent (may be before it was entered here).</summary>
    public DateTime GivenAt { get; set; }

    /// <summary>The team member who took the consent; null when the person gave it on the online form themselves.</summary>
    public string? TakenByUserId { get; set; }

    public DateTime RecordedAt { get; set; }
    public string? RecordedByUserId { get; set; }
    public string Note { get; set; } = "";

    public bool Allows(ConsentUse use) => use switch
    {
        ConsentUse.Recording => Recording,
        ConsentUse.Analysis => Analysis,
        ConsentUse.Quotes => Quotes,
        ConsentUse.Clips => Clips,
        ConsentUse.PublishStory => PublishStory,
        _ => false,
    };
}

[JsonConverter(typeof(JsonStringEnumConverter<ConsentUse>))]
public enum ConsentUse
{
    /// <summary>Being recorded at all.</summary>
    Recording,

    /// <summary>The story is used in analysis: coding, search, workshops, findings.</summary>
    Analysis,

    /// <summary>Quotes from the story appear in reports and other outputs.</summary>
    Quotes,

    /// <summary>Short clips are cut from the recording for playlists.</summary>
    Clips,

    /// <summary>The full story is published on the public story site.</summary>
    PublishStory,
}

[JsonConverter(typeof(JsonStringEnumConverter<CreditStyle>))]
public enum CreditStyle
{
    Named,
    FirstNameOnly,
    Pseudonym,
    Anonymous,
}

[JsonConverter(typeof(JsonStringEnumConverter<ConsentMethod>))]
public enum ConsentMethod
{
    OnlineForm,
    RecordedVerbally,
    PaperForm,
}

public static class ConsentText
{
    public static string Label(this ConsentUse use) => use switch
    {
        ConsentUse.Recording => "Being recorded",
        ConsentUse.Analysis => "Use in analysis",
        ConsentUse.Quotes => "Quotes in reports",
        ConsentUse.Clips => "Clips in playlists",
        ConsentUse.PublishStory => "Full story published",
        _ => use.ToString(),
    };

    public static string Explain(this ConsentUse use) => use switch
    {
        ConsentUse.Recording => "The conversation may be recorded (audio or video).",
        ConsentUse.Analysis => "The research team and workshop groups may read, discuss and code the story.",
        ConsentUse.Quotes => "Short quotes may appear in reports and summaries.",
        ConsentUse.Clips => "Short clips of the recording may be shared in playlists.",
        ConsentUse.PublishStory => "The whole story may be published on the public story website.",
        _ => "",
    };

    /// <summary>"Being recorded, use in analysis" — or "Nothing" — for lists and history tables.</summary>
    public static string AgreedUses(this ConsentRecord record)
    {
        var agreed = Enum.GetValues<ConsentUse>().Where(record.Allows).Select(u => u.Label()).ToList();
        return agreed.Count == 0 ? "Nothing" : string.Join(", ", agreed);
    }

    public static string Label(this CreditStyle credit) => credit switch
    {
        CreditStyle.Named => "Full name",
        CreditStyle.FirstNameOnly => "First name only",
        CreditStyle.Pseudonym => "A made-up name",
        CreditStyle.Anonymous => "No name (anonymous)",
        _ => credit.ToString(),
    };

    public static string Label(this ConsentMethod method) => method switch
    {
        ConsentMethod.OnlineForm => "Online form",
        ConsentMethod.RecordedVerbally => "Said out loud in the recording",
        ConsentMethod.PaperForm => "Paper form (scanned)",
        _ => method.ToString(),
    };
}

public sealed class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> builder)
    {
        builder.Property(c => c.CreditInReports).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.CreditInClips).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.CreditOnPublicSite).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.Method).HasConversion<string>().HasMaxLength(30);
        builder.Property(c => c.Pseudonym).HasMaxLength(200);
        builder.Property(c => c.PaperFormReference).HasMaxLength(500);
        builder.Property(c => c.Note).HasMaxLength(2000);
        builder.Property(c => c.TakenByUserId).HasMaxLength(450);
        builder.Property(c => c.RecordedByUserId).HasMaxLength(450);
        builder.HasIndex(c => new { c.StorytellerId, c.Id });
        builder.HasIndex(c => c.ProjectId);
        builder.HasOne(c => c.Storyteller).WithMany().HasForeignKey(c => c.StorytellerId).OnDelete(DeleteBehavior.Cascade);
    }
}
