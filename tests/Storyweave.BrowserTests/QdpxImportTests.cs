using System.IO.Compression;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Storyweave.BrowserTests;

/// <summary>Issue 14 point 3 in a real browser: a lead imports a whole project file from the Exports page, at 1280 px.</summary>
public sealed class QdpxImportTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>A small NVivo-shaped project: a code with a sub-code, one text source coded once, one case pointing to it.</summary>
    private static byte[] ProjectFile()
    {
        const string text = "Interviewer: How are things?\nSam: Better since the group started.";
        var start = text.IndexOf("Better", StringComparison.Ordinal);
        var qde = $"""
            <?xml version="1.0" encoding="utf-8"?>
            <Project name="Peer groups" origin="NVivo for Windows 14" xmlns="urn:QDA-XML:project:1.0">
              <CodeBook><Codes>
                <Code guid="3c51efbb-071f-43a7-9f32-228b89668e8d" name="Support" isCodable="true"><Code guid="4d62f0cc-182f-44b8-a043-339c90779e9e" name="Peer groups" isCodable="true" /></Code>
              </Codes></CodeBook>
              <Cases><Case guid="5d62f0cc-182f-44b8-a043-339c90779e9e" name="Sam"><SourceRef targetGUID="56a79789-d535-4fb8-bedd-a915504c54ba" /></Case></Cases>
              <Sources>
                <TextSource guid="56a79789-d535-4fb8-bedd-a915504c54ba" name="Sam's interview" plainTextPath="internal://56a79789-d535-4fb8-bedd-a915504c54ba.txt">
                  <PlainTextSelection guid="fd960901-8191-4db1-a3dd-a91626d56c4b" name="" startPosition="{start}" endPosition="{text.Length}">
                    <Coding guid="aa960901-8191-4db1-a3dd-a91626d56c4b"><CodeRef targetGUID="4d62f0cc-182f-44b8-a043-339c90779e9e" /></Coding>
                  </PlainTextSelection>
                </TextSource>
                <AudioSource guid="66a79789-d535-4fb8-bedd-a915504c54ba" name="Sam's recording" path="internal://66a79789-d535-4fb8-bedd-a915504c54ba.m4a" />
              </Sources>
            </Project>
            """;
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in new[] { ("project.qde", qde), ("Sources/56a79789-d535-4fb8-bedd-a915504c54ba.txt", text) })
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }
        return buffer.ToArray();
    }

    [Fact]
    public async Task A_lead_imports_a_project_file_after_reading_what_would_come_in()
    {
        var app = fixture.App;
        await app.CreateAdminAsync(); // past first-run set-up
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead, "Imported work");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, lead.Email, lead.Password);
        await page.GotoAsync($"/projects/{projectId}/exports");
        await page.GetByRole(AriaRole.Link, new() { Name = "import a project file (.qdpx)" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import a project from another program" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Nobody brought in from a project file has any consent recorded.");
        await fixture.AssertAccessibleAsync(page);

        // A file that is not a project: the message says so, focused.
        await page.GetByLabel("Project file (.qdpx)").SetInputFilesAsync(new FilePayload { Name = "notes.qdpx", MimeType = "application/octet-stream", Buffer = Encoding.UTF8.GetBytes("just words") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show what would come in" }).ClickAsync();
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("\u201cnotes.qdpx\u201d is not a REFI-QDA project file (.qdpx)");
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();
        await fixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Project file (.qdpx)").SetInputFilesAsync(new FilePayload { Name = "peer-groups.qdpx", MimeType = "application/zip", Buffer = ProjectFile() });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show what would come in" }).ClickAsync();
        var preview = page.Locator("#import-preview");
        await Assertions.Expect(preview).ToContainTextAsync("What importing \u201cPeer groups\u201d (made with NVivo for Windows 14) would do");
        await Assertions.Expect(preview).ToContainTextAsync("2 new themes added");
        await Assertions.Expect(preview).ToContainTextAsync("1 coded passage.");
        await Assertions.Expect(preview).ToContainTextAsync("1 audio source was not imported: Storyweave imports text sources, and audio and video sources that have a transcript.");
        await Assertions.Expect(preview).ToBeInViewportAsync();
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);

        // The import runs in the background; the page asks how it is going and shows the result when it has ended.
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        var result = page.Locator("#import-result");
        await Assertions.Expect(result).ToContainTextAsync("Imported \u201cPeer groups\u201d");
        await Assertions.Expect(result).ToContainTextAsync("1 story, 1 coded passage and 1 storyteller came in; 2 new themes were added to the codebook.");
        await Assertions.Expect(result).ToContainTextAsync("1 audio source was not imported");
        await Assertions.Expect(result).ToContainTextAsync("Nobody brought in from a project file has any consent recorded.");
        await Assertions.Expect(result).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("#import-status")).ToHaveCountAsync(0);
        var dir = ScreenshotFolder();
        foreach (var width in new[] { 1280, 360 })
        {
            await page.SetViewportSizeAsync(width, 800);
            await page.ReloadAsync();
            await Assertions.Expect(result).ToBeFocusedAsync();
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            await page.ScreenshotAsync(new() { Path = Path.Combine(dir, $"qdpx-import-result-{width}.png"), FullPage = true });
        }
        await result.GetByRole(AriaRole.Link, new() { Name = "Record consent for Sam" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/projects/{projectId}/storytellers/\\d+/consent$"));
    }

    [Fact]
    public async Task A_running_import_shows_its_progress_and_fits_a_phone()
    {
        var app = fixture.App;
        await app.CreateAdminAsync(); // past first-run set-up
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead, "Large import");
        // A job the worker has started (the in-memory progress for it not yet set): the page shows it as running.
        var jobId = await app.WithDbAsync(async db =>
        {
            var job = new Storyweave.Features.Interop.QdpxImportJob
            {
                ProjectId = projectId,
                Status = Storyweave.Features.Interop.QdpxImportStatus.Running,
                UploadToken = Guid.NewGuid().ToString("N"),
                FileName = "big.qdpx",
                RequestedByUserId = lead.Id,
                CreatedAt = DateTime.UtcNow,
                StartedAt = DateTime.UtcNow,
            };
            db.QdpxImportJobs.Add(job);
            await db.SaveChangesAsync();
            return job.Id;
        });
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, lead.Email, lead.Password);
        var dir = ScreenshotFolder();
        foreach (var width in new[] { 1280, 360 })
        {
            await page.SetViewportSizeAsync(width, 800);
            await page.GotoAsync($"/projects/{projectId}/import/qdpx?job={jobId}#import-status");
            var status = page.Locator("#import-status");
            await Assertions.Expect(status.GetByRole(AriaRole.Heading, new() { Name = "Importing the project file" })).ToBeVisibleAsync();
            await Assertions.Expect(status.GetByLabel("How far it has got")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#import-message")).ToContainTextAsync("(0%)");
            // With script the page asks the server itself, so the "Check progress" link is hidden.
            await Assertions.Expect(status.GetByRole(AriaRole.Link, new() { Name = "Check progress" })).ToBeHiddenAsync();
            await BrowserFixture.AssertNoHorizontalScrollAsync(page);
            await fixture.AssertAccessibleAsync(page);
            await page.ScreenshotAsync(new() { Path = Path.Combine(dir, $"qdpx-import-running-{width}.png"), FullPage = true });
        }

        // The page follows the job by itself: how far it has got, then, when it fails, the reason in the error summary.
        app.Services.GetRequiredService<Storyweave.Features.Interop.QdpxImportProgress>().Set(jobId, 0.5, "Making the stories searchable (3 of 6)");
        await Assertions.Expect(page.Locator("#import-message")).ToHaveTextAsync("Making the stories searchable (3 of 6) (50%)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, "qdpx-import-progress-360.png"), FullPage = true });
        await app.WithDbAsync(async db =>
        {
            var job = await db.QdpxImportJobs.SingleAsync(j => j.Id == jobId);
            job.Status = Storyweave.Features.Interop.QdpxImportStatus.Failed;
            job.Error = Storyweave.Features.Interop.QdpxImportJob.InterruptedMessage;
            await db.SaveChangesAsync();
            return 0;
        });
        await Assertions.Expect(page.Locator(".error-summary")).ToContainTextAsync("Nothing of it was kept: choose the file again to import it.");
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("#import-status")).ToHaveCountAsync(0);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await fixture.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, "qdpx-import-failed-360.png"), FullPage = true });
    }

    /// <summary>Where the screenshots go: STORYWEAVE_SCREENSHOTS, or a folder in the temp directory.</summary>
    private static string ScreenshotFolder()
    {
        var dir = Environment.GetEnvironmentVariable("STORYWEAVE_SCREENSHOTS") is { Length: > 0 } folder ? folder : Path.Combine(Path.GetTempPath(), "storyweave-screenshots");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
