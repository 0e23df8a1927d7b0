using Microsoft.EntityFrameworkCore;
using Storyweave.Data;

namespace Storyweave.Tests.Data;

public sealed class MigrationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        using var db = new SqliteStoryweaveDb(new DbContextOptionsBuilder<SqliteStoryweaveDb>().UseSqlite("Data Source=:memory:").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "Run scripts/add-migration.sh: the SQLite migrations lag behind the model.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void Postgres_migrations_match_the_model()
    {
        using var db = new PostgresStoryweaveDb(new DbContextOptionsBuilder<PostgresStoryweaveDb>().UseNpgsql("Host=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "Run scripts/add-migration.sh: the PostgreSQL migrations lag behind the model.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void Both_providers_have_the_same_migrations()
    {
        using var sqlite = new SqliteStoryweaveDb(new DbContextOptionsBuilder<SqliteStoryweaveDb>().UseSqlite("Data Source=:memory:").Options);
        using var pg = new PostgresStoryweaveDb(new DbContextOptionsBuilder<PostgresStoryweaveDb>().UseNpgsql("Host=unused").Options);
        static string Name(string id) => id[(id.IndexOf('_', StringComparison.Ordinal) + 1)..];
        Assert.Equal(sqlite.Database.GetMigrations().Select(Name), pg.Database.GetMigrations().Select(Name));
    }

    [Fact]
    public async Task An_empty_database_is_fully_migrated_on_this_provider()
    {
        var (all, applied, pending, provider) = await fixture.App.WithDbAsync(async db =>
            (db.Database.GetMigrations().ToList(), (await db.Database.GetAppliedMigrationsAsync()).ToList(),
             (await db.Database.GetPendingMigrationsAsync()).ToList(), db.Database.ProviderName));
        Assert.Empty(pending);
        Assert.Equal(all, applied);
        Assert.Contains(TestApp.ProviderName == "sqlite" ? "Sqlite" : "Npgsql", provider!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_event_log_refuses_updates_and_deletes()
    {
        var admin = await fixture.App.CreateAdminAsync();
        await fixture.App.CreateProjectAsync(admin);
        var error = await fixture.App.WithDbAsync(async db =>
        {
            var row = await db.Events.OrderByDescending(e => e.Id).FirstAsync();
            db.Events.Remove(row);
            return await Record.ExceptionAsync(() => db.SaveChangesAsync());
        });
        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqlite_connections_use_secure_delete()
    {
        if (TestApp.ProviderName != "sqlite")
        {
            // On PostgreSQL the equivalent guarantee is vacuuming (issue 6); assert the provider instead.
            Assert.Equal("postgresql", TestApp.ProviderName);
            return;
        }
        var value = await fixture.App.WithDbAsync(async db =>
        {
            var conn = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA secure_delete";
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        });
        Assert.Equal(1, value);
    }
}
