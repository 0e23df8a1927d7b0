using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Storyweave.Data;
using Storyweave.Features.Media;
using Storyweave.Features.Search;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Withdrawal;
using Storyweave.Hosting;

namespace Storyweave.Features.Backup;

/// <summary>
/// Backup and restore through the app's own export: every table as JSON lines (read inside one
/// transaction, so the rows are a consistent snapshot) plus every file of the data folder, in one
/// ZIP. The same format serves SQLite and PostgreSQL, so a backup also moves an instance from one
/// to the other. See docs/decisions/0003-backup-format.md.
/// <para>Each storyteller's personal content (what a full withdrawal of them would delete, <see cref="PersonalContent"/>)
/// is sealed with their own key (<see cref="BackupSealing"/>), which is never written into a backup: a withdrawal
/// deletes the key, so every earlier backup becomes unreadable for them. See docs/decisions/0009-withdrawal-reaches-backups.md.</para>
/// </summary>
public sealed class BackupService(StoryweaveDb db, StoryweaveOptions options, TimeProvider clock, Audit.AccessLog accessLog, MediaStorage media)
{
    public const string ManifestName = "storyweave-backup.json";
    public const string FormatName = "storyweave-backup";

    /// <summary>2: personal content sealed per storyteller; search entries left out and built again at restore.</summary>
    public const int FormatVersion = 2;

    /// <summary>Sealed files: <c>sealed/{owner ids joined by "-"}/{path in the data folder}</c>.</summary>
    public const string SealedFolder = "sealed/";
    private const int BatchSize = 500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Manifest(string Format, int FormatVersion, DateTime CreatedAt, string Provider, string? LastMigration,
        IReadOnlyList<TableCount> Tables, int FileCount)
    {
        /// <summary>How many storytellers' personal content is sealed with their own key (0 in a backup made before format 2).</summary>
        public int SealedStorytellers { get; init; }

        /// <summary>Rows and files sealed.</summary>
        public int SealedRows { get; init; }

        public int SealedFiles { get; init; }

        /// <summary>After a restore: the storytellers whose key was not in the key list (withdrawn since the backup), restored as withdrawn.</summary>
        public IReadOnlyList<int> WithdrawnSinceBackup { get; init; } = [];

        /// <summary>
        /// After a restore: of <see cref="WithdrawnSinceBackup"/>, those the key list neither has a key for nor names as
        /// withdrawn (a key list older than the backup, or none at all).
        /// </summary>
        public IReadOnlyList<int> NotInKeyList { get; init; } = [];

        /// <summary>After a restore: rows and files left out because they belong to someone withdrawn since the backup.</summary>
        public int RowsNotRestored { get; init; }

        public int FilesNotRestored { get; init; }
    }

    /// <summary>A sealed row in a backup's JSON lines: its owners and the sealed row; a storyteller's husk and a group turn's place beside it.</summary>
    private sealed record SealedLine(int[] Owners, string Data);

    private sealed record Gap(int StoryId, int Position, int Length);

    /// <summary>
    /// Tables never written into a backup: the keys (kept apart), the search entries (built again from what is restored)
    /// and the per-address attempt counts (short-lived, and client addresses are not worth keeping).
    /// </summary>
    private static bool NotBackedUp(IEntityType entity) =>
        entity.ClrType == typeof(StorytellerKey) || entity.ClrType == typeof(SearchEntry) || entity.ClrType == typeof(AttemptWindow);
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
        var sealedRows = 0;
        var sealedFileCount = 0;
        var sealedFiles = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var newKeys = new Dictionary<int, byte[]>();
        Dictionary<int, byte[]> keys;
        Manifest manifest;
        if (Path.GetDirectoryName(outFile) is { } folder && !Directory.Exists(folder)) DataFolder.CreatePrivate(folder);
        try
        {
            Stream target = new FileStream(partial, PrivateCreate());
            if (passphrase is not null) target = BackupCrypto.Encrypt(target, passphrase);
            await using (target)
            using (var zip = new ZipArchive(target, ZipArchiveMode.Create))
            {
                int sealedFor;
                await using (var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))
                {
                    // Every storyteller who has not withdrawn has a key; one who signed up since the last backup gets
                    // one now, stored once this backup is complete (below), so the snapshot needs no write.
                    var storytellers = await db.Storytellers.AsNoTracking().Where(s => s.WithdrawnAt == null).Select(s => s.Id).ToListAsync(ct);
                    keys = await db.StorytellerKeys.AsNoTracking().ToDictionaryAsync(k => k.StorytellerId, k => k.Key, ct);
                    foreach (var id in storytellers.Where(id => !keys.ContainsKey(id)))
                        keys[id] = newKeys[id] = BackupSealing.NewKey();
                    var personal = await PersonalContent.ReadAsync(db, storytellers, ct);
                    sealedFor = storytellers.Count;
                    var rowKeys = new Dictionary<string, byte[]>(StringComparer.Ordinal);

                    foreach (var entity in EntityTypesInInsertOrder().Where(e => !NotBackedUp(e)))
                    {
                        var rows = 0;
                        var entry = zip.CreateEntry($"database/{entity.ClrType.Name}.jsonl", CompressionLevel.Optimal);
                        await using (var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false)))
                        {
                            foreach (var row in QueryAll(entity))
                            {
                                var obj = Serialize(entity, row);
                                var owners = personal.OwnersOf(entity, row);
                                if (owners.Length == 0)
                                {
                                    await writer.WriteLineAsync(JsonSerializer.Serialize(obj, Json));
                                }
                                else
                                {
                                    var ownerKey = string.Join("-", owners);
                                    if (!rowKeys.TryGetValue(ownerKey, out var key))
                                        rowKeys[ownerKey] = key = BackupSealing.KeyFor(owners, keys, "row")!;
                                    var line = new Dictionary<string, object>
                                    {
                                        ["$sealed"] = new SealedLine(owners, BackupSealing.Seal(key, JsonSerializer.Serialize(obj, Json), SealContext(entity, owners))),
                                    };
                                    if (row is Storyteller person) line["$husk"] = Serialize(entity, Husk(entity, person));
                                    if (personal.GapOf(row) is { } gap && row is Stories.TranscriptCue cue) line["$gap"] = new Gap(cue.StoryId, gap.Position, gap.Length);
                                    await writer.WriteLineAsync(JsonSerializer.Serialize(line, Json));
                                    foreach (var file in PersonalContent.FilesOf(row, media, options)) sealedFiles[Path.GetFullPath(file)] = owners;
                                    sealedRows++;
                                }
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
                    if (sealedFiles.TryGetValue(Path.GetFullPath(file), out var owners))
                    {
                        // A recording, clip or report file of someone's: sealed with their key (every teller's, for a group's).
                        var key = BackupSealing.KeyFor(owners, keys, "file")!;
                        var entry = zip.CreateEntry($"{SealedFolder}{string.Join("-", owners)}/{relative}", CompressionLevel.NoCompression);
                        await using (var source = File.OpenRead(file))
                        await using (var sealedStream = BackupCrypto.Encrypt(entry.Open(), key))
                            await source.CopyToAsync(sealedStream, ct);
                        sealedFileCount++;
                    }
                    else
                    {
                        await zip.CreateEntryFromFileAsync(file, "files/" + relative, CompressionLevel.Fastest, ct);
                    }
                    fileCount++;
                }
                await progress.WriteLineAsync($"  files: {fileCount} ({sealedFileCount} sealed)");
                await progress.WriteLineAsync($"  personal content of {sealedFor} storyteller(s) sealed with their own keys: {sealedRows} row(s), {sealedFileCount} file(s)");

                manifest = new Manifest(FormatName, FormatVersion, clock.GetUtcNow().UtcDateTime,
                    options.UsesPostgres ? "postgresql" : "sqlite", (await db.Database.GetAppliedMigrationsAsync(ct)).LastOrDefault(), tables, fileCount)
                { SealedStorytellers = sealedFor, SealedRows = sealedRows, SealedFiles = sealedFileCount };
                var manifestEntry = zip.CreateEntry(ManifestName);
                await using (var m = manifestEntry.Open())
                    await JsonSerializer.SerializeAsync(m, manifest, Json, ct);
            }
            // The keys given out during the snapshot are stored before the backup gets its real name.
            await StoreNewKeysAsync(newKeys, ct);
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
    /// <param name="keys">The key list kept apart from backups (<see cref="StorytellerKeyList"/>); needed when the backup holds sealed personal content.
    /// A storyteller whose key is not in it is restored as withdrawn, without their content.</param>
    public async Task<Manifest> RestoreAsync(string backupFile, TextWriter progress, string? passphrase = null, StorytellerKeyList? keys = null, CancellationToken ct = default)
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
            return await RestoreZipAsync(decrypted ?? backupFile, progress, keys, ct);
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

    private async Task<Manifest> RestoreZipAsync(string backupFile, TextWriter progress, StorytellerKeyList? keyList, CancellationToken ct)
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
        if (manifest.SealedStorytellers > 0 && keyList is null)
            throw new RestoreException($"This backup holds the personal content of {manifest.SealedStorytellers} storyteller(s), sealed with their own keys. "
                + "Give the key list with --keys FILE (the file written by 'storyweave export-keys', kept apart from the backups). "
                + "Without it, add --without-keys: every storyteller is then restored as withdrawn, without their stories.");
        keyList ??= StorytellerKeyList.Empty;
        var rowKeys = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        byte[]? KeyFor(int[] owners, string use)
        {
            var id = use + ":" + string.Join("-", owners);
            if (!rowKeys.TryGetValue(id, out var key)) rowKeys[id] = key = BackupSealing.KeyFor(owners, keyList.Keys, use);
            return key;
        }
        var withdrawnSince = new SortedSet<int>();
        var rowsLeftOut = 0;
        var filesLeftOut = 0;

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
            foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith(SealedFolder, StringComparison.Ordinal) && e.Name.Length > 0))
            {
                var rest = entry.FullName[SealedFolder.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                var owners = slash > 0 ? ParseOwners(rest[..slash]) : null;
                if (owners is null) throw new RestoreException($"The backup contains a sealed file with a damaged name: {entry.FullName}");
                var relative = SafeRelativePath(rest[(slash + 1)..]);
                var key = KeyFor(owners, "file");
                if (key is null)
                {
                    filesLeftOut++; // someone it belongs to has withdrawn since: it stays unreadable
                    continue;
                }
                var target = Path.Combine(staging, relative);
                CreatePrivateFolders(staging, Path.GetDirectoryName(target)!);
                bool opened;
                await using (var source = new BombGuardStream(entry.Open(), entry.FullName, entry.CompressedLength))
                await using (var destination = new FileStream(target, PrivateCreate()))
                    opened = await BackupCrypto.DecryptAsync(source, destination, key, ct);
                if (!opened) throw NotThisKeyList();
                files++;
            }

            var restoredKeys = new Dictionary<IEntityType, HashSet<object>>();
            var gaps = new List<Gap>();
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                foreach (var entity in EntityTypesInInsertOrder().Where(e => !NotBackedUp(e)))
                {
                    var entry = zip.GetEntry($"database/{entity.ClrType.Name}.jsonl");
                    if (entry is null) continue;
                    var rows = 0;
                    var primaryKey = entity.FindPrimaryKey() is { Properties.Count: 1 } pk ? pk.Properties[0] : null;
                    var seen = primaryKey is null ? null : restoredKeys[entity] = [];
                    using var reader = new StreamReader(new BombGuardStream(entry.Open(), entry.FullName, entry.CompressedLength), Encoding.UTF8);
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (line.Length == 0) continue;
                        var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line, Json)!;
                        if (values.TryGetValue("$sealed", out var sealedElement))
                        {
                            var sealedLine = sealedElement.Deserialize<SealedLine>(Json)!;
                            var owners = sealedLine.Owners.Distinct().Order().ToArray();
                            var key = owners.Length == 0 ? null : KeyFor(owners, "row");
                            if (key is not null)
                            {
                                values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(
                                    BackupSealing.Open(key, sealedLine.Data, SealContext(entity, owners)) ?? throw NotThisKeyList(), Json)!;
                            }
                            else if (values.TryGetValue("$husk", out var husk))
                            {
                                // Withdrawn since the backup: back as the husk a withdrawal leaves, never with their details.
                                values = husk.Deserialize<Dictionary<string, JsonElement>>(Json)!;
                                var id = values[nameof(Storyteller.Id)].GetInt32();
                                var at = keyList.Withdrawn.TryGetValue(id, out var when) ? when : clock.GetUtcNow().UtcDateTime;
                                values[nameof(Storyteller.WithdrawnAt)] = JsonSerializer.SerializeToElement<DateTime?>(at, Json);
                                withdrawnSince.Add(id);
                            }
                            else
                            {
                                if (values.TryGetValue("$gap", out var gap)) gaps.Add(gap.Deserialize<Gap>(Json)!);
                                rowsLeftOut++;
                                continue;
                            }
                        }
                        var row = Activator.CreateInstance(entity.ClrType)!;
                        foreach (var p in entity.GetProperties())
                        {
                            // Columns added after the backup was made keep their defaults; dropped ones are ignored.
                            if (values.TryGetValue(p.Name, out var v))
                                p.PropertyInfo!.SetValue(row, v.Deserialize(p.ClrType, Json));
                        }
                        // A row whose principal was not restored (it belonged to someone withdrawn since) goes as a
                        // cascade would take it, or loses the link where the link is optional.
                        if (!PrincipalsRestored(entity, row, restoredKeys))
                        {
                            rowsLeftOut++;
                            continue;
                        }
                        if (primaryKey is not null && primaryKey.PropertyInfo!.GetValue(row) is { } rowKey) seen!.Add(rowKey);
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
                await ReanchorAsync(gaps, ct);
                await RebuildSearchAsync(progress, ct);
                // The restored instance keeps the keys of those restored, so its next backups seal with the same keys.
                var restoredTellers = await db.Storytellers.Where(s => s.WithdrawnAt == null).Select(s => s.Id).ToListAsync(ct);
                foreach (var id in restoredTellers.Where(keyList.Keys.ContainsKey))
                    db.StorytellerKeys.Add(new StorytellerKey { StorytellerId = id, Key = keyList.Keys[id], CreatedAt = clock.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
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
            if (withdrawnSince.Count > 0)
                await progress.WriteLineAsync($"  {withdrawnSince.Count} storyteller(s) withdrew after this backup was made: restored as withdrawn, without their content "
                    + $"({rowsLeftOut} row(s) and {filesLeftOut} file(s) left out; their key is no longer in the key list)");
            return manifest with
            {
                WithdrawnSinceBackup = [.. withdrawnSince],
                NotInKeyList = [.. withdrawnSince.Where(id => !keyList.Withdrawn.ContainsKey(id))],
                RowsNotRestored = rowsLeftOut,
                FilesNotRestored = filesLeftOut,
            };
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static RestoreException NotThisKeyList() =>
        new("The key list does not open this backup's sealed content: it belongs to another Storyweave instance, or the backup was changed. Use the key list exported from the instance this backup was made on.");

    private static string SealContext(IEntityType entity, int[] owners) => $"{entity.ClrType.Name}|{string.Join(",", owners)}";

    private static int[]? ParseOwners(string text)
    {
        var ids = new List<int>();
        foreach (var part in text.Split('-'))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)) return null;
            ids.Add(id);
        }
        return [.. ids.Distinct().Order()];
    }

    private static Dictionary<string, JsonElement> Serialize(IEntityType entity, object row)
    {
        var obj = new Dictionary<string, JsonElement>();
        foreach (var p in entity.GetProperties())
            obj[p.Name] = JsonSerializer.SerializeToElement(p.PropertyInfo!.GetValue(row), p.ClrType, Json);
        return obj;
    }

    /// <summary>A copy of the storyteller's row as a withdrawal leaves it (<see cref="WithdrawalService.Anonymise"/>); WithdrawnAt is set at restore.</summary>
    private static Storyteller Husk(IEntityType entity, Storyteller person)
    {
        var husk = new Storyteller { Name = "" };
        foreach (var p in entity.GetProperties()) p.PropertyInfo!.SetValue(husk, p.PropertyInfo.GetValue(person));
        WithdrawalService.Anonymise(husk);
        return husk;
    }

    /// <summary>Whether every foreign key of the row finds its principal among the rows restored; an optional one that does not is cleared.</summary>
    private static bool PrincipalsRestored(IEntityType entity, object row, Dictionary<IEntityType, HashSet<object>> restored)
    {
        foreach (var fk in entity.GetForeignKeys())
        {
            if (fk.Properties.Count != 1 || fk.PrincipalEntityType == entity || !fk.PrincipalKey.IsPrimaryKey()
                || !restored.TryGetValue(fk.PrincipalEntityType, out var principals)) continue;
            var property = fk.Properties[0].PropertyInfo!;
            if (property.GetValue(row) is not { } value || principals.Contains(value)) continue;
            if (fk.IsRequired || fk.DeleteBehavior == DeleteBehavior.Cascade) return false;
            property.SetValue(row, null);
        }
        return true;
    }

    /// <summary>
    /// Group stories whose withdrawn teller's turns were not restored: the remaining turns are numbered again and the
    /// passages and key quotes left (those overlapping the turns belonged to that person) move to where their text now
    /// stands, as <see cref="WithdrawalService"/> re-anchors them. The transcript's version goes up.
    /// </summary>
    private async Task ReanchorAsync(List<Gap> gaps, CancellationToken ct)
    {
        foreach (var story in gaps.GroupBy(g => g.StoryId))
        {
            var cues = await db.TranscriptCues.Where(c => c.StoryId == story.Key).OrderBy(c => c.Position).ToListAsync(ct);
            var removed = new List<(int Start, int End)>();
            var offset = 0;
            foreach (var item in cues.Select(c => (c.Position, c.Text.Length, Gone: false)).Concat(story.Select(g => (g.Position, g.Length, Gone: true))).OrderBy(i => i.Position))
            {
                if (item.Gone) removed.Add((offset, offset + item.Length + 1));
                offset += item.Length + 1;
            }
            int Shift(int at) => at - removed.Where(r => r.End <= at).Sum(r => r.End - r.Start);
            foreach (var p in await db.Passages.Where(p => p.StoryId == story.Key).ToListAsync(ct))
                (p.StartOffset, p.EndOffset) = (Shift(p.StartOffset), Shift(p.EndOffset));
            foreach (var q in await db.KeyQuotes.Where(q => q.StoryId == story.Key).ToListAsync(ct))
                (q.StartOffset, q.EndOffset) = (Shift(q.StartOffset), Shift(q.EndOffset));
            var position = 0;
            foreach (var c in cues) c.Position = position++;
            if (await db.Stories.SingleOrDefaultAsync(s => s.Id == story.Key, ct) is { } row) row.TranscriptVersion++;
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Search entries are not in backups: built again from the restored stories, review sheets, quotes and memos.</summary>
    private async Task RebuildSearchAsync(TextWriter progress, CancellationToken ct)
    {
        var index = new SearchIndex(db);
        var stories = await db.Stories.AsNoTracking().Select(s => new { s.Id, s.ProjectId }).ToListAsync(ct);
        var done = 0;
        foreach (var s in stories)
        {
            await index.ReindexStoryAsync(s.ProjectId, s.Id, ct);
            if (++done % 50 == 0)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
        foreach (var projectId in await db.Projects.AsNoTracking().Select(p => p.Id).ToListAsync(ct))
            await index.ReindexThemeMemosAsync(projectId, ct);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        await progress.WriteLineAsync($"  search entries built again for {stories.Count} stories");
    }

    /// <summary>
    /// Stores the keys given out during a backup's snapshot. A storyteller who withdrew meanwhile gets none (their part
    /// of this backup is unreadable already); one given a key by another backup at the same moment makes this backup fail.
    /// </summary>
    private async Task StoreNewKeysAsync(Dictionary<int, byte[]> newKeys, CancellationToken ct)
    {
        if (newKeys.Count == 0) return;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var ids = newKeys.Keys.ToList();
        var present = await db.Storytellers.Where(s => ids.Contains(s.Id) && s.WithdrawnAt == null).Select(s => s.Id).ToListAsync(ct);
        var existing = await db.StorytellerKeys.Where(k => ids.Contains(k.StorytellerId)).Select(k => k.StorytellerId).ToListAsync(ct);
        if (existing.Count > 0)
            throw new RestoreException("Another backup or key export gave storytellers their keys at the same moment. Run the backup again.");
        foreach (var id in present)
            db.StorytellerKeys.Add(new StorytellerKey { StorytellerId = id, Key = newKeys[id], CreatedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
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
