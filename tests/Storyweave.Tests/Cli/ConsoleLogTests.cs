using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Storyweave.Tests.Cli;

/// <summary>
/// The server's console says what needs attention: by default one line when it starts and one when it
/// stops, plus warnings; request lines only when an operator asks, and never a secret from a link.
/// </summary>
public sealed class ConsoleLogTests
{
    private static async Task<string> ServeAndStopAsync(Dictionary<string, string?> env)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "storyweave-tests", Guid.NewGuid().ToString("N"));
        try
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            using var server = Process.Start(CliRunner.StartInfo(["serve", "--data-dir", dataDir, "--urls", $"http://127.0.0.1:{port}", "--no-sample"], env))!;
            server.StandardInput.Close();
            var stdout = server.StandardOutput.ReadToEndAsync();
            var stderr = server.StandardError.ReadToEndAsync();
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            for (var up = false; !up;)
            {
                try { up = (await client.GetAsync("/healthz")).IsSuccessStatusCode; }
                catch (HttpRequestException) { await Task.Delay(100); }
            }
            await client.GetAsync("/stories");
            await client.GetAsync("/me/SecretLinkToken0123456789");
            await client.GetAsync("/no-such-page?q=SecretQuery");

            // SIGTERM, as systemd and docker stop a service: the server stops gracefully and says so.
            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await server.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, server.ExitCode);
            return await stdout + await stderr;
        }
        finally
        {
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task By_default_the_console_has_a_start_line_and_a_stop_line_and_no_request_noise()
    {
        var output = await ServeAndStopAsync([]);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("Storyweave is starting at http://127.0.0.1:", StringComparison.Ordinal));
        Assert.Equal("Storyweave has stopped.", lines[^1]);
        Assert.DoesNotContain(lines, l => l.Contains("info:", StringComparison.Ordinal) || l.Contains("Request", StringComparison.Ordinal));
        Assert.True(lines.Length <= 5, output); // created, starting, first-run hint, stopped
    }

    [Fact]
    public async Task Request_lines_are_opt_in_and_name_the_route_not_the_secret()
    {
        var output = await ServeAndStopAsync(new() { ["STORYWEAVE_LOG_REQUESTS"] = "1" });
        Assert.True(output.Contains("GET /stories/ 200", StringComparison.Ordinal), output);
        Assert.Contains("GET /me/{token} ", output, StringComparison.Ordinal);
        Assert.True(output.Contains("GET (no route) 404", StringComparison.Ordinal), output);
        Assert.DoesNotContain("SecretLinkToken", output, StringComparison.Ordinal);
        Assert.DoesNotContain("SecretQuery", output, StringComparison.Ordinal);
        Assert.Equal(1, output.Split('\n').Count(l => l.Contains("/me/{token}", StringComparison.Ordinal))); // one line per request
    }
}
