using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Interop;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Interop;

/// <summary>
/// Issue 14 point 3, "large files stream, with progress": an import in the background answers 202 with a status URL
/// that says how far it is and, at the end, what came in; a bad file is still answered at once; a job a stop interrupted
/// is reported failed with a clear message and left nothing behind; only the project's leads see a job.
/// </summary>
public sealed class QdpxImportJobTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    /// <summary>Polls the status URL until the job has ended (bounded by count, not by time).</summary>
    private static async Task<JsonObject> WaitAsync(HttpClient api, string statusUrl)
    {
        for (var i = 0; i < 3000; i++)
        {
            var job = (await api.GetFromJsonAsync<JsonObject>(statusUrl))!;
            if ((string)job["status"]! is "Succeeded" or "Failed") return job;
            var progress = (double)job["progress"]!;
            Assert.InRange(progress, 0, 1);
            await Task.Delay(100);
        }
        throw new InvalidOperationException("The import did not end.");
    }

    [Fact]
    public async Task Background_import_answers_202_with_a_status_url_that_ends_with_what_came_in()
    {
        var (_, _, _, file) = await ExportAsync();
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);

        var response = await api.PostAsync($"/api/projects/{projectId}/imports/project.qdpx?name=big.qdpx&background=true", new ByteArrayContent(file));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var started = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var statusUrl = (string)started["statusUrl"]!;
        Assert.Equal(statusUrl, response.Headers.Location?.OriginalString);
        Assert.Contains((string)started["status"]!, new[] { "Queued", "Running", "Succeeded" });

        var done = await WaitAsync(api, statusUrl);
        Assert.True((string)done["status"]! == "Succeeded", done.ToJsonString());
        Assert.Equal(1.0, (double)done["progress"]!);
        var result = done["result"]!;
        Assert.Equal((1, 1, 3), ((int)result["stories"]!, (int)result["recordings"]!, (int)result["codedPassages"]!));
        var storyId = (int)result["storiesMade"]![0]!["id"]!;
        Assert.Equal(3, await App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == storyId && c.StartSeconds != null)));
        Assert.Equal(1, await App.WithDbAsync(db => db.MediaFiles.CountAsync(m => m.StoryId == storyId)));

        // The waiting upload is gone once the job ended.
        Assert.False(Directory.EnumerateDirectories(Path.Combine(App.DataDir, "tmp", $"project-{projectId}"), "qdpx-upload-*").Any());

        // Only the project's leads see the job: another project's lead and an analyst here are refused.
        var analyst = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, analyst, ProjectRole.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.ApiClientAsync(analyst)).GetAsync(statusUrl)).StatusCode);
        var other = await App.CreateUserAsync();
        var otherProject = await App.CreateProjectAsync(other);
        var otherApi = await App.ApiClientAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherApi.GetAsync(statusUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.GetAsync(statusUrl.Replace($"/projects/{projectId}/", $"/projects/{otherProject}/", StringComparison.Ordinal))).StatusCode);

        // A bad file is answered at once, as in the request, and starts no job.
        var bad = await api.PostAsync($"/api/projects/{projectId}/imports/project.qdpx?name=notes.qdpx&background=true", new ByteArrayContent("just words"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal(1, await App.WithDbAsync(db => db.QdpxImportJobs.CountAsync(j => j.ProjectId == projectId)));
    }

    [Fact]
    public async Task The_page_starts_the_import_in_the_background_and_shows_the_result_or_the_specific_failure()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var page = await App.SignInAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var file = QdpxImportTests.NvivoFile(tag);
        // The same file previewed twice, then imported twice: the second import is refused by the job, which re-checks.
        var first = await PreviewOnPageAsync(page, projectId, file);
        var second = await PreviewOnPageAsync(page, projectId, file);

        var firstJob = await ImportOnPageAsync(page, projectId, first);
        var done = await WaitAsync(api, QdpxImportEndpoints.JobPath(projectId, firstJob));
        Assert.True((string)done["status"]! == "Succeeded", done.ToJsonString());
        var html = WebUtility.HtmlDecode(await page.GetStringAsync($"/projects/{projectId}/import/qdpx?job={firstJob}"));
        Assert.Contains($"Imported \u201cRecovery {tag}\u201d", html, StringComparison.Ordinal);
        Assert.Contains("2 stories, 2 coded passages, 2 storytellers and 2 memos came in", html, StringComparison.Ordinal);
        Assert.Contains("1 PDF source was not imported: Storyweave imports text sources, and audio and video sources that have a transcript.", html, StringComparison.Ordinal);
        Assert.Contains(QdpxProjectImport.ConsentNotice, html, StringComparison.Ordinal);
        Assert.Contains($"Record consent for Mara {tag}", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Importing the project file", html, StringComparison.Ordinal);
        var counts = await CountsAsync(projectId);
        Assert.Equal((2, 2, 2), counts);

        var secondJob = await ImportOnPageAsync(page, projectId, second);
        var failed = await WaitAsync(api, QdpxImportEndpoints.JobPath(projectId, secondJob));
        Assert.Equal("Failed", (string)failed["status"]!);
        var message = (string)Assert.Single(failed["errors"]!.AsArray())!;
        Assert.StartsWith("This project file was imported into this project already", message, StringComparison.Ordinal);
        html = WebUtility.HtmlDecode(await page.GetStringAsync($"/projects/{projectId}/import/qdpx?job={secondJob}"));
        Assert.Matches("class=\"error-summary[^>]*>(.|\n)*imported into this project already", html);
        Assert.Equal(counts, await CountsAsync(projectId));

        // Both waiting uploads are gone; another project's job is not found through this one.
        Assert.False(Directory.EnumerateDirectories(Path.Combine(App.DataDir, "tmp", $"project-{projectId}"), "qdpx-upload-*").Any());
        var otherProject = await App.CreateProjectAsync(lead);
        Assert.Equal(HttpStatusCode.NotFound, (await page.GetAsync($"/projects/{otherProject}/import/qdpx?job={firstJob}")).StatusCode);
    }

    [Fact]
    public async Task An_import_stopped_in_the_middle_leaves_nothing_behind()
    {
        // A stop cancels the worker's import while it runs; here it is cancelled while the stories are being made
        // searchable, after the stories, storytellers, passages and the recording were written in the transaction.
        var (_, _, _, file) = await ExportAsync();
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var themes = await App.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == projectId));
        var path = Path.Combine(App.DataDir, "tmp", $"stopped-{Guid.NewGuid():N}.qdpx");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, file);
        var read = QdpxProjectFile.Read(path, "big.qdpx");
        Assert.True(read.Succeeded);
        var stages = new List<(double Fraction, string Stage)>();
        using var stop = new CancellationTokenSource();
        using (var scope = App.Services.CreateScope())
        {
            var importer = scope.ServiceProvider.GetRequiredService<QdpxProjectImport>();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => importer.ImportAsync(projectId, read.Value!, "big.qdpx", lead.Id, path, (fraction, stage) =>
            {
                stages.Add((fraction, stage));
                if (stage.StartsWith("Making the stories searchable", StringComparison.Ordinal)) stop.Cancel();
            }, stop.Token));
        }
        File.Delete(path);
        Assert.Contains(("Making the stories searchable (0 of 1)"), stages.Select(s => s.Stage));
        Assert.Equal(stages.Select(s => s.Fraction).Order(), stages.Select(s => s.Fraction));

        Assert.Equal((0, 0, 0), await CountsAsync(projectId));
        Assert.Equal(themes, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == projectId)));
        Assert.Equal(0, await App.WithDbAsync(db => db.MediaFiles.CountAsync(m => m.ProjectId == projectId)));
        Assert.Equal(0, await App.WithDbAsync(db => db.ImportedQdaObjects.CountAsync(o => o.ProjectId == projectId)));
        var media = Path.Combine(App.Options.MediaDir, projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(Directory.Exists(media) && Directory.EnumerateFiles(media, "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task An_import_a_restart_interrupted_is_reported_failed_and_its_upload_is_erased()
    {
        var app = await TestApp.StartAsync();
        try
        {
            var lead = await app.CreateUserAsync();
            var projectId = await app.CreateProjectAsync(lead);
            var uploads = app.Services.GetRequiredService<QdpxUploads>();
            var token = (await uploads.SaveAsync(projectId, new MemoryStream(QdpxImportTests.NvivoFile(Guid.NewGuid().ToString("N")[..6])), CancellationToken.None))!;
            var upload = uploads.PathOf(projectId, token)!;
            // The job the worker was running when the app stopped (its transaction never committed, so nothing of it is here).
            var jobId = await app.WithDbAsync(async db =>
            {
                var job = new QdpxImportJob { ProjectId = projectId, Status = QdpxImportStatus.Running, UploadToken = token, FileName = "big.qdpx", RequestedByUserId = lead.Id, CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow };
                db.QdpxImportJobs.Add(job);
                await db.SaveChangesAsync();
                return job.Id;
            });
            var running = WebUtility.HtmlDecode(await (await app.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/import/qdpx?job={jobId}"));
            Assert.Contains("Importing the project file", running, StringComparison.Ordinal);
            Assert.Contains($"href=\"/projects/{projectId}/import/qdpx?job={jobId}#import-status\">Check progress</a>", running, StringComparison.Ordinal);

            app = await app.StartAgainAsync();
            var failed = await WaitAsync(await app.ApiClientAsync(lead), QdpxImportEndpoints.JobPath(projectId, jobId));
            Assert.Equal("Failed", (string)failed["status"]!);
            Assert.Equal([QdpxImportJob.InterruptedMessage], failed["errors"]!.AsArray().Select(e => (string)e!));
            Assert.False(File.Exists(upload));
            Assert.Null(uploads.PathOf(projectId, token));
            Assert.Equal(0, await app.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));

            // The page says the same, in its error summary, and no longer shows the import as running.
            var page = WebUtility.HtmlDecode(await (await app.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/import/qdpx?job={jobId}"));
            Assert.Contains(QdpxImportJob.InterruptedMessage, page, StringComparison.Ordinal);
            Assert.DoesNotContain("Importing the project file", page, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private Task<(int Stories, int Storytellers, int Passages)> CountsAsync(int projectId) => App.WithDbAsync(async db => (
        await db.Stories.CountAsync(s => s.ProjectId == projectId),
        await db.Storytellers.CountAsync(s => s.ProjectId == projectId),
        await db.Passages.CountAsync(p => p.ProjectId == projectId)));

    /// <summary>Chooses the file on the import page and shows what would come in; returns the waiting upload's token.</summary>
    private static async Task<string> PreviewOnPageAsync(HttpClient page, int projectId, byte[] file)
    {
        var url = $"/projects/{projectId}/import/qdpx";
        var antiforgery = Regex.Match(await page.GetStringAsync(url), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(WebUtility.HtmlDecode(antiforgery)), "__RequestVerificationToken" },
            { new ByteArrayContent(file), "file", "recovery.qdpx" },
        };
        var response = await page.PostAsync(url + "?handler=Preview", form);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        var token = Regex.Match(html, "name=\"token\" value=\"([a-f0-9]{32})\"");
        Assert.True(token.Success, html);
        return token.Groups[1].Value;
    }

    /// <summary>Presses "Import" after the preview: the page answers with a redirect to the running job; returns its id.</summary>
    private static async Task<int> ImportOnPageAsync(HttpClient page, int projectId, string token)
    {
        var url = $"/projects/{projectId}/import/qdpx";
        var response = await TestApp.PostFormAsync(page, url, new() { ["token"] = token, ["fileName"] = "recovery.qdpx" }, url + "?handler=Import");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        var job = Regex.Match(location, $"^/projects/{projectId}/import/qdpx\\?job=(\\d+)#import-status$");
        Assert.True(job.Success, location);
        return int.Parse(job.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<(TestApp.TestUser Lead, HttpClient Api, int ProjectId, byte[] File)> ExportAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var theme = await App.CreateThemeAsync(projectId, "Waiting");
        await Exports.QdpxMediaExportTests.StoryWithRecordingAsync(App, projectId, lead, api, [new TestApp.Teller("Kay")],
        [
            new Storyweave.Features.Stories.TranscriptService.CueInput(0, 2.5, "Kay", "We waited months for a reply."),
            new Storyweave.Features.Stories.TranscriptService.CueInput(2.5, 5, "Kay", "Nobody called us back."),
            new Storyweave.Features.Stories.TranscriptService.CueInput(5, 8, "Kay", "The group helped."),
        ], [(0, 10, theme), (30, 36, theme), (53, 62, theme)]);
        var file = await (await api.GetAsync($"/api/projects/{projectId}/exports/project.qdpx")).Content.ReadAsByteArrayAsync();
        return (lead, api, projectId, file);
    }
}
