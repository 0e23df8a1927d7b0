using System.Diagnostics;

namespace Storyweave.Testing;

/// <summary>
/// Debian's nginx (test.sh installs it) started by a test as a load balancer on a free loopback port, with a generated
/// configuration: an upstream of the given nodes, sticky by client address (SignalR's negotiate and WebSocket requests
/// must reach the same node), the WebSocket upgrade headers and the forwarded headers — the example in
/// docs/operations.md "More than one node". Stopped and its folder deleted on dispose.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private NginxProxy(Process process, string folder, string baseUrl)
    {
        _process = process;
        _folder = folder;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    private static readonly string[] Places = ["/usr/sbin/nginx", "/usr/bin/nginx"];

    public static Task<NginxProxy> StartAsync(params string[] nodeBaseUrls) => StartAsync(sticky: true, nodeBaseUrls);

    /// <param name="sticky">By client address (<c>ip_hash</c>, as live boards need); false shares requests out in turn
    /// (round robin), which the public-page benchmark uses: on loopback every client has the same address.</param>
    public static async Task<NginxProxy> StartAsync(bool sticky, params string[] nodeBaseUrls)
    {
        var nginx = Places.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed: test.sh installs it (apt-get install nginx).");
        var folder = Path.Combine(Path.GetTempPath(), "storyweave-nginx-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var port = CliRunner.FreePort();
        var servers = string.Concat(nodeBaseUrls.Select(u => $"    server {new Uri(u).Authority};\n"));
        var config = $$"""
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 512; }
            http {
              access_log off;
              client_body_temp_path {{folder}}/body;
              proxy_temp_path {{folder}}/proxy;
              fastcgi_temp_path {{folder}}/fastcgi;
              uwsgi_temp_path {{folder}}/uwsgi;
              scgi_temp_path {{folder}}/scgi;
              map $http_upgrade $connection_upgrade { default upgrade; '' {{(sticky ? "close" : "''")}}; }
              upstream storyweave {
                {{(sticky ? "ip_hash;" : "keepalive 64;")}}
            {{servers}}  }
              server {
                listen 127.0.0.1:{{port}};
                client_max_body_size 0;
                location / {
                  proxy_pass http://storyweave;
                  proxy_http_version 1.1;
                  proxy_set_header Upgrade $http_upgrade;
                  proxy_set_header Connection $connection_upgrade;
                  proxy_set_header Host $host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  proxy_read_timeout 1h;
                  proxy_buffering off;
                  proxy_request_buffering off;
                }
              }
            }
            """;
        var configPath = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var process = Process.Start(new ProcessStartInfo(nginx)
        {
            ArgumentList = { "-p", folder, "-c", configPath, "-g", "daemon off;" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var proxy = new NginxProxy(process, folder, $"http://127.0.0.1:{port}");
        // Ready when it answers on its port (any answer: the nodes answer through it).
        using var probe = new HttpClient();
        for (var i = 0; ; i++)
        {
            if (process.HasExited)
            {
                var log = File.Exists(Path.Combine(folder, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "error.log")) : "";
                throw new InvalidOperationException($"nginx stopped at start: {await process.StandardError.ReadToEndAsync()} {log}");
            }
            try
            {
                await probe.GetAsync(proxy.BaseUrl + "/healthz");
                return proxy;
            }
            catch (HttpRequestException) when (i < 100)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // the master and its worker
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
