using Microsoft.EntityFrameworkCore;

namespace Storyweave.Tests.Cli;

/// <summary>
/// Backups hold the data-protection keys, password hashes and every story: they are written readable by this
/// user only, can be encrypted with a passphrase, and a restore never leaves a key or a story readable by others.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BackupProtectionTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    private static async Task<(TestApp Source, string Folder)> SourceAsync()
    {
        var source = await TestApp.StartAsync();
        var lead = await source.CreateUserAsync(name: "Lena Lead");
        await source.CreateProjectAsync(lead, "Protected project");
        var folder = Path.Combine(Path.GetTempPath(), $"sw-backups-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return (source, folder);
    }

    private static async Task<string> PassphraseFileAsync(string folder, string passphrase)
    {
        var path = Path.Combine(folder, "passphrase.txt");
        await File.WriteAllTextAsync(path, passphrase + "\n");
        return path;
    }

    [Fact]
    public async Task A_backup_is_readable_by_its_owner_only_and_a_restore_keeps_files_private_at_once()
    {
        var (source, folder) = await SourceAsync();
        await using var _ = source;
        try
        {
            // A file in the data folder readable by everyone (as a careless copy leaves it); the keys are in the database.
            var planted = Path.Combine(source.DataDir, "media", "0", "recording.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(planted)!);
            await File.WriteAllBytesAsync(planted, [1, 2, 3]);
            File.SetUnixFileMode(planted, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var backupFile = Path.Combine(folder, "new-folder", "plain.zip");
            var backup = await CliRunner.RunAsync(["backup", "--out", backupFile, .. CliRunner.InstanceArgs(source.Options)]);
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            Assert.Equal(Private, File.GetUnixFileMode(backupFile));
            Assert.Equal(PrivateFolder, File.GetUnixFileMode(Path.GetDirectoryName(backupFile)!));
            Assert.Contains("not encrypted", backup.Stdout, StringComparison.Ordinal);

            var (target, pg) = await TestApp.NewInstanceOptionsAsync();
            try
            {
                var restore = await CliRunner.RunAsync(["restore", backupFile, .. CliRunner.InstanceArgs(target)]);
                Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
                // Straight after the restore, before any start: every restored file 600, every folder 700.
                Assert.True(File.Exists(Path.Combine(target.DataDir, "media", "0", "recording.bin")));
                foreach (var file in Directory.EnumerateFiles(target.DataDir, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith("storyweave.db", StringComparison.Ordinal)))
                    Assert.True(File.GetUnixFileMode(file) == Private, $"{file} is {File.GetUnixFileMode(file)}");
                foreach (var dir in Directory.EnumerateDirectories(target.DataDir, "*", SearchOption.AllDirectories))
                    Assert.True(File.GetUnixFileMode(dir) == PrivateFolder, $"{dir} is {File.GetUnixFileMode(dir)}");
            }
            finally
            {
                if (pg is not null) await TestApp.DropPostgresDatabaseAsync(pg);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_encrypted_backup_restores_with_its_passphrase_and_is_refused_clearly_without_it_with_another_or_when_changed()
    {
        var (source, folder) = await SourceAsync();
        await using var _ = source;
        try
        {
            var passphrase = await PassphraseFileAsync(folder, "correct horse battery staple garden");
            var backupFile = Path.Combine(folder, "encrypted.swbackup");
            var tooShort = await CliRunner.RunAsync(["backup", "--out", backupFile, .. CliRunner.InstanceArgs(source.Options)], env: new Dictionary<string, string?> { ["STORYWEAVE_BACKUP_PASSPHRASE"] = "short" });
            Assert.NotEqual(0, tooShort.ExitCode);
            Assert.Contains("at least 12 characters", tooShort.Stderr, StringComparison.Ordinal);

            var backup = await CliRunner.RunAsync(["backup", "--out", backupFile, "--passphrase-file", passphrase, .. CliRunner.InstanceArgs(source.Options)]);
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            Assert.Equal(Private, File.GetUnixFileMode(backupFile));
            var bytes = await File.ReadAllBytesAsync(backupFile);
            Assert.Equal("SWBKENC1"u8.ToArray(), bytes[..8]);
            // Nothing readable inside: no ZIP entry names, no project name, no email.
            var text = System.Text.Encoding.Latin1.GetString(bytes);
            Assert.DoesNotContain("storyweave-backup.json", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Protected project", text, StringComparison.Ordinal);

            async Task<CliRunner.Outcome> RestoreAsync(string file, params string[] extra)
            {
                var (target, pg) = await TestApp.NewInstanceOptionsAsync();
                try
                {
                    var outcome = await CliRunner.RunAsync(["restore", file, .. extra, .. CliRunner.InstanceArgs(target)]);
                    if (outcome.ExitCode == 0)
                    {
                        await using var restored = await TestApp.StartAsync(configure: o => o with { DataDir = target.DataDir, Postgres = target.Postgres }, withAdmin: false);
                        Assert.True(await restored.WithDbAsync(db => db.Projects.AnyAsync(p => p.Name == "Protected project")));
                    }
                    else
                    {
                        // A refused restore leaves no decrypted copy behind.
                        Assert.Empty(TestApp.ScratchFiles(Path.Combine(target.DataDir, "tmp")));
                    }
                    return outcome;
                }
                finally
                {
                    if (pg is not null) await TestApp.DropPostgresDatabaseAsync(pg);
                }
            }

            var without = await RestoreAsync(backupFile);
            Assert.NotEqual(0, without.ExitCode);
            Assert.Contains("This backup is encrypted. Give its passphrase", without.Stderr, StringComparison.Ordinal);

            var wrong = await RestoreAsync(backupFile, "--passphrase-file", await PassphraseFileAsync(folder, "not the right passphrase at all"));
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("not the passphrase this backup was made with", wrong.Stderr, StringComparison.Ordinal);

            var changed = Path.Combine(folder, "changed.swbackup");
            var altered = bytes.ToArray();
            altered[bytes.Length / 2] ^= 0x01;
            await File.WriteAllBytesAsync(changed, altered);
            var tampered = await RestoreAsync(changed, "--passphrase-file", await PassphraseFileAsync(folder, "correct horse battery staple garden"));
            Assert.NotEqual(0, tampered.ExitCode);
            Assert.Contains("damaged or has been changed", tampered.Stderr, StringComparison.Ordinal);

            var cut = Path.Combine(folder, "cut.swbackup");
            await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length - 20)]);
            var truncated = await RestoreAsync(cut, "--passphrase-file", await PassphraseFileAsync(folder, "correct horse battery staple garden"));
            Assert.NotEqual(0, truncated.ExitCode);
            Assert.Contains("cut short", truncated.Stderr, StringComparison.Ordinal);

            var right = await RestoreAsync(backupFile, "--passphrase-file", await PassphraseFileAsync(folder, "correct horse battery staple garden"));
            Assert.True(right.ExitCode == 0, right.Stdout + right.Stderr);
            Assert.Contains("decrypted and checked", right.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
