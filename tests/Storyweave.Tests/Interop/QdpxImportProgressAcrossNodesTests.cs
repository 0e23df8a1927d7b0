using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Interop;

namespace Storyweave.Tests.Interop;

/// <summary>
/// A project-file import's progress is readable on every node (issue #16): on PostgreSQL the node running the import
/// writes it to the job's row from a connection of its own, while the import's transaction holds what it imports.
/// </summary>
public sealed class QdpxImportProgressAcrossNodesTests
{
    private static bool OnPostgres => TestApp.ProviderName == "postgresql";

    [Fact]
    public async Task Progress_of_an_import_running_on_node_A_is_shown_by_node_Bs_page_and_api()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartSecondNodeAsync();
        var lead = await a.CreateUserAsync();
        var projectId = await a.CreateProjectAsync(lead);
        // An import node A is running (its row as the job leaves it once claimed).
        var jobId = await a.WithDbAsync(async db =>
        {
            var job = new QdpxImportJob { ProjectId = projectId, UploadToken = Guid.NewGuid().ToString("N"), FileName = "big.qdpx", Status = QdpxImportStatus.Running, CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow };
            db.QdpxImportJobs.Add(job);
            await db.SaveChangesAsync();
            return job.Id;
        });
        a.Services.GetRequiredService<QdpxImportProgress>().Set(jobId, 0.45, "Adding the coded passages");

        // Node A shows it at once; node B (a different process behind the load balancer) on PostgreSQL.
        var nodes = OnPostgres ? new[] { a, b } : [a];
        foreach (var node in nodes)
        {
            var api = await node.ApiClientAsync(lead);
            JsonObject? shown = null;
            for (var i = 0; i < 300; i++)
            {
                shown = (await api.GetFromJsonAsync<JsonObject>(QdpxImportEndpoints.JobPath(projectId, jobId)))!;
                if ((string)shown["stage"]! != "Starting") break;
                await Task.Delay(50);
            }
            Assert.Equal(("Running", "Adding the coded passages", 0.45), ((string)shown!["status"]!, (string)shown["stage"]!, (double)shown["progress"]!));
            var page = WebUtility.HtmlDecode(await (await node.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/import/qdpx?job={jobId}"));
            Assert.Contains("Adding the coded passages (45%)", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_import_writes_its_progress_to_its_row_on_postgresql_while_its_transaction_is_open_and_still_finishes()
    {
        await using var a = await TestApp.StartAsync();
        var lead = await a.CreateUserAsync();
        var projectId = await a.CreateProjectAsync(lead);
        var api = await a.ApiClientAsync(lead);
        var response = await api.PostAsync($"/api/projects/{projectId}/imports/project.qdpx?name=recovery.qdpx&background=true",
            new ByteArrayContent(QdpxImportTests.NvivoFile(Guid.NewGuid().ToString("N")[..6])));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var statusUrl = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["statusUrl"]!;
        JsonObject job = [];
        for (var i = 0; i < 3000 && (string)(job = (await api.GetFromJsonAsync<JsonObject>(statusUrl))!)["status"]! is "Queued" or "Running"; i++) await Task.Delay(100);
        Assert.True((string)job["status"]! == "Succeeded", job.ToJsonString());

        var row = await a.WithDbAsync(db => db.QdpxImportJobs.AsNoTracking().SingleAsync(j => j.Id == (int)job["id"]!));
        // On SQLite progress stays in memory (a write would wait for the import's transaction): the row holds none.
        if (OnPostgres) Assert.NotEqual("", row.ProgressStage);
        else Assert.Equal(("", 0.0), (row.ProgressStage, row.Progress));
    }
}
