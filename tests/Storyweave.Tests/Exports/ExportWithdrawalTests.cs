using System.Net.Http.Json;
using Storyweave.Features.Consent;

namespace Storyweave.Tests.Exports;

/// <summary>A full withdrawal reaches the data exports: what was in every file (the REFI-QDA project too) is in none of them afterwards.</summary>
public sealed class ExportWithdrawalTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static readonly string[] Slugs = ["coded-passages", "storytellers", "storytellers-with-contact-details", "findings"];

    [Fact]
    public async Task After_a_full_withdrawal_the_storytellers_words_answers_and_contact_details_are_in_no_export()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        Assert.True((await api.PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 0 })).IsSuccessStatusCode);
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var option = callOut.Questions.OrderBy(q => q.Position).First().Options.OrderBy(o => o.Position).First();
        var themeId = await App.CreateThemeAsync(projectId, "Waiting lists");
        var marker = "canary" + Guid.NewGuid().ToString("N")[..10];
        var keeper = "keeper" + Guid.NewGuid().ToString("N")[..10];
        var leavingId = await App.CreateStorytellerAsync(projectId, lead, $"Wendy {marker}", quotes: true, credit: CreditStyle.Named,
            optionIds: [option.Id], email: $"{marker}@example.org");
        var stayingId = await App.CreateStorytellerAsync(projectId, lead, "Stan Staying", optionIds: [option.Id]);
        await ExportTests.PassageAsync(App, projectId, leavingId, $"I waited a year, {marker}", [themeId]);
        await ExportTests.PassageAsync(App, projectId, stayingId, $"I waited too, {keeper}", [themeId]);

        async Task<Dictionary<string, ExportSheet>> AllAsync()
        {
            var all = new Dictionary<string, ExportSheet>();
            foreach (var slug in Slugs)
            {
                all[slug + ".csv"] = ExportFiles.ReadCsv(await ExportFiles.DownloadAsync(api, projectId, slug, "csv"));
                all[slug + ".xlsx"] = ExportFiles.ReadXlsx(await ExportFiles.DownloadAsync(api, projectId, slug, "xlsx")).Sheet;
            }
            return all;
        }
        static string Count(ExportSheet findings, string table, string row, string column) =>
            Assert.Single(findings.Rows, r => r["Table"] == table && r["Row"] == row && r["Column"] == column)["Figure"];

        async Task<string> QdpxTextAsync()
        {
            var response = await api.GetAsync($"/api/projects/{projectId}/exports/project.qdpx");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
            var text = new System.Text.StringBuilder();
            foreach (var entry in zip.Entries)
            {
                using var reader = new StreamReader(entry.Open());
                text.Append(entry.FullName).Append('\n').Append(await reader.ReadToEndAsync()).Append('\n');
            }
            return text.ToString();
        }

        // Before: they are in every file that holds people, so the checks below can fail.
        var before = await AllAsync();
        var qdpxBefore = await QdpxTextAsync();
        Assert.Contains($"I waited a year, {marker}", qdpxBefore, StringComparison.Ordinal);
        Assert.Contains($"Wendy {marker} (storyteller {leavingId})", qdpxBefore, StringComparison.Ordinal);
        foreach (var format in new[] { "csv", "xlsx" })
        {
            Assert.Contains($"I waited a year, {marker}", before[$"coded-passages.{format}"].Column("Passage"));
            Assert.Contains($"Wendy {marker}", before[$"coded-passages.{format}"].Column("Storyteller credit"));
            Assert.Contains($"{leavingId}", before[$"storytellers.{format}"].Column("Storyteller id"));
            Assert.Contains($"{marker}@example.org", before[$"storytellers-with-contact-details.{format}"].Column("Email"));
            Assert.Equal("2", Count(before[$"findings.{format}"], "Who told the stories", "Storytellers", "Count"));
            Assert.Equal("2", Count(before[$"findings.{format}"], "Themes", "Waiting lists", "Storytellers"));
        }

        var withdrawn = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{leavingId}/withdrawal/entirely", new { confirm = true });
        Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());

        var after = await AllAsync();
        var qdpxAfter = await QdpxTextAsync();
        Assert.DoesNotContain(marker, qdpxAfter, StringComparison.Ordinal);
        Assert.Contains($"I waited too, {keeper}", qdpxAfter, StringComparison.Ordinal);
        foreach (var sheet in after.Values)
        {
            Assert.DoesNotContain(marker, sheet.AllText, StringComparison.Ordinal);
            if (sheet.Headers.Contains("Storyteller id")) Assert.DoesNotContain($"{leavingId}", sheet.Column("Storyteller id"));
        }
        foreach (var format in new[] { "csv", "xlsx" })
        {
            Assert.Equal([$"I waited too, {keeper}"], after[$"coded-passages.{format}"].Column("Passage"));
            Assert.Equal([$"{stayingId}"], after[$"storytellers.{format}"].Column("Storyteller id"));
            Assert.Equal("1", Count(after[$"findings.{format}"], "Who told the stories", "Storytellers", "Count"));
            Assert.Equal("1", Count(after[$"findings.{format}"], "Themes", "Waiting lists", "Storytellers"));
        }
    }
}
