using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Reports;
using Storyweave.Features.Review;

namespace Storyweave.Tests.Reports;

/// <summary>
/// A table the curator writes (issue 13, point 3): column headings, rows of short phrases, one quote per column, as the
/// published overview's "Value for all" shows it. Through the API and the page's plain forms, in HTML, DOCX and Markdown,
/// with the same consent checks as every report quote: a quote its storyteller no longer allows empties its cell and makes
/// the files made before out of date.
/// </summary>
public sealed partial class ReportMatrixTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    private sealed record Setup(HttpClient Api, TestApp.TestUser Lead, int ProjectId, TestApp.ReportTeller Named, TestApp.ReportTeller Pseudonym, TestApp.ReportTeller NoQuotes, int PseudonymKeyQuoteId, string Tag,
        TestApp.ReportTeller Anonymous);

    /// <summary>
    /// The report scenario plus review sheets recording value for all: two stories that may be quoted (one change repeated
    /// across them) and the no-quotes storyteller's, whose changes must never be copied into a table.
    /// </summary>
    private async Task<Setup> SetUpAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (_, named, pseudo, anonymous, noQuotes) = await App.CreateReportScenarioAsync(projectId, lead);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var keyQuoteId = await App.WithDbAsync(async db =>
        {
            async Task<int> StoryOf(int passageId) => await db.Passages.Where(p => p.Id == passageId).Select(p => p.StoryId).SingleAsync();
            var (a, b, c) = (await StoryOf(named.PassageId), await StoryOf(pseudo.PassageId), await StoryOf(noQuotes.PassageId));
            var now = DateTime.UtcNow;
            db.ReviewSheets.AddRange(
                new ReviewSheet { StoryId = a, ProjectId = projectId, UpdatedAt = now, ChangesForIndividuals = $"Growing in confidence {tag}\n- Having a voice {tag}", ChangesForOrganisations = $"Better decisions {tag}" },
                new ReviewSheet { StoryId = b, ProjectId = projectId, UpdatedAt = now, ChangesForIndividuals = $"growing in confidence {tag}", ChangesForSociety = $"A fairer society {tag}" },
                new ReviewSheet { StoryId = c, ProjectId = projectId, UpdatedAt = now, ChangesForSociety = $"Private change {tag}" });
            var quote = new KeyQuote { StoryId = b, Position = 0, StartOffset = 0, EndOffset = 6, Text = pseudo.Words, Speaker = "Teller" };
            db.KeyQuotes.Add(quote);
            await db.SaveChangesAsync();
            return quote.Id;
        });
        return new Setup(api, lead, projectId, named, pseudo, noQuotes, keyQuoteId, tag, anonymous);
    }

    private static async Task<ReportEndpoints.ReportDto> CreateAsync(Setup s, string kind)
    {
        var created = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports", new { kind, title = $"A {kind} report" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
    }

    private static async Task<ReportEndpoints.SectionDto> SectionAsync(Setup s, int reportId, int sectionId) =>
        (await s.Api.GetFromJsonAsync<List<ReportEndpoints.SectionDto>>($"/api/projects/{s.ProjectId}/reports/{reportId}/sections", Json))!.Single(x => x.Id == sectionId);

    private static Task<HttpResponseMessage> PutMatrixAsync(Setup s, int reportId, int sectionId, object matrix) =>
        s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/sections/{sectionId}", new { title = "Value for all", body = "", matrix });

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

    /// <summary>A summary (a short outline) with one table section added at the end.</summary>
    private static async Task<(int ReportId, ReportEndpoints.SectionDto Section)> ReportWithTableAsync(Setup s)
    {
        var report = await CreateAsync(s, "Summary");
        var added = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections", new { kind = "Matrix", title = "Value for all" });
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        return (report.Id, (await added.Content.ReadFromJsonAsync<ReportEndpoints.SectionDto>(Json))!);
    }

    [Fact]
    public async Task A_table_is_created_filled_from_value_for_all_edited_and_given_quotes_and_each_format_shows_a_real_table()
    {
        var s = await SetUpAsync();
        var (reportId, section) = await ReportWithTableAsync(s);
        // A new table starts with the three value-for-all levels as its headings, no rows and no quotes.
        Assert.Equal(ReportSectionKind.Matrix, section.Kind);
        Assert.Equal(["Impacts on individuals", "Impacts on organisations", "Impacts on society"], section.Matrix!.Columns);
        Assert.Empty(section.Matrix.Rows);
        Assert.Equal([null, null, null], section.Matrix.Quotes);

        // Filled from the review sheets: each change once (case ignored), a sheet's lines and "- " items as separate changes,
        // and nothing from the storyteller who does not agree to quotes.
        var fill = await s.Api.PostAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/sections/{section.Id}/matrix/fill", null);
        Assert.Equal(HttpStatusCode.OK, fill.StatusCode);
        var filled = (await fill.Content.ReadFromJsonAsync<ReportEndpoints.FillDto>(Json))!;
        var columns = Enumerable.Range(0, 3).Select(c => filled.Section.Matrix!.Rows.Select(r => r[c]).Where(x => x.Length > 0).ToList()).ToList();
        Assert.Equal([$"Growing in confidence {s.Tag}", $"Having a voice {s.Tag}"], columns[0]);
        Assert.Equal([$"Better decisions {s.Tag}"], columns[1]);
        Assert.Equal([$"A fairer society {s.Tag}"], columns[2]);
        Assert.Equal(2, filled.Rows);
        Assert.DoesNotContain($"Private change {s.Tag}", await fill.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The curator rewrites the rows and picks a quote for two columns: a coded passage and a key quote.
        var matrix = new
        {
            columns = new[] { "Impacts on individuals", "Impacts on organisations", "Impacts on society" },
            rows = new[] { new[] { "Growing in confidence", "Better informed decisions", "A fairer society" }, new[] { "Having a voice", "", "Awareness raising" } },
            quotes = new object?[] { new { passageId = s.Named.PassageId }, null, new { keyQuoteId = s.PseudonymKeyQuoteId } },
        };
        var saved = await PutMatrixAsync(s, reportId, section.Id, matrix);
        Assert.True(saved.StatusCode == HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var dto = (await saved.Content.ReadFromJsonAsync<ReportEndpoints.SectionDto>(Json))!.Matrix!;
        Assert.Equal(2, dto.Rows.Count);
        Assert.True(dto.Quotes[0]!.Included);
        Assert.Equal(s.Named.Name, dto.Quotes[0]!.Credit);
        Assert.Equal(s.Named.Words, dto.Quotes[0]!.Text);
        Assert.Null(dto.Quotes[1]);
        Assert.True(dto.Quotes[2]!.Included);
        Assert.Equal(s.PseudonymKeyQuoteId, dto.Quotes[2]!.KeyQuoteId);

        // HTML: a captioned table with a header row of column headers, the rows, then the quotes with their credits.
        var html = System.Text.Encoding.UTF8.GetString((await MakeAsync(s, reportId, ReportFormat.Html)).Bytes);
        var table = TableWithCaption().Matches(html).Select(m => m.Value).Single(t => t.Contains("Value for all</caption>", StringComparison.Ordinal));
        Assert.Contains("<thead><tr><th scope=\"col\">Impacts on individuals</th><th scope=\"col\">Impacts on organisations</th><th scope=\"col\">Impacts on society</th></tr></thead>", table, StringComparison.Ordinal);
        var rows = Regex.Matches(table[table.IndexOf("<tbody>", StringComparison.Ordinal)..], "<tr>(.*?)</tr>").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal("<td><p>Growing in confidence</p></td><td><p>Better informed decisions</p></td><td><p>A fairer society</p></td>", rows[0]);
        Assert.Contains($"\u201c{s.Named.Words}\u201d \u2014 {s.Named.Name}", rows[2], StringComparison.Ordinal);
        Assert.Contains($"\u201c{s.Pseudonym.Words}\u201d", rows[2], StringComparison.Ordinal);
        Assert.DoesNotContain("<th scope=\"row\"", table, StringComparison.Ordinal); // no column names the rows: all three are equal
        Assert.Contains("class=\"table-scroll\" role=\"region\" tabindex=\"0\"", html, StringComparison.Ordinal);

        // DOCX: a real table whose first row is a header row repeated on each page; the quote row carries the credit.
        var docx = (await MakeAsync(s, reportId, ReportFormat.Docx)).Bytes;
        using (var doc = WordprocessingDocument.Open(new MemoryStream(docx), false))
        {
            var t = doc.MainDocumentPart!.Document.Body!.Descendants<Table>().Single(x => x.Descendants<TableRow>().First().InnerText.Contains("Impacts on organisations", StringComparison.Ordinal));
            var trs = t.Elements<TableRow>().ToList();
            Assert.NotNull(trs[0].TableRowProperties?.GetFirstChild<TableHeader>());
            Assert.Equal(["Impacts on individuals", "Impacts on organisations", "Impacts on society"], trs[0].Elements<TableCell>().Select(c => c.InnerText));
            Assert.Equal(4, trs.Count);
            Assert.Equal(["Having a voice", "", "Awareness raising"], trs[2].Elements<TableCell>().Select(c => c.InnerText));
            Assert.Equal($"\u201c{s.Named.Words}\u201d \u2014 {s.Named.Name}", trs[3].Elements<TableCell>().First().InnerText);
            Assert.Equal("", trs[3].Elements<TableCell>().ElementAt(1).InnerText);
        }

        // Markdown: a pipe table with its header row.
        var md = System.Text.Encoding.UTF8.GetString((await MakeAsync(s, reportId, ReportFormat.Markdown)).Bytes);
        Assert.Contains("| Impacts on individuals | Impacts on organisations | Impacts on society |\n| --- | --- | --- |\n| Growing in confidence | Better informed decisions | A fairer society |\n| Having a voice |  | Awareness raising |\n",
            md.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"\u201c{s.Named.Words}\u201d \u2014 {s.Named.Name}", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mistakes_are_refused_with_a_clear_message_and_change_nothing()
    {
        var s = await SetUpAsync();
        var (reportId, section) = await ReportWithTableAsync(s);
        var good = new { columns = new[] { "A", "B" }, rows = new[] { new[] { "one", "two" } }, quotes = new object?[] { null, null } };
        Assert.Equal(HttpStatusCode.OK, (await PutMatrixAsync(s, reportId, section.Id, good)).StatusCode);

        async Task RefusedAsync(object matrix, string message)
        {
            var response = await PutMatrixAsync(s, reportId, section.Id, matrix);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await RefusedAsync(new { columns = new[] { "A", "B" }, rows = new[] { new[] { "only one" } }, quotes = Array.Empty<object>() }, "Row 1 has 1 cell; it needs one for each of the 2 columns");
        await RefusedAsync(new { columns = new[] { "A", " " }, rows = Array.Empty<string[]>(), quotes = Array.Empty<object>() }, "Column 2: give it a heading.");
        await RefusedAsync(new { columns = new[] { "A", "B" }, rows = new[] { new[] { "", " " } }, quotes = Array.Empty<object>() }, "Row 1 is empty.");
        await RefusedAsync(new { columns = new[] { "A", "B" }, rows = new[] { new[] { new string('x', 301), "" } }, quotes = Array.Empty<object>() }, "Row 1, column 1 (A): a cell can be at most 300 characters");
        await RefusedAsync(new { columns = Enumerable.Range(1, 7).Select(i => $"C{i}").ToArray(), rows = Array.Empty<string[]>(), quotes = Array.Empty<object>() }, "at most 6 columns");
        // A storyteller who has not agreed to quotes cannot be chosen; the message says why.
        await RefusedAsync(new { columns = new[] { "A", "B" }, rows = Array.Empty<string[]>(), quotes = new object?[] { null, new { passageId = s.NoQuotes.PassageId } } },
            "Column 2 (B), the quote: it cannot be quoted in reports");
        await RefusedAsync(new { columns = new[] { "A", "B" }, rows = Array.Empty<string[]>(), quotes = new object?[] { new { passageId = 999999 }, null } },
            "Column 1 (A), the quote: that coded passage is not in this project");
        await RefusedAsync(new { columns = new[] { "A", "B" }, rows = Array.Empty<string[]>(), quotes = new object?[] { new { passageId = s.Named.PassageId, keyQuoteId = s.PseudonymKeyQuoteId }, null } },
            "choose one coded passage or one key quote, not both");

        var after = await SectionAsync(s, reportId, section.Id);
        Assert.Equal(["A", "B"], after.Matrix!.Columns);
        Assert.Equal([["one", "two"]], after.Matrix.Rows.Select(r => r.ToList()).ToList());

        // Filling a section that is not a table, and the matrix of a section of another kind, are refused too.
        var report = await s.Api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{s.ProjectId}/reports/{reportId}", Json);
        var writing = report!.Sections.First(x => x.Kind == ReportSectionKind.Writing);
        var notTable = await s.Api.PostAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/sections/{writing.Id}/matrix/fill", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notTable.StatusCode);
        Assert.Contains("not a table you write", await notTable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(writing.Matrix);
    }

    [Fact]
    public async Task Consent_withdrawn_empties_the_quote_cell_and_makes_the_file_out_of_date()
    {
        var s = await SetUpAsync();
        var (reportId, section) = await ReportWithTableAsync(s);
        var matrix = new
        {
            columns = new[] { "Impacts on individuals", "Impacts on organisations" },
            rows = new[] { new[] { "Growing in confidence", "Better decisions" } },
            quotes = new object?[] { new { passageId = s.Anonymous.PassageId }, new { passageId = s.Pseudonym.PassageId } },
        };
        Assert.Equal(HttpStatusCode.OK, (await PutMatrixAsync(s, reportId, section.Id, matrix)).StatusCode);
        var (file, bytes) = await MakeAsync(s, reportId, ReportFormat.Markdown);
        var before = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Contains(s.Anonymous.Words, before, StringComparison.Ordinal);
        // The file relies on the quotes consent of the storyteller the table quotes: an anonymous one, whom the credits do
        // not name, so only the table's quote makes the file depend on it.
        var basis = ReportStaleness.Parse(await App.WithDbAsync(db => db.ReportFiles.Where(f => f.Id == file.Id).Select(f => f.ConsentBasis).SingleAsync()));
        Assert.Contains(basis, e => e.StorytellerId == s.Anonymous.Id && e.Uses.Contains("Quotes"));

        var consent = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/storytellers/{s.Anonymous.Id}/consent", new
        {
            recording = true,
            analysis = true,
            quotes = false,
            clips = false,
            publishStory = false,
            creditInReports = "Anonymous",
            creditInClips = "Named",
            creditOnPublicSite = "Named",
            method = "PaperForm",
            paperFormReference = "form-matrix.pdf",
        });
        Assert.Equal(HttpStatusCode.Created, consent.StatusCode);

        // The file made before is out of date, exactly as for other quotes: no download, the reason names the storyteller.
        var stale = (await s.Api.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{s.ProjectId}/report-files/{file.Id}", Json))!;
        Assert.True(stale.OutOfDate);
        Assert.Null(stale.DownloadUrl);
        Assert.Contains(s.Anonymous.Name, stale.OutOfDateReason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, (await s.Api.GetAsync(file.DownloadUrl)).StatusCode);

        // The curator is told why the quote is left out; it stays chosen (the rest of the table can still be edited).
        var dto = (await SectionAsync(s, reportId, section.Id)).Matrix!;
        Assert.False(dto.Quotes[0]!.Included);
        Assert.Equal("", dto.Quotes[0]!.Credit);
        Assert.False(string.IsNullOrEmpty(dto.Quotes[0]!.LeftOutReason));
        Assert.True(dto.Quotes[1]!.Included);
        var edited = await PutMatrixAsync(s, reportId, section.Id, matrix with { rows = new[] { new[] { "Growing in confidence", "Better informed decisions" } } });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);

        // Made again: the cell is empty, the rest of the table and the other quote are there.
        var regenerated = await s.Api.PostAsync($"/api/projects/{s.ProjectId}/report-files/{file.Id}/regenerate", null);
        Assert.Equal(HttpStatusCode.Accepted, regenerated.StatusCode);
        var fresh = await TestApp.WaitForReportFileAsync(s.Api, s.ProjectId, file.Id);
        var after = System.Text.Encoding.UTF8.GetString(await (await s.Api.GetAsync(fresh.DownloadUrl)).Content.ReadAsByteArrayAsync()).ReplaceLineEndings("\n");
        Assert.DoesNotContain(s.Anonymous.Words, after, StringComparison.Ordinal);
        Assert.Contains($"| Growing in confidence | Better informed decisions |\n|  | \u201c{s.Pseudonym.Words}\u201d", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_withdrawal_empties_the_cell_and_curator_text_is_redacted()
    {
        var s = await SetUpAsync();
        var (reportId, section) = await ReportWithTableAsync(s);
        var rule = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/redaction/rules", new { term = "Marcus", replacement = "[name]" });
        Assert.True(rule.IsSuccessStatusCode, await rule.Content.ReadAsStringAsync());
        var matrix = new
        {
            columns = new[] { "Marcus and friends", "Organisations" },
            rows = new[] { new[] { "Marcus grew in confidence", "Better decisions" } },
            quotes = new object?[] { new { passageId = s.Pseudonym.PassageId }, new { passageId = s.Named.PassageId } },
        };
        Assert.Equal(HttpStatusCode.OK, (await PutMatrixAsync(s, reportId, section.Id, matrix)).StatusCode);
        var (file, bytes) = await MakeAsync(s, reportId, ReportFormat.Html);
        var html = System.Net.WebUtility.HtmlDecode(System.Text.Encoding.UTF8.GetString(bytes));
        Assert.DoesNotContain("Marcus", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">[name] and friends</th>", html, StringComparison.Ordinal);
        Assert.Contains("[name] grew in confidence", html, StringComparison.Ordinal);
        Assert.Contains(s.Named.Words, html, StringComparison.Ordinal);

        await App.WithServiceAsync<Storyweave.Features.Withdrawal.WithdrawalService, bool>(async w =>
            (await w.WithdrawEntirelyAsync(s.ProjectId, s.Named.Id, Storyweave.Features.Withdrawal.WithdrawalActor.Lead(s.Lead.Id))).Succeeded);

        var stale = (await s.Api.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{s.ProjectId}/report-files/{file.Id}", Json))!;
        Assert.True(stale.OutOfDate);
        var dto = (await SectionAsync(s, reportId, section.Id)).Matrix!;
        Assert.False(dto.Quotes[1]!.Included);
        var (_, again) = await MakeAsync(s, reportId, ReportFormat.Html);
        var fresh = System.Net.WebUtility.HtmlDecode(System.Text.Encoding.UTF8.GetString(again));
        Assert.DoesNotContain(s.Named.Words, fresh, StringComparison.Ordinal);
        Assert.Contains(s.Pseudonym.Words, fresh, StringComparison.Ordinal);
        Assert.Matches("<td></td></tr>\n?</tbody>", fresh);
    }

    [Fact]
    public async Task The_overview_template_starts_value_for_all_as_a_filled_table()
    {
        var s = await SetUpAsync();
        var overview = await CreateAsync(s, "Overview");
        var value = Assert.Single(overview.Sections, x => x.Heading == "Value for all");
        Assert.Equal(ReportSectionKind.Matrix, value.Kind);
        Assert.Equal(["Impacts on individuals", "Impacts on organisations", "Impacts on society"], value.Matrix!.Columns);
        Assert.Equal([$"Growing in confidence {s.Tag}", $"Better decisions {s.Tag}", $"A fairer society {s.Tag}"], value.Matrix.Rows[0]);
        var md = System.Text.Encoding.UTF8.GetString((await MakeAsync(s, overview.Id, ReportFormat.Markdown)).Bytes);
        Assert.Contains($"| Growing in confidence {s.Tag} | Better decisions {s.Tag} | A fairer society {s.Tag} |", md, StringComparison.Ordinal);
        Assert.DoesNotContain($"Private change {s.Tag}", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_edits_rows_and_quotes_with_plain_forms_and_keeps_what_was_typed_after_a_mistake()
    {
        var s = await SetUpAsync();
        var (reportId, section) = await ReportWithTableAsync(s);
        var browser = await App.SignInAsync(s.Lead);
        var page = $"/projects/{s.ProjectId}/reports/{reportId}";
        var action = $"{page}?handler=Matrix{{0}}&sectionId={section.Id}";

        var added = await PostAsync(browser, page, string.Format(System.Globalization.CultureInfo.InvariantCulture, action, "Row"), [("cells", "Growing in confidence"), ("cells", ""), ("cells", "A fairer society")]);
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Contains($"table={section.Id}", added.Headers.Location!.ToString(), StringComparison.Ordinal);
        await PostAsync(browser, page, string.Format(System.Globalization.CultureInfo.InvariantCulture, action, "Row"), [("cells", "Having a voice"), ("cells", "Less waste"), ("cells", "")]);
        var moved = await PostAsync(browser, page, string.Format(System.Globalization.CultureInfo.InvariantCulture, action, "MoveRow") + "&row=1", [("direction", "up")]);
        Assert.Equal(HttpStatusCode.Redirect, moved.StatusCode);
        var quotes = await PostAsync(browser, page, string.Format(System.Globalization.CultureInfo.InvariantCulture, action, "Quotes"), [("quotes", $"p{s.Named.PassageId}"), ("quotes", ""), ("quotes", $"k{s.PseudonymKeyQuoteId}")]);
        Assert.Equal(HttpStatusCode.Redirect, quotes.StatusCode);
        var dto = (await SectionAsync(s, reportId, section.Id)).Matrix!;
        Assert.Equal(["Having a voice", "Less waste", ""], dto.Rows[0]);
        Assert.Equal(["Growing in confidence", "", "A fairer society"], dto.Rows[1]);
        Assert.Equal(s.Named.PassageId, dto.Quotes[0]!.PassageId);
        Assert.Equal(s.PseudonymKeyQuoteId, dto.Quotes[2]!.KeyQuoteId);

        // A row left empty is refused at the row, with what was typed in the other rows untouched; a too-long cell keeps its words.
        var longCell = "Typed words to keep " + new string('x', 300);
        var bad = await PostAsync(browser, page, string.Format(System.Globalization.CultureInfo.InvariantCulture, action, "Row") + "&row=0", [("cells", longCell), ("cells", "b"), ("cells", "c")]);
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        var html = await bad.Content.ReadAsStringAsync();
        Assert.Contains("<title>Error:", html, StringComparison.Ordinal);
        var rowStart = html.IndexOf($"id=\"matrix-{section.Id}-row-0\"", StringComparison.Ordinal);
        Assert.True(rowStart > 0);
        var summary = html.IndexOf("error-summary", rowStart, StringComparison.Ordinal);
        Assert.True(summary > rowStart && summary < html.IndexOf($"id=\"matrix-{section.Id}-row-1\"", StringComparison.Ordinal), "the error is shown at the row");
        Assert.Contains("a cell can be at most 300 characters", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{longCell}\"", html, StringComparison.Ordinal);
        // The report's details form above still shows the report's title (another form's mistake must not empty it).
        var title = await App.WithDbAsync(db => db.Reports.Where(r => r.Id == reportId).Select(r => r.Title).SingleAsync());
        Assert.Contains($"name=\"Texts.Title\" value=\"{System.Net.WebUtility.HtmlEncode(title)}\"", html, StringComparison.Ordinal);
        Assert.Matches($"<details class=\"matrix-edit\" id=\"matrix-{section.Id}\" open", html);
        // A quote the storyteller has not agreed to is refused at the quotes form.
        var refused = await PostAsync(browser, page, string.Format(System.Globalization.CultureInfo.InvariantCulture, action, "Quotes"), [("quotes", $"p{s.NoQuotes.PassageId}"), ("quotes", ""), ("quotes", "")]);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("it cannot be quoted in reports", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(s.Named.PassageId, (await SectionAsync(s, reportId, section.Id)).Matrix!.Quotes[0]!.PassageId);

        // Column headings are edited with the section: an emptied one removes its column, a new one adds a column.
        var columns = await PostAsync(browser, page, $"{page}?handler=SaveSection&sectionId={section.Id}",
            [("heading", "Value for all"), ("body", ""), ("columns", "For people"), ("columns", ""), ("columns", "For society"), ("newColumn", "For places")]);
        Assert.Equal(HttpStatusCode.Redirect, columns.StatusCode);
        dto = (await SectionAsync(s, reportId, section.Id)).Matrix!;
        Assert.Equal(["For people", "For society", "For places"], dto.Columns);
        Assert.Equal(["Having a voice", "", ""], dto.Rows[0]);
        Assert.Equal(s.PseudonymKeyQuoteId, dto.Quotes[1]!.KeyQuoteId);

        var deleted = await PostAsync(browser, page, string.Format(System.Globalization.CultureInfo.InvariantCulture, action, "DeleteRow") + "&row=0", []);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Single((await SectionAsync(s, reportId, section.Id)).Matrix!.Rows);
    }

    /// <summary>Posts a page form whose fields may repeat (one "cells" per column), with the page's antiforgery token.</summary>
    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string page, string action, IEnumerable<(string Name, string Value)> fields)
    {
        var html = await client.GetStringAsync(page);
        var token = Antiforgery().Match(html);
        Assert.True(token.Success, "no antiforgery token on the page");
        var form = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value)));
        return await client.PostAsync(action, new FormUrlEncodedContent(form));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    [GeneratedRegex("<table>.*?</table>", RegexOptions.Singleline)]
    private static partial Regex TableWithCaption();
}
