using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Storyweave.Data;

/// <summary>
/// Inserts many rows of one table inside the caller's EF transaction, for imports of thousands of transcript lines:
/// multi-row INSERT statements prepared once on SQLite, binary COPY on PostgreSQL. EF Core's own inserts cost a
/// change-tracked entity and a returned id per row (about 45 ms per 8,000-word story). The caller allocates the ids
/// first (<see cref="AllocateIdsAsync"/>), so rows that point at each other, or ids the caller needs afterwards, are known
/// before they are written. Only for new rows of tables whose entities carry no logic on insert.
/// </summary>
public static class BulkInsert
{
    /// <summary>One column: its name and its PostgreSQL type (SQLite takes any value).</summary>
    public sealed record Column(string Name, NpgsqlDbType Type);

    /// <summary>
    /// Takes <paramref name="count"/> new ids of <paramref name="table"/>'s "Id" column. Inside the transaction that
    /// then writes them: on SQLite the transaction holds the database's write lock (EF begins it IMMEDIATE), so the
    /// next ids after the largest ever used are ours; on PostgreSQL they come from the column's sequence.
    /// </summary>
    public static async Task<long[]> AllocateIdsAsync(StoryweaveDb db, string table, int count, CancellationToken ct)
    {
        if (count == 0) return [];
        var (connection, transaction) = Current(db);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (db.Database.IsNpgsql())
        {
            command.CommandText = $"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'Id')) FROM generate_series(1, @n)";
            command.Parameters.Add(new NpgsqlParameter("n", count));
            var ids = new long[count];
            await using var reader = await command.ExecuteReaderAsync(ct);
            for (var i = 0; await reader.ReadAsync(ct); i++) ids[i] = reader.GetInt64(0);
            return ids;
        }
        // AUTOINCREMENT tables never reuse an id, even one deleted since: start after the largest ever given.
        command.CommandText = $"SELECT max(COALESCE((SELECT max(\"Id\") FROM \"{table}\"), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0))";
        var last = Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        var result = new long[count];
        for (var i = 0; i < count; i++) result[i] = last + 1 + i;
        return result;
    }

    /// <summary>Writes <paramref name="rows"/> (values in the order of <paramref name="columns"/>) into <paramref name="table"/>.</summary>
    public static async Task InsertAsync(StoryweaveDb db, string table, IReadOnlyList<Column> columns, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        var (connection, transaction) = Current(db);
        var names = string.Join(", ", columns.Select(c => $"\"{c.Name}\""));
        if (connection is NpgsqlConnection npgsql)
        {
            await using var importer = await npgsql.BeginBinaryImportAsync($"COPY \"{table}\" ({names}) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var row in rows)
            {
                await importer.StartRowAsync(ct);
                for (var i = 0; i < columns.Count; i++)
                {
                    if (row[i] is null) await importer.WriteNullAsync(ct);
                    else await importer.WriteAsync(row[i], columns[i].Type, ct);
                }
            }
            await importer.CompleteAsync(ct);
            return;
        }

        // SQLite: 50 rows per statement (400 parameters for 8 columns), the statement prepared once and reused.
        const int rowsPerStatement = 50;
        SqliteCommand? full = null;
        try
        {
            var pending = new List<object?[]>(rowsPerStatement);
            foreach (var row in rows)
            {
                pending.Add(row);
                if (pending.Count < rowsPerStatement) continue;
                full ??= Prepare((SqliteConnection)connection, (SqliteTransaction?)transaction, table, names, columns.Count, rowsPerStatement);
                await RunAsync(full, pending, columns.Count, ct);
                pending.Clear();
            }
            if (pending.Count > 0)
            {
                await using var rest = Prepare((SqliteConnection)connection, (SqliteTransaction?)transaction, table, names, columns.Count, pending.Count);
                await RunAsync(rest, pending, columns.Count, ct);
            }
        }
        finally
        {
            if (full is not null) await full.DisposeAsync();
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction? transaction, string table, string names, int columns, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var values = new System.Text.StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            values.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns; c++)
            {
                var name = $"@p{r}_{c}";
                values.Append(c == 0 ? name : ", " + name);
                command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
            }
            values.Append(')');
        }
        command.CommandText = $"INSERT INTO \"{table}\" ({names}) VALUES {values}";
        command.Prepare();
        return command;
    }

    private static async Task RunAsync(SqliteCommand command, List<object?[]> rows, int columns, CancellationToken ct)
    {
        for (var r = 0; r < rows.Count; r++)
            for (var c = 0; c < columns; c++)
                command.Parameters[r * columns + c].Value = rows[r][c] ?? DBNull.Value;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static (DbConnection Connection, DbTransaction Transaction) Current(StoryweaveDb db)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("BulkInsert writes inside the caller's transaction: begin one first.");
        return (db.Database.GetDbConnection(), transaction);
    }
}
