using System.Diagnostics;

namespace Storyweave.Testing;

/// <summary>Runs the real <c>storyweave</c> binary (the built app) as a child process.</summary>
public static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public string LastLine => Stdout.TrimEnd().Split('\n').Last().Trim();
    }

    public static string AppDll => Path.Combine(AppContext.BaseDirectory, "storyweave.dll");

    /// <summary>A loopback port nothing listens on now, for a server a test starts (the binary, nginx, an SMTP server).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits (up to a minute) until a server started with <c>serve</c> answers its health check.</summary>
    public static async Task WaitUntilUpAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException("The server did not start.");
    }

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(AppDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in new[] { "STORYWEAVE_DATA_DIR", "STORYWEAVE_POSTGRES", "STORYWEAVE_URLS" }) psi.Environment.Remove(name);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        return psi;
    }

    public static async Task<Outcome> RunAsync(IEnumerable<string> args, string? stdin = null, IDictionary<string, string?>? env = null, int timeoutSeconds = 120)
    {
        using var process = Process.Start(StartInfo(args, env))!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await process.WaitForExitAsync(cts.Token);
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The --data-dir/--postgres arguments that point a verb at the given instance.</summary>
    public static List<string> InstanceArgs(Hosting.StoryweaveOptions options)
    {
        var args = new List<string> { "--data-dir", options.DataDir };
        if (options.Postgres is { } pg) { args.Add("--postgres"); args.Add(pg); }
        return args;
    }
}
