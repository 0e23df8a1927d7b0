using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Stories;

/// <summary>A person who signed up to tell their story. Their own words are kept verbatim.</summary>
public class Storyteller
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }

    /// <summary>The name the person gave us (how they are credited is a consent decision, not this).</summary>
    public required string Name { get; set; }

    /// <summary>Answer to "describe yourself in any way you choose", exactly as given.</summary>
    public string SelfDescription { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>One recorded dialogue interview and its transcript. A group story has several storytellers.</summary>
public class Story
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Title { get; set; }
    public DateOnly? RecordedOn { get; set; }
    public DateTime CreatedAt { get; set; }

    public List<StoryStoryteller> Storytellers { get; set; } = [];
    public List<TranscriptCue> Cues { get; set; } = [];
}

public class StoryStoryteller
{
    public int StoryId { get; set; }
    public Story? Story { get; set; }
    public int StorytellerId { get; set; }
    public Storyteller? Storyteller { get; set; }
}

/// <summary>One turn or caption of a transcript. Times are optional: plain-text transcripts have none.</summary>
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
}

public sealed class StorytellerConfiguration : IEntityTypeConfiguration<Storyteller>
{
    public void Configure(EntityTypeBuilder<Storyteller> builder)
    {
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.SelfDescription).HasMaxLength(4000);
        builder.HasOne(s => s.Project).WithMany().HasForeignKey(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class StoryConfiguration : IEntityTypeConfiguration<Story>
{
    public void Configure(EntityTypeBuilder<Story> builder)
    {
        builder.Property(s => s.Title).HasMaxLength(300);
        builder.HasOne(s => s.Project).WithMany().HasForeignKey(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
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
