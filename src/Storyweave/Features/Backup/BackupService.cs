using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Backup;

/// <summary>
/// Backup and restore through the app's own export: every table as JSON lines (read inside one
/// transaction, so the rows are a consistent snapshot) plus every file of the data folder, in one
/// ZIP. The same format serves SQLite and PostgreSQL, so a backup also moves an instance from one
/// to the other. See docs/decisions/0003-backup-format.md.
/// </summary>
public sealed class BackupService(StoryweaveDb db, StoryweaveOptions options, TimeProvider clock, Audit.AccessLog accessLog)
{
    public const string ManifestName = "storyweave-backup.json";
    public const string FormatName = "storyweave-backup";
    public const int FormatVersion = 1;
    private const int BatchSize = 500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Manifest(string Format, int FormatVersion, DateTime CreatedAt, string Provider, string? LastMigration,
        IReadOnlyList<TableCount> Tables, int FileCount);
    public sealed record TableCount(string Entity, int Rows);

    /// <summary>
    /// Writes a backup to <paramref name="outFile"/>, readable by this user only (mode 600: it holds the
    /// data-protection keys, password hashes and every story), encrypted with <paramref name="passphrase"/> when one
    /// is given (<see cref="BackupCrypto"/>).
    /// </summary>
    public async Task<Manifest> BackupAsync(string outFile, TextWriter progress, string? passphrase = null, CancellationToken ct = default)
    {
        outFile = Path.GetFullPath(outFile);
        var partial = outFile + ".partial";
        var tables = new List<TableCount>();
        var fileCount = 0;
        Manifest manifest;
        if (Path.GetDirectoryName(outFile) is { } folder && !Directory.Exists(folder)) DataFolder.CreatePrivate(folder);
        try
        {
            Stream target = new FileStream(partial, PrivateCreate());
            if (passphrase is not null) target = BackupCrypto.Encrypt(target, passphrase);
            await using (target)
            using (var zip = new ZipArchive(target, ZipArchiveMode.Create))
            {
                await using (var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))
                {
                    foreach (var entity in EntityTypesInInsertOrder())
                    {
                        var rows = 0;
                        var entry = zip.CreateEntry($"database/{entity.ClrType.Name}.jsonl", CompressionLevel.Optimal);
                        await using (var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false)))
                        {
                            foreach (var row in QueryAll(entity))
                            {
                                var obj = new Dictionary<string, JsonElement>();
                                foreach (var p in entity.GetProperties())
                                    obj[p.Name] = JsonSerializer.SerializeToElement(p.PropertyInfo!.GetValue(row), p.ClrType, Json);
                                await writer.WriteLineAsync(JsonSerializer.Serialize(obj, Json));
                                rows++;
                            }
                        }
                        tables.Add(new TableCount(entity.ClrType.Name, rows));
                        await progress.WriteLineAsync($"  {entity.ClrType.Name}: {rows} row(s)");
                    }
                    await tx.CommitAsync(ct);
                }

                // Files are written once and never changed in place (media, keys), so copying them after
                // the database snapshot cannot give a row that points to a missing file.
                foreach (var file in DataFiles())
                {
                    var relative = Path.GetRelativePath(options.DataDir, file).Replace('\\', '/');
                    if (Path.GetFullPath(file) == Path.GetFullPath(partial) || Path.GetFullPath(file) == outFile) continue;
                    await zip.CreateEntryFromFileAsync(file, "files/" + relative, CompressionLevel.Fastest, ct);
                    fileCount++;
                }
                await progress.WriteLineAsync($"  files: {fileCount}");

                manifest = new Manifest(FormatName, FormatVersion, clock.GetUtcNow().UtcDateTime,
                    options.UsesPostgres ? "postgresql" : "sqlite", (await db.Database.GetAppliedMigrationsAsync(ct)).LastOrDefault(), tables, fileCount);
                var manifestEntry = zip.CreateEntry(ManifestName);
                await using (var m = manifestEntry.Open())
                    await JsonSerializer.SerializeAsync(m, manifest, Json, ct);
            }
            // Only a complete archive gets the real name: an interrupted backup never looks finished.
            File.Move(partial, outFile, overwrite: true);
            // A backup copies every project: each project's audit page shows it.
            foreach (var projectId in await db.Projects.AsNoTracking().Select(p => p.Id).ToListAsync(ct))
                await accessLog.RecordAsync(projectId, Audit.AccessActions.BackedUp, "backup", null, ct);
            return manifest;
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>
    /// Restores a backup into an instance whose database holds no data yet. An encrypted backup needs its
    /// passphrase; it is decrypted (and checked) into the data folder's tmp/ first, readable by this user only, and
    /// that copy is erased afterwards. Restored files and folders are private to this user (600/700).
    /// </summary>
    public async Task<Manifest> RestoreAsync(string backupFile, TextWriter progress, string? passphrase = null, CancellationToken ct = default)
    {
        string? decrypted = null;
        try
        {
            if (BackupCrypto.IsEncrypted(backupFile))
            {
                if (passphrase is null)
                    throw new RestoreException("This backup is encrypted. Give its passphrase with --passphrase-file FILE or the environment variable STORYWEAVE_BACKUP_PASSPHRASE.");
                DataFolder.CreatePrivate(options.TempDir);
                decrypted = Path.Combine(options.TempDir, $"restore-{Guid.NewGuid():N}.zip");
                await using (var input = File.OpenRead(backupFile))
                await using (var output = new FileStream(decrypted, PrivateCreate()))
                    await BackupCrypto.DecryptAsync(input, output, passphrase, ct);
                await progress.WriteLineAsync("  decrypted and checked");
            }
            return await RestoreZipAsync(decrypted ?? backupFile, progress, ct);
        }
        finally
        {
            if (decrypted is not null) { try { FileErasure.EraseFile(decrypted); } catch (IOException) { File.Delete(decrypted); } }
        }
    }

    private static FileStreamOptions PrivateCreate()
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = DataFolder.PrivateFile;
        return options;
    }

    private async Task<Manifest> RestoreZipAsync(string backupFile, TextWriter progress, CancellationToken ct)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(backupFile);
        }
        catch (InvalidDataException)
        {
            throw new RestoreException("This file is not a Storyweave backup (it is not a ZIP archive).");
        }
        using var _ = zip;
        var manifest = await ReadManifestAsync(zip, ct);

        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any())
            await db.Database.MigrateAsync(ct);
        if (await db.Users.AnyAsync(ct) || await db.Projects.AnyAsync(ct) || await db.Events.AnyAsync(ct))
            throw new RestoreException("The target already holds data. Restore into an empty data folder (or an empty PostgreSQL database).");

        // Files first, into a staging folder, so an interrupted restore leaves nothing in the data folder.
        var staging = Path.Combine(options.DataDir, "tmp", "restore-" + Guid.NewGuid().ToString("N"));
        DataFolder.CreatePrivate(options.TempDir);
        DataFolder.CreatePrivate(staging);
        try
        {
            var files = 0;
            foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("files/", StringComparison.Ordinal) && e.Name.Length > 0))
            {
                var relative = SafeRelativePath(entry.FullName["files/".Length..]);
                var target = Path.Combine(staging, relative);
                CreatePrivateFolders(staging, Path.GetDirectoryName(target)!);
                await using (var source = new BombGuardStream(entry.Open(), entry.FullName, entry.CompressedLength))
                await using (var destination = new FileStream(target, PrivateCreate()))
                    await source.CopyToAsync(destination, ct);
                files++;
            }

            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                foreach (var entity in EntityTypesInInsertOrder())
                {
                    var entry = zip.GetEntry($"database/{entity.ClrType.Name}.jsonl");
                    if (entry is null) continue;
                    var rows = 0;
                    using var reader = new StreamReader(new BombGuardStream(entry.Open(), entry.FullName, entry.CompressedLength), Encoding.UTF8);
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (line.Length == 0) continue;
                        var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line, Json)!;
                        var row = Activator.CreateInstance(entity.ClrType)!;
                        foreach (var p in entity.GetProperties())
                        {
                            // Columns added after the backup was made keep their defaults; dropped ones are ignored.
                            if (values.TryGetValue(p.Name, out var v))
                                p.PropertyInfo!.SetValue(row, v.Deserialize(p.ClrType, Json));
                        }
                        db.Add(row);
                        if (++rows % BatchSize == 0)
                        {
                            await db.SaveChangesAsync(ct);
                            db.ChangeTracker.Clear();
                        }
                    }
                    await db.SaveChangesAsync(ct);
                    db.ChangeTracker.Clear();
                    await progress.WriteLineAsync($"  {entity.ClrType.Name}: {rows} row(s)");
                }
                if (db.IsPostgres) await ResetPostgresSequencesAsync(ct);
                await tx.CommitAsync(ct);
            }

            foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(options.DataDir, Path.GetRelativePath(staging, file));
                CreatePrivateFolders(options.DataDir, Path.GetDirectoryName(target)!);
                File.Move(file, target, overwrite: true);
                DataFolder.MakePrivate(target); // the keys among them: never readable by others, not even until the next start
            }
            await progress.WriteLineAsync($"  files: {files}");
            return manifest;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Creates <paramref name="folder"/> and every folder between it and <paramref name="root"/>, each mode 700.</summary>
    private static void CreatePrivateFolders(string root, string folder)
    {
        var stack = new Stack<string>();
        for (var f = Path.GetFullPath(folder); !Directory.Exists(f) && f.Length > Path.GetFullPath(root).Length; f = Path.GetDirectoryName(f)!) stack.Push(f);
        while (stack.Count > 0) DataFolder.CreatePrivate(stack.Pop());
    }

    public static async Task<Manifest> ReadManifestAsync(ZipArchive zip, CancellationToken ct)
    {
        var entry = zip.GetEntry(ManifestName) ?? throw new RestoreException("This file is not a Storyweave backup (it has no storyweave-backup.json).");
        await using var stream = entry.Open();
        var manifest = await JsonSerializer.DeserializeAsync<Manifest>(stream, Json, ct);
        if (manifest?.Format != FormatName)
            throw new RestoreException("This file is not a Storyweave backup.");
        if (manifest.FormatVersion > FormatVersion)
            throw new RestoreException($"This backup was made by a newer Storyweave (format {manifest.FormatVersion}). Upgrade Storyweave first.");
        return manifest;
    }

    /// <summary>Refuses absolute paths and "..": a backup must never write outside the data folder.</summary>
    public static string SafeRelativePath(string path)
    {
        var normalized = path.Replace('\\', '/');
        if (normalized.Length == 0 || normalized.StartsWith('/') || normalized.Contains(':', StringComparison.Ordinal)
            || normalized.Split('/').Any(part => part is ".." or "." or ""))
            throw new RestoreException($"The backup contains an unsafe file name: {path}");
        return normalized.Replace('/', Path.DirectorySeparatorChar);
    }

    private IEnumerable<string> DataFiles()
    {
        if (!Directory.Exists(options.DataDir)) yield break;
        foreach (var file in Directory.EnumerateFiles(options.DataDir, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(options.DataDir, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (StoryweaveOptions.ExcludedFromBackup.Contains(top) || StoryweaveOptions.DatabaseFileNames.Contains(relative)) continue;
            yield return file;
        }
    }

    /// <summary>Streams every row of one entity type (no tracking, so memory stays flat).</summary>
    private IEnumerable<object> QueryAll(IEntityType entity)
    {
        var set = typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(entity.ClrType).Invoke(db, null)!;
        var noTracking = typeof(EntityFrameworkQueryableExtensions).GetMethod(nameof(EntityFrameworkQueryableExtensions.AsNoTracking))!
            .MakeGenericMethod(entity.ClrType).Invoke(null, [set])!;
        return ((System.Collections.IEnumerable)noTracking).Cast<object>();
    }

    /// <summary>Principals before dependents, so foreign keys hold at every insert.</summary>
    private List<IEntityType> EntityTypesInInsertOrder()
    {
        var all = db.Model.GetEntityTypes().Where(e => !e.IsOwned()).OrderBy(e => e.ClrType.Name, StringComparer.Ordinal).ToList();
        var ordered = new List<IEntityType>();
        var visiting = new HashSet<IEntityType>();
        void Visit(IEntityType e)
        {
            if (ordered.Contains(e) || !visiting.Add(e)) return;
            foreach (var fk in e.GetForeignKeys())
                if (fk.PrincipalEntityType != e) Visit(fk.PrincipalEntityType);
            ordered.Add(e);
        }
        foreach (var e in all) Visit(e);
        return ordered;
    }

    private async Task ResetPostgresSequencesAsync(CancellationToken ct)
    {
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var key = entity.FindPrimaryKey();
            if (key is not { Properties.Count: 1 } || key.Properties[0].ValueGenerated != ValueGenerated.OnAdd
                || key.Properties[0].ClrType != typeof(int) && key.Properties[0].ClrType != typeof(long)) continue;
            var table = entity.GetTableName();
            var column = key.Properties[0].GetColumnName();
#pragma warning disable EF1002 // identifiers come from the EF model, not from input
            await db.Database.ExecuteSqlRawAsync(
                $"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)", ct);
#pragma warning restore EF1002
        }
    }
}

public sealed class RestoreException(string message) : Exception(message);
