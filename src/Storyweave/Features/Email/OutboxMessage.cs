using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Storyweave.Features.Email;

/// <summary>
/// One email waiting to be sent (the durable send queue). A row is written in the same database as the change
/// that asks for it, so a restart never loses it; <see cref="EmailSender"/> sends it and then deletes it, because
/// messages carry sign-in links and people's names (see docs/operations.md "Email"). A row that could not be sent
/// after <see cref="EmailSender.MaxAttempts"/> tries keeps only the address, subject and the reason.
/// </summary>
public class OutboxMessage
{
    public int Id { get; set; }

    /// <summary>What it is for, e.g. "invitation", "password-reset", "test": logged instead of the body.</summary>
    public required string Kind { get; set; }

    public required string ToAddress { get; set; }
    public string ToName { get; set; } = "";
    public required string Subject { get; set; }
    public string TextBody { get; set; } = "";
    public string HtmlBody { get; set; } = "";

    /// <summary>
    /// One picture shown inside the HTML part (the storyteller's QR code), referred to there as <c>cid:</c> and
    /// <see cref="InlineImageId"/>: sent as a related part, because many mail programs block data: pictures.
    /// </summary>
    public byte[]? InlineImagePng { get; set; }

    public string? InlineImageId { get; set; }

    public DateTime CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }

    /// <summary>Set while a send holds it; cleared by the next run of the sender when that send was cut off (it is then tried again).</summary>
    public DateTime? ClaimedAt { get; set; }

    /// <summary>Set when the sender gave up; the bodies are emptied then (they held links that no longer matter).</summary>
    public DateTime? GaveUpAt { get; set; }

    public string? LastError { get; set; }
}

public sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.Property(m => m.Kind).HasMaxLength(40);
        builder.Property(m => m.ToAddress).HasMaxLength(254);
        builder.Property(m => m.ToName).HasMaxLength(200);
        builder.Property(m => m.Subject).HasMaxLength(300);
        builder.Property(m => m.LastError).HasMaxLength(1000);
        builder.Property(m => m.InlineImageId).HasMaxLength(100);
        builder.HasIndex(m => m.NextAttemptAt);
    }
}
