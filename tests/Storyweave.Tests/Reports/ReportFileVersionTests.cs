using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Reports;

namespace Storyweave.Tests.Reports;

/// <summary>
/// A report's files over time: making a format again replaces its file (the earlier one is kept, superseded,
/// for leads only and only when asked for), and any edit to the report marks the files made before it.
/// </summary>
public sealed class ReportFileVersionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    private sealed record Setup(int ProjectId, TestApp.TestUser Lead, HttpClient Api, int ReportId, TestApp.ReportTeller Named, TestApp.ReportTeller Pseudonym, TestApp.ReportTeller Anonymous);

    private async Task<Setup> SetUpAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (_, named, pseudo, anon, _) = await App.CreateReportScenarioAsync(projectId, lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Versions" });
        var report = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{report.Id}/themes/{named.ThemeId}/quotes", new { passageId = named.PassageId })).StatusCode);
        return new Setup(projectId, lead, api, report.Id, named, pseudo, anon);
    }

    private static async Task<ReportEndpoints.FileDto> MakeAsync(Setup s, ReportFormat format)
    {
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/files", new { format = format.ToString() });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!;
        var file = await TestApp.WaitForReportFileAsync(s.Api, s.ProjectId, queued.Id);
        Assert.True(file.Status == OutputStatus.Ready, file.Error);
        return file;
    }

    private static async Task<List<ReportEndpoints.FileDto>> FilesAsync(Setup s) =>
        (await s.Api.GetFromJsonAsync<List<ReportEndpoints.FileDto>>($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/files", Json))!;

    [Fact]
    public async Task Making_a_format_again_replaces_its_file_and_keeps_the_earlier_one_for_leads_only_when_asked()
    {
        var s = await SetUpAsync();
        var first = await MakeAsync(s, ReportFormat.Markdown);
        var html = await MakeAsync(s, ReportFormat.Html);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.PostAsync($"/api/projects/{s.ProjectId}/report-files/{first.Id}/publish", null)).StatusCode);
        // The public site lists the published file.
        var anonymous = App.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/stories/{s.ProjectId}/reports/{first.Id}")).StatusCode);

        // A second quote, then "Make the file" again for Markdown: a new version, which replaces the first when ready.
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/themes/{s.Pseudonym.ThemeId}/quotes", new { passageId = s.Pseudonym.PassageId })).StatusCode);
        var second = await MakeAsync(s, ReportFormat.Markdown);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Contains(s.Pseudonym.Words, await s.Api.GetStringAsync(second.DownloadUrl));

        var files = await FilesAsync(s);
        var current = files.Where(f => !f.Superseded).ToList();
        Assert.Equal([ReportFormat.Html, ReportFormat.Markdown], current.Select(f => f.Format).Order());
        Assert.Equal(second.Id, current.Single(f => f.Format == ReportFormat.Markdown).Id);
        Assert.Equal(html.Id, current.Single(f => f.Format == ReportFormat.Html).Id);
        var earlier = files.Single(f => f.Id == first.Id);
        Assert.True(earlier.Superseded);
        Assert.Null(earlier.DownloadUrl);
        // The summary list counts current files only.
        var summary = (await s.Api.GetFromJsonAsync<List<ReportEndpoints.SummaryDto>>($"/api/projects/{s.ProjectId}/reports", Json))!;
        Assert.Equal(2, summary.Single(r => r.Id == s.ReportId).Files);

        // The earlier file is not downloadable unless asked for, and then only by a lead.
        var plain = await s.Api.GetAsync(first.DownloadUrl);
        Assert.Equal(HttpStatusCode.Gone, plain.StatusCode);
        Assert.Contains("A newer file of the same format has replaced this one", await plain.Content.ReadAsStringAsync());
        var asked = await s.Api.GetAsync(first.DownloadUrl + "?earlier=true");
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var earlierText = await asked.Content.ReadAsStringAsync();
        Assert.Contains(s.Named.Words, earlierText);
        Assert.DoesNotContain(s.Pseudonym.Words, earlierText);
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(s.ProjectId, viewer, ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.GetAsync(first.DownloadUrl + "?earlier=true")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync(second.DownloadUrl)).StatusCode);

        // The new version took the earlier one's place on the public site.
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{s.ProjectId}/reports/{first.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/stories/{s.ProjectId}/reports/{second.Id}")).StatusCode);

        // The page: one row per format, the earlier version listed for the lead with an explicit link; a viewer sees no earlier versions.
        var leadPage = await (await App.SignInAsync(s.Lead)).GetStringAsync($"/projects/{s.ProjectId}/reports/{s.ReportId}");
        Assert.Contains($"id=\"file-{second.Id}\"", leadPage, StringComparison.Ordinal);
        Assert.DoesNotContain($"id=\"file-{first.Id}\"", leadPage, StringComparison.Ordinal);
        Assert.Contains("Earlier versions (1)", leadPage, StringComparison.Ordinal);
        Assert.Contains($"/report-files/{first.Id}/content?earlier=true", leadPage, StringComparison.Ordinal);
        var viewerPage = await (await App.SignInAsync(viewer)).GetStringAsync($"/projects/{s.ProjectId}/reports/{s.ReportId}");
        Assert.DoesNotContain("Earlier versions", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain($"/report-files/{first.Id}/content", viewerPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asking_again_while_a_file_is_being_made_queues_nothing_and_a_failed_or_out_of_date_file_is_made_again_in_its_place()
    {
        var s = await SetUpAsync();
        // A file waiting in the queue (written directly, so the worker never takes it).
        var waiting = await App.WithDbAsync(async db =>
        {
            var file = new ReportFile { ProjectId = s.ProjectId, ReportId = s.ReportId, Format = ReportFormat.Docx, Status = OutputStatus.Queued, CreatedAt = DateTime.UtcNow };
            db.ReportFiles.Add(file);
            await db.SaveChangesAsync();
            return file.Id;
        });
        for (var i = 0; i < 2; i++)
        {
            var again = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/files", new { format = "Docx" });
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            Assert.Equal(waiting, (await again.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!.Id);
        }
        Assert.Equal(1, await App.WithDbAsync(db => db.ReportFiles.CountAsync(f => f.ReportId == s.ReportId && f.Format == ReportFormat.Docx)));

        // A failed file holds nothing to keep: making the format again reuses its row.
        var failed = await App.WithDbAsync(async db =>
        {
            var file = new ReportFile { ProjectId = s.ProjectId, ReportId = s.ReportId, Format = ReportFormat.Markdown, Status = OutputStatus.Failed, Error = "Boom", CreatedAt = DateTime.UtcNow };
            db.ReportFiles.Add(file);
            await db.SaveChangesAsync();
            return file.Id;
        });
        var remade = await MakeAsync(s, ReportFormat.Markdown);
        Assert.Equal(failed, remade.Id);
        Assert.Equal(1, await App.WithDbAsync(db => db.ReportFiles.CountAsync(f => f.ReportId == s.ReportId && f.Format == ReportFormat.Markdown)));
    }

    [Fact]
    public async Task Any_edit_to_a_report_marks_the_files_made_before_it_until_they_are_made_again()
    {
        var s = await SetUpAsync();
        var md = await MakeAsync(s, ReportFormat.Markdown);
        Assert.False(md.MadeBeforeLatestChanges);
        var page = await App.SignInAsync(s.Lead);
        var url = $"/projects/{s.ProjectId}/reports/{s.ReportId}";
        Assert.DoesNotContain("made before your latest changes", await page.GetStringAsync(url), StringComparison.Ordinal);

        async Task<ReportEndpoints.FileDto> FileAsync(int id) => (await s.Api.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{s.ProjectId}/report-files/{id}", Json))!;

        // Details.
        var report = (await s.Api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{s.ProjectId}/reports/{s.ReportId}", Json))!;
        var edit = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}", new { title = report.Title, version = "1.1", date = report.Date });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        var ending = report.Sections.First(x => x.Title.StartsWith("Conclusion", StringComparison.Ordinal));
        var writing = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/sections/{ending.Id}", new { title = ending.Title, body = "A new ending." });
        Assert.Equal(HttpStatusCode.OK, writing.StatusCode);
        var after = await FileAsync(md.Id);
        Assert.True(after.MadeBeforeLatestChanges);
        Assert.NotNull(after.DownloadUrl); // still consent-checked and downloadable, only behind the edits
        var html = await page.GetStringAsync(url);
        Assert.Contains("Out of date: made before your latest changes.", html, StringComparison.Ordinal);
        Assert.Contains("Make it again", html, StringComparison.Ordinal);
        var list = await page.GetStringAsync($"/projects/{s.ProjectId}/reports");
        Assert.Contains("0 ready, 1 made before the latest changes", list, StringComparison.Ordinal);

        // Made again: the new file is current; then each kind of quote edit marks it again.
        var fresh = await MakeAsync(s, ReportFormat.Markdown);
        Assert.False(fresh.MadeBeforeLatestChanges);
        Assert.Contains("A new ending.", await s.Api.GetStringAsync(fresh.DownloadUrl));

        foreach (var teller in new[] { s.Pseudonym, s.Anonymous })
        {
            var added = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/themes/{teller.ThemeId}/quotes", new { passageId = teller.PassageId });
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }
        Assert.True((await FileAsync(fresh.Id)).MadeBeforeLatestChanges);

        fresh = await MakeAsync(s, ReportFormat.Markdown);
        report = (await s.Api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{s.ProjectId}/reports/{s.ReportId}", Json))!;
        var quote = report.Themes.Single(t => t.ThemeId == s.Anonymous.ThemeId).Quotes[1];
        Assert.Equal(s.Anonymous.PassageId, quote.PassageId);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/quotes/{quote.Id}/move", new { direction = "up" })).StatusCode);
        Assert.True((await FileAsync(fresh.Id)).MadeBeforeLatestChanges);

        fresh = await MakeAsync(s, ReportFormat.Markdown);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/quotes/{quote.Id}")).StatusCode);
        Assert.True((await FileAsync(fresh.Id)).MadeBeforeLatestChanges);

        // Only one Markdown file is current through all of this; the rest are earlier versions.
        var files = await FilesAsync(s);
        Assert.Single(files, f => !f.Superseded);
        Assert.Equal(3, files.Count(f => f.Superseded));
    }
}
