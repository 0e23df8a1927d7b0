using System.Net;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Audit;
using Storyweave.Features.Backup;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Security;

public sealed class AuditPageTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task A_lead_sees_who_viewed_searched_and_exported_what_by_ids_and_actions_only_and_can_filter()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var reporter = await App.CreateUserAsync(name: "Rory Reporter");
        var projectId = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var storytellerId = await App.CreateStorytellerAsync(projectId, lead);
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [storytellerId], ("Sam", "The kitchen table was where we talked."));

        var reporterPage = await App.SignInAsync(reporter);
        Assert.Equal(HttpStatusCode.OK, (await reporterPage.GetAsync($"/projects/{projectId}/stories/{storyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reporterPage.GetAsync($"/projects/{projectId}/storytellers/{storytellerId}")).StatusCode);
        var reporterApi = await App.ApiClientAsync(reporter);
        Assert.Equal(HttpStatusCode.OK, (await reporterApi.GetAsync($"/api/projects/{projectId}/search?q=zanzibarmarker")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reporterPage.GetAsync($"/projects/{projectId}/search?q=zanzibarmarker")).StatusCode);
        // An export (report downloads and playlist exports call the same service) and a backup.
        await App.WithServiceAsync<AccessLog, bool>(async log =>
        {
            await log.RecordAsAsync("storyteller-link:7", projectId, AccessActions.Exported, "report", 42);
            return true;
        });
        using (var folder = new TestMedia.Folder())
            await App.WithServiceAsync<BackupService, BackupService.Manifest>(b => b.BackupAsync(folder.File("b.zip"), TextWriter.Null));

        var entries = await App.WithDbAsync(db => db.AccessLog.AsNoTracking().Where(a => a.ProjectId == projectId).OrderBy(a => a.Id).ToListAsync());
        Assert.Equal(
            ["viewed story", "viewed storyteller", "searched search", "searched search", "exported report", "backed-up backup"],
            entries.Select(e => $"{e.Action} {e.TargetType}"));
        Assert.Equal(reporter.Id, entries[0].UserId);
        Assert.Equal(storyId.ToString(System.Globalization.CultureInfo.InvariantCulture), entries[0].TargetId);
        Assert.Equal("storyteller-link:7", entries[4].Actor);
        Assert.Null(entries[4].UserId);
        Assert.Equal("cli", entries[5].Actor);
        Assert.All(entries, e => Assert.DoesNotContain("zanzibar", e.TargetId + e.Actor + e.TargetType, StringComparison.Ordinal));

        var leadPage = await App.SignInAsync(lead);
        var html = WebUtility.HtmlDecode(await leadPage.GetStringAsync($"/projects/{projectId}/audit"));
        Assert.Contains("Rory Reporter", html, StringComparison.Ordinal);
        Assert.Contains($"story {storyId}", html, StringComparison.Ordinal);
        Assert.Contains($"storyteller {storytellerId}", html, StringComparison.Ordinal);
        Assert.Contains("Storyteller link 7", html, StringComparison.Ordinal);
        Assert.Contains("report 42", html, StringComparison.Ordinal);
        Assert.Contains("backed-up", html, StringComparison.Ordinal);
        Assert.Contains("Command line", html, StringComparison.Ordinal);
        Assert.Contains("project.created", html, StringComparison.Ordinal); // changes from the event log are there too
        Assert.DoesNotContain("zanzibarmarker", html, StringComparison.Ordinal);
        Assert.DoesNotContain("kitchen table", html, StringComparison.OrdinalIgnoreCase);

        var onlyReporter = WebUtility.HtmlDecode(await leadPage.GetStringAsync($"/projects/{projectId}/audit?person={reporter.Id}"));
        // Four accesses, and the change that added them (TestApp.AddMemberAsync records the member as its actor).
        Assert.Equal("5 entries. Page 1 of 1.", Status(onlyReporter));
        Assert.Contains("member.added", onlyReporter, StringComparison.Ordinal);
        Assert.DoesNotContain("report 42", onlyReporter, StringComparison.Ordinal);
        var onlyViews = WebUtility.HtmlDecode(await leadPage.GetStringAsync($"/projects/{projectId}/audit?action=viewed"));
        Assert.Equal("2 entries. Page 1 of 1.", Status(onlyViews));
        Assert.DoesNotContain("searched", onlyViews.Split("<tbody>")[1], StringComparison.Ordinal);

        // Reporters do not see the audit page.
        var denied = await reporterPage.GetAsync($"/projects/{projectId}/audit");
        Assert.Contains("/account/denied", denied.Headers.Location?.OriginalString ?? "", StringComparison.Ordinal);
    }

    private static string Status(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "<p role=\"status\">(.*?)</p>", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value.Trim();

    [Fact]
    public async Task The_audit_is_paged_50_at_a_time_newest_first()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.WithServiceAsync<AccessLog, bool>(async log =>
        {
            for (var i = 1; i <= 120; i++) await log.RecordAsAsync("cli", projectId, AccessActions.Viewed, "story", i);
            return true;
        });
        var page = await App.SignInAsync(lead);
        var first = await page.GetStringAsync($"/projects/{projectId}/audit?action=viewed");
        Assert.Contains("120 entries. Page 1 of 3.", first, StringComparison.Ordinal);
        Assert.Contains("<td>story 120</td>", first, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>story 70</td>", first, StringComparison.Ordinal);
        var third = await page.GetStringAsync($"/projects/{projectId}/audit?action=viewed&pageNumber=3");
        Assert.Contains("Page 3 of 3.", third, StringComparison.Ordinal);
        Assert.Contains("<td>story 1</td>", third, StringComparison.Ordinal);
        Assert.Contains("<td>story 20</td>", third, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>story 21</td>", third, StringComparison.Ordinal);
    }
}
