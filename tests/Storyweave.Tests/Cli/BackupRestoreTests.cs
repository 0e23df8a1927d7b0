using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Hosting;

namespace Storyweave.Tests.Cli;

public sealed class BackupRestoreTests
{
    private sealed record Snapshot(List<string> Projects, List<string> Members, List<string> Events, List<string> Users, List<string> Cues,
        List<string> Storytellers, List<string> Passages, List<string> Consent, List<string> Media);

    private static Task<Snapshot> SnapshotAsync(TestApp app) => app.WithDbAsync(async db => new Snapshot(
        (await db.Projects.OrderBy(p => p.Id).ToListAsync()).Select(p => $"{p.Id}|{p.Name}|{p.Slug}|{p.ConversationStarter}|{p.StartDate}|{p.ArchivedAt:O}|{p.CreatedAt:O}").ToList(),
        (await db.ProjectMembers.OrderBy(m => m.ProjectId).ThenBy(m => m.UserId).ToListAsync()).Select(m => $"{m.ProjectId}|{m.UserId}|{m.Role}|{m.AddedAt:O}").ToList(),
        (await db.Events.OrderBy(e => e.Id).ToListAsync()).Select(e => $"{e.Id}|{e.ProjectId}|{e.ActorUserId}|{e.Action}|{e.ObjectId}|{e.Detail}|{e.OccurredAt:O}").ToList(),
        (await db.Users.OrderBy(u => u.Id).ToListAsync()).Select(u => $"{u.Id}|{u.Email}|{u.PasswordHash}|{u.IsAdmin}|{u.DisplayName}").ToList(),
        (await db.TranscriptCues.OrderBy(c => c.Id).ToListAsync()).Select(c => $"{c.Id}|{c.StoryId}|{c.Position}|{c.StartSeconds}|{c.Speaker}|{c.Text}").ToList(),
        (await db.Storytellers.OrderBy(s => s.Id).ToListAsync()).Select(s => $"{s.Id}|{s.Name}|{s.Email}|{s.SelfDescription}|{s.AccessNeeds}|{s.WithdrawnAt:O}").ToList(),
        (await db.Passages.OrderBy(p => p.Id).ToListAsync()).Select(p => $"{p.Id}|{p.StoryId}|{p.StartOffset}|{p.EndOffset}|{p.Snippet}").ToList(),
        (await db.ConsentRecords.OrderBy(c => c.Id).ToListAsync()).Select(c => $"{c.Id}|{c.StorytellerId}|{c.Analysis}|{c.Quotes}").ToList(),
        (await db.MediaFiles.OrderBy(m => m.Id).ToListAsync()).Select(m => $"{m.Id}|{m.StoryId}|{m.StoredName}|{m.Sha256}").ToList()));

    [Fact]
    public async Task Backup_then_restore_into_an_empty_folder_gives_the_same_projects_members_event_log_and_files()
    {
        await using var source = await TestApp.StartAsync(seedSample: true);
        var lead = await source.CreateUserAsync(name: "Lena Lead");
        var viewer = await source.CreateUserAsync(name: "Vic Viewer");
        var projectId = await source.CreateProjectAsync(lead, "Backed-up project");
        await source.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        await source.WithServiceAsync<ProjectService, bool>(async s => { await s.SetArchivedAsync(projectId, true, lead.Id); return true; });
        var mediaFile = Path.Combine(source.DataDir, "media", "1", "recording.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(mediaFile)!);
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        await File.WriteAllBytesAsync(mediaFile, bytes);
        var before = await SnapshotAsync(source);

        var backupFile = Path.Combine(Path.GetTempPath(), $"sw-backup-{Guid.NewGuid():N}.zip");
        var keysFile = Path.Combine(Path.GetTempPath(), $"sw-keys-{Guid.NewGuid():N}.json");
        try
        {
            var backup = await CliRunner.RunAsync(["backup", "--out", backupFile, .. CliRunner.InstanceArgs(source.Options)]);
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            Assert.Contains("Backup complete", backup.Stdout, StringComparison.Ordinal);
            Assert.False(File.Exists(backupFile + ".partial"));
            var export = await CliRunner.RunAsync(["export-keys", "--out", keysFile, .. CliRunner.InstanceArgs(source.Options)]);
            Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
            Assert.NotEmpty(before.Storytellers); // the sample's storytellers: their content is sealed in the backup

            var (target, pgDatabase) = await TestApp.NewInstanceOptionsAsync();
            try
            {
                // Without the key list the restore stops before anything is written, and says what to give.
                var withoutKeys = await CliRunner.RunAsync(["restore", backupFile, .. CliRunner.InstanceArgs(target)]);
                Assert.Equal(2, withoutKeys.ExitCode);
                Assert.Contains("--keys FILE", withoutKeys.Stderr, StringComparison.Ordinal);
                Assert.Contains("storyweave export-keys", withoutKeys.Stderr, StringComparison.Ordinal);
                var missingKeys = await CliRunner.RunAsync(["restore", backupFile, "--keys", keysFile + ".missing", .. CliRunner.InstanceArgs(target)]);
                Assert.Equal(2, missingKeys.ExitCode);
                Assert.Contains("There is no key list at", missingKeys.Stderr, StringComparison.Ordinal);
                await File.WriteAllTextAsync(keysFile + ".bad", "{\"hello\": 1}");
                var notKeys = await CliRunner.RunAsync(["restore", backupFile, "--keys", keysFile + ".bad", .. CliRunner.InstanceArgs(target)]);
                Assert.Equal(2, notKeys.ExitCode);
                Assert.Contains("is not a Storyweave key list", notKeys.Stderr, StringComparison.Ordinal);

                var restore = await CliRunner.RunAsync(["restore", backupFile, "--keys", keysFile, .. CliRunner.InstanceArgs(target)]);
                Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
                Assert.DoesNotContain("withdrew after this backup", restore.Stdout, StringComparison.Ordinal);

                await using var restored = await TestApp.StartAsync(configure: o => o with { DataDir = target.DataDir, Postgres = target.Postgres }, withAdmin: false);
                var after = await SnapshotAsync(restored);
                Assert.Equal(before.Projects, after.Projects);
                Assert.Equal(before.Members, after.Members);
                Assert.Equal(before.Events, after.Events);
                Assert.Equal(before.Users, after.Users);
                Assert.Equal(before.Cues, after.Cues);
                Assert.Equal(before.Storytellers, after.Storytellers);
                Assert.Equal(before.Passages, after.Passages);
                Assert.Equal(before.Consent, after.Consent);
                Assert.Equal(before.Media, after.Media);
                foreach (var m in await source.WithDbAsync(db => db.MediaFiles.Select(m => new { m.ProjectId, m.StoredName }).ToListAsync()))
                    Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source.DataDir, "media", $"{m.ProjectId}", m.StoredName)),
                        await File.ReadAllBytesAsync(Path.Combine(target.DataDir, "media", $"{m.ProjectId}", m.StoredName)));
                Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(target.DataDir, "media", "1", "recording.bin")));
                // The restored instance keeps working: sign-in with the old password, and new rows get fresh ids.
                await restored.SignInAsync(lead);
                var newProject = await restored.CreateProjectAsync(lead, "After restore");
                Assert.True(newProject > projectId);

                // Restoring twice into the same instance is refused, and nothing is lost.
                var again = await CliRunner.RunAsync(["restore", backupFile, .. CliRunner.InstanceArgs(target)]);
                Assert.Equal(2, again.ExitCode);
                Assert.Contains("already holds data", again.Stderr, StringComparison.Ordinal);
            }
            finally
            {
                if (pgDatabase is not null) await TestApp.DropPostgresDatabaseAsync(pgDatabase);
            }
        }
        finally
        {
            File.Delete(backupFile);
            foreach (var f in new[] { keysFile, keysFile + ".bad" }) File.Delete(f);
        }
    }

    /// <summary>Restored with --without-keys (the key list lost): every storyteller comes back as withdrawn, without their stories; nothing crashes.</summary>
    [Fact]
    public async Task A_backup_restored_without_its_key_list_brings_every_storyteller_back_as_withdrawn()
    {
        await using var source = await TestApp.StartAsync(seedSample: true);
        var tellers = await source.WithDbAsync(db => db.Storytellers.CountAsync());
        Assert.True(tellers > 0);
        // Only turns no storyteller spoke stay readable: in group stories, those whose speaker is linked to nobody (the reporter's).
        var unattributed = await source.WithDbAsync(async db =>
        {
            var group = await db.StoryStorytellers.GroupBy(x => x.StoryId).Where(g => g.Count() > 1).Select(g => g.Key).ToListAsync();
            var linked = await db.SpeakerLabels.Where(l => l.StorytellerId != null).Select(l => l.StoryId + "|" + l.Label).ToListAsync();
            return (await db.TranscriptCues.Where(c => group.Contains(c.StoryId)).Select(c => new { c.StoryId, c.Speaker, c.Text }).ToListAsync())
                .Where(c => !linked.Contains(c.StoryId + "|" + c.Speaker)).Select(c => c.Text).Order().ToList();
        });
        var backupFile = Path.Combine(Path.GetTempPath(), $"sw-backup-{Guid.NewGuid():N}.zip");
        var (target, pgDatabase) = await TestApp.NewInstanceOptionsAsync();
        try
        {
            var backup = await CliRunner.RunAsync(["backup", "--out", backupFile, .. CliRunner.InstanceArgs(source.Options)]);
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            var both = await CliRunner.RunAsync(["restore", backupFile, "--keys", backupFile, "--without-keys", .. CliRunner.InstanceArgs(target)]);
            Assert.Equal(1, both.ExitCode);
            Assert.Contains("not both", both.Stderr, StringComparison.Ordinal);
            var restore = await CliRunner.RunAsync(["restore", backupFile, "--without-keys", .. CliRunner.InstanceArgs(target)]);
            Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
            Assert.Contains($"{tellers} storyteller(s) withdrew after this backup was made", restore.Stdout, StringComparison.Ordinal);

            await using var restored = await TestApp.StartAsync(configure: o => o with { DataDir = target.DataDir, Postgres = target.Postgres }, withAdmin: false);
            var people = await restored.WithDbAsync(db => db.Storytellers.ToListAsync());
            Assert.Equal(tellers, people.Count);
            Assert.All(people, p => { Assert.NotNull(p.WithdrawnAt); Assert.Equal(Storyweave.Features.Withdrawal.WithdrawalService.WithdrawnName, p.Name); Assert.Null(p.Email); });
            Assert.Equal(unattributed, (await restored.WithDbAsync(db => db.TranscriptCues.Select(c => c.Text).ToListAsync())).Order().ToList());
            Assert.Equal(0, await restored.WithDbAsync(db => db.MediaFiles.CountAsync()));
            // Search reads the lines where they are: only the turns that came back are in its index, with their places.
            Assert.Equal(0, await restored.WithDbAsync(db => db.SearchEntries.CountAsync(e => e.Kind == Storyweave.Features.Search.SearchKind.Cue)));
            foreach (var story in await restored.WithDbAsync(db => db.TranscriptCues.GroupBy(c => c.StoryId).Select(g => g.Key).ToListAsync()))
            {
                var lines = await restored.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == story).OrderBy(c => c.Position).ToListAsync());
                Assert.Equal(lines.Select((c, i) => lines.Take(i).Sum(l => l.Text.Length + 1)), lines.Select(c => c.StartOffset));
            }
            Assert.True(await restored.WithDbAsync(db => db.Projects.AnyAsync())); // the rest of the instance is back
        }
        finally
        {
            File.Delete(backupFile);
            if (pgDatabase is not null) await TestApp.DropPostgresDatabaseAsync(pgDatabase);
        }
    }

    [Fact]
    public async Task A_file_that_is_not_a_backup_is_refused_with_a_clear_message()
    {
        var (target, pgDatabase) = await TestApp.NewInstanceOptionsAsync();
        var notBackup = Path.Combine(Path.GetTempPath(), $"sw-not-backup-{Guid.NewGuid():N}.zip");
        try
        {
            await File.WriteAllTextAsync(notBackup, "hello");
            var result = await CliRunner.RunAsync(["restore", notBackup, .. CliRunner.InstanceArgs(target)]);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("not a Storyweave backup", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(notBackup);
            if (pgDatabase is not null) await TestApp.DropPostgresDatabaseAsync(pgDatabase);
        }
    }

    [Theory]
    [InlineData("../evil.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("media/../../evil.txt")]
    [InlineData("C:/windows/evil.txt")]
    public void Backup_entries_cannot_escape_the_data_folder(string name)
    {
        var error = Assert.Throws<Storyweave.Features.Backup.RestoreException>(() => Storyweave.Features.Backup.BackupService.SafeRelativePath(name));
        Assert.Contains("unsafe file name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backup_entries_inside_the_data_folder_are_kept()
    {
        Assert.Equal(Path.Combine("media", "1", "a.mp4"), Storyweave.Features.Backup.BackupService.SafeRelativePath("media/1/a.mp4"));
    }

    [Fact]
    public async Task An_old_sqlite_database_is_copied_aside_before_it_is_migrated()
    {
        if (TestApp.PostgresServer is not null)
        {
            // PostgreSQL never migrates implicitly: serve refuses and names the command.
            var (options, pgDatabase) = await TestApp.NewInstanceOptionsAsync();
            try
            {
                var serve = await CliRunner.RunAsync(["serve", "--urls", "http://127.0.0.1:0", .. CliRunner.InstanceArgs(options)], timeoutSeconds: 60);
                Assert.Equal(2, serve.ExitCode);
                Assert.Contains("storyweave migrate", serve.Stderr, StringComparison.Ordinal);
            }
            finally
            {
                if (pgDatabase is not null) await TestApp.DropPostgresDatabaseAsync(pgDatabase);
            }
            return;
        }
        var dataDir = Path.Combine(Path.GetTempPath(), "storyweave-tests", Guid.NewGuid().ToString("N"));
        try
        {
            // A database from an older version: it holds data but none of the current migrations.
            Directory.CreateDirectory(dataDir);
            var dbPath = Path.Combine(dataDir, "storyweave.db");
            await using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dbPath};Pooling=False"))
            {
                await conn.OpenAsync();
                await using var cmd = conn.CreateCommand();
                cmd.CommandText = "CREATE TABLE OldData (Note TEXT); INSERT INTO OldData VALUES ('kept safe');";
                await cmd.ExecuteNonQueryAsync();
            }
            var result = await CliRunner.RunAsync(["migrate", "--data-dir", dataDir]);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Contains("Saved a copy of the database before updating it", result.Stdout, StringComparison.Ordinal);
            var copy = Assert.Single(Directory.GetFiles(Path.Combine(dataDir, "backups"), "storyweave-*-before-migrate.db"));
            await using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False"))
            {
                await conn.OpenAsync();
                await using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT Note FROM OldData";
                Assert.Equal("kept safe", await cmd.ExecuteScalarAsync());
            }
            // A brand-new database needs no copy.
            var fresh = Path.Combine(Path.GetTempPath(), "storyweave-tests", Guid.NewGuid().ToString("N"));
            var created = await CliRunner.RunAsync(["migrate", "--data-dir", fresh]);
            Assert.DoesNotContain("Saved a copy", created.Stdout, StringComparison.Ordinal);
            Directory.Delete(fresh, recursive: true);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
