using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Storyweave.Data;

// Used only by `dotnet ef` (scripts/add-migration.sh) to build each provider's model.
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteStoryweaveDb>
{
    public SqliteStoryweaveDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteStoryweaveDb>().UseSqlite("Data Source=design-time.db").Options);
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresStoryweaveDb>
{
    public PostgresStoryweaveDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresStoryweaveDb>().UseNpgsql("Host=localhost;Database=storyweave_design").Options);
}
