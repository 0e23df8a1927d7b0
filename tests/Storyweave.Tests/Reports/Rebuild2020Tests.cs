using System.Net;
using System.Net.Http.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Storyweave.Features.Reports;

namespace Storyweave.Tests.Reports;

/// <summary>
/// Issue 13's measure: the 2020 Co-Pro Stories project rebuilt (the full report 001 and the short summary 004 in
/// shared/seeds): theme sections titled by a storyteller's words ("We're all people": What is co-production?),
/// with their quotes, and a short summary whose key findings name the themes and which links to the full analysis.
/// The files' structure is checked: headings, their order and levels, the link.
/// </summary>
public sealed class Rebuild2020Tests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    private static async Task<byte[]> MakeAsync(HttpClient api, int projectId, int reportId, ReportFormat format)
    {
        var queued = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/files", new { format = format.ToString() });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var file = await TestApp.WaitForReportFileAsync(api, projectId, (await queued.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!.Id);
        Assert.True(file.Status == OutputStatus.Ready, $"{format} failed: {file.Error}");
        return await api.GetByteArrayAsync(file.DownloadUrl);
    }

    [Fact]
    public async Task The_2020_full_report_has_sections_titled_by_quotes_and_its_summary_links_to_the_full_analysis()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (themes, named, pseudo, anon, _) = await App.CreateReportScenarioAsync(projectId, lead);

        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Co-Pro Stories" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var full = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/reports/{full.Id}",
            new { title = "Co-Pro Stories", version = "1.0", date = new DateOnly(2020, 11, 1) })).StatusCode);

        // Each main theme's section gets a title in a storyteller's words, as in 001, and the quotes chosen for it.
        var titles = new[]
        {
            "\u201cWe\u2019re all people\u201d: What is co-production?",
            "\u201cMutually beneficial\u201d: Why do co-production?",
            "\u201cIt\u2019s going to be messy\u201d: What are the challenges of co-production?",
        };
        for (var i = 0; i < 3; i++)
        {
            var section = full.Sections.Single(x => x.ThemeId == themes[i].Id && x.Depth == 0);
            var put = await api.PutAsJsonAsync($"/api/projects/{projectId}/reports/{full.Id}/sections/{section.Id}",
                new { title = titles[i], body = $"What the stories said about theme {i + 1}.", themeId = themes[i].Id });
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }
        foreach (var (teller, themeId) in new[] { (named, themes[0].Id), (pseudo, themes[1].Id), (anon, themes[1].Id) })
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{full.Id}/themes/{themeId}/quotes", new { passageId = teller.PassageId })).StatusCode);

        // The short summary (004): key findings for two themes, and a link to where the full report is published.
        var summaryCreated = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Summary", title = "Co-Pro Stories: summary", keyThemeIds = new[] { themes[0].Id, themes[1].Id } });
        Assert.Equal(HttpStatusCode.Created, summaryCreated.StatusCode);
        var summary = (await summaryCreated.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        var summarySection = summary.Sections.Single(x => x.Heading == "Summary");
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/reports/{summary.Id}/sections/{summarySection.Id}",
            new { title = "Summary", body = "This short report summarises the learnings from the stories." })).StatusCode);
        var pointer = summary.Sections.Single(x => x.Heading == "Read the full analysis");
        Assert.Contains("\u201cCo-Pro Stories\u201d (version 1.0)", pointer.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/reports/{summary.Id}/sections/{pointer.Id}",
            new { title = pointer.Title, body = pointer.Body + "\n\n[Read the full report](https://example.org/co-pro-stories-full)" })).StatusCode);

        // Full report, Markdown: the quote-titled sections are level-1 sections (##) in the outline's order, each with its
        // count line, writing and quotes; the contents list them.
        var md = System.Text.Encoding.UTF8.GetString(await MakeAsync(api, projectId, full.Id, ReportFormat.Markdown));
        var headings = md.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)).Select(l => l[3..]).ToList();
        var at = titles.Select(t => headings.IndexOf(t)).ToList();
        Assert.True(at.All(i => i >= 0) && at.SequenceEqual(at.Order()), string.Join(" | ", headings));
        Assert.True(headings.IndexOf("Introduction") is var intro && intro >= 0 && intro < at[0], string.Join(" | ", headings));
        var second = md[md.IndexOf("## " + titles[1], StringComparison.Ordinal)..md.IndexOf("## " + titles[2], StringComparison.Ordinal)];
        Assert.Contains("Found in", second, StringComparison.Ordinal);
        Assert.Contains("What the stories said about theme 2.", second, StringComparison.Ordinal);
        Assert.True(second.IndexOf(pseudo.Words, StringComparison.Ordinal) is var p && p > 0 && p < second.IndexOf(anon.Words, StringComparison.Ordinal), second);
        var contents = md[md.IndexOf("## Contents", StringComparison.Ordinal)..md.IndexOf("## Credits", StringComparison.Ordinal)];
        Assert.All(titles, t => Assert.Contains("- " + t + "\n", contents, StringComparison.Ordinal));

        // Full report, DOCX: the same titles are Heading 1 paragraphs, in the same order.
        using (var doc = WordprocessingDocument.Open(new MemoryStream(await MakeAsync(api, projectId, full.Id, ReportFormat.Docx)), false))
        {
            var h1 = doc.MainDocumentPart!.Document.Body!.Elements<Paragraph>()
                .Where(x => x.ParagraphProperties?.ParagraphStyleId?.Val?.Value == "Heading1").Select(x => x.InnerText).ToList();
            Assert.Equal(titles, h1.Where(titles.Contains));
        }

        // The summary: short (three sections), the key findings name the two themes, and it links to the full analysis.
        var summaryMd = System.Text.Encoding.UTF8.GetString(await MakeAsync(api, projectId, summary.Id, ReportFormat.Markdown));
        Assert.Equal(["Contents", "Summary", "Key findings", "Read the full analysis"],
            summaryMd.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)).Select(l => l[3..]).Where(h => h != "Credits"));
        var key = summaryMd[summaryMd.IndexOf("## Key findings", StringComparison.Ordinal)..summaryMd.IndexOf("## Read the full analysis", StringComparison.Ordinal)];
        Assert.Contains("- " + themes[0].Name, key, StringComparison.Ordinal);
        Assert.Contains("- " + themes[1].Name, key, StringComparison.Ordinal);
        Assert.DoesNotContain(themes[2].Name, key, StringComparison.Ordinal);
        var html = System.Text.Encoding.UTF8.GetString(await MakeAsync(api, projectId, summary.Id, ReportFormat.Html));
        Assert.Contains("<a href=\"https://example.org/co-pro-stories-full\">Read the full report</a>", html, StringComparison.Ordinal);
        Assert.Contains("\u201cCo-Pro Stories\u201d (version 1.0)", html, StringComparison.Ordinal);
    }
}
