using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Reports;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Reports;

/// <summary>Reports through the API with the real database, the real background worker and Debian's Chromium.</summary>
public sealed class ReportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    private sealed record Setup(int ProjectId, TestApp.TestUser Lead, HttpClient Api, int ReportId,
        IReadOnlyList<(int Id, string Name)> Themes, TestApp.ReportTeller Named, TestApp.ReportTeller Pseudonym, TestApp.ReportTeller Anonymous, TestApp.ReportTeller NoQuotes);

    private async Task<Setup> SetUpAsync(ReportKind kind = ReportKind.Full)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (themes, named, pseudo, anon, noQuotes) = await App.CreateReportScenarioAsync(projectId, lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = kind.ToString(), title = "What the stories told us" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var report = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        foreach (var teller in new[] { named, pseudo, anon, noQuotes })
        {
            var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{report.Id}/themes/{teller.ThemeId}/quotes", new { passageId = teller.PassageId });
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }
        return new Setup(projectId, lead, api, report.Id, themes, named, pseudo, anon, noQuotes);
    }

    private static async Task<ReportEndpoints.FileDto> GenerateAsync(Setup s, ReportFormat format)
    {
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/files", new { format = format.ToString() });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!;
        Assert.Contains(queued.Status, new[] { OutputStatus.Queued, OutputStatus.Running, OutputStatus.Ready });
        var file = await TestApp.WaitForReportFileAsync(s.Api, s.ProjectId, queued.Id);
        Assert.True(file.Status == OutputStatus.Ready, $"{format} failed: {file.Error}");
        Assert.Equal(1.0, file.Progress);
        Assert.Equal("Ready", file.ProgressText);
        Assert.NotNull(file.DownloadUrl);
        return file;
    }

    private static async Task<byte[]> DownloadAsync(HttpClient client, ReportEndpoints.FileDto file)
    {
        var response = await client.GetAsync(file.DownloadUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task A_quote_without_quotes_consent_never_appears_and_each_credit_shows_as_chosen_in_every_format()
    {
        var s = await SetUpAsync();

        // The curator is told why the picked quote is left out.
        var report = (await s.Api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{s.ProjectId}/reports/{s.ReportId}", Json))!;
        var leftOut = report.Themes.SelectMany(t => t.Quotes).Single(q => q.PassageId == s.NoQuotes.PassageId);
        Assert.False(leftOut.Included);
        Assert.Equal("The storyteller has not agreed to: quotes in reports.", leftOut.LeftOutReason);
        Assert.Equal(3, report.Themes.SelectMany(t => t.Quotes).Count(q => q.Included));

        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            var file = await GenerateAsync(s, format);
            var text = await TestApp.ReportTextAsync(format, await DownloadAsync(s.Api, file));

            Assert.DoesNotContain(s.NoQuotes.Words, text);
            Assert.DoesNotContain("Noel", text);
            Assert.Contains(s.Named.Words, text);
            Assert.Contains(s.Named.Name, text);
            Assert.Contains(s.Pseudonym.Words, text);
            Assert.Contains("Pat Pseudo", text);
            Assert.DoesNotContain("Paula", text);
            Assert.Contains(s.Anonymous.Words, text);
            Assert.Contains("Anonymous storyteller", text);
            Assert.DoesNotContain("Anna", text);
            // Every theme heading, in codebook order.
            var positions = s.Themes.Select(t => text.LastIndexOf(t.Name, StringComparison.Ordinal)).ToList();
            Assert.All(positions, p => Assert.True(p >= 0, $"{format}: a theme heading is missing"));
            Assert.Equal(positions.Order().ToList(), positions);

            var basis = await App.WithDbAsync(db => db.ReportFiles.Where(f => f.Id == file.Id).Select(f => f.ConsentBasis).SingleAsync());
            var entries = ReportStaleness.Parse(basis);
            Assert.Contains(entries, e => e.StorytellerId == s.Named.Id && e.Uses.Contains("Quotes") && e.CreditShown == s.Named.Name && e.ConsentRecordId > 0);
            Assert.Contains(entries, e => e.StorytellerId == s.Pseudonym.Id && e.CreditShown == "Pat Pseudo");
            Assert.DoesNotContain(entries, e => e.StorytellerId == s.NoQuotes.Id && e.Uses.Contains("Quotes"));
        }
    }

    [Fact]
    public async Task Stories_brought_in_without_a_session_are_counted_without_saying_in_0_sessions()
    {
        var s = await SetUpAsync();
        Assert.Equal(0, await App.WithDbAsync(db => db.Sessions.CountAsync(x => x.ProjectId == s.ProjectId)));

        var text = System.Text.Encoding.UTF8.GetString(await DownloadAsync(s.Api, await GenerateAsync(s, ReportFormat.Markdown)));

        Assert.Matches(@"storytellers? told [^.\n]* stor(y|ies)\.", text);
        Assert.DoesNotContain("0 sessions", text, StringComparison.Ordinal);
        Assert.DoesNotContain("one-to-one", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_docx_has_real_heading_and_caption_styles_a_contents_field_and_passes_the_open_xml_validator()
    {
        var s = await SetUpAsync(ReportKind.Overview);
        var docxBytes = await DownloadAsync(s.Api, await GenerateAsync(s, ReportFormat.Docx));
        using var doc = WordprocessingDocument.Open(new MemoryStream(docxBytes), false);
        var errors = new OpenXmlValidator().Validate(doc).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path?.XPath}: {e.Description}")));

        var styles = doc.MainDocumentPart!.StyleDefinitionsPart!.Styles!.Elements<Style>().ToDictionary(x => x.StyleId!.Value!);
        foreach (var id in new[] { "Heading1", "Heading2", "Heading3", "Caption", "Title" }) Assert.True(styles.ContainsKey(id), $"style {id} is missing");
        Assert.Equal(0, styles["Heading1"].StyleParagraphProperties!.OutlineLevel!.Val!.Value);
        var body = doc.MainDocumentPart.Document.Body!;
        Assert.Contains(body.Descendants<FieldCode>(), f => f.Text.Contains("TOC", StringComparison.Ordinal));
        var headings = body.Descendants<Paragraph>().Where(p => p.ParagraphProperties?.ParagraphStyleId?.Val?.Value == "Heading1").Select(p => p.InnerText).ToList();
        Assert.Contains("What did we find out?", headings);
        // The overview's key findings: each featured theme is a sub-section (Heading 2) of "What did we find out?", with its quotes.
        var themeHeadings = body.Descendants<Paragraph>().Where(p => p.ParagraphProperties?.ParagraphStyleId?.Val?.Value == "Heading2").Select(p => p.InnerText).ToList();
        Assert.Equal(s.Themes.Select(t => t.Name), themeHeadings.Where(h => s.Themes.Any(t => t.Name == h)));
        Assert.Contains(body.Descendants<Paragraph>(), p => p.ParagraphProperties?.ParagraphStyleId?.Val?.Value == "Quote" && p.InnerText.Contains(s.Named.Words, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_pdf_has_selectable_text_with_theme_headings_in_order_and_an_outline()
    {
        var s = await SetUpAsync();
        var pdf = await DownloadAsync(s.Api, await GenerateAsync(s, ReportFormat.Pdf));
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        var raw = System.Text.Encoding.Latin1.GetString(pdf);
        Assert.Contains("/Outlines", raw, StringComparison.Ordinal);
        var text = await TestApp.PdfToTextAsync(pdf);
        var headingPositions = s.Themes.Select(t => text.IndexOf(t.Name + " Found in", StringComparison.Ordinal)).ToList();
        Assert.All(headingPositions, p => Assert.True(p >= 0, "a theme heading is missing from the PDF text:\n" + text));
        Assert.Equal(headingPositions.Order().ToList(), headingPositions);
    }

    [Fact]
    public async Task Changing_consent_marks_affected_files_out_of_date_blocks_download_and_regenerate_makes_an_allowed_file()
    {
        var s = await SetUpAsync();
        var md = await GenerateAsync(s, ReportFormat.Markdown);
        var html = await GenerateAsync(s, ReportFormat.Html);
        Assert.Contains(s.Named.Words, System.Text.Encoding.UTF8.GetString(await DownloadAsync(s.Api, md)));

        // Nadia withdraws quotes, through the consent API (the hook in ConsentService marks the files).
        var consent = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/storytellers/{s.Named.Id}/consent", new
        {
            recording = true,
            analysis = true,
            quotes = false,
            clips = false,
            publishStory = false,
            creditInReports = "Named",
            creditInClips = "Named",
            creditOnPublicSite = "Named",
            method = "PaperForm",
            paperFormReference = "form-2.pdf",
        });
        Assert.Equal(HttpStatusCode.Created, consent.StatusCode);

        foreach (var file in new[] { md, html })
        {
            var after = (await s.Api.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{s.ProjectId}/report-files/{file.Id}", Json))!;
            Assert.True(after.OutOfDate);
            Assert.Null(after.DownloadUrl);
            Assert.Contains(s.Named.Name, after.OutOfDateReason);
            Assert.Contains("quotes in reports", after.OutOfDateReason);
            var blocked = await s.Api.GetAsync(file.DownloadUrl);
            Assert.Equal(HttpStatusCode.Gone, blocked.StatusCode);
            Assert.Contains("out of date", await blocked.Content.ReadAsStringAsync());
        }
        var stored = await App.WithDbAsync(db => db.ReportFiles.Where(f => f.Id == md.Id).Select(f => f.StoredName).SingleAsync());
        Assert.Null(stored); // the words that may no longer be shown are gone from the disk too

        var regenerated = await s.Api.PostAsync($"/api/projects/{s.ProjectId}/report-files/{md.Id}/regenerate", null);
        Assert.Equal(HttpStatusCode.Accepted, regenerated.StatusCode);
        var fresh = await TestApp.WaitForReportFileAsync(s.Api, s.ProjectId, md.Id);
        Assert.False(fresh.OutOfDate);
        var text = System.Text.Encoding.UTF8.GetString(await DownloadAsync(s.Api, fresh));
        Assert.DoesNotContain(s.Named.Words, text);
        Assert.DoesNotContain(s.Named.Name, text);
        Assert.Contains(s.Pseudonym.Words, text);
    }

    [Fact]
    public async Task A_credit_change_or_an_embargo_found_only_at_download_time_still_blocks_the_file()
    {
        var s = await SetUpAsync();
        var md = await GenerateAsync(s, ReportFormat.Markdown);
        var html = await GenerateAsync(s, ReportFormat.Html);

        // Written straight to the database, bypassing every hook: the download itself must notice.
        await App.WithDbAsync(async db =>
        {
            db.ConsentRecords.Add(new ConsentRecord
            {
                ProjectId = s.ProjectId,
                StorytellerId = s.Pseudonym.Id,
                Recording = true,
                Analysis = true,
                Quotes = true,
                CreditInReports = CreditStyle.Named,
                Method = ConsentMethod.PaperForm,
                PaperFormReference = "x",
                GivenAt = DateTime.UtcNow,
                RecordedAt = DateTime.UtcNow,
            });
            return await db.SaveChangesAsync();
        });
        var blocked = await s.Api.GetAsync(md.DownloadUrl);
        Assert.Equal(HttpStatusCode.Gone, blocked.StatusCode);
        Assert.Contains("changed how they want to be credited", await blocked.Content.ReadAsStringAsync());

        await App.WithDbAsync(async db =>
        {
            db.ConsentRecords.Add(new ConsentRecord
            {
                ProjectId = s.ProjectId,
                StorytellerId = s.Anonymous.Id,
                Recording = true,
                Analysis = true,
                Quotes = true,
                CreditInReports = CreditStyle.Anonymous,
                EmbargoUntil = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1),
                Method = ConsentMethod.PaperForm,
                PaperFormReference = "x",
                GivenAt = DateTime.UtcNow,
                RecordedAt = DateTime.UtcNow,
            });
            return await db.SaveChangesAsync();
        });
        var embargoed = await s.Api.GetAsync(html.DownloadUrl);
        Assert.Equal(HttpStatusCode.Gone, embargoed.StatusCode);
        Assert.Contains("Embargoed until", await embargoed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_download_is_logged_and_viewers_may_download_but_not_generate_or_edit()
    {
        var s = await SetUpAsync();
        var file = await GenerateAsync(s, ReportFormat.Markdown);
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(s.ProjectId, viewer, ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);

        var response = await viewerApi.GetAsync(file.DownloadUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("what-the-stories-told-us-v1.0.md", response.Content.Headers.ContentDisposition.FileName?.Trim('"'));

        var log = await App.WithDbAsync(db => db.AccessLog.Where(a => a.ProjectId == s.ProjectId && a.UserId == viewer.Id).ToListAsync());
        var entry = Assert.Single(log);
        Assert.Equal(("downloaded", "report-file", file.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), (entry.Action, entry.TargetType, entry.TargetId));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "report-file.downloaded" && e.ActorUserId == viewer.Id)));

        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/files", new { format = "Html" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PostAsync($"/api/projects/{s.ProjectId}/report-files/{file.Id}/regenerate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports", new { kind = "Full", title = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}")).StatusCode);
    }

    [Fact]
    public async Task Quotes_are_ordered_with_up_and_down_and_bad_input_gets_a_clear_message()
    {
        var s = await SetUpAsync();
        var theme = s.Themes[1].Id; // Pseudonym then Anonymous
        var report = (await s.Api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{s.ProjectId}/reports/{s.ReportId}", Json))!;
        var quotes = report.Themes.Single(t => t.ThemeId == theme).Quotes;
        Assert.Equal(new[] { s.Pseudonym.PassageId, s.Anonymous.PassageId }, quotes.Select(q => q.PassageId!.Value));

        var moved = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/quotes/{quotes[1].Id}/move", new { direction = "up" });
        Assert.Equal(HttpStatusCode.NoContent, moved.StatusCode);
        report = (await s.Api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{s.ProjectId}/reports/{s.ReportId}", Json))!;
        Assert.Equal(new[] { s.Anonymous.PassageId, s.Pseudonym.PassageId }, report.Themes.Single(t => t.ThemeId == theme).Quotes.Select(q => q.PassageId!.Value));

        var sideways = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/quotes/{quotes[1].Id}/move", new { direction = "left" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, sideways.StatusCode);
        Assert.Contains("Say which way to move the quote", await sideways.Content.ReadAsStringAsync());
        // A passage coded with another theme cannot support this one.
        var wrong = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}/themes/{theme}/quotes", new { passageId = s.Named.PassageId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Contains("not coded with this theme", await wrong.Content.ReadAsStringAsync());
        var noTitle = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{s.ReportId}", new { title = " ", version = "1.0", date = "2026-01-01" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noTitle.StatusCode);
        Assert.Contains("Give the report a title.", await noTitle.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_new_report_starts_from_the_project_description_question_and_conversation_starter()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.WithDbAsync(async db =>
        {
            var p = await db.Projects.SingleAsync(x => x.Id == projectId);
            p.Description = "We asked people about co-production.";
            p.ResearchQuestion = "What is the value of co-production?";
            p.ConversationStarter = "Tell us about a time you worked together.";
            return await db.SaveChangesAsync();
        });
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Overview", title = "Overview" });
        var report = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        var purpose = report.Sections.Single(s => s.Title == "What was the purpose of this research?").Body;
        Assert.Contains("We asked people about co-production.", purpose);
        Assert.Contains("What is the value of co-production?", purpose);
        Assert.Contains("Tell us about a time you worked together.", report.Sections.Single(s => s.Title == "What did we do?").Body);
        var bad = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
    }
}
