using System.Net;
using System.Net.Http.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.EntityFrameworkCore;
using SkiaSharp;
using Storyweave.Features.Reports;
using Storyweave.Features.Review;
using Wp = DocumentFormat.OpenXml.Drawing.Wordprocessing;

namespace Storyweave.Tests.Reports;

/// <summary>
/// Reports as documents (issue 13, points 6, 5 and 3): charts and tables in every format, credits and contents,
/// and the curated matrix block. Everything through the API and the files a user downloads.
/// </summary>
public sealed class ReportDocumentTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    private sealed record Setup(HttpClient Api, TestApp.TestUser Lead, int ProjectId, IReadOnlyList<(int Id, string Name)> Themes,
        TestApp.ReportTeller Named, TestApp.ReportTeller Pseudonym, TestApp.ReportTeller Anonymous, TestApp.ReportTeller NoQuotes);

    private async Task<Setup> SetUpAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (themes, named, pseudo, anon, noQuotes) = await App.CreateReportScenarioAsync(projectId, lead);
        return new Setup(api, lead, projectId, themes, named, pseudo, anon, noQuotes);
    }

    private static async Task<ReportEndpoints.ReportDto> CreateAsync(Setup s, string kind)
    {
        var created = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports", new { kind, title = $"A {kind} report" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
    }

    private static async Task<ReportEndpoints.SectionDto> AddSectionAsync(Setup s, int reportId, object section)
    {
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/sections", section);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ReportEndpoints.SectionDto>(Json))!;
    }

    private static async Task<(ReportEndpoints.FileDto File, byte[] Bytes)> MakeAsync(Setup s, int reportId, ReportFormat format)
    {
        var queued = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/files", new { format = format.ToString() });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var file = await TestApp.WaitForReportFileAsync(s.Api, s.ProjectId, (await queued.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!.Id);
        Assert.True(file.Status == OutputStatus.Ready, $"{format} failed: {file.Error}");
        var download = await s.Api.GetAsync(file.DownloadUrl);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        return (file, await download.Content.ReadAsByteArrayAsync());
    }

    private static string Utf8(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    private static void AssertValid(WordprocessingDocument doc)
    {
        var errors = new OpenXmlValidator().Validate(doc).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path?.XPath}: {e.Description}")));
    }

    /// <summary>Review sheets for the four stories (two positive, one negative, one mixed) and the guard set to 1, so every bar is drawn.</summary>
    private async Task RecordExperiencesAsync(Setup s)
    {
        await App.WithDbAsync(async db =>
        {
            var stories = await db.Stories.Where(x => x.ProjectId == s.ProjectId).OrderBy(x => x.Id).Select(x => x.Id).ToListAsync();
            var experiences = new[] { Experience.Positive, Experience.Positive, Experience.Negative, Experience.Mixed };
            for (var i = 0; i < stories.Count; i++)
                db.ReviewSheets.Add(new ReviewSheet { StoryId = stories[i], ProjectId = s.ProjectId, Experience = experiences[i], IsComplete = true, UpdatedAt = DateTime.UtcNow });
            await db.Projects.Where(p => p.Id == s.ProjectId).ExecuteUpdateAsync(p => p.SetProperty(x => x.SmallNumberThreshold, 1));
            return await db.SaveChangesAsync();
        });
    }

    [Fact]
    public async Task A_chart_is_a_described_picture_in_docx_a_table_of_figures_in_markdown_and_tables_mark_their_header_rows()
    {
        var s = await SetUpAsync();
        await RecordExperiencesAsync(s);
        var report = await CreateAsync(s, "Summary");
        await AddSectionAsync(s, report.Id, new { kind = "Figure", title = "How the stories felt", setting = ReportFigures.Experience });
        await AddSectionAsync(s, report.Id, new { kind = "Figure", title = "Themes in numbers", setting = ReportFigures.ThemeCounts });

        // Markdown has no pictures: the chart's text alternative and a table of its figures.
        var md = Utf8((await MakeAsync(s, report.Id, ReportFormat.Markdown)).Bytes);
        const string alt = "Bar chart: Stories by the experience their review sheet records (of 4 stories). Positive: 2; Negative: 1; Mixed: 1; Not said: 0.";
        Assert.Contains(alt, md, StringComparison.Ordinal);
        Assert.Contains("| Answer | Stories |\n| --- | --- |\n| Positive | 2 |\n| Negative | 1 |\n| Mixed | 1 |\n| Not said | 0 |", md, StringComparison.Ordinal);

        // DOCX: the chart is a PNG picture whose description is the text alternative, with a caption; the file validates.
        var docx = (await MakeAsync(s, report.Id, ReportFormat.Docx)).Bytes;
        using var doc = WordprocessingDocument.Open(new MemoryStream(docx), false);
        AssertValid(doc);
        var main = doc.MainDocumentPart!;
        var body = main.Document.Body!;
        var drawing = Assert.Single(body.Descendants<Drawing>());
        var docPr = drawing.Descendants<Wp.DocProperties>().Single();
        Assert.Equal(alt, docPr.Description?.Value);
        // The SVG's shape (700 × 128 CSS pixels for 4 bars), scaled to the text width of an A4 page (9026 twips, 635 EMU each).
        var extent = drawing.Descendants<Wp.Extent>().Single();
        Assert.Equal((9026L * 635, 9026L * 635 * 128 / 700), (extent.Cx!.Value, extent.Cy!.Value));
        var blip = drawing.Descendants<DocumentFormat.OpenXml.Drawing.Blip>().Single();
        var image = (ImagePart)main.GetPartById(blip.Embed!.Value!);
        Assert.Equal("image/png", image.ContentType);
        using (var stream = image.GetStream())
        using (var bitmap = SKBitmap.Decode(stream))
        {
            // Drawn at twice the size, from the same bars as the SVG: the first (Positive, the longest) bar is the chart's green.
            Assert.Equal((1400, 256), (bitmap.Width, bitmap.Height));
            Assert.Equal(SKColor.Parse("#1f5c4a"), bitmap.GetPixel(2 * 265, 2 * 20));
            Assert.Equal(SKColors.White, bitmap.GetPixel(2 * 100, 2 * 4));
        }
        var pictureParagraph = drawing.Ancestors<Paragraph>().Single();
        var caption = Assert.IsType<Paragraph>(pictureParagraph.NextSibling());
        Assert.Equal("Caption", caption.ParagraphProperties?.ParagraphStyleId?.Val?.Value);
        Assert.StartsWith("Figure 1: Stories by the experience", caption.InnerText, StringComparison.Ordinal);

        // Every table's first row is a header row repeated on each page; no cell asks Word to break words.
        var tables = body.Descendants<Table>().ToList();
        Assert.NotEmpty(tables);
        foreach (var table in tables)
        {
            var first = table.Elements<TableRow>().First();
            Assert.NotNull(first.TableRowProperties?.GetFirstChild<TableHeader>());
            Assert.All(table.Elements<TableRow>().Skip(1), r => Assert.Null(r.TableRowProperties?.GetFirstChild<TableHeader>()));
        }
        Assert.Empty(body.Descendants<NoWrap>());
        Assert.DoesNotContain("wordWrap", main.Document.OuterXml, StringComparison.Ordinal);
        // Column widths come from the content: the theme column (long names) is wider than the number columns, and every
        // column fits its longest word.
        var themeTable = tables.Single(t => t.InnerText.Contains("Coded passages", StringComparison.Ordinal));
        var widths = themeTable.GetFirstChild<TableGrid>()!.Elements<GridColumn>().Select(g => int.Parse(g.Width!.Value!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, widths.Count);
        Assert.True(widths[0] > widths[1], string.Join(", ", widths));
        Assert.True(widths[2] >= 200 + 140 * "Storytellers".Length && widths[3] >= 200 + 140 * "passages".Length, string.Join(", ", widths));

        // HTML (and the PDF printed from it): header cells with scope, the chart's SVG with its alternative, no mid-word breaks.
        var html = Utf8((await MakeAsync(s, report.Id, ReportFormat.Html)).Bytes);
        Assert.Contains("<th scope=\"col\">Theme</th>", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"row\">", html, StringComparison.Ordinal);
        Assert.Contains($"role=\"img\" aria-label=\"{System.Net.WebUtility.HtmlEncode(alt).Replace("&#39;", "&#x27;", StringComparison.Ordinal)}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("break-all", html, StringComparison.Ordinal);
        Assert.DoesNotContain("overflow-wrap: anywhere", html, StringComparison.Ordinal);
        Assert.Contains("word-break: normal", html, StringComparison.Ordinal);
        Assert.Contains("hyphens: manual", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partners_round_trip_through_the_api_and_the_page_and_every_format_credits_them_with_the_version_and_date()
    {
        var s = await SetUpAsync();
        var report = await CreateAsync(s, "Summary");
        var url = $"/api/projects/{s.ProjectId}/reports/{report.Id}/partners";
        object[] partners =
        [
            new { name = "Fairshare Fund", role = "Funded by", link = "https://fund.example.org/" },
            new { name = "Riverside Recovery Network", role = "In partnership with", link = "" },
        ];
        var put = await s.Api.PutAsJsonAsync(url, new { partners });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var listed = (await s.Api.GetFromJsonAsync<List<ReportEndpoints.PartnerDto>>(url, Json))!;
        Assert.Equal([("Fairshare Fund", "Funded by", "https://fund.example.org/"), ("Riverside Recovery Network", "In partnership with", "")],
            listed.Select(p => (p.Name, p.Role, p.Link)));
        // A mistake names the partner and what to do; nothing changes.
        var bad = await s.Api.PutAsJsonAsync(url, new { partners = new object[] { new { name = "Ok Org", role = "Funded by", link = "javascript:alert(1)" }, new { name = "", role = "Funded by" } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("Partner 1: The web address must be a full address starting with https://", problem, StringComparison.Ordinal);
        Assert.Contains("Partner 2: Give the organisation", problem, StringComparison.Ordinal);
        Assert.Equal(2, (await s.Api.GetFromJsonAsync<List<ReportEndpoints.PartnerDto>>(url, Json))!.Count);

        // The page: add one (a mistake first keeps what was typed), remove one.
        var page = $"/projects/{s.ProjectId}/reports/{report.Id}";
        var browser = await App.SignInAsync(s.Lead);
        var wrong = await TestApp.PostFormAsync(browser, page, new() { ["partnerName"] = "City Council", ["partnerRole"] = "Commissioned by", ["partnerLink"] = "council dot example" }, page + "?handler=AddPartner");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        var wrongHtml = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("The web address must be a full address", wrongHtml, StringComparison.Ordinal);
        Assert.Contains("value=\"council dot example\"", wrongHtml, StringComparison.Ordinal);
        var added = await TestApp.PostFormAsync(browser, page, new() { ["partnerName"] = "City Council", ["partnerRole"] = "Commissioned by", ["partnerLink"] = "" }, page + "?handler=AddPartner");
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        listed = (await s.Api.GetFromJsonAsync<List<ReportEndpoints.PartnerDto>>(url, Json))!;
        Assert.Equal(["Fairshare Fund", "Riverside Recovery Network", "City Council"], listed.Select(p => p.Name));
        var remove = await TestApp.PostFormAsync(browser, page, [], $"{page}?handler=RemovePartner&partnerId={listed[1].Id}");
        Assert.Equal(HttpStatusCode.Redirect, remove.StatusCode);
        Assert.Equal(["Fairshare Fund", "City Council"], (await s.Api.GetFromJsonAsync<List<ReportEndpoints.PartnerDto>>(url, Json))!.Select(p => p.Name));
        Assert.Contains("Commissioned by <strong>City Council</strong>", await browser.GetStringAsync(page), StringComparison.Ordinal);

        var version = await App.WithDbAsync(db => db.Reports.Where(r => r.Id == report.Id).Select(r => r.ContentVersion).SingleAsync());
        var today = DateTime.UtcNow.ToString("d MMMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-GB"));
        var versionLine = $"This is version 1.0 of this report (edit {version}), made on {today}.";

        var md = Utf8((await MakeAsync(s, report.Id, ReportFormat.Markdown)).Bytes);
        Assert.Contains("- Funded by [Fairshare Fund](<https://fund.example.org/>)\n- Commissioned by City Council\n", md, StringComparison.Ordinal);
        Assert.Contains(versionLine, md, StringComparison.Ordinal);
        Assert.DoesNotContain("Riverside", md, StringComparison.Ordinal);

        var html = Utf8((await MakeAsync(s, report.Id, ReportFormat.Html)).Bytes);
        Assert.Contains("<li>Funded by <a href=\"https://fund.example.org/\">Fairshare Fund</a></li>\n<li>Commissioned by City Council</li>", html, StringComparison.Ordinal);
        Assert.Contains(versionLine, html, StringComparison.Ordinal);

        var docx = (await MakeAsync(s, report.Id, ReportFormat.Docx)).Bytes;
        using var doc = WordprocessingDocument.Open(new MemoryStream(docx), false);
        AssertValid(doc);
        var paragraphs = doc.MainDocumentPart!.Document.Body!.Elements<Paragraph>().ToList();
        var funded = paragraphs.Single(p => p.InnerText == "Funded by Fairshare Fund");
        var link = Assert.Single(funded.Elements<Hyperlink>());
        Assert.Equal(new Uri("https://fund.example.org/"), doc.MainDocumentPart.HyperlinkRelationships.Single(r => r.Id == link.Id).Uri);
        Assert.Contains(paragraphs, p => p.InnerText == "Commissioned by City Council");
        Assert.Contains(paragraphs, p => p.InnerText == versionLine);
    }

    /// <summary>The text of each page of a PDF (pdftotext keeps pages apart with form feeds), page 1 first.</summary>
    private static async Task<List<string>> PdfPagesAsync(byte[] pdf)
    {
        var path = Path.Combine(Path.GetTempPath(), $"report-pages-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("pdftotext", ["-layout", path, "-"]) { RedirectStandardOutput = true })!;
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            return text.Split('\f').Select(p => System.Text.RegularExpressions.Regex.Replace(p, @"[ \t]+", " ")).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_contents_are_nested_in_every_format_and_the_pdf_gives_the_page_each_sub_section_is_printed_on()
    {
        var s = await SetUpAsync();
        var report = await CreateAsync(s, "Summary");
        var body = string.Join("\n\n", Enumerable.Range(1, 14).Select(i => $"Paragraph {i} of the long part. " + string.Concat(Enumerable.Repeat("These words fill the page so that the sections land on different pages of the file. ", 6))));
        var first = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "First long part", body });
        var second = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "Second long part", body });
        var sub = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "Details of the second part", body, afterSectionId = second.Id });
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections/{sub.Id}/move", new { direction = "in" })).StatusCode);
        var subSub = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "Finer details", body = "A short closing note.", afterSectionId = sub.Id });
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections/{subSub.Id}/move", new { direction = "in" })).StatusCode);
        Assert.Equal(2, (await s.Api.GetFromJsonAsync<List<ReportEndpoints.SectionDto>>($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections", Json))!.Single(x => x.Id == subSub.Id).Depth);

        var html = Utf8((await MakeAsync(s, report.Id, ReportFormat.Html)).Bytes);
        var nav = html[html.IndexOf("<nav", StringComparison.Ordinal)..(html.IndexOf("</nav>", StringComparison.Ordinal))];
        Assert.Matches(@"Second long part</span></a>\n<ol>\n<li><a href=""#s\d+""><span class=""toc-text"">Details of the second part</span></a>\n<ol>\n<li><a href=""#s\d+""><span class=""toc-text"">Finer details</span></a></li>\n</ol>\n</li>\n</ol>\n</li>", nav);
        var md = Utf8((await MakeAsync(s, report.Id, ReportFormat.Markdown)).Bytes);
        Assert.Contains("- Second long part\n  - Details of the second part\n    - Finer details\n", md, StringComparison.Ordinal);

        var docx = (await MakeAsync(s, report.Id, ReportFormat.Docx)).Bytes;
        using (var doc = WordprocessingDocument.Open(new MemoryStream(docx), false))
        {
            AssertValid(doc);
            Assert.Contains(doc.MainDocumentPart!.Document.Body!.Descendants<FieldCode>(), f => f.Text.Contains("TOC \\o \"1-3\"", StringComparison.Ordinal));
            Assert.True(doc.MainDocumentPart.DocumentSettingsPart!.Settings.GetFirstChild<UpdateFieldsOnOpen>()?.Val?.Value);
            Assert.Contains(doc.MainDocumentPart.Document.Body.Elements<Paragraph>(), p => p.ParagraphProperties?.ParagraphStyleId?.Val?.Value == "TOC3" && p.InnerText.Contains("Finer details", StringComparison.Ordinal));
        }

        var pages = await PdfPagesAsync((await MakeAsync(s, report.Id, ReportFormat.Pdf)).Bytes);
        Assert.True(pages.Count >= 4, $"{pages.Count} pages");
        var contentsPage = pages.FindIndex(p => p.Contains("Contents", StringComparison.Ordinal));
        Assert.True(contentsPage >= 0);
        foreach (var title in new[] { "First long part", "Details of the second part", "Finer details" })
        {
            var entry = System.Text.RegularExpressions.Regex.Match(pages[contentsPage], System.Text.RegularExpressions.Regex.Escape(title) + @"\s+(\d+)");
            Assert.True(entry.Success, $"No page number beside \u201c{title}\u201d in the contents:\n{pages[contentsPage]}");
            var printedOn = pages.FindIndex(contentsPage + 1, p => p.Contains(title, StringComparison.Ordinal)) + 1;
            Assert.Equal(printedOn, int.Parse(entry.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            // The page itself carries that number at its foot.
            Assert.Matches(@"\s" + printedOn + @"\s*$", pages[printedOn - 1]);
        }
        Assert.NotEqual(
            int.Parse(System.Text.RegularExpressions.Regex.Match(pages[contentsPage], @"First long part\s+(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(System.Text.RegularExpressions.Regex.Match(pages[contentsPage], @"Finer details\s+(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
