using Microsoft.Playwright;

namespace Storyweave.Features.Reports;

/// <summary>
/// Prints the report's HTML to PDF with Chromium (Debian's package, never a downloaded browser).
/// Outline turns the headings into PDF bookmarks (and tells us their pages, for the contents page: see
/// <see cref="PdfOutline"/>); page numbers at the foot of each page; Tagged keeps the structure for assistive
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

    /// <summary>
    /// Each contents entry's page, matched in order against the outline's entries by heading text (the outline also
    /// has the title, "Contents" and deeper headings, which are passed over). Null where a heading was not found.
    /// </summary>
    public static List<int?> PageNumbers(IReadOnlyList<(int Index, ReportBlock.Heading Heading)> contents, IReadOnlyList<PdfOutline.Entry> outline)
    {
        static string Norm(string s) => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var result = new List<int?>();
        var at = 0;
        foreach (var (_, heading) in contents)
        {
            var text = Norm(heading.Text);
            var match = -1;
            for (var i = at; i < outline.Count; i++)
            {
                if (Norm(outline[i].Title) != text) continue;
                match = i;
                break;
            }
            if (match < 0) { result.Add(null); continue; }
            result.Add(outline[match].Page);
            at = match + 1;
        }
        return result;
    }

    public async Task WriteAsync(ReportContent content, string targetPath, string workDir, CancellationToken ct)
    {
        if (!File.Exists(ChromiumPath)) throw new ChromiumMissingException();
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

        // The contents page's numbers: print with blanks (of the same width), read where each heading landed from the
        // outline Chromium writes (PdfOutline), print again with the numbers. The numbers take no more room than the
        // blanks, so the pages do not move; it is checked, and printed once more if anything moved anyway.
        var contents = HtmlReportWriter.Contents(content);
        IReadOnlyList<int?> pages = contents.Select(_ => (int?)null).ToList();
        for (var printing = 0; printing < 3; printing++)
        {
            ct.ThrowIfCancellationRequested();
            await page.SetContentAsync(HtmlReportWriter.Write(content, pages), new PageSetContentOptions { WaitUntil = WaitUntilState.Load });
            var pdf = await page.PdfAsync(new PagePdfOptions
            {
                Format = "A4",
                PrintBackground = true,
                Outline = true,
                Tagged = true,
                // Page numbers at the foot of every page, so the contents' numbers lead somewhere.
                DisplayHeaderFooter = true,
                HeaderTemplate = "<span></span>",
                FooterTemplate = "<div style=\"width:100%;text-align:center;font-size:9pt;font-family:'DejaVu Sans',Arial,sans-serif;color:#1b1b1b\"><span class=\"pageNumber\"></span></div>",
                Margin = new Margin { Top = "20mm", Bottom = "20mm", Left = "18mm", Right = "18mm" },
            });
            var found = PageNumbers(contents, PdfOutline.Read(pdf));
            if (contents.Count < 2 || found.SequenceEqual(pages) || printing == 2)
            {
                await File.WriteAllBytesAsync(targetPath, pdf, ct);
                if (contents.Count >= 2 && !found.SequenceEqual(pages))
                    logger.LogWarning("The report PDF's contents page numbers did not settle after three printings");
                break;
            }
            pages = found;
        }
        logger.LogInformation("Printed a report PDF of {Bytes} bytes", new FileInfo(targetPath).Length);
    }
}

public sealed class ChromiumMissingException() : Exception(PdfReportWriter.MissingChromiumMessage);
