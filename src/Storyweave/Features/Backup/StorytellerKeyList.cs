using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Hosting;

namespace Storyweave.Features.Backup;

/// <summary>
/// The key list kept apart from backups: every storyteller's key (<see cref="StorytellerKey"/>) and who has withdrawn
/// and when. Written by <c>storyweave export-keys</c>, read by <c>storyweave restore --keys</c>. A withdrawn person
/// has no key here, so their part of any backup cannot be read with this list (decision 0009).
/// </summary>
public sealed record StorytellerKeyList(IReadOnlyDictionary<int, byte[]> Keys, IReadOnlyDictionary<int, DateTime> Withdrawn)
{
    public const string FormatName = "storyweave-storyteller-keys";
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>No keys at all: a restore with it brings every storyteller back as withdrawn.</summary>
    public static StorytellerKeyList Empty { get; } = new(new Dictionary<int, byte[]>(), new Dictionary<int, DateTime>());

    private sealed record FileKey(int StorytellerId, string Key);
    private sealed record FileWithdrawal(int StorytellerId, DateTime At);
    private sealed record FileContent(string Format, int FormatVersion, DateTime CreatedAt, List<FileKey> Keys, List<FileWithdrawal> Withdrawn);

    /// <summary>Gives every storyteller who has not withdrawn a key, in one transaction. Returns how many were new.</summary>
    public static async Task<int> EnsureKeysAsync(StoryweaveDb db, TimeProvider clock, CancellationToken ct)
    {
        var missing = await db.Storytellers.Where(s => s.WithdrawnAt == null && !db.StorytellerKeys.Any(k => k.StorytellerId == s.Id)).Select(s => s.Id).ToListAsync(ct);
        foreach (var id in missing)
            db.StorytellerKeys.Add(new StorytellerKey { StorytellerId = id, Key = BackupSealing.NewKey(), CreatedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        return missing.Count;
    }

    /// <summary>Writes the current key list to <paramref name="path"/> (mode 600; written aside and renamed when complete).</summary>
    public static async Task<(int Keys, int Withdrawn)> ExportAsync(StoryweaveDb db, TimeProvider clock, string path, CancellationToken ct)
    {
        await EnsureKeysAsync(db, clock, ct);
        var keys = await db.StorytellerKeys.AsNoTracking().OrderBy(k => k.StorytellerId).ToListAsync(ct);
        var withdrawn = await db.Storytellers.AsNoTracking().Where(s => s.WithdrawnAt != null).OrderBy(s => s.Id)
            .Select(s => new FileWithdrawal(s.Id, s.WithdrawnAt!.Value)).ToListAsync(ct);
        var content = new FileContent(FormatName, FormatVersion, clock.GetUtcNow().UtcDateTime,
            keys.Select(k => new FileKey(k.StorytellerId, Convert.ToBase64String(k.Key))).ToList(), withdrawn);
        path = Path.GetFullPath(path);
        if (Path.GetDirectoryName(path) is { } folder && !Directory.Exists(folder)) DataFolder.CreatePrivate(folder);
        var partial = path + ".partial";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = DataFolder.PrivateFile;
        await using (var stream = new FileStream(partial, options))
            await JsonSerializer.SerializeAsync(stream, content, Json, ct);
        File.Move(partial, path, overwrite: true);
        return (keys.Count, withdrawn.Count);
    }

    /// <summary>Reads a key list, with a message for the person restoring when it is missing or not a key list.</summary>
    public static async Task<StorytellerKeyList> ReadAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
            throw new RestoreException($"There is no key list at {Path.GetFullPath(path)}. Give the file written by 'storyweave export-keys', or --without-keys to restore every storyteller as withdrawn.");
        FileContent? content;
        try
        {
            await using var stream = File.OpenRead(path);
            content = await JsonSerializer.DeserializeAsync<FileContent>(stream, Json, ct);
        }
        catch (JsonException)
        {
            content = null;
        }
        if (content?.Format != FormatName || content.Keys is null)
            throw new RestoreException($"{Path.GetFileName(path)} is not a Storyweave key list (the file written by 'storyweave export-keys').");
        if (content.FormatVersion > FormatVersion)
            throw new RestoreException("This key list was written by a newer Storyweave. Upgrade Storyweave first.");
        var keys = new Dictionary<int, byte[]>();
        foreach (var k in content.Keys)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(k.Key);
            }
            catch (FormatException)
            {
                key = [];
            }
            if (key.Length != BackupSealing.KeyLength)
                throw new RestoreException($"The key list is damaged: the key of storyteller {k.StorytellerId} is not a 256-bit key. Use an undamaged copy.");
            keys[k.StorytellerId] = key;
        }
        return new StorytellerKeyList(keys, (content.Withdrawn ?? []).ToDictionary(w => w.StorytellerId, w => w.At));
    }
}
