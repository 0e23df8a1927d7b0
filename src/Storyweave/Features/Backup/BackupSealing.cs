using System.Security.Cryptography;
using System.Text;

namespace Storyweave.Features.Backup;

/// <summary>
/// Seals a backup's rows and files with the keys of the storytellers they belong to (crypto-shredding, decision 0009).
/// <list type="bullet">
/// <item>Key: HKDF-SHA256 over the owners' 256-bit keys in id order, with the owners' ids and the use as context.
/// Something that belongs to several people (a group recording) needs every one of their keys: once any of them
/// withdraws, it cannot be read from an earlier backup.</item>
/// <item>A row: AES-256-GCM with a random 12-byte nonce; the entity's name and the owners are authenticated with it,
/// so a sealed row cannot be moved to another table or another person. Stored as base64 of nonce, tag, ciphertext.</item>
/// <item>A file: the chunked stream of <see cref="BackupCrypto"/> under the derived key.</item>
/// </list>
/// </summary>
public static class BackupSealing
{
    public const int KeyLength = 32;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyLength);

    /// <summary>The key for something owned by <paramref name="owners"/> (ids in ascending order), or null when any of their keys is gone.</summary>
    public static byte[]? KeyFor(IReadOnlyList<int> owners, IReadOnlyDictionary<int, byte[]> keys, string use)
    {
        if (owners.Count == 0) throw new ArgumentException("Nothing is sealed without an owner.", nameof(owners));
        var material = new byte[owners.Count * KeyLength];
        for (var i = 0; i < owners.Count; i++)
        {
            if (!keys.TryGetValue(owners[i], out var key) || key.Length != KeyLength) return null;
            key.CopyTo(material, i * KeyLength);
        }
        var derived = HKDF.DeriveKey(HashAlgorithmName.SHA256, material, KeyLength, salt: null,
            info: Encoding.UTF8.GetBytes($"storyweave-backup-seal|{use}|{string.Join(",", owners)}"));
        CryptographicOperations.ZeroMemory(material);
        return derived;
    }

    public static string Seal(byte[] key, string plain, string context)
    {
        var data = Encoding.UTF8.GetBytes(plain);
        var sealedBytes = new byte[12 + 16 + data.Length];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using (var aes = new AesGcm(key, 16))
            aes.Encrypt(sealedBytes.AsSpan(0, 12), data, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), Encoding.UTF8.GetBytes(context));
        CryptographicOperations.ZeroMemory(data);
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>Opens a sealed row; null when the key does not open it (a key list from another instance, or a changed backup).</summary>
    public static string? Open(byte[] key, string sealedText, string context)
    {
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(sealedText);
        }
        catch (FormatException)
        {
            return null;
        }
        if (sealedBytes.Length < 28) return null;
        var plain = new byte[sealedBytes.Length - 28];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes(context));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        return Encoding.UTF8.GetString(plain);
    }
}
