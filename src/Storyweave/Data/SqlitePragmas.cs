using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Storyweave.Data;

/// <summary>
/// Per-connection SQLite settings. <c>secure_delete</c> overwrites deleted content with zeros so a
/// withdrawn story does not linger in free pages of the database file; foreign keys are enforced.
/// WAL journal mode (set once, it persists in the file) keeps the file consistent if the process
/// is killed mid-write and lets readers work while one writer commits. <c>synchronous = FULL</c>: every commit is
/// flushed to disk before it is acknowledged, set again at every open so a transaction that relaxed it
/// (<see cref="Durability.BeginRelaxedAsync"/>) never leaves it relaxed for the next user of a pooled connection; the
/// automatic checkpoint at SQLite's default of 1,000 pages likewise (<see cref="WalCheckpoint"/> turns it off for a bulk write).
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Sql = "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
