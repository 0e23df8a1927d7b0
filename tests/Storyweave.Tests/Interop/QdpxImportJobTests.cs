using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    public async Task Import_interrupted_by_a_stop_is_reported_failed_with_a_clear_message()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        // A job an earlier process was running when it stopped (its transaction never committed, so nothing of it is here).
        var jobId = await App.WithDbAsync(async db =>
        {
            var job = new QdpxImportJob { ProjectId = projectId, Status = QdpxImportStatus.Running, UploadToken = Guid.NewGuid().ToString("N"), FileName = "big.qdpx", RequestedByUserId = lead.Id, CreatedAt = DateTime.UtcNow.AddHours(-1), StartedAt = DateTime.UtcNow.AddHours(-1) };
            db.QdpxImportJobs.Add(job);
            await db.SaveChangesAsync();
            return job.Id;
        });
        var running = (await api.GetFromJsonAsync<JsonObject>(QdpxImportEndpoints.JobPath(projectId, jobId)))!;
        Assert.Equal("Running", (string)running["status"]!);

        // What the worker does at start-up.
        var worker = App.Services.GetServices<IHostedService>().OfType<QdpxImportWorker>().Single();
        Assert.True(await worker.FailInterruptedAsync(CancellationToken.None) >= 1);

        var failed = (await api.GetFromJsonAsync<JsonObject>(QdpxImportEndpoints.JobPath(projectId, jobId)))!;
        Assert.Equal("Failed", (string)failed["status"]!);
        Assert.Equal([QdpxImportJob.InterruptedMessage], failed["errors"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(0, await App.WithDbAsync(db => db.Stories.CountAsync(s => s.ProjectId == projectId)));

        // The page says the same, in its error summary.
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/import/qdpx?job={jobId}");
        Assert.Contains(QdpxImportJob.InterruptedMessage, System.Net.WebUtility.HtmlDecode(page), StringComparison.Ordinal);
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
