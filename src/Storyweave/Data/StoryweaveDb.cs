using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Storyweave.Features.Accounts;
using Storyweave.Features.CallOut;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;
using Storyweave.Features.Sessions;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Data;

/// <summary>
/// The one database context. It is provider-neutral; <see cref="SqliteStoryweaveDb"/> and
/// <see cref="PostgresStoryweaveDb"/> exist only so that each provider has its own migration set
/// (EF Core "migrations with multiple providers", separate context types).
/// </summary>
public abstract class StoryweaveDb : IdentityDbContext<User>, IDataProtectionKeyContext
{
    protected StoryweaveDb(DbContextOptions options) : base(options) { }

    /// <summary>
    /// The data-protection key ring (cookies, reset and invitation links), shared by every node that uses this database
    /// (issue #16). Key files left in an older data folder's <c>keys/</c> are moved in at start (<see cref="DatabaseStartup"/>).
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Project> Projects => Set<Project>();
    public DbSet<ProjectMember> ProjectMembers => Set<ProjectMember>();
    public DbSet<ProjectEvent> Events => Set<ProjectEvent>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<InstanceSetting> InstanceSettings => Set<InstanceSetting>();
    public DbSet<Storyteller> Storytellers => Set<Storyteller>();
    public DbSet<Story> Stories => Set<Story>();
    public DbSet<StoryStoryteller> StoryStorytellers => Set<StoryStoryteller>();
    public DbSet<TranscriptCue> TranscriptCues => Set<TranscriptCue>();
    public DbSet<SpeakerLabel> SpeakerLabels => Set<SpeakerLabel>();
    public DbSet<CallOut> CallOuts => Set<CallOut>();
    public DbSet<CategoryQuestion> CategoryQuestions => Set<CategoryQuestion>();
    public DbSet<CategoryOption> CategoryOptions => Set<CategoryOption>();
    public DbSet<StorytellerAnswer> StorytellerAnswers => Set<StorytellerAnswer>();
    public DbSet<StorytellerFacet> StorytellerFacets => Set<StorytellerFacet>();
    public DbSet<FacetChoice> FacetChoices => Set<FacetChoice>();
    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();
    public DbSet<InterviewSession> Sessions => Set<InterviewSession>();
    public DbSet<MediaFile> MediaFiles => Set<MediaFile>();
    public DbSet<Features.Codebook.Theme> Themes => Set<Features.Codebook.Theme>();
    public DbSet<Features.Codebook.CodebookChange> CodebookChanges => Set<Features.Codebook.CodebookChange>();
    public DbSet<Features.Coding.CodedPassage> Passages => Set<Features.Coding.CodedPassage>();
    public DbSet<Features.Coding.PassageTheme> PassageThemes => Set<Features.Coding.PassageTheme>();
    public DbSet<Features.Coding.Memo> Memos => Set<Features.Coding.Memo>();
    public DbSet<Features.Review.ReviewSheet> ReviewSheets => Set<Features.Review.ReviewSheet>();
    public DbSet<Features.Review.KeyQuote> KeyQuotes => Set<Features.Review.KeyQuote>();
    public DbSet<Features.Review.ReviewSheetTheme> ReviewSheetThemes => Set<Features.Review.ReviewSheetTheme>();
    public DbSet<Features.Review.ReviewSheetNotedTheme> ReviewSheetNotedThemes => Set<Features.Review.ReviewSheetNotedTheme>();
    public DbSet<Features.Search.SearchEntry> SearchEntries => Set<Features.Search.SearchEntry>();
    public DbSet<Features.Workshops.Workshop> Workshops => Set<Features.Workshops.Workshop>();
    public DbSet<Features.Workshops.WorkshopParticipant> WorkshopParticipants => Set<Features.Workshops.WorkshopParticipant>();
    public DbSet<Features.Workshops.WorkshopCluster> WorkshopClusters => Set<Features.Workshops.WorkshopCluster>();
    public DbSet<Features.Workshops.WorkshopCard> WorkshopCards => Set<Features.Workshops.WorkshopCard>();
    public DbSet<Features.Workshops.WorkshopVote> WorkshopVotes => Set<Features.Workshops.WorkshopVote>();
    public DbSet<Features.Reports.Report> Reports => Set<Features.Reports.Report>();
    public DbSet<Features.Reports.ReportQuote> ReportQuotes => Set<Features.Reports.ReportQuote>();
    public DbSet<Features.Reports.ReportSection> ReportSections => Set<Features.Reports.ReportSection>();
    public DbSet<Features.Reports.ReportPartner> ReportPartners => Set<Features.Reports.ReportPartner>();
    public DbSet<Features.Reports.ReportFile> ReportFiles => Set<Features.Reports.ReportFile>();
    public DbSet<Features.Clips.Playlist> Playlists => Set<Features.Clips.Playlist>();
    public DbSet<Features.Clips.Clip> Clips => Set<Features.Clips.Clip>();
    public DbSet<Features.StorytellerPortal.StorytellerLink> StorytellerLinks => Set<Features.StorytellerPortal.StorytellerLink>();
    public DbSet<Features.StorytellerPortal.CorrectionRequest> CorrectionRequests => Set<Features.StorytellerPortal.CorrectionRequest>();
    public DbSet<Features.Redaction.RedactionRule> RedactionRules => Set<Features.Redaction.RedactionRule>();
    public DbSet<Features.Audit.AccessLogEntry> AccessLog => Set<Features.Audit.AccessLogEntry>();
    public DbSet<Features.Transcription.DraftJob> DraftJobs => Set<Features.Transcription.DraftJob>();
    public DbSet<Features.Email.OutboxMessage> OutboxMessages => Set<Features.Email.OutboxMessage>();
    public DbSet<Features.Interop.ImportedQdaObject> ImportedQdaObjects => Set<Features.Interop.ImportedQdaObject>();
    public DbSet<Features.Backup.StorytellerKey> StorytellerKeys => Set<Features.Backup.StorytellerKey>();
    public DbSet<Features.Interop.QdpxImportJob> QdpxImportJobs => Set<Features.Interop.QdpxImportJob>();

    public bool IsPostgres => Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC. SQLite hands DateTime back with Kind=Unspecified; mark it UTC so
        // values round-trip identically on both providers (and through backup/restore).
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(StoryweaveDb).Assembly);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        GuardAppendOnly();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        GuardAppendOnly();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// The one escape hatch from the consent-history guard: while set, the consent records of this one
    /// storyteller may be deleted (never updated). Only <see cref="Features.Withdrawal.WithdrawalService"/>
    /// sets it, for the length of a full withdrawal ("delete everything held about me"), through
    /// <see cref="AllowConsentPurge"/>; nothing else may delete consent history.
    /// </summary>
    private int? _consentPurgeStorytellerId;

    internal IDisposable AllowConsentPurge(int storytellerId)
    {
        _consentPurgeStorytellerId = storytellerId;
        return new PurgeScope(this);
    }

    private sealed class PurgeScope(StoryweaveDb db) : IDisposable
    {
        public void Dispose() => db._consentPurgeStorytellerId = null;
    }

    // Invariant: the project event log and the consent history are append-only. Nothing in the app
    // may change or delete their rows (a consent change is a new record) — except the full-withdrawal
    // purge above, which may delete one person's consent records.
    private void GuardAppendOnly()
    {
        foreach (var entry in ChangeTracker.Entries<ProjectEvent>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
                throw new InvalidOperationException("The project event log is append-only.");
        }
        foreach (var entry in ChangeTracker.Entries<ConsentRecord>())
        {
            if (entry.State is EntityState.Deleted && _consentPurgeStorytellerId is { } purging && entry.Entity.StorytellerId == purging)
                continue;
            if (entry.State is EntityState.Modified or EntityState.Deleted)
                throw new InvalidOperationException("Consent records are append-only: record a change as a new consent record.");
        }
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteStoryweaveDb(DbContextOptions<SqliteStoryweaveDb> options) : StoryweaveDb(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // SQLite only: search reads each match's story and speaker from this narrow copy instead of the line's row
        // (SearchService.LineOwnerIndex). Also SQLite only, outside this model (an index on an expression): the theme
        // and coder filters find the lines a passage covers from SearchService.LinePlaceIndex alone
        // (Features/Search/README.md). PostgreSQL answers those filters faster without it (BENCHMARKS.md).
        builder.Entity<TranscriptCue>().HasIndex(c => new { c.Id, c.StoryId, c.Speaker }).HasDatabaseName(Features.Search.SearchService.LineOwnerIndex);
    }
}

public sealed class PostgresStoryweaveDb(DbContextOptions<PostgresStoryweaveDb> options) : StoryweaveDb(options);
