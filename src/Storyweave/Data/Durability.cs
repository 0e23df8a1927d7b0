using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using SQLitePCL;

namespace Storyweave.Data;

/// <summary>
/// How sure a commit is to survive a power cut or an operating-system crash (decision 0012). By default every commit
/// is on disk before it is acknowledged: SQLite runs with <c>synchronous = FULL</c> (set again on every connection
/// open by <see cref="SqlitePragmas"/>, so nothing carries over from an earlier request), PostgreSQL with its default
/// <c>synchronous_commit = on</c>. Consent, withdrawal, transcripts, publishing and everything else keep that.
/// <para>
/// A coding action (a theme put on or taken off a passage) is small, frequent and made again in a second by the
/// coder; waiting for the disk made it several times slower on this machine's disk (a flush costs 1–5 ms). Its
/// transaction is begun with <see cref="BeginRelaxedAsync"/>: SQLite's <c>synchronous = NORMAL</c> for that commit (in WAL mode the
/// commit is written to the log but not flushed; the next flushed commit or checkpoint flushes it too) and
/// PostgreSQL's <c>SET LOCAL synchronous_commit = off</c>. Either way the database is never left inconsistent and a
/// killed process loses nothing (the log is in the operating system's hands); only a power cut or a machine crash
/// can lose the last moments of coding.
/// </para>
/// </summary>
public static class Durability
{
    /// <summary>
    /// Begins a transaction whose commit is not waited for on disk (see above). Commit it with
    /// <see cref="Relaxed.CommitAsync"/> (or <see cref="Relaxed.Transaction"/> when the setting was not deferred); disposing
    /// the result ends it (rolled back if not committed) and, on SQLite, puts <c>synchronous = FULL</c> back on the
    /// connection before anything else uses it (whoever opens it next, through EF or not). SQLite refuses to change the
    /// setting inside a transaction, so it is changed around it, on a connection held open for the purpose.
    /// <para>
    /// <paramref name="settingWithFirstWrite"/> (PostgreSQL; no effect on SQLite): the setting is not sent at once, which
    /// costs a round trip of its own, but with the caller's first write (<see cref="Relaxed.AddSettingTo"/>), or by
    /// <see cref="Relaxed.CommitAsync"/> when nothing took it. PostgreSQL reads <c>synchronous_commit</c> when the
    /// transaction commits, so the setting holds for the whole commit either way; a transaction that writes nothing has
    /// nothing to flush.
    /// </para>
    /// </summary>
    public static async Task<Relaxed> BeginRelaxedAsync(StoryweaveDb db, CancellationToken ct, bool settingWithFirstWrite = false)
    {
        if (db.Database.IsNpgsql())
        {
            var pgTransaction = await db.Database.BeginTransactionAsync(ct);
            if (!settingWithFirstWrite) await db.Database.ExecuteSqlRawAsync(PostgresRelaxed, ct);
            return new Relaxed(db, pgTransaction, sqlite: false, settingPending: settingWithFirstWrite);
        }
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            Synchronous(db, "NORMAL");
            return new Relaxed(db, await db.Database.BeginTransactionAsync(ct), sqlite: true);
        }
        catch
        {
            await RestoreAsync(db);
            throw;
        }
    }

    /// <summary>PostgreSQL's relaxed commit for the current transaction only (it ends with it).</summary>
    private const string PostgresRelaxed = "SET LOCAL synchronous_commit = off";

    /// <summary>
    /// The same as <see cref="PostgresRelaxed"/> as a query (<c>set_config</c> with <c>is_local</c> is <c>SET LOCAL</c>), so it
    /// can be prepared and sent in one batch with the statements that follow it.
    /// </summary>
    private const string PostgresRelaxedQuery = "SELECT set_config('synchronous_commit', 'off', true)";

    /// <summary>
    /// Sets the connection's <c>synchronous</c> on its SQLite handle directly (issue #17: through EF's raw-SQL pipeline the
    /// two settings around a coded passage were ~4% of its CPU). Changes no rows, so no interceptor needs to hear of it.
    /// </summary>
    private static void Synchronous(StoryweaveDb db, string level)
    {
        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_exec(handle, $"PRAGMA synchronous = {level}");
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, handle);
    }

    private static async Task RestoreAsync(StoryweaveDb db)
    {
        // FULL goes back on the handle before it returns to the pool, not left to the next open: the job engine's store
        // (Quartz, Hosting/BackgroundJobs.cs) opens connections with the same connection string, so from the same pool,
        // and its opens do not pass through SqlitePragmas. On the handle directly this costs microseconds.
        try
        {
            Synchronous(db, "FULL");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>A transaction begun by <see cref="BeginRelaxedAsync"/>.</summary>
    public sealed class Relaxed(StoryweaveDb db, IDbContextTransaction transaction, bool sqlite, bool settingPending = false) : IAsyncDisposable
    {
        public IDbContextTransaction Transaction { get; } = transaction;

        /// <summary>PostgreSQL only: the relaxed setting has not been sent in this transaction yet.</summary>
        public bool SettingPending { get; private set; } = settingPending;

        /// <summary>
        /// Puts the relaxed setting first in <paramref name="batch"/>, which the caller sends next in this transaction (no
        /// round trip of its own), when it is still to be sent; otherwise leaves the batch as it is. Its answer is a row
        /// of its own: readers of the batch skip it with <c>NextResultAsync</c> when this returns true.
        /// </summary>
        public bool AddSettingTo(NpgsqlBatch batch)
        {
            if (!SettingPending) return false;
            batch.BatchCommands.Insert(0, new NpgsqlBatchCommand(PostgresRelaxedQuery));
            SettingPending = false;
            return true;
        }

        /// <summary>Commits, sending the relaxed setting first if no write took it (so a commit is never flushed by mistake).</summary>
        public async Task CommitAsync(CancellationToken ct)
        {
            if (SettingPending)
            {
                await db.Database.ExecuteSqlRawAsync(PostgresRelaxed, ct);
                SettingPending = false;
            }
            await Transaction.CommitAsync(ct);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Transaction.DisposeAsync();
            }
            finally
            {
                if (sqlite) await RestoreAsync(db);
            }
        }
    }
}
