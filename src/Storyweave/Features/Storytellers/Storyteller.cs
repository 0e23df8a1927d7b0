using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.CallOut;
using Storyweave.Features.Projects;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Features.Storytellers;

/// <summary>
/// A person who signed up (or was signed up by a reporter) to tell their story. Their own words —
/// the self-description and every answer — are kept verbatim; curators add facets beside them.
/// </summary>
[PersonalData(OnWithdrawal.Anonymised, InTheirDownload.Included, OnConsentChange.CheckedAtEveryUse, Why = "Kept as a withdrawn husk (no name, contact or details) so that events and counts stay true without identifying them.")]
public class Storyteller
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }

    /// <summary>The name the person gave us. How they are credited is a consent decision, not this.</summary>
    public required string Name { get; set; }

    /// <summary>Answer to the open self-description question, exactly as given.</summary>
    public string SelfDescription { get; set; } = "";

    public string? Email { get; set; }

    /// <summary>Upper-cased trimmed email, for merging a second sign-up with the same address.</summary>
    public string? NormalizedEmail { get; set; }

    public string? Phone { get; set; }
    public ContactPreference ContactPreference { get; set; }

    /// <summary>For "through someone else": who, and how to reach them. Free text in the person's words.</summary>
    public string ContactNotes { get; set; } = "";

    /// <summary>Access needs, in the person's own words.</summary>
    public string AccessNeeds { get; set; } = "";

    public EntryMethod EntryMethod { get; set; }

    /// <summary>The team member who entered the details on the person's behalf (assisted entry).</summary>
    public string? EnteredByUserId { get; set; }

    public int? CopiedFromStorytellerId { get; set; }
    public string CopyNote { get; set; } = "";

    /// <summary>How many times this person has signed up (a repeat sign-up merges into this row).</summary>
    public int SignUpCount { get; set; } = 1;

    public DateTime CreatedAt { get; set; }
    public DateTime? LastSignedUpAt { get; set; }

    /// <summary>
    /// Set when the person withdrew entirely: their media, transcript turns, answers and passages
    /// were deleted and their name and contact details wiped. The row stays only so that ids in the
    /// event log still point at "a storyteller who withdrew".
    /// </summary>
    public DateTime? WithdrawnAt { get; set; }

    public List<StorytellerAnswer> Answers { get; set; } = [];
    public List<StorytellerFacet> Facets { get; set; } = [];
}

public enum ContactPreference
{
    Email,
    Phone,
    Text,
    ThroughSomeoneElse,
}

public static class ContactPreferenceText
{
    /// <summary>How the team should get in touch, as the storyteller's page and the contact export say it.</summary>
    public static string Label(ContactPreference preference) => preference switch
    {
        ContactPreference.Email => "By email",
        ContactPreference.Phone => "By phone",
        ContactPreference.Text => "By text message",
        _ => "Through someone else",
    };
}

public enum EntryMethod
{
    /// <summary>The person filled in the public sign-up page.</summary>
    SignUpForm,

    /// <summary>A team member entered it on the person's behalf.</summary>
    AssistedEntry,

    /// <summary>Copied, with consent records, from an earlier project.</summary>
    CopiedFromProject,

    /// <summary>The made-up sample project.</summary>
    Sample,

    /// <summary>A case of a REFI-QDA project file (NVivo, ATLAS.ti, MAXQDA…) brought in by a lead; no consent recorded with it.</summary>
    ImportedFromQdaProject,

    /// <summary>A speaker (or the person) of a transcript file brought in by the team; no consent recorded with it.</summary>
    ImportedFromTranscripts,
}

/// <summary>One ticked answer of a multi-select category question.</summary>
[PersonalData(OnWithdrawal.Deleted, InTheirDownload.Included, OnConsentChange.CheckedAtEveryUse)]
public class StorytellerAnswer
{
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }
    public int OptionId { get; set; }
    public CategoryOption? Option { get; set; }
}

/// <summary>Optional facets a curator reads from a self-description. Free text, or a value from the project's list.</summary>
public enum FacetKind
{
    Gender,
    Disability,
    Neurodivergence,
    Carer,
    Ethnicity,
    AgeBand,
    OtherLivedExperience,
}

[PersonalData(OnWithdrawal.Deleted, InTheirDownload.Included, OnConsentChange.CheckedAtEveryUse)]
public class StorytellerFacet
{
    public int Id { get; set; }
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }
    public FacetKind Kind { get; set; }
    public required string Value { get; set; }
    public string? AddedByUserId { get; set; }
    public DateTime AddedAt { get; set; }
}

/// <summary>A project's list of suggested values for a facet (e.g. age bands).</summary>
public class FacetChoice
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public FacetKind Kind { get; set; }
    public required string Value { get; set; }
}

public sealed class StorytellerConfiguration : IEntityTypeConfiguration<Storyteller>
{
    public void Configure(EntityTypeBuilder<Storyteller> builder)
    {
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.SelfDescription).HasMaxLength(4000);
        builder.Property(s => s.Email).HasMaxLength(254);
        builder.Property(s => s.NormalizedEmail).HasMaxLength(254);
        builder.Property(s => s.Phone).HasMaxLength(40);
        builder.Property(s => s.ContactNotes).HasMaxLength(1000);
        builder.Property(s => s.AccessNeeds).HasMaxLength(2000);
        builder.Property(s => s.CopyNote).HasMaxLength(1000);
        builder.Property(s => s.EnteredByUserId).HasMaxLength(450);
        builder.Property(s => s.ContactPreference).HasConversion<string>().HasMaxLength(30);
        builder.Property(s => s.EntryMethod).HasConversion<string>().HasMaxLength(30);
        builder.HasIndex(s => new { s.ProjectId, s.NormalizedEmail });
        builder.HasOne(s => s.Project).WithMany().HasForeignKey(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class StorytellerAnswerConfiguration : IEntityTypeConfiguration<StorytellerAnswer>
{
    public void Configure(EntityTypeBuilder<StorytellerAnswer> builder)
    {
        builder.HasKey(a => new { a.StorytellerId, a.OptionId });
        builder.HasOne(a => a.Storyteller).WithMany(s => s.Answers).HasForeignKey(a => a.StorytellerId).OnDelete(DeleteBehavior.Cascade);
        // Restrict: an answer option that people ticked cannot silently vanish with their answers.
        builder.HasOne(a => a.Option).WithMany().HasForeignKey(a => a.OptionId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class StorytellerFacetConfiguration : IEntityTypeConfiguration<StorytellerFacet>
{
    public void Configure(EntityTypeBuilder<StorytellerFacet> builder)
    {
        builder.Property(f => f.Kind).HasConversion<string>().HasMaxLength(30);
        builder.Property(f => f.Value).HasMaxLength(200);
        builder.Property(f => f.AddedByUserId).HasMaxLength(450);
        builder.HasOne(f => f.Storyteller).WithMany(s => s.Facets).HasForeignKey(f => f.StorytellerId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class FacetChoiceConfiguration : IEntityTypeConfiguration<FacetChoice>
{
    public void Configure(EntityTypeBuilder<FacetChoice> builder)
    {
        builder.Property(f => f.Kind).HasConversion<string>().HasMaxLength(30);
        builder.Property(f => f.Value).HasMaxLength(200);
        builder.HasIndex(f => new { f.ProjectId, f.Kind, f.Value }).IsUnique();
        builder.HasOne<Project>().WithMany().HasForeignKey(f => f.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
