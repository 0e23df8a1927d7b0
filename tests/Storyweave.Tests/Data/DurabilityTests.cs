using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Storyweave.Data;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Data;

/// <summary>
/// Decision 0012: commits are flushed to disk before they are acknowledged, except a coding action's, which is relaxed
/// for its own transaction only. A relaxed commit still survives a killed process and leaves no half state.
/// </summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task A_relaxed_transaction_is_relaxed_only_while_it_lasts_and_every_connection_opens_flushing_every_commit()
    {
        await using var app = await TestApp.StartAsync();
        await app.WithDbAsync(async db =>
        {
            // The test cluster runs with synchronous_commit off for speed; this session asks for PostgreSQL's default.
            await db.Database.OpenConnectionAsync();
            if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync("SET synchronous_commit = on");
            Assert.Equal(Flushing(db), await SettingAsync(db));
            await using (var relaxed = await Durability.BeginRelaxedAsync(db, CancellationToken.None))
            {
                Assert.Equal(db.Database.IsNpgsql() ? "off" : "1", await SettingAsync(db));
                await relaxed.Transaction.CommitAsync();
            }
            Assert.Equal(Flushing(db), await SettingAsync(db));

            // A relaxed transaction that fails half way (here: an error in a statement) leaves nothing relaxed either.
            await using (var failing = await Durability.BeginRelaxedAsync(db, CancellationToken.None))
            {
                await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("SELECT * FROM \"NoSuchTable\""));
            }
            Assert.Equal(Flushing(db), await SettingAsync(db));
            if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync("RESET synchronous_commit");
            await db.Database.CloseConnectionAsync();
            return true;
        });

        if (app.Options.UsesPostgres) return;
        // SQLite's setting belongs to the connection, and connections are pooled: one left relaxed by anything (a crash
        // between the commit and putting the setting back) is set to flush again when it is next opened.
        await app.WithDbAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = OFF");
            await db.Database.CloseConnectionAsync();
            Assert.Equal("2", await SettingAsync(db));
            return true;
        });

        // A relaxed transaction puts the flush back on the connection itself before it returns to the pool: the job
        // engine's store opens connections from the same pool (same connection string) without our interceptor, so a
        // connection it gets must never still be relaxed. Every idle connection is opened at once here, as that store would.
        await app.WithDbAsync(async db =>
        {
            SqliteConnection.ClearAllPools();
            await using (var relaxed = await Durability.BeginRelaxedAsync(db, CancellationToken.None))
                await relaxed.Transaction.CommitAsync();
            var plain = Enumerable.Range(0, 8).Select(_ => new SqliteConnection(db.Database.GetConnectionString())).ToList();
            try
            {
                foreach (var connection in plain)
                {
                    await connection.OpenAsync();
                    await using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA synchronous";
                    Assert.Equal(2L, await command.ExecuteScalarAsync());
                }
            }
            finally
            {
                foreach (var connection in plain) await connection.DisposeAsync();
            }
            return true;
        });
    }

    [Fact]
    public async Task A_relaxed_setting_sent_with_the_first_write_holds_for_that_transaction_only()
    {
        // A coded passage on PostgreSQL sends its relaxed commit setting in the batch that writes its rows (one round trip
        // fewer); it must still be local to that transaction, and a transaction whose write did not take it still commits
        // relaxed. SQLite has no such deferral: its setting is changed around the transaction as before.
        await using var app = await TestApp.StartAsync();
        await app.WithDbAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            var pg = db.Database.IsNpgsql();
            if (pg) await db.Database.ExecuteSqlRawAsync("SET synchronous_commit = on");
            await using (var relaxed = await Durability.BeginRelaxedAsync(db, CancellationToken.None, settingWithFirstWrite: true))
            {
                if (pg)
                {
                    Assert.True(relaxed.SettingPending);
                    Assert.Equal("on", await SettingAsync(db));
                    await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)relaxed.Transaction.GetDbTransaction());
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 1"));
                    Assert.True(relaxed.AddSettingTo(batch));
                    Assert.False(relaxed.AddSettingTo(batch)); // once per transaction
                    Assert.Equal(2, batch.BatchCommands.Count);
                    await batch.ExecuteNonQueryAsync();
                }
                Assert.False(relaxed.SettingPending);
                Assert.Equal(pg ? "off" : "1", await SettingAsync(db));
                await relaxed.CommitAsync(CancellationToken.None);
            }
            Assert.Equal(Flushing(db), await SettingAsync(db));

            // Nothing took the setting: the commit sends it itself, and it ends with the transaction.
            await using (var relaxed = await Durability.BeginRelaxedAsync(db, CancellationToken.None, settingWithFirstWrite: true))
            {
                Assert.Equal(pg, relaxed.SettingPending);
                await relaxed.CommitAsync(CancellationToken.None);
                Assert.False(relaxed.SettingPending);
            }
            Assert.Equal(Flushing(db), await SettingAsync(db));

            // Rolled back before any write: nothing relaxed is left behind.
            await using (var relaxed = await Durability.BeginRelaxedAsync(db, CancellationToken.None, settingWithFirstWrite: true))
                await relaxed.Transaction.RollbackAsync();
            Assert.Equal(Flushing(db), await SettingAsync(db));
            if (pg) await db.Database.ExecuteSqlRawAsync("RESET synchronous_commit");
            await db.Database.CloseConnectionAsync();
            return true;
        });
    }

    [Fact]
    public async Task Killing_the_server_while_passages_are_coded_keeps_every_acknowledged_passage_whole()
    {
        var app = await TestApp.StartAsync();
        Process? server = null;
        try
        {
            var lead = await app.CreateUserAsync(name: "Lee Lead");
            var projectId = await app.CreateProjectAsync(lead);
            var themeId = await app.CreateThemeAsync(projectId, "Being heard");
            var cues = Enumerable.Range(0, 400).Select(i => new TranscriptService.CueInput(i * 10.0, i * 10.0 + 9, "Sam Teller", $"Line {i:D3} of what Sam said about being heard.")).ToList();
            var (storyId, _) = await app.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Sam Teller")], cues);
            var token = await app.CreateTokenAsync(lead);
            await app.StopKeepingDataAsync();
            SqliteConnection.ClearAllPools();

            // The real binary on the same data, killed (SIGKILL: no shutdown code runs) in the middle of coding.
            var port = CliRunner.FreePort();
            var env = new Dictionary<string, string?>();
            if (app.Options.Postgres is { } postgres) env["STORYWEAVE_POSTGRES"] = postgres;
            server = Process.Start(CliRunner.StartInfo(["serve", "--data-dir", app.DataDir, "--urls", $"http://127.0.0.1:{port}", "--no-sample"], env))!;
            server.StandardInput.Close();
            _ = server.StandardOutput.ReadToEndAsync();
            _ = server.StandardError.ReadToEndAsync();
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            await CliRunner.WaitUntilUpAsync(client);

            var lineLength = cues[0].Text!.Length + 1;
            var acknowledged = new ConcurrentBag<int>();
            var next = -1;
            using var stop = new CancellationTokenSource();
            var coders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var line = Interlocked.Increment(ref next);
                    if (line >= cues.Count) return;
                    try
                    {
                        var response = await client.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/passages",
                            new { startOffset = line * lineLength, endOffset = line * lineLength + 8, themeIds = new[] { themeId } });
                        if (response.StatusCode == HttpStatusCode.OK)
                            acknowledged.Add((int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!);
                    }
                    catch (HttpRequestException) { return; }
                    catch (TaskCanceledException) { return; }
                }
            })).ToList();
            for (var i = 0; i < 3000 && acknowledged.Count < 60; i++) await Task.Delay(20);
            Assert.True(acknowledged.Count >= 60, $"Only {acknowledged.Count} passages were coded before the kill.");
            server.Kill();
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(coders);
            SqliteConnection.ClearAllPools();

            if (!app.Options.UsesPostgres)
            {
                await using var conn = new SqliteConnection($"Data Source={Path.Combine(app.DataDir, "storyweave.db")};Pooling=False");
                await conn.OpenAsync();
                await using var check = conn.CreateCommand();
                check.CommandText = "PRAGMA integrity_check";
                Assert.Equal("ok", await check.ExecuteScalarAsync());
            }
            var ids = acknowledged.ToList();
            var stored = await app.WithDbAsync(db => db.Passages.Where(p => ids.Contains(p.Id))
                .Select(p => new { p.Id, Themes = p.Themes.Count(t => t.ThemeId == themeId) }).ToListAsync());
            Assert.Equal(ids.Order(), stored.Select(p => p.Id).Order());
            Assert.All(stored, p => Assert.Equal(1, p.Themes));
            // No half-written passage: every passage in the story has its theme and its "coded" event.
            var events = await app.WithDbAsync(db => db.Events.Where(e => e.ProjectId == projectId && e.Action == "passage.coded").Select(e => e.ObjectId).ToListAsync());
            var all = await app.WithDbAsync(db => db.Passages.Where(p => p.StoryId == storyId).Select(p => new { p.Id, Themes = p.Themes.Count }).ToListAsync());
            Assert.All(all, p => Assert.True(p.Themes == 1 && events.Contains(p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"Passage {p.Id} is half written."));
        }
        finally
        {
            if (server is { HasExited: false }) server.Kill();
            server?.Dispose();
            SqliteConnection.ClearAllPools();
            await app.DisposeAsync();
        }
    }

    private static string Flushing(StoryweaveDb db) => db.Database.IsNpgsql() ? "on" : "2";

    private static async Task<string> SettingAsync(StoryweaveDb db)
    {
        var sql = db.Database.IsNpgsql() ? "SHOW synchronous_commit" : "PRAGMA synchronous";
        var connection = db.Database.GetDbConnection();
        var wasOpen = connection.State == System.Data.ConnectionState.Open;
        if (!wasOpen) await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
        }
        finally
        {
            if (!wasOpen) await db.Database.CloseConnectionAsync();
        }
    }
}
