using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;

namespace Storyweave.Features.CallOut;

/// <summary>
/// A project's open invitation and its public sign-up form (at /join/{project slug}). The
/// conversation starter is the project's own.
/// </summary>
public class CallOut
{
    public const string DefaultSelfDescriptionQuestion = "Describe yourself in any way you choose.";

    public int ProjectId { get; set; }
    public Project? Project { get; set; }

    /// <summary>The sign-up page is reachable only when published (and between the dates, if set).</summary>
    public bool IsPublished { get; set; }

    public DateOnly? OpensOn { get; set; }
    public DateOnly? ClosesOn { get; set; }

    public string Introduction { get; set; } = "";
    public string WhatTakingPartInvolves { get; set; } = "";
    public string ThanksOffered { get; set; } = "";
    public string SelfDescriptionQuestion { get; set; } = DefaultSelfDescriptionQuestion;
    public string ConsentFormText { get; set; } = "";
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// At most this many sign-ups an hour through this call-out, from everyone together (<c>CallOutSignUpLimit</c>);
    /// null for no limit of its own, leaving only the site's per-address limit (<c>SignUpsPerHourPerAddress</c>).
    /// After a link is shared widely, this keeps a flood from burying the real sign-ups, without touching other projects.
    /// </summary>
    public int? SignUpsPerHour { get; set; }

    public List<CategoryQuestion> Questions { get; set; } = [];

    public bool IsOpenOn(DateOnly today) =>
        IsPublished && (OpensOn is null || today >= OpensOn) && (ClosesOn is null || today <= ClosesOn);
}

/// <summary>A multi-select question, e.g. "Is your experience about research, policy or services?"</summary>
public class CategoryQuestion
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int Position { get; set; }
    public required string Text { get; set; }
    public string HelpText { get; set; } = "";
    public List<CategoryOption> Options { get; set; } = [];
}

public class CategoryOption
{
    public int Id { get; set; }
    public int QuestionId { get; set; }
    public CategoryQuestion? Question { get; set; }
    public int Position { get; set; }
    public required string Label { get; set; }
}

public sealed class CallOutConfiguration : IEntityTypeConfiguration<CallOut>
{
    public void Configure(EntityTypeBuilder<CallOut> builder)
    {
        builder.HasKey(c => c.ProjectId);
        builder.HasOne(c => c.Project).WithOne().HasForeignKey<CallOut>(c => c.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(c => c.Introduction).HasMaxLength(8000);
        builder.Property(c => c.WhatTakingPartInvolves).HasMaxLength(8000);
        builder.Property(c => c.ThanksOffered).HasMaxLength(2000);
        builder.Property(c => c.SelfDescriptionQuestion).HasMaxLength(500);
        builder.Property(c => c.ConsentFormText).HasMaxLength(16000);
        builder.HasMany(c => c.Questions).WithOne().HasForeignKey(q => q.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CategoryQuestionConfiguration : IEntityTypeConfiguration<CategoryQuestion>
{
    public void Configure(EntityTypeBuilder<CategoryQuestion> builder)
    {
        builder.Property(q => q.Text).HasMaxLength(500);
        builder.Property(q => q.HelpText).HasMaxLength(1000);
        builder.HasMany(q => q.Options).WithOne(o => o.Question).HasForeignKey(o => o.QuestionId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CategoryOptionConfiguration : IEntityTypeConfiguration<CategoryOption>
{
    public void Configure(EntityTypeBuilder<CategoryOption> builder) => builder.Property(o => o.Label).HasMaxLength(300);
}
