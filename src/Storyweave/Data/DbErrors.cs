using Microsoft.EntityFrameworkCore;

namespace Storyweave.Data;

/// <summary>What a failed write says, asked the same way on both providers.</summary>
public static class DbErrors
{
    /// <summary>The write broke a unique index (SQLite: SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY; PostgreSQL: 23505).</summary>
    public static bool IsUniqueViolation(DbUpdateException e) => e.InnerException switch
    {
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteExtendedErrorCode is 2067 or 1555,
        Npgsql.PostgresException p => p.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
