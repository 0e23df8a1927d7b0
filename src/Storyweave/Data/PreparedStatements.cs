using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Storyweave.Data;

/// <summary>
/// PostgreSQL: prepares the few hot statements tagged with <see cref="Tag"/> (<c>.TagWith(PreparedStatements.Tag)</c>) on
/// the pooled connection that runs them (issue #17). Unprepared, PostgreSQL parses and plans a statement each time it is
/// sent: the API token's statement, on every token request, cost ~0.5 ms of parse and bind against ~0.06 ms to run it.
/// Prepared, it is parsed once per pooled connection (one extra round trip the first time) and afterwards only bound and
/// run; Npgsql keeps explicitly prepared statements across the pool's reset of the connection.
/// <para>
/// Only tagged statements, so their number per connection stays small and known (the API token's, the coding checks;
/// each tagged text is one statement, whatever its parameter values). Npgsql's <c>Max Auto Prepare</c> in the connection
/// string would do the same for every repeated statement, but it is the operator's connection string and changes every
/// statement the app sends (BENCHMARKS.md "pgcode2"). SQLite: nothing to do (this interceptor is added on PostgreSQL only).
/// </para>
/// </summary>
public sealed class PreparedStatements : DbCommandInterceptor
{
    /// <summary>The query tag that asks for preparation. EF writes it as the first line, <c>-- storyweave:prepare</c>.</summary>
    public const string Tag = "storyweave:prepare";

    private const string Marker = "-- " + Tag;

    public static readonly PreparedStatements Instance = new();

    private PreparedStatements() { }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        // PrepareAsync on a statement this connection has prepared before sends nothing (Npgsql finds it by its text).
        if (command is NpgsqlCommand npgsql && !npgsql.IsPrepared && command.CommandText.StartsWith(Marker, StringComparison.Ordinal))
            await npgsql.PrepareAsync(cancellationToken);
        return result;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        if (command is NpgsqlCommand npgsql && !npgsql.IsPrepared && command.CommandText.StartsWith(Marker, StringComparison.Ordinal))
            npgsql.Prepare();
        return result;
    }
}
