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

public sealed class SampleMigrationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Upgrading_takes_the_seeds_published_sample_stories_off_the_public_site_and_keeps_everything_a_person_published()
    {
        var app = fixture.App;
        var lead = await app.CreateUserAsync();
        var ids = await app.WithDbAsync(async db =>
        {
            var sample = new Storyweave.Features.Projects.Project { Name = app.Unique("Old sample "), Slug = app.Unique("old-sample-"), IsSample = true, CreatedAt = DateTime.UtcNow };
            var real = new Storyweave.Features.Projects.Project { Name = app.Unique("Real "), Slug = app.Unique("real-"), CreatedAt = DateTime.UtcNow };
            db.Projects.AddRange(sample, real);
            await db.SaveChangesAsync();
            Storyweave.Features.Stories.Story Story(int projectId, string? by) => new() { ProjectId = projectId, Title = "t", CreatedAt = DateTime.UtcNow, PublishedAt = DateTime.UtcNow, PublishedByUserId = by };
            var seeded = Story(sample.Id, null);
            var byAdmin = Story(sample.Id, lead.Id);
            var realOne = Story(real.Id, null);
            db.Stories.AddRange(seeded, byAdmin, realOne);
            await db.SaveChangesAsync();
            return (seeded.Id, byAdmin.Id, realOne.Id);
        });

        // The migration's own statement, run on this provider's database.
        await app.WithDbAsync(async db =>
        {
            Microsoft.EntityFrameworkCore.Migrations.Migration migration = db is SqliteStoryweaveDb
                ? new Storyweave.Data.Migrations.Sqlite.SampleNotPublic()
                : new Storyweave.Data.Migrations.Postgres.SampleNotPublic();
            foreach (var sql in migration.UpOperations.OfType<Microsoft.EntityFrameworkCore.Migrations.Operations.SqlOperation>())
                await db.Database.ExecuteSqlRawAsync(sql.Sql);
            return true;
        });

        var published = await app.WithDbAsync(db => db.Stories.Where(s => s.PublishedAt != null).Select(s => s.Id).ToListAsync());
        Assert.DoesNotContain(ids.Item1, published);
        Assert.Contains(ids.Item2, published);
        Assert.Contains(ids.Item3, published);
    }
}
