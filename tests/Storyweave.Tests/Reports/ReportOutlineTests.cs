using System.Net;
using System.Net.Http.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Storyweave.Data;
using Storyweave.Features.Codebook;
using Storyweave.Features.Projects;
using Storyweave.Features.Reports;

namespace Storyweave.Tests.Reports;

/// <summary>
/// The report as an outline the curator edits (issue 13, point 1, and point 8's "out of date when its outline
/// changes"): templates, Markdown writing in every format, moving and indenting, consent in theme sections,
/// files behind the outline, and the migration that keeps the text of reports made the old way.
/// </summary>
public sealed class ReportOutlineTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    private sealed record Setup(HttpClient Api, TestApp.TestUser Lead, int ProjectId, IReadOnlyList<(int Id, string Name)> Themes, TestApp.ReportTeller Named, TestApp.ReportTeller Pseudonym);

    private async Task<Setup> SetUpAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (themes, named, pseudo, _, _) = await App.CreateReportScenarioAsync(projectId, lead);
        return new Setup(api, lead, projectId, themes, named, pseudo);
    }

    private static async Task<ReportEndpoints.ReportDto> CreateAsync(Setup s, string kind, int[]? keyThemeIds = null)
    {
        var created = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports", new { kind, title = $"A {kind} report", keyThemeIds });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
    }

    private static async Task<List<ReportEndpoints.SectionDto>> OutlineAsync(Setup s, int reportId) =>
        (await s.Api.GetFromJsonAsync<List<ReportEndpoints.SectionDto>>($"/api/projects/{s.ProjectId}/reports/{reportId}/sections", Json))!;

    private static async Task<ReportEndpoints.SectionDto> AddSectionAsync(Setup s, int reportId, object section)
    {
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/sections", section);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ReportEndpoints.SectionDto>(Json))!;
    }

    private static async Task<HttpResponseMessage> MoveAsync(Setup s, int reportId, int sectionId, string direction) =>
        await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{reportId}/sections/{sectionId}/move", new { direction });

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

    private static async Task<string> MarkdownAsync(Setup s, int reportId) =>
        System.Text.Encoding.UTF8.GetString((await MakeAsync(s, reportId, ReportFormat.Markdown)).Bytes);

    /// <summary>The Markdown file's headings below the title, as "## Heading" lines, in order.</summary>
    private static List<string> Headings(string markdown) =>
        markdown.Split('\n').Where(l => l.StartsWith("##", StringComparison.Ordinal)).Select(l => l.TrimEnd()).ToList();

    [Fact]
    public async Task Each_template_starts_its_own_outline_with_the_overview_featuring_only_the_chosen_themes()
    {
        var s = await SetUpAsync();
        var (alpha, beta, gamma) = (s.Themes[0], s.Themes[1], s.Themes[2]);
        var sub = await App.WithDbAsync(db => db.Themes.Where(t => t.ParentId == alpha.Id).Select(t => t.Id).SingleAsync());

        var full = await CreateAsync(s, "Full");
        var top = full.Sections.Where(x => x.Depth == 0).Select(x => (x.Kind, x.Heading)).ToList();
        Assert.Equal(
        [
            (ReportSectionKind.Writing, "Introduction"), (ReportSectionKind.Writing, "About Community Reporting and our method"), (ReportSectionKind.WhoTookPart, "Who took part"),
            (ReportSectionKind.Figure, "What we found"), (ReportSectionKind.Theme, alpha.Name), (ReportSectionKind.Theme, beta.Name), (ReportSectionKind.Theme, gamma.Name),
            (ReportSectionKind.Writing, "Challenges"), (ReportSectionKind.ValueForAll, "Value for all"), (ReportSectionKind.Writing, "Conditions"), (ReportSectionKind.Writing, "Conclusion and recommendations"),
        ], top);
        var method = full.Sections.Single(x => x.Heading == "About Community Reporting and our method");
        Assert.Equal(["Gathering stories", "Making sense of the stories", "Responding"], full.Sections.Where(x => x.ParentId == method.Id).Select(x => x.Heading));
        // The main theme's sub-theme is its sub-section.
        var alphaSection = full.Sections.Single(x => x.ThemeId == alpha.Id);
        var subSection = Assert.Single(full.Sections, x => x.ParentId == alphaSection.Id);
        Assert.Equal((ReportSectionKind.Theme, sub, 1), (subSection.Kind, subSection.ThemeId!.Value, subSection.Depth));

        var overview = await CreateAsync(s, "Overview", [beta.Id]);
        Assert.Equal(["What was the purpose of this research?", "What did we do?", "Who shared their stories?", "What did we find out?", "Challenges", "Value for all", "Conclusion"],
            overview.Sections.Where(x => x.Depth == 0).Select(x => x.Heading));
        var findings = overview.Sections.Single(x => x.Heading == "What did we find out?");
        Assert.Equal([beta.Id], overview.Sections.Where(x => x.ParentId == findings.Id).Select(x => x.ThemeId!.Value));
        Assert.Equal(ReportService.BoxSetting, overview.Sections.Single(x => x.Heading == "Challenges").Setting);
        Assert.Contains("1. **Gathering stories:**", overview.Sections.Single(x => x.Heading == "What did we do?").Body, StringComparison.Ordinal);

        var summary = await CreateAsync(s, "Summary", [alpha.Id, gamma.Id]);
        Assert.Equal(["Summary", "Key findings", "Read the full analysis"], summary.Sections.Select(x => x.Heading));
        var key = summary.Sections.Single(x => x.Heading == "Key findings").Body;
        Assert.Contains($"- {alpha.Name}", key, StringComparison.Ordinal);
        Assert.DoesNotContain(beta.Name, key, StringComparison.Ordinal);
        // It points to the project's full report by name.
        Assert.Contains(full.Title, summary.Sections.Single(x => x.Heading == "Read the full analysis").Body, StringComparison.Ordinal);

        var wrong = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports", new { kind = "Overview", title = "Bad", keyThemeIds = new[] { sub } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Contains("main themes", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private const string Writing = """
        ## Sub heading here

        Plain words with **bold words** and *leaning words* and a [link to us](https://example.org/about).

        - first point
        - second point

        1. step one
        2. step two

        > Boxed words stand apart.

        <script>alert('x')</script> and <b>raw bold</b>

        [bad link](javascript:alert(1))
        """;

    [Fact]
    public async Task A_writing_sections_markdown_comes_out_in_html_docx_and_markdown_and_raw_html_is_never_rendered()
    {
        var s = await SetUpAsync();
        var report = await CreateAsync(s, "Summary");
        var section = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "Our own words", body = Writing });
        Assert.Equal(0, section.Depth);

        var html = System.Text.Encoding.UTF8.GetString((await MakeAsync(s, report.Id, ReportFormat.Html)).Bytes);
        // The section is a level-1 heading (h2 under the title's h1); its "##" heading is two below it.
        Assert.Contains("\">Our own words</h2>", html, StringComparison.Ordinal);
        Assert.Contains("\">Sub heading here</h4>", html, StringComparison.Ordinal);
        Assert.Contains("<strong>bold words</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<em>leaning words</em>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.org/about\">link to us</a>", html, StringComparison.Ordinal);
        Assert.Contains("<ul>\n<li>first point</li>\n<li>second point</li>\n</ul>", html, StringComparison.Ordinal);
        Assert.Contains("<ol>\n<li>step one</li>", html, StringComparison.Ordinal);
        Assert.Contains("<aside class=\"callout\">\n<p>Boxed words stand apart.</p>\n</aside>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>raw bold</b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.Ordinal);
        Assert.Contains("bad link", html, StringComparison.Ordinal);

        var md = System.Text.Encoding.UTF8.GetString((await MakeAsync(s, report.Id, ReportFormat.Markdown)).Bytes);
        Assert.Contains("## Our own words\n", md, StringComparison.Ordinal);
        Assert.Contains("#### Sub heading here\n", md, StringComparison.Ordinal);
        Assert.Contains("Plain words with **bold words** and *leaning words* and a [link to us](<https://example.org/about>).", md, StringComparison.Ordinal);
        Assert.Contains("- first point\n- second point\n", md, StringComparison.Ordinal);
        Assert.Contains("1. step one\n2. step two\n", md, StringComparison.Ordinal);
        Assert.Contains("> Boxed words stand apart.", md, StringComparison.Ordinal);
        Assert.Contains(@"\<script\>alert('x')\</script\> and \<b\>raw bold\</b\>", md, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", md, StringComparison.Ordinal);

        var docx = (await MakeAsync(s, report.Id, ReportFormat.Docx)).Bytes;
        using var doc = WordprocessingDocument.Open(new MemoryStream(docx), false);
        var errors = new OpenXmlValidator().Validate(doc).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path?.XPath}: {e.Description}")));
        var paragraphs = doc.MainDocumentPart!.Document.Body!.Elements<Paragraph>().ToList();
        string? Style(Paragraph p) => p.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
        // The last match: the contents field lists headings before the body does.
        Paragraph Find(string text) => paragraphs.Last(p => p.InnerText.Contains(text, StringComparison.Ordinal));
        Assert.Equal("Heading1", Style(Find("Our own words")));
        Assert.Equal("Heading3", Style(Find("Sub heading here")));
        var plain = Find("Plain words with");
        Assert.Contains(plain.Descendants<Run>(), r => r.InnerText == "bold words" && r.RunProperties?.Bold is not null);
        Assert.Contains(plain.Descendants<Run>(), r => r.InnerText == "leaning words" && r.RunProperties?.Italic is not null);
        var link = Assert.Single(plain.Elements<Hyperlink>());
        Assert.Equal("link to us", link.InnerText);
        Assert.Equal(new Uri("https://example.org/about"), doc.MainDocumentPart.HyperlinkRelationships.Single(r => r.Id == link.Id).Uri);
        Assert.Equal("ListBullet", Style(Find("first point")));
        Assert.Equal("ListNumber", Style(Find("step one")));
        Assert.NotNull(Find("step one").ParagraphProperties!.NumberingProperties);
        Assert.Equal("CallOut", Style(Find("Boxed words stand apart.")));
        Assert.Contains("<script>alert('x')</script> and <b>raw bold</b>", Find("raw bold").InnerText, StringComparison.Ordinal);
        Assert.DoesNotContain(doc.MainDocumentPart.HyperlinkRelationships, r => r.Uri.ToString().StartsWith("javascript", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Moving_and_indenting_sections_reorders_the_headings_and_every_outline_change_leaves_files_behind()
    {
        var s = await SetUpAsync();
        var report = await CreateAsync(s, "Summary");
        var first = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "Alpha part", body = "Words of the alpha part." });
        var second = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "Beta part", body = "Words of the beta part." });
        var (md, _) = await MakeAsync(s, report.Id, ReportFormat.Markdown);
        var headings = Headings(await MarkdownAsync(s, report.Id));
        Assert.True(headings.IndexOf("## Alpha part") < headings.IndexOf("## Beta part"));
        int Version() => App.WithDbAsync(db => db.Reports.Where(r => r.Id == report.Id).Select(r => r.ContentVersion).SingleAsync()).GetAwaiter().GetResult();
        var version = Version();

        // Up: Beta comes first.
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(s, report.Id, second.Id, "up")).StatusCode);
        Assert.True(Version() > version);
        var file = (await s.Api.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{s.ProjectId}/report-files/{md.Id}", Json))!;
        Assert.True(file.MadeBeforeLatestChanges);
        headings = Headings(await MarkdownAsync(s, report.Id));
        Assert.True(headings.IndexOf("## Beta part") < headings.IndexOf("## Alpha part"));

        // In: Alpha becomes a sub-section of Beta (one heading level down); out again puts it right after Beta.
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(s, report.Id, first.Id, "in")).StatusCode);
        var outline = await OutlineAsync(s, report.Id);
        Assert.Equal((second.Id, 1), (outline.Single(x => x.Id == first.Id).ParentId!.Value, outline.Single(x => x.Id == first.Id).Depth));
        headings = Headings(await MarkdownAsync(s, report.Id));
        Assert.Equal(headings.IndexOf("## Beta part") + 1, headings.IndexOf("### Alpha part"));
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(s, report.Id, first.Id, "out")).StatusCode);
        outline = await OutlineAsync(s, report.Id);
        Assert.Equal([second.Id, first.Id], outline.Where(x => x.Id == first.Id || x.Id == second.Id).Select(x => x.Id));
        Assert.Null(outline.Single(x => x.Id == first.Id).ParentId);

        // Moves that cannot be made say why; nothing changes.
        var top = outline[0];
        var cannot = await MoveAsync(s, report.Id, top.Id, "up");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cannot.StatusCode);
        Assert.Contains("already the first section", await cannot.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await MoveAsync(s, report.Id, top.Id, "out")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await MoveAsync(s, report.Id, top.Id, "sideways")).StatusCode);

        // Added after a chosen section; edited; deleted with its sub-section: each raises the content version.
        version = Version();
        var middle = await AddSectionAsync(s, report.Id, new { kind = "Writing", title = "Middle part", body = "In between.", afterSectionId = second.Id });
        Assert.True(Version() > version);
        outline = await OutlineAsync(s, report.Id);
        Assert.Equal(outline.FindIndex(x => x.Id == second.Id) + 1, outline.FindIndex(x => x.Id == middle.Id));
        version = Version();
        var edit = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections/{middle.Id}", new { title = "Middle part, renamed", body = "Still in between." });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        Assert.True(Version() > version);
        var tooLong = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections/{middle.Id}", new { title = new string('x', 301), body = "" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
        Assert.Contains("at most 300 characters", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(s, report.Id, first.Id, "in")).StatusCode); // under "Middle part, renamed"
        version = Version();
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections/{middle.Id}")).StatusCode);
        Assert.True(Version() > version);
        outline = await OutlineAsync(s, report.Id);
        Assert.DoesNotContain(outline, x => x.Id == middle.Id || x.Id == first.Id);
        Assert.Equal(Enumerable.Range(0, outline.Count(x => x.ParentId == null)), outline.Where(x => x.ParentId == null).Select(x => x.Position));
    }

    [Fact]
    public async Task A_theme_section_carries_only_consented_quotes_and_a_withdrawal_takes_one_out()
    {
        var s = await SetUpAsync();
        var beta = s.Themes[1];
        var report = await CreateAsync(s, "Overview", [beta.Id]);
        foreach (var passageId in new[] { s.Pseudonym.PassageId })
            Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/themes/{beta.Id}/quotes", new { passageId })).StatusCode);
        // The named storyteller's words illustrate beta too, with a note (coded under alpha).
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/themes/{beta.Id}/quotes",
            new { passageId = s.Named.PassageId, note = "It is about trust as well." })).StatusCode);
        var before = await MarkdownAsync(s, report.Id);
        var section = before[before.IndexOf($"### {beta.Name}", StringComparison.Ordinal)..];
        Assert.Contains(s.Pseudonym.Words, section, StringComparison.Ordinal);
        Assert.Contains(s.Named.Words, section, StringComparison.Ordinal);

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
            paperFormReference = "form-3.pdf",
        });
        Assert.Equal(HttpStatusCode.Created, consent.StatusCode);
        var after = await MarkdownAsync(s, report.Id);
        Assert.DoesNotContain(s.Named.Words, after, StringComparison.Ordinal);
        Assert.Contains(s.Pseudonym.Words, after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_section_of_each_data_kind_is_checked_and_the_page_edits_the_outline_without_script()
    {
        var s = await SetUpAsync();
        var report = await CreateAsync(s, "Summary");
        var noTheme = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections", new { kind = "Theme", title = "" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noTheme.StatusCode);
        Assert.Contains("Choose the theme this section shows.", await noTheme.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badFigure = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections", new { kind = "Figure", setting = "pie-of-everything" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badFigure.StatusCode);
        var noQuestion = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Id}/sections", new { kind = "CrossTab", setting = "999999" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noQuestion.StatusCode);
        await AddSectionAsync(s, report.Id, new { kind = "Figure", title = "Themes in numbers", setting = ReportFigures.ThemeCounts });
        await AddSectionAsync(s, report.Id, new { kind = "Theme", themeId = s.Themes[2].Id });
        await AddSectionAsync(s, report.Id, new { kind = "WhoTookPart", title = "Who took part" });
        var md = await MarkdownAsync(s, report.Id);
        Assert.Contains("## Themes in numbers", md, StringComparison.Ordinal);
        Assert.Contains("**How many stories and storytellers each theme came from**", md, StringComparison.Ordinal);
        Assert.Contains($"## {s.Themes[2].Name}", md, StringComparison.Ordinal);
        Assert.Contains("## Who took part", md, StringComparison.Ordinal);

        // The page: add a section with a mistake (kept as typed), then properly; move it; delete it.
        var page = $"/projects/{s.ProjectId}/reports/{report.Id}";
        var browser = await App.SignInAsync(s.Lead);
        Assert.Contains("id=\"outline-title\"", await browser.GetStringAsync(page), StringComparison.Ordinal);
        var bad = await TestApp.PostFormAsync(browser, page, new() { ["kind"] = "Writing", ["heading"] = new string('h', 301), ["body"] = "Typed words to keep" }, page + "?handler=AddSection");
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        var badHtml = await bad.Content.ReadAsStringAsync();
        Assert.Contains("The heading can be at most 300 characters.", badHtml, StringComparison.Ordinal);
        Assert.Contains("Typed words to keep", badHtml, StringComparison.Ordinal);
        var good = await TestApp.PostFormAsync(browser, page, new() { ["kind"] = "Writing", ["heading"] = "From the page", ["body"] = "Page words", ["box"] = "true" }, page + "?handler=AddSection");
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        var added = (await OutlineAsync(s, report.Id)).Single(x => x.Heading == "From the page");
        Assert.Equal(ReportService.BoxSetting, added.Setting);
        var move = await TestApp.PostFormAsync(browser, page, new() { ["direction"] = "up" }, $"{page}?handler=MoveSection&sectionId={added.Id}");
        Assert.Equal(HttpStatusCode.Redirect, move.StatusCode);
        var outline = await OutlineAsync(s, report.Id);
        Assert.Equal(outline.Count - 2, outline.FindIndex(x => x.Id == added.Id));
        var delete = await TestApp.PostFormAsync(browser, page, [], $"{page}?handler=DeleteSection&sectionId={added.Id}");
        Assert.Equal(HttpStatusCode.Redirect, delete.StatusCode);
        Assert.DoesNotContain(await OutlineAsync(s, report.Id), x => x.Id == added.Id);
    }

    [Fact]
    public async Task The_migration_turns_the_old_fixed_texts_into_writing_sections_so_no_curator_text_is_lost()
    {
        var (options, pgDatabase) = await TestApp.NewInstanceOptionsAsync();
        Directory.CreateDirectory(options.DataDir);
        try
        {
            await using var db = options.UsesPostgres
                ? (StoryweaveDb)new PostgresStoryweaveDb(new DbContextOptionsBuilder<PostgresStoryweaveDb>().UseNpgsql(options.Postgres).Options)
                : new SqliteStoryweaveDb(new DbContextOptionsBuilder<SqliteStoryweaveDb>().UseSqlite($"Data Source={options.SqlitePath}").Options);
            var migrator = db.GetService<IMigrator>();
            var all = db.Database.GetMigrations().ToList();
            var outlineMigration = all.Single(m => m.EndsWith("_ReportOutline", StringComparison.Ordinal));
            await migrator.MigrateAsync(all[all.IndexOf(outlineMigration) - 1]);

            // A project with a main theme, a sub-theme with a chosen quote's theme, and two reports made the old way.
            var project = new Project { Name = "Old reports", Slug = "old-reports", CreatedAt = DateTime.UtcNow };
            db.Projects.Add(project);
            await db.SaveChangesAsync();
            var main = new Theme { ProjectId = project.Id, Name = "Belonging", CreatedAt = DateTime.UtcNow };
            db.Themes.Add(main);
            await db.SaveChangesAsync();
            var now = DateTime.UtcNow;
            var date = new DateOnly(2020, 3, 1);
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO "Reports" ("ProjectId", "Kind", "Title", "Version", "Date", "Purpose", "Introduction", "Method", "Challenges", "ValueForAll", "Conditions", "Conclusion", "CreatedAt", "UpdatedAt", "ContentVersion")
                VALUES ({project.Id}, 'Full', 'Old full', '1.0', {date}, '', 'Our old introduction.', 'Our old method.', 'Old challenges.', 'Old value words.', '', 'Old conclusion.', {now}, {now}, 3)
                """);
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO "Reports" ("ProjectId", "Kind", "Title", "Version", "Date", "Purpose", "Introduction", "Method", "Challenges", "ValueForAll", "Conditions", "Conclusion", "CreatedAt", "UpdatedAt", "ContentVersion")
                VALUES ({project.Id}, 'Overview', 'Old overview', '1.0', {date}, 'Old purpose.', 'Unused here.', 'What we did, old.', '', '', '', 'Overview ending.', {now}, {now}, 1)
                """);

            await migrator.MigrateAsync();

            var reports = await db.Reports.AsNoTracking().Where(r => r.ProjectId == project.Id).ToDictionaryAsync(r => r.Title, r => r.Id);
            var sections = await db.ReportSections.AsNoTracking().Where(x => reports.Values.Contains(x.ReportId)).ToListAsync();
            List<(ReportSectionKind, string, string)> Top(string title) => sections.Where(x => x.ReportId == reports[title] && x.ParentId == null)
                .OrderBy(x => x.Position).ThenBy(x => x.Id).Select(x => (x.Kind, x.Title, x.Body)).ToList();
            Assert.Equal(
            [
                (ReportSectionKind.Writing, "Introduction", "Our old introduction."), (ReportSectionKind.Writing, "Method", "Our old method."),
                (ReportSectionKind.WhoTookPart, "Who told the stories", ""), (ReportSectionKind.Figure, "What we found", ""), (ReportSectionKind.Theme, "", ""),
                (ReportSectionKind.Writing, "Challenges", "Old challenges."), (ReportSectionKind.ValueForAll, "Value for all", "Old value words."),
                (ReportSectionKind.Writing, "Conclusion", "Old conclusion."),
            ], Top("Old full"));
            Assert.Equal(main.Id, sections.Single(x => x.ReportId == reports["Old full"] && x.Kind == ReportSectionKind.Theme).ThemeId);
            Assert.Equal(
            [
                (ReportSectionKind.Writing, "What was the purpose of this research?", "Old purpose."), (ReportSectionKind.Writing, "What did we do?", "What we did, old."),
                (ReportSectionKind.WhoTookPart, "Who took part?", ""), (ReportSectionKind.Writing, "What did we find out?", ""),
                (ReportSectionKind.ValueForAll, "Value for all", ""), (ReportSectionKind.Writing, "Conclusion", "Overview ending."),
            ], Top("Old overview"));
        }
        finally
        {
            if (pgDatabase is not null) await TestApp.DropPostgresDatabaseAsync(pgDatabase);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(options.DataDir)) Directory.Delete(options.DataDir, recursive: true);
        }
    }
}
