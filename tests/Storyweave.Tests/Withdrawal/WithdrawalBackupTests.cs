using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Backup;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Tests.Withdrawal;

/// <summary>Issue #15 point 8: a withdrawal reaches backups taken before it (crypto-shredding, decision 0009).</summary>
public sealed partial class WithdrawalTests
{
    /// <summary>
    /// The canary, extended to a backup: taken before the withdrawal, it holds the person's words only sealed with their
    /// key. After the withdrawal (which deletes the key) the key list exported afresh cannot open them: that old backup,
    /// restored into an empty instance, brings the person back as withdrawn, and the word is in none of the restored
    /// rows or files, while the storyteller who stays comes back with their words, passages still on their text.
    /// </summary>
    [Fact]
    public async Task Canary_a_backup_taken_before_a_full_withdrawal_restores_the_person_as_withdrawn_and_without_their_words()
    {
        var c = await CanaryAsync();
        await AssertCanaryIsEverywhereAsync(c);
        var work = Path.Combine(Path.GetTempPath(), $"sw-shred-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        var (target, pgDatabase) = await TestApp.NewInstanceOptionsAsync();
        try
        {
            var backupFile = Path.Combine(work, "before.zip");
            var backup = await CliRunner.RunAsync(["backup", "--out", backupFile, .. CliRunner.InstanceArgs(App.Options)]);
            Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
            Assert.Contains("storyweave export-keys", backup.Stdout, StringComparison.Ordinal);
            // Sealed already: the backup's bytes (every ZIP entry opened) hold neither person's words in the clear.
            Assert.Empty(ScanFolder(work, c.Marker));
            Assert.Empty(ScanFolder(work, c.Other));
            Assert.True(await App.WithDbAsync(db => db.StorytellerKeys.AnyAsync(k => k.StorytellerId == c.PersonId)));

            var outcome = await WithdrawCanaryAsync(c);
            await AssertNoTraceAsync(c, outcome);
            Assert.False(await App.WithDbAsync(db => db.StorytellerKeys.AnyAsync(k => k.StorytellerId == c.PersonId)));

            var keysFile = Path.Combine(work, "keys-after.json");
            var export = await CliRunner.RunAsync(["export-keys", "--out", keysFile, .. CliRunner.InstanceArgs(App.Options)]);
            Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
            var keyList = await StorytellerKeyList.ReadAsync(keysFile, CancellationToken.None);
            Assert.DoesNotContain(c.PersonId, keyList.Keys.Keys);
            Assert.Contains(c.StayingId, keyList.Keys.Keys);
            Assert.Contains(c.PersonId, keyList.Withdrawn.Keys);

            var restore = await CliRunner.RunAsync(["restore", backupFile, "--keys", keysFile, .. CliRunner.InstanceArgs(target)]);
            Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
            Assert.Contains("1 storyteller(s) withdrew after this backup was made", restore.Stdout, StringComparison.Ordinal);

            await using var restored = await TestApp.StartAsync(configure: o => o with { DataDir = target.DataDir, Postgres = target.Postgres }, withAdmin: false);
            // The person: the husk a withdrawal leaves, with the time of the withdrawal from the key list.
            var person = await restored.WithDbAsync(db => db.Storytellers.SingleAsync(s => s.Id == c.PersonId));
            Assert.Equal(WithdrawalService.WithdrawnName, person.Name);
            Assert.Null(person.Email);
            Assert.Equal("", person.SelfDescription);
            Assert.Equal(keyList.Withdrawn[c.PersonId], person.WithdrawnAt);
            Assert.False(await restored.WithDbAsync(db => db.Stories.AnyAsync(s => s.Id == c.SoloId)));
            Assert.False(await restored.WithDbAsync(db => db.StorytellerKeys.AnyAsync(k => k.StorytellerId == c.PersonId)));

            // Nowhere in the restored database's rows, nor in the data folder's bytes.
            Assert.Empty(await RowsHoldingAsync(restored, c.Marker));
            Assert.NotEmpty(await RowsHoldingAsync(restored, c.Other)); // the check sees what should be there
            Assert.Empty(ScanFolder(target.DataDir, c.Marker));

            // The one who stays: their turns, passages on their own words (re-anchored), found by search through the API.
            var api = await restored.ApiClientAsync(c.Lead);
            Assert.Contains(c.Other, await SearchAsync(api, c.ProjectId, c.Other), StringComparison.Ordinal);
            Assert.DoesNotContain(c.Marker, await SearchAsync(api, c.ProjectId, "secret"), StringComparison.Ordinal);
            var (plain, kept) = await restored.WithDbAsync(async db => (
                string.Join("\n", await db.TranscriptCues.Where(x => x.StoryId == c.GroupId).OrderBy(x => x.Position).Select(x => x.Text).ToListAsync()),
                await db.Passages.Where(p => p.StoryId == c.GroupId).ToListAsync()));
            Assert.Contains(c.Other, plain, StringComparison.Ordinal);
            Assert.NotEmpty(kept);
            Assert.All(kept, p => Assert.Equal(p.Snippet, plain[p.StartOffset..p.EndOffset]));
            Assert.Equal(0, await restored.WithDbAsync(db => db.TranscriptCues.Where(x => x.StoryId == c.GroupId).CountAsync(x => x.Position >= 2)));
            var groupPage = await (await restored.SignInAsync(c.Lead)).GetStringAsync($"/projects/{c.ProjectId}/stories/{c.GroupId}");
            Assert.Contains(c.Other, groupPage, StringComparison.Ordinal);
            Assert.DoesNotContain(c.Marker, groupPage, StringComparison.Ordinal);
            var people = await api.GetStringAsync($"/api/projects/{c.ProjectId}/storytellers");
            Assert.DoesNotContain(c.Marker, people, StringComparison.Ordinal);
            output.WriteLine(restore.Stdout);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            if (Directory.Exists(target.DataDir)) Directory.Delete(target.DataDir, recursive: true);
            if (pgDatabase is not null) await TestApp.DropPostgresDatabaseAsync(pgDatabase);
        }
    }

    /// <summary>Every restored row (any table, any column) that holds the word.</summary>
    private static Task<List<string>> RowsHoldingAsync(TestApp app, string word) => app.WithDbAsync(db =>
    {
        var hits = new List<string>();
        foreach (var entity in db.Model.GetEntityTypes().Where(e => !e.IsOwned() && e.GetTableName() is not null))
        {
            var set = (IEnumerable<object>)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(entity.ClrType).Invoke(db, null)!;
            foreach (var row in set)
            {
                var text = string.Join("|", entity.GetProperties().Select(p => p.PropertyInfo?.GetValue(row) is { } v ? JsonSerializer.Serialize(v, v.GetType()) : ""));
                if (text.Contains(word, StringComparison.OrdinalIgnoreCase)) hits.Add($"{entity.ClrType.Name}: {text}");
            }
        }
        return Task.FromResult(hits);
    });
}
