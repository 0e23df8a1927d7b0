using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Storyweave.Hosting;

namespace Storyweave.Data;

/// <summary>
/// Self-hoster-safe upgrades. SQLite: copy the database to a timestamped backup (online backup
/// API, so the copy is consistent), then migrate. PostgreSQL: never migrate implicitly; refuse to
/// start and say which command to run.
/// </summary>
public static class DatabaseStartup
{
    public static async Task PrepareForServeAsync(IServiceProvider services, StoryweaveOptions options, TextWriter log, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count == 0)
        {
            await MoveKeyFilesIntoDatabaseAsync(db, options, log, ct);
            return;
        }

        if (options.UsesPostgres)
        {
            throw new StartupException(
                $"The PostgreSQL database needs {pending.Count} update(s) before Storyweave can start. " +
                "Back it up, then run: storyweave migrate --postgres \"<the same connection string>\"");
        }

        var existed = HasSqliteContent(options);
        if (existed)
        {
            var copy = BackupSqliteFile(options, TimeProvider.System, "before-migrate");
            await log.WriteLineAsync($"Saved a copy of the database before updating it: {copy}");
        }
        await db.Database.MigrateAsync(ct);
        await log.WriteLineAsync(existed ? $"Database updated ({pending.Count} step(s))." : "Database created.");
        await MoveKeyFilesIntoDatabaseAsync(db, options, log, ct);
    }

    /// <summary>
    /// Moves data-protection keys kept as files in the data folder's <c>keys/</c> (versions before issue #16, or a
    /// restored older backup) into the database, where every node finds them, so that sign-ins and links made with
    /// them stay valid; each file is deleted once its key is stored, and the empty folder with them.
    /// </summary>
    public static async Task MoveKeyFilesIntoDatabaseAsync(StoryweaveDb db, StoryweaveOptions options, TextWriter log, CancellationToken ct = default)
    {
        if (!Directory.Exists(options.KeysDir)) return;
        var files = Directory.GetFiles(options.KeysDir, "*.xml");
        if (files.Length > 0)
        {
            var known = (await db.DataProtectionKeys.AsNoTracking().Select(k => k.FriendlyName).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var moved = 0;
            foreach (var file in files)
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (known.Contains(name)) continue;
                var element = System.Xml.Linq.XElement.Load(file);
                db.DataProtectionKeys.Add(new Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey
                {
                    FriendlyName = name,
                    Xml = element.ToString(System.Xml.Linq.SaveOptions.DisableFormatting),
                });
                moved++;
            }
            await db.SaveChangesAsync(ct);
            foreach (var file in files) File.Delete(file);
            if (moved > 0) await log.WriteLineAsync($"Moved {moved} data-protection key(s) from {options.KeysDir} into the database.");
        }
        if (!Directory.EnumerateFileSystemEntries(options.KeysDir).Any()) Directory.Delete(options.KeysDir);
    }

    public static async Task<int> MigrateAsync(IServiceProvider services, StoryweaveOptions options, TextWriter log, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count == 0)
        {
            await log.WriteLineAsync("The database is up to date.");
            await MoveKeyFilesIntoDatabaseAsync(db, options, log, ct);
            return 0;
        }
        if (!options.UsesPostgres && HasSqliteContent(options))
        {
            var copy = BackupSqliteFile(options, TimeProvider.System, "before-migrate");
            await log.WriteLineAsync($"Saved a copy of the database before updating it: {copy}");
        }
        foreach (var name in pending) await log.WriteLineAsync($"Applying {name}");
        await db.Database.MigrateAsync(ct);
        await MoveKeyFilesIntoDatabaseAsync(db, options, log, ct);
        await log.WriteLineAsync($"Applied {pending.Count} update(s).");
        return 0;
    }

    // SQLite creates an empty file when EF first looks for the history table; only a file with
    // content holds anything worth copying.
    private static bool HasSqliteContent(StoryweaveOptions options) =>
        File.Exists(options.SqlitePath) && new FileInfo(options.SqlitePath).Length > 0;

    /// <summary>Copies the live SQLite database with SQLite's online backup API.</summary>
    public static string BackupSqliteFile(StoryweaveOptions options, TimeProvider clock, string reason)
    {
        DataFolder.CreatePrivate(options.BackupsDir);
        var stamp = clock.GetUtcNow().ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var target = Path.Combine(options.BackupsDir, $"storyweave-{stamp}-{reason}.db");
        using (var source = new SqliteConnection($"Data Source={options.SqlitePath};Mode=ReadOnly;Pooling=False"))
        using (var destination = new SqliteConnection($"Data Source={target};Pooling=False"))
        {
            source.Open();
            destination.Open();
            source.BackupDatabase(destination);
        }
        DataFolder.MakePrivate(target); // a copy of every story: readable by this user only
        return target;
    }
}

/// <summary>A condition that stops start-up with a message meant for the operator, not a stack trace.</summary>
public sealed class StartupException(string message) : Exception(message);
