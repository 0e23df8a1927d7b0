using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Interop;

/// <summary>
/// One project-file import run in the background (<see cref="QdpxImportWorker"/>), and how it went. The row is what
/// survives a restart: an import is one transaction, so a job the process stopped in the middle of left nothing, and at
/// the next start it is marked failed with <see cref="InterruptedMessage"/>. Progress while running is kept in memory
/// (<see cref="QdpxImportProgress"/>): on SQLite nothing else may write while the import's transaction is open.
/// <para>No names or text of the imported people: the result holds counts and the ids of the stories and storytellers
/// made (their current titles and names are looked up when shown, so a later withdrawal or deletion shows through).</para>
/// </summary>
public class QdpxImportJob
{
    public const string InterruptedMessage =
        "The import was interrupted because Storyweave stopped or restarted while it was running. Nothing of it was kept: choose the file again to import it.";

    public int Id { get; set; }
    public int ProjectId { get; set; }
    public QdpxImportStatus Status { get; set; }

    /// <summary>The waiting upload (<see cref="QdpxUploads"/>), erased when the job ends.</summary>
    public required string UploadToken { get; set; }

    /// <summary>The uploaded file's name, for display only.</summary>
    public required string FileName { get; set; }

    public string? RequestedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>Why it failed, one problem a line, in words for the person who asked.</summary>
    public string Error { get; set; } = "";

    /// <summary>When it succeeded: <see cref="QdpxImportJobs.Result"/> as JSON (counts and ids only).</summary>
    public string? ResultJson { get; set; }
}

public enum QdpxImportStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

public sealed class QdpxImportJobConfiguration : IEntityTypeConfiguration<QdpxImportJob>
{
    public void Configure(EntityTypeBuilder<QdpxImportJob> builder)
    {
        builder.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(x => x.UploadToken).HasMaxLength(32);
        builder.Property(x => x.FileName).HasMaxLength(260);
        builder.Property(x => x.RequestedByUserId).HasMaxLength(450);
        builder.Property(x => x.Error).HasMaxLength(8000);
        builder.HasIndex(x => new { x.ProjectId, x.Status });
        builder.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Which job to run next; the rows are the jobs (see <see cref="QdpxImportJob"/>).</summary>
public sealed class QdpxImportQueue
{
    private readonly Channel<int> _channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(int jobId) => _channel.Writer.TryWrite(jobId);

    public ChannelReader<int> Reader => _channel.Reader;
}

/// <summary>How far each running import is (0–1) and what it is doing, in memory only.</summary>
public sealed class QdpxImportProgress
{
    private readonly ConcurrentDictionary<int, (double Fraction, string Stage)> _jobs = new();

    public void Set(int jobId, double fraction, string stage) => _jobs[jobId] = (Math.Clamp(fraction, 0, 1), stage);

    public (double Fraction, string Stage)? Of(int jobId) => _jobs.TryGetValue(jobId, out var p) ? p : null;

    public void Remove(int jobId) => _jobs.TryRemove(jobId, out _);
}
