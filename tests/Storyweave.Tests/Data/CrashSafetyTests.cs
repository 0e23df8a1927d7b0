using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Storyweave.Tests.Data;

public sealed class CrashSafetyTests
{
    [Fact]
    public async Task Sigkill_during_sqlite_writes_leaves_a_database_that_passes_integrity_check_and_keeps_every_acknowledged_write()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "storyweave-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var added = await CliRunner.RunAsync(["user", "add", "--email", "crash@example.org", "--name", "Crash Tester", "--role", "admin", "--data-dir", dataDir, "--password-stdin"], stdin: "crash test passphrase\n");
            Assert.True(added.ExitCode == 0, added.Stderr);
            var token = (await CliRunner.RunAsync(["token", "create", "--email", "crash@example.org", "--data-dir", dataDir])).LastLine;

            var port = CliRunner.FreePort();
            using var server = Process.Start(CliRunner.StartInfo(["serve", "--data-dir", dataDir, "--urls", $"http://127.0.0.1:{port}", "--no-sample"]))!;
            server.StandardInput.Close();
            _ = server.StandardOutput.ReadToEndAsync();
            _ = server.StandardError.ReadToEndAsync();
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            await CliRunner.WaitUntilUpAsync(client);

            var acknowledged = new ConcurrentBag<int>();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var response = await client.PostAsJsonAsync("/api/projects", new { name = $"Crash {w}-{i}", description = new string('x', 2000) });
                        if (response.StatusCode == HttpStatusCode.Created)
                            acknowledged.Add((int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
                    }
                    catch (HttpRequestException) { return; }
                    catch (TaskCanceledException) { return; }
                }
            })).ToList();

            // Let writes pile up, then kill -9 in the middle of them.
            while (acknowledged.Count < 40) await Task.Delay(20);
            server.Kill(); // SIGKILL on Linux: no shutdown code runs
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            SqliteConnection.ClearAllPools();

            await using var conn = new SqliteConnection($"Data Source={Path.Combine(dataDir, "storyweave.db")};Pooling=False");
            await conn.OpenAsync();
            await using (var check = conn.CreateCommand())
            {
                check.CommandText = "PRAGMA integrity_check";
                Assert.Equal("ok", await check.ExecuteScalarAsync());
            }
            var stored = new HashSet<int>();
            await using (var read = conn.CreateCommand())
            {
                read.CommandText = "SELECT Id FROM Projects";
                await using var reader = await read.ExecuteReaderAsync();
                while (await reader.ReadAsync()) stored.Add(reader.GetInt32(0));
            }
            Assert.Subset(stored, acknowledged.ToHashSet());
            // Each project has its creation event: no half-written project.
            await using (var orphan = conn.CreateCommand())
            {
                orphan.CommandText = "SELECT COUNT(*) FROM Projects p WHERE NOT EXISTS (SELECT 1 FROM ProjectEvents e WHERE e.ProjectId = p.Id AND e.Action = 'project.created')";
                Assert.Equal(0L, await orphan.ExecuteScalarAsync());
            }
            await conn.CloseAsync();

            var reopened = await CliRunner.RunAsync(["migrate", "--data-dir", dataDir]);
            Assert.True(reopened.ExitCode == 0, reopened.Stderr);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }
}
