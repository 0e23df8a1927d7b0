using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace Storyweave.Data;

/// <summary>
/// Inserts many rows of one table inside the caller's EF transaction, for imports of thousands of transcript lines:
/// multi-row INSERT statements prepared once on SQLite with their values bound by position, binary COPY on PostgreSQL. EF Core's own inserts cost a
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

    /// <summary>
    /// Writes new entities of one type as EF Core would (every mapped column, each value through the property's value
    /// converter), without the change tracker: for imports that make thousands of rows of one kind. Ids (and foreign
    /// keys) must be set by the caller first (<see cref="AllocateIdsAsync"/>).
    /// </summary>
    public static Task InsertEntitiesAsync<T>(StoryweaveDb db, IEnumerable<T> entities, CancellationToken ct) where T : class
    {
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity.");
        var table = type.GetTableName() ?? throw new InvalidOperationException($"{typeof(T).Name} has no table.");
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        var properties = type.GetProperties().Where(p => p.GetColumnName(store) is not null && p.GetComputedColumnSql(store) is null).ToList();
        if (properties.FirstOrDefault(p => p.IsShadowProperty()) is { } shadow)
            throw new NotSupportedException($"BulkInsert cannot write {typeof(T).Name}.{shadow.Name}: it has no value on the entity.");
        var converters = properties.Select(p => p.GetTypeMapping().Converter).ToArray();
        var getters = properties.Select(p => p.GetGetter()).ToArray();
        var columns = properties.Select((p, i) => new Column(p.GetColumnName(store)!,
            PostgresType(converters[i]?.ProviderClrType ?? p.ClrType, p.GetColumnType(store)))).ToArray();
        var rows = entities.Select(entity =>
        {
            var row = new object?[getters.Length];
            for (var i = 0; i < row.Length; i++)
            {
                var value = getters[i].GetClrValueUsingContainingEntity(entity);
                row[i] = value is not null && converters[i] is { } converter ? converter.ConvertToProvider(value) : value;
            }
            return row;
        });
        return InsertAsync(db, table, columns, rows, ct);
    }

    private static NpgsqlDbType PostgresType(Type clr, string columnType) => (Nullable.GetUnderlyingType(clr) ?? clr) switch
    {
        var t when t == typeof(int) => NpgsqlDbType.Integer,
        var t when t == typeof(long) => NpgsqlDbType.Bigint,
        var t when t == typeof(short) => NpgsqlDbType.Smallint,
        var t when t == typeof(bool) => NpgsqlDbType.Boolean,
        var t when t == typeof(double) => NpgsqlDbType.Double,
        var t when t == typeof(float) => NpgsqlDbType.Real,
        var t when t == typeof(string) => columnType.StartsWith("character varying", StringComparison.Ordinal) ? NpgsqlDbType.Varchar : NpgsqlDbType.Text,
        var t when t == typeof(DateTime) => columnType.Contains("without", StringComparison.Ordinal) ? NpgsqlDbType.Timestamp : NpgsqlDbType.TimestampTz,
        var t when t == typeof(DateOnly) => NpgsqlDbType.Date,
        var t when t == typeof(byte[]) => NpgsqlDbType.Bytea,
        var t => throw new NotSupportedException($"BulkInsert cannot write a {t.Name} column."),
    };

    /// <summary>
    /// Writes <paramref name="rows"/> (values in the order of <paramref name="columns"/>) into <paramref name="table"/>.
    /// These statements do not go through EF Core's command pipeline, so its command interceptors never see them: every
    /// <see cref="IBulkWriteInterceptor"/> the context has is told of the statement instead, after it ran or failed (a
    /// failed batch may have written part of its rows before the transaction is rolled back).
    /// </summary>
    public static async Task InsertAsync(StoryweaveDb db, string table, IReadOnlyList<Column> columns, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        var (connection, transaction) = Current(db);
        var names = string.Join(", ", columns.Select(c => $"\"{c.Name}\""));
        try
        {
            await WriteAsync(connection, table, names, columns, rows, ct);
        }
        finally
        {
            var statement = $"INSERT INTO \"{table}\" ({names})";
            foreach (var observer in BulkWriteInterceptors(db)) observer.BulkWritten(statement, transaction);
        }
    }

    /// <summary>
    /// Tells every <see cref="IBulkWriteInterceptor"/> of a write the caller sent on the context's connection past EF's
    /// command pipeline (e.g. a prepared batch), inside the current transaction: <paramref name="sql"/> is the statement.
    /// </summary>
    public static void Written(StoryweaveDb db, string sql)
    {
        var (_, transaction) = Current(db);
        foreach (var observer in BulkWriteInterceptors(db)) observer.BulkWritten(sql, transaction);
    }

    /// <summary>The context's interceptors that want to know of <see cref="BulkInsert"/>'s writes.</summary>
    private static IEnumerable<IBulkWriteInterceptor> BulkWriteInterceptors(StoryweaveDb db) =>
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<IBulkWriteInterceptor>() ?? [];

    private static async Task WriteAsync(DbConnection connection, string table, string names, IReadOnlyList<Column> columns, IEnumerable<object?[]> rows, CancellationToken ct)
    {
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

        // SQLite: as many rows per statement as its parameter limit allows (at most MaxRowsPerStatement), prepared once
        // on the connection's own handle and reused, its values bound by position. Microsoft.Data.Sqlite binds every
        // parameter by name on every execution, and SQLite finds a name by walking the statement's list of names: with 450
        // parameters that walk was a third of a bulk insert's time (issue #17, BENCHMARKS.md "Import over HTTP: values
        // bound by position"). Few, large statements matter for the transcript lines: each statement that writes the
        // full-text index (the lines' trigger) ends by flushing FTS5's pending words into a new segment, which later has to
        // be merged; with 50 rows a statement that was ~40 % of writing 255,000 lines (BENCHMARKS.md, "Issue #17, eighth
        // session").
        var sqlite = (SqliteConnection)connection;
        var handle = sqlite.Handle ?? throw new InvalidOperationException("BulkInsert needs an open connection.");
        var rowsPerStatement = RowsPerStatement(handle, columns.Count);
        sqlite3_stmt? full = null;
        var utf8 = new Utf8Buffer();
        try
        {
            var pending = new List<object?[]>(rowsPerStatement);
            foreach (var row in rows)
            {
                pending.Add(row);
                if (pending.Count < rowsPerStatement) continue;
                full ??= Prepare(handle, table, names, columns.Count, rowsPerStatement);
                Run(handle, full, pending, columns.Count, utf8);
                pending.Clear();
                ct.ThrowIfCancellationRequested();
            }
            if (pending.Count > 0)
            {
                using var rest = Prepare(handle, table, names, columns.Count, pending.Count);
                Run(handle, rest, pending, columns.Count, utf8);
            }
        }
        finally
        {
            full?.Dispose();
        }
    }

    private static int RowsPerStatement(sqlite3 handle, int columns) =>
        Math.Clamp(raw.sqlite3_limit(handle, raw.SQLITE_LIMIT_VARIABLE_NUMBER, -1) / Math.Max(1, columns), 1, MaxRowsPerStatement);

    /// <summary>
    /// A statement of 1,000 nine-column rows is ~30 KB of SQL and prepares in under a millisecond. 3,000 made a
    /// 1,000-transcript import no faster beyond the run-to-run spread and its peak memory ~20–40 MB higher (SQLite holds
    /// every bound value and the statement's program).
    /// </summary>
    private const int MaxRowsPerStatement = 1000;

    private static sqlite3_stmt Prepare(sqlite3 handle, string table, string names, int columns, int rows)
    {
        var row = "(" + string.Join(", ", Enumerable.Repeat("?", columns)) + ")";
        var sql = $"INSERT INTO \"{table}\" ({names}) VALUES {string.Join(", ", Enumerable.Repeat(row, rows))}";
        var rc = raw.sqlite3_prepare_v2(handle, sql, out var statement);
        if (rc != raw.SQLITE_OK)
        {
            statement.Dispose();
            SqliteException.ThrowExceptionForRC(rc, handle);
        }
        return statement;
    }

    private static void Run(sqlite3 handle, sqlite3_stmt statement, List<object?[]> rows, int columns, Utf8Buffer utf8)
    {
        for (var r = 0; r < rows.Count; r++)
            for (var c = 0; c < columns; c++)
                Check(handle, rows[r][c] is string { Length: > 0 } text
                    ? utf8.Bind(statement, r * columns + c + 1, text)
                    : Bind(statement, r * columns + c + 1, rows[r][c]));
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, handle);
    }

    /// <summary>
    /// Text bound through one reused buffer (SQLite copies it: SQLITE_TRANSIENT) instead of a new UTF-8 array per value,
    /// as binding a string does: a 100-file import binds about 50,000 lines of text.
    /// </summary>
    private sealed class Utf8Buffer
    {
        private byte[] bytes = new byte[16 * 1024];

        public int Bind(sqlite3_stmt statement, int index, string text)
        {
            var most = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (most > bytes.Length) bytes = new byte[Math.Max(most, bytes.Length * 2)];
            var length = Encoding.UTF8.GetBytes(text, bytes);
            // Never an empty span: SQLite would read its null pointer as NULL, not as ''. (Empty strings go to Bind.)
            return raw.sqlite3_bind_text(statement, index, new ReadOnlySpan<byte>(bytes, 0, length));
        }
    }

    private static void Check(sqlite3 handle, int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, handle);
    }

    /// <summary>Binds one value as Microsoft.Data.Sqlite (and so EF Core) would store it.</summary>
    private static int Bind(sqlite3_stmt statement, int index, object? value) => value switch
    {
        null or DBNull => raw.sqlite3_bind_null(statement, index),
        string text => raw.sqlite3_bind_text(statement, index, text),
        long number => raw.sqlite3_bind_int64(statement, index, number),
        int number => raw.sqlite3_bind_int64(statement, index, number),
        short number => raw.sqlite3_bind_int64(statement, index, number),
        byte number => raw.sqlite3_bind_int64(statement, index, number),
        bool flag => raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0),
        double real => raw.sqlite3_bind_double(statement, index, real),
        float real => raw.sqlite3_bind_double(statement, index, real),
        DateOnly day => raw.sqlite3_bind_text(statement, index, day.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture)),
        DateTime time => raw.sqlite3_bind_text(statement, index, time.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture)),
        Enum choice => raw.sqlite3_bind_int64(statement, index, Convert.ToInt64(choice, CultureInfo.InvariantCulture)),
        byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
        _ => throw new NotSupportedException($"BulkInsert cannot write a {value.GetType().Name} to SQLite."),
    };

    private static (DbConnection Connection, DbTransaction Transaction) Current(StoryweaveDb db)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("BulkInsert writes inside the caller's transaction: begin one first.");
        return (db.Database.GetDbConnection(), transaction);
    }
}

/// <summary>
/// An EF Core interceptor that also wants to know of the rows <see cref="BulkInsert"/> writes past EF's command pipeline
/// (where a <c>DbCommandInterceptor</c> never sees them): <paramref name="sql"/> names the table and columns written,
/// inside <paramref name="transaction"/>. Added to the context like any interceptor (AppHost).
/// </summary>
public interface IBulkWriteInterceptor : IInterceptor
{
    void BulkWritten(string sql, DbTransaction transaction);
}

