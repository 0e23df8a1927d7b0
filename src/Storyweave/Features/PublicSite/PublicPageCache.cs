using System.Collections.Concurrent;
using System.Data.Common;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Diagnostics;
using StackExchange.Redis;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.PublicSite;

/// <summary>
/// A small, bounded cache of the rendered public pages (front page, all stories, project, story, playlist) for
/// anonymous visitors (issue #17: the story page read the database and consent and re-rendered ~124 KB on every
/// request). Browsers and proxies still get <c>no-store</c>; this copy lives only in the server's memory.
/// <para><b>Nothing unpublished may ever be served from it</b>, so it is emptied on every database write that
/// could change what a public page shows, from one place: its two EF Core interceptors (<see cref="Interceptors"/>), which see
/// every SQL command the app sends (SaveChanges, ExecuteUpdate/ExecuteDelete and raw SQL
/// alike), not a list of services to remember. A write to any table empties the cache except to the few tables
/// no public page reads (<see cref="IgnoredTables"/>: logs, search entries, tokens, workshop boards), so a table
/// added later empties it too. Publishing, unpublishing, consent records, withdrawal, redaction rules, transcript
/// and story edits, themes and coding, clips, playlists, report files, projects (archiving) and settings all
/// reach it that way.</para>
/// <para>Races: each entry carries the cache's generation from before its page was read, and is neither stored
/// nor served once the generation has moved on. A write inside a transaction empties the cache when the command
/// runs and again when the transaction commits (a page read between the two still saw the old rows); a rollback
/// only costs a re-render. Time also changes pages (an embargo ends), so an entry lives at most
/// <see cref="MaxAge"/>: an embargo only ever holds a story back, so a late entry can show a story late, never
/// one that must not be shown. <see cref="BulkInsert"/>'s statements (prepared on SQLite's own handle, a binary COPY on
/// PostgreSQL) bypass EF's commands; it hands each to the context's <see cref="IBulkWriteInterceptor"/>s, which this
/// cache's command interceptor is, so no caller has to remember the cache. Another process writing to the database is
/// not seen.</para>
/// <para>Several nodes (Redis configured, decision 0011): each write also raises a count in Redis, and every request
/// reads it before looking in the cache, so a page is never served by any node once another node's write (a
/// withdrawal, unpublishing, a consent change) has run. If Redis cannot be read, pages are read from the database.</para>
/// <para>Each entry is kept as UTF-8 bytes and gzip-compressed once when it is stored, so a hit costs no encoding
/// and a browser (which always accepts gzip) gets about a fifth of the bytes. Compressing is safe here (no BREACH):
/// a cached page holds no secret (anonymous, no antiforgery token, no cookie) and nothing the visitor typed
/// (searches within a story are never cached).</para>
/// </summary>
public sealed partial class PublicPageCache(TimeProvider clock, SharedRedis redis, ILogger<PublicPageCache> log)
{
    /// <summary>At most this many bytes of pages (plain and compressed) are kept; past it the cache starts again empty.</summary>
    public const long MaxBytes = 16 * 1024 * 1024;

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>Tables written often that no public page, consent or redaction decision reads.</summary>
    public static readonly IReadOnlySet<string> IgnoredTables = new HashSet<string>(StringComparer.Ordinal)
    {
        "AccessLog", "ProjectEvents", "SearchEntries", "ApiTokens", "DraftJobs", "AspNetUsers", "AspNetUserTokens", "AspNetUserLogins",
        "AspNetUserClaims", "Memos", "CodebookChanges", "WorkshopCards", "WorkshopClusters", "WorkshopVotes", "WorkshopParticipants",
        "AttemptWindows", "QdpxImportJobs",
    };

    private readonly ConcurrentDictionary<string, Entry> _pages = new(StringComparer.Ordinal);
    private long _generation;
    private long _sharedSeen;
    private long _bytes;

    /// <summary>
    /// Which writes a page was read after: this node's own count and, with several nodes, the count every node
    /// raises in Redis (<c>{prefix}:public-generation</c>) on each write, read once per request (decision 0011).
    /// </summary>
    private readonly record struct Stamp(long Local, long Shared);

    private sealed record Entry(PublicPage Page, Stamp Stamp, DateTimeOffset Expires);

    /// <summary>How many times this node emptied the cache for a write (for tests and diagnostics).</summary>
    public long Generation => Volatile.Read(ref _generation);

    private RedisKey SharedKey => redis.Key("public-generation");

    /// <summary>The current stamp, or null when the shared count cannot be read (then nothing is served from or kept in the cache).</summary>
    private async Task<Stamp?> StampAsync()
    {
        var local = Generation;
        if (!redis.IsOn) return new Stamp(local, 0);
        try
        {
            if ((long?)await redis.Database.StringGetAsync(SharedKey) is not { } shared)
            {
                // First use, or Redis lost its data: start from a random count, so no count a page was kept under comes back.
                await redis.Database.StringSetAsync(SharedKey, Random.Shared.NextInt64(1, long.MaxValue / 2), when: When.NotExists);
                return null;
            }
            // Another node wrote: pages kept before can never be served again, so let their memory go.
            if (Interlocked.Exchange(ref _sharedSeen, shared) != shared) Clear();
            return new Stamp(local, shared);
        }
        catch (RedisException e)
        {
            log.LogWarning(e, "Could not read the public pages' shared generation from Redis; pages are read from the database.");
            return null;
        }
    }

    /// <summary>
    /// The page for <paramref name="key"/>: from the cache for an anonymous visitor when it is there and still
    /// current, otherwise from <paramref name="render"/> (null = not public now: 404, never kept).
    /// </summary>
    public async Task<PublicPage?> GetOrRenderAsync(HttpContext http, string key, Func<Task<string?>> render)
    {
        // Signed-in people never get (or leave) a cached page: whatever they see is read for them.
        if (http.User.Identity?.IsAuthenticated == true) return PublicPage.From(await render());
        var stamp = await StampAsync();
        if (stamp is { } now && _pages.TryGetValue(key, out var hit) && hit.Stamp == now && clock.GetUtcNow() < hit.Expires) return hit.Page;
        var html = await render();
        if (html is null) return null;
        var page = PublicPage.Compressed(html);
        if (stamp is { } before && page.Size < MaxBytes / 8)
        {
            if (Interlocked.Add(ref _bytes, page.Size) > MaxBytes) Clear();
            // Kept only if nothing was written (on any node) since the page was read; read back only while that stays true.
            else if (await StampAsync() == before) _pages[key] = new Entry(page, before, clock.GetUtcNow() + MaxAge);
        }
        return page;
    }

    /// <summary>
    /// Empties the cache for a write: every page is read again from the database, on this node and (with Redis) on
    /// every other, whose next request sees the raised shared count before it looks in its cache.
    /// </summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        Clear();
        if (!redis.IsOn) return;
        try
        {
            redis.Database.StringIncrement(SharedKey);
        }
        catch (RedisException e)
        {
            // The write has happened; other nodes may show a page from before it for up to MaxAge unless they cannot reach Redis either.
            log.LogError(e, "Could not tell the other nodes to empty their public page cache (Redis unreachable).");
        }
    }

    /// <summary>Lets this node's copies go (memory only: the stamps decide what may be served).</summary>
    private void Clear()
    {
        _pages.Clear();
        Interlocked.Exchange(ref _bytes, 0);
    }

    /// <summary>Whether SQL text writes to a table a public page may read (unknown statements count as yes).</summary>
    public static bool WritesPublicData(string sql)
    {
        foreach (Match m in WriteStatement().Matches(sql))
            if (!m.Groups["table"].Success || !IgnoredTables.Contains(m.Groups["table"].Value)) return true;
        return false;
    }

    // INSERT INTO "T", UPDATE "T", DELETE FROM "T", and anything else that changes data or tables (without a table
    // name matched, counts as public data). An upsert's "ON CONFLICT … DO UPDATE SET" writes the table its INSERT
    // names, so it is judged by that INSERT (a sign-in attempt counted in AttemptWindows empties nothing).
    [GeneratedRegex("""\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|(?<!\bDO\s+)UPDATE|DELETE\s+FROM|MERGE\s+INTO|TRUNCATE|ALTER|DROP|COPY)\s+(?:TABLE\s+)?(?:"(?<table>[^"]+)"|(?<table>\w+))?""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WriteStatement();

    /// <summary>Transactions in which a command wrote public data: the cache is emptied again when they commit.</summary>
    private readonly ConditionalWeakTable<DbTransaction, object> _dirty = [];

    /// <summary>Both interceptors, for <c>DbContextOptionsBuilder.AddInterceptors</c> (AppHost).</summary>
    public IInterceptor[] Interceptors => _interceptors ??= [new Invalidator(this), new CommitWatcher(this)];

    private IInterceptor[]? _interceptors;

    /// <summary>
    /// The one place that empties <see cref="PublicPageCache"/>: every command EF sends, and every statement
    /// <see cref="BulkInsert"/> writes past EF's command pipeline (<see cref="IBulkWriteInterceptor"/>).
    /// </summary>
    private sealed class Invalidator(PublicPageCache cache) : DbCommandInterceptor, IBulkWriteInterceptor
    {
        private void Seen(DbCommand command) => Seen(command.CommandText, command.Transaction);

        private void Seen(string sql, DbTransaction? transaction)
        {
            if (!WritesPublicData(sql)) return;
            cache.Invalidate();
            if (transaction is not null) cache._dirty.AddOrUpdate(transaction, cache);
        }

        public void BulkWritten(string sql, DbTransaction transaction) => Seen(sql, transaction);

        public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
        {
            Seen(command);
            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Seen(command);
            return ValueTask.FromResult(result);
        }

        public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
        {
            Seen(command);
            return result;
        }

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            Seen(command);
            return ValueTask.FromResult(result);
        }

        public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
        {
            Seen(command);
            return result;
        }

        public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
        {
            Seen(command);
            return ValueTask.FromResult(result);
        }

        // A command that failed part-way may still have written (a batch): empty the cache all the same.
        public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Seen(command);

        public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            Seen(command);
            return Task.CompletedTask;
        }
    }

    /// <summary>Empties the cache again when a transaction that wrote public data commits.</summary>
    private sealed class CommitWatcher(PublicPageCache cache) : DbTransactionInterceptor
    {
        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
        {
            if (cache._dirty.Remove(transaction)) cache.Invalidate();
        }

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            TransactionCommitted(transaction, eventData);
            return Task.CompletedTask;
        }
    }
}

/// <summary>A rendered public page as UTF-8, with its gzip form when it came from (or went into) the cache.</summary>
public sealed class PublicPage
{
    private PublicPage(byte[] utf8, byte[]? gzip)
    {
        Utf8 = utf8;
        Gzip = gzip;
    }

    public byte[] Utf8 { get; }

    public byte[]? Gzip { get; }

    public long Size => Utf8.Length + (Gzip?.Length ?? 0);

    public static PublicPage? From(string? html) => html is null ? null : new(System.Text.Encoding.UTF8.GetBytes(html), null);

    public static PublicPage Compressed(string html)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(html);
        using var buffer = new MemoryStream(utf8.Length / 4);
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(utf8);
        return new(utf8, buffer.ToArray());
    }

    /// <summary>
    /// The body to send: the gzip form when the browser accepts it (headers set to say so), else the plain one.
    /// Never stored by a browser or a proxy: unpublishing, a consent change or a withdrawal must show on the very
    /// next request, and a shared cache must not keep a copy of a story after its teller withdraws.
    /// </summary>
    public byte[] Body(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        if (Gzip is null) return Utf8;
        headers.Vary = "Accept-Encoding";
        if (!AcceptsGzip(http.Request.Headers.AcceptEncoding)) return Utf8;
        headers.ContentEncoding = "gzip";
        return Gzip;
    }

    public const string ContentType = "text/html; charset=utf-8";

    private static bool AcceptsGzip(Microsoft.Extensions.Primitives.StringValues acceptEncoding)
    {
        if (!Microsoft.Net.Http.Headers.StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var codings)) return false;
        double? gzip = null, any = null;
        foreach (var coding in codings)
        {
            if (coding.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase)) gzip = coding.Quality ?? 1;
            else if (coding.Value.Equals("*", StringComparison.Ordinal)) any = coding.Quality ?? 1;
        }
        return (gzip ?? any ?? 0) > 0;
    }
}
