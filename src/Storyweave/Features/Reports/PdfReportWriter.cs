using Microsoft.Playwright;

namespace Storyweave.Features.Reports;

/// <summary>
/// Prints the report's HTML to PDF with Chromium (Debian's package, never a downloaded browser).
/// Outline turns the headings into PDF bookmarks; Tagged keeps the structure for assistive
/// technology; the text stays selectable. The page loads no network resources: the HTML is
/// self-contained, and every request it might make is refused. Chromium's profile (its cache and session
/// files) and its home (Debian's Chromium keeps crash dumps, which hold page memory, in
/// ~/.config/chromium/Crash Reports for 30 days) are in the job's scratch folder, so they are erased with
/// it, crash or not, instead of being left in the system's /tmp or the service account's home.
/// </summary>
public sealed class PdfReportWriter(ILogger<PdfReportWriter> logger)
{
    /// <summary>Where Chromium is; STORYWEAVE_CHROMIUM overrides the Debian default.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("STORYWEAVE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public const string MissingChromiumMessage =
        "PDF files need the Chromium browser on the server, and it was not found. Ask your administrator to install it (Debian package \"chromium\"); the other formats work without it.";

    public async Task WriteAsync(ReportContent content, string targetPath, string workDir, CancellationToken ct)
    {
        if (!File.Exists(ChromiumPath)) throw new ChromiumMissingException();
        var html = HtmlReportWriter.Write(content);
        using var playwright = await Playwright.CreateAsync();
        var home = Path.Combine(workDir, "chromium-home");
        Directory.CreateDirectory(home);
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        (env["HOME"], env["XDG_CONFIG_HOME"], env["XDG_CACHE_HOME"]) = (home, Path.Combine(home, "config"), Path.Combine(home, "cache"));
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(workDir, "chromium-profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Env = env,
            Headless = true,
            JavaScriptEnabled = false,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        await page.RouteAsync("**/*", route => route.AbortAsync());
        ct.ThrowIfCancellationRequested();
        await page.SetContentAsync(html, new PageSetContentOptions { WaitUntil = WaitUntilState.Load });
        await page.PdfAsync(new PagePdfOptions
        {
            Path = targetPath,
            Format = "A4",
            PrintBackground = true,
            Outline = true,
            Tagged = true,
            DisplayHeaderFooter = false,
            Margin = new Margin { Top = "20mm", Bottom = "20mm", Left = "18mm", Right = "18mm" },
        });
        logger.LogInformation("Printed a report PDF of {Bytes} bytes", new FileInfo(targetPath).Length);
    }
}

public sealed class ChromiumMissingException() : Exception(PdfReportWriter.MissingChromiumMessage);
