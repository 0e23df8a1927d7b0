using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using MimeKit;

namespace Storyweave.Testing;

/// <summary>
/// A real SMTP server for tests: Debian's python3-aiosmtpd (test.sh installs it) on a free loopback port, delivering
/// into a Maildir folder that tests read with MimeKit. It can be stopped and started again on the same port, so a
/// test can queue mail while the server is down.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private Process? _process;
    private static readonly string[] MaildirFolders = ["new", "cur"];

    public int Port { get; } = CliRunner.FreePort();
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "storyweave-smtp", Guid.NewGuid().ToString("N"));

    /// <summary>The site address written into emailed links (tests follow the path part on the test app).</summary>
    public const string SiteUrl = "https://storyweave.example/";

    public static async Task<SmtpTestServer> StartAsync()
    {
        var server = new SmtpTestServer();
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Settings for the app under test: this server, plain SMTP, one-second first retry.</summary>
    public Action<WebApplicationBuilder> Configure => b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Storyweave:Smtp:Host"] = "127.0.0.1",
        ["Storyweave:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Storyweave:Smtp:Security"] = "None",
        ["Storyweave:Smtp:FromAddress"] = "storyweave@storyweave.example",
        ["Storyweave:Smtp:FromName"] = "Storyweave test",
        ["Storyweave:Smtp:SiteUrl"] = SiteUrl,
        ["Storyweave:Smtp:RetrySeconds"] = "1",
    });

    public async Task StartAgainAsync()
    {
        // aiosmtpd's Mailbox makes the Maildir itself but not the folder it sits in.
        Directory.CreateDirectory(Path.GetDirectoryName(Folder)!);
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Folder })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("python3 -m aiosmtpd did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 300; i++)
        {
            if (_process.HasExited) throw new InvalidOperationException($"aiosmtpd stopped at once (exit {_process.ExitCode}): is python3-aiosmtpd installed?");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException("aiosmtpd did not start listening within 30 seconds");
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public IReadOnlyList<MimeMessage> Messages()
    {
        var files = MaildirFolders.Select(d => Path.Combine(Folder, d)).Where(Directory.Exists)
            .SelectMany(Directory.GetFiles).OrderBy(DeliveryOrder).ThenBy(f => f, StringComparer.Ordinal);
        return files.Select(f => MimeMessage.Load(f)).ToList();
    }

    /// <summary>
    /// Python's maildir names a message "{seconds}.M{microseconds}P{pid}Q{counter}.{host}" with the microseconds
    /// not zero-padded, so two messages in the same second do not sort by name: sort by the time as numbers (the
    /// counter restarts when the test server does).
    /// </summary>
    private static (long Seconds, long Microseconds) DeliveryOrder(string path)
    {
        var match = System.Text.RegularExpressions.Regex.Match(Path.GetFileName(path), @"^(\d+)\.M(\d+)P");
        if (!match.Success) return (long.MaxValue, 0);
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return (long.Parse(match.Groups[1].Value, culture), long.Parse(match.Groups[2].Value, culture));
    }

    /// <summary>The first delivered message to <paramref name="to"/> with a subject containing <paramref name="subject"/>, waiting up to a minute.</summary>
    public async Task<MimeMessage> WaitForAsync(string to, string subject, int count = 1)
    {
        for (var i = 0; i < 600; i++)
        {
            var found = Messages().Where(m => m.To.Mailboxes.Any(a => a.Address == to) && (m.Subject ?? "").Contains(subject, StringComparison.Ordinal)).ToList();
            if (found.Count >= count) return found[count - 1];
            await Task.Delay(100);
        }
        throw new TimeoutException($"No email \"{subject}\" reached {to} within a minute ({Messages().Count} messages delivered in all).");
    }

    /// <summary>The Storyweave link in a message's text part, as a path on the test app; also checks the HTML part has it.</summary>
    public static string LinkPath(MimeMessage message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message.TextBody ?? "", @"https://storyweave\.example/\S*");
        if (!match.Success) throw new InvalidOperationException("The email has no Storyweave link:\n" + message.TextBody);
        if (!WebUtility.HtmlDecode(message.HtmlBody ?? "").Contains("href=\"" + match.Value + "\"", StringComparison.Ordinal))
            throw new InvalidOperationException("The HTML part does not carry the same link.");
        return "/" + match.Value[SiteUrl.Length..];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
