using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Storyweave.Data;

/// <summary>
/// Takes SQLite's write-ahead-log checkpoint off the answer of a large write (issue #17, the transcript import).
/// <para>
/// In WAL mode a commit is durable once the log is flushed (<c>synchronous = FULL</c>, <see cref="Durability"/>). By
/// default SQLite then also checkpoints, in the committing call, whenever the log is past 1,000 pages: it copies the
/// pages into the database file and flushes that file too. After an import of 100 transcripts (~10 MB of log) that
/// second write and flush were ~0.05–0.13 s of each request's answer, waiting on the disk. <see cref="BeginAsync"/>
/// turns the automatic checkpoint off on the writing connection for its transaction; <see cref="Dispose"/> turns it
/// back on; after a commit <see cref="Committed"/> starts one PASSIVE checkpoint in the background on a connection of
/// its own (never blocking writers or readers; at most one at a time, a later commit's included in a running one's
/// next round). Nothing about durability changes: the commit's log is on disk before the answer, as before, and a
/// process killed before the checkpoint leaves the log for SQLite to replay or checkpoint on the next open.
/// </para>
/// <para>
/// <see cref="SqlitePragmas"/> also sets the default (1,000 pages) on every connection open, so a pooled connection
/// never keeps the setting off whatever happens here. PostgreSQL: nothing to do (every method is a no-op).
/// </para>
/// </summary>
public sealed class WalCheckpoint : IAsyncDisposable
{
    /// <summary>SQLite's default, set back after the write and by <see cref="SqlitePragmas"/> on every open.</summary>
    public const int DefaultPages = 1000;

    private static readonly SemaphoreSlim Running = new(1, 1);
    private static int queued;

    private readonly StoryweaveDb? db;

    private WalCheckpoint(StoryweaveDb? db) => this.db = db;

    /// <summary>
    /// On SQLite: opens the context's connection (kept open until disposed) and turns its automatic checkpoint off.
    /// Call before beginning the transaction; dispose after it ended (committed or not).
    /// </summary>
    public static async Task<WalCheckpoint> BeginAsync(StoryweaveDb db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite()) return new WalCheckpoint(null);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await SetAsync(db, 0);
        }
        catch
        {
            await db.Database.CloseConnectionAsync();
            throw;
        }
        return new WalCheckpoint(db);
    }

    /// <summary>After the commit: checkpoints the log in the background (SQLite), off the request's answer.</summary>
    public void Committed(ILogger logger)
    {
        if (db is null) return;
        var connectionString = db.Database.GetConnectionString()!;
        // One checkpoint queued at a time: a commit made while one waits is covered by it.
        if (Interlocked.Exchange(ref queued, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            await Running.WaitAsync();
            try
            {
                Volatile.Write(ref queued, 0);
                await using var connection = new SqliteConnection(connectionString);
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(PASSIVE);";
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception e)
            {
                // Harmless: the log stays and the next commit past 1,000 pages (or the next open) checkpoints it.
                logger.LogWarning(e, "The checkpoint after a bulk write did not run; SQLite will checkpoint on a later commit.");
            }
            finally
            {
                Running.Release();
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (db is null) return;
        try
        {
            await SetAsync(db, DefaultPages);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task SetAsync(StoryweaveDb db, int pages)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA wal_autocheckpoint = {pages};";
        await command.ExecuteNonQueryAsync();
    }
}
