using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Reports;
using Storyweave.Features.Review;

namespace Storyweave.BrowserTests;

/// <summary>
/// A table the curator writes (the overview's "Value for all") in a real browser at 1280 and 360 px: rows edited and a quote
/// chosen with the page's plain forms, a mistake shown at the form with the typed words kept, axe on every state, and the
/// generated HTML file's table scrolling inside its own region on a phone, never the page.
/// </summary>
public sealed class ReportMatrixTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly string Shots = Path.Combine(Path.GetTempPath(), "storyweave-matrix-shots");

    private static async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Shots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, name + ".png"), FullPage = true });
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(360)]
    public async Task A_curator_edits_the_value_for_all_table_and_chooses_a_quote_and_the_table_never_makes_the_page_scroll_sideways(int width)
    {
        var app = fixture.App;
        var admin = await app.CreateAdminAsync();
        var projectId = await app.CreateProjectAsync(admin, $"Value table {width}");
        var (_, named, pseudo, _, _) = await app.CreateReportScenarioAsync(projectId, admin);
        await app.WithDbAsync(async db =>
        {
            var a = await db.Passages.Where(p => p.Id == named.PassageId).Select(p => p.StoryId).SingleAsync();
            var b = await db.Passages.Where(p => p.Id == pseudo.PassageId).Select(p => p.StoryId).SingleAsync();
            db.ReviewSheets.AddRange(
                new ReviewSheet { StoryId = a, ProjectId = projectId, UpdatedAt = DateTime.UtcNow, ChangesForIndividuals = "Developing skills and knowledge\nGrowing in confidence", ChangesForOrganisations = "Better informed decision-making" },
                new ReviewSheet { StoryId = b, ProjectId = projectId, UpdatedAt = DateTime.UtcNow, ChangesForIndividuals = "Friendship, connection, networking", ChangesForSociety = "Addressing stigma, discrimination, inequality" });
            return await db.SaveChangesAsync();
        });
        var reportId = await app.WithServiceAsync<ReportService, int>(async r => (await r.CreateAsync(projectId, ReportKind.Overview, "Value table overview", admin.Id)).Value!.Id);

        await using var context = await fixture.NewContextAsync(width, width < 600 ? 740 : 900);
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, admin.Email, admin.Password);
        await page.GotoAsync($"/projects/{projectId}/reports/{reportId}");

        // The overview starts value for all as a table filled from the review sheets.
        var preview = page.GetByRole(AriaRole.Table, new() { Name = "The table \u201cValue for all\u201d as the files show it" });
        await Assertions.Expect(preview.Locator("thead th")).ToHaveTextAsync(["Impacts on individuals", "Impacts on organisations", "Impacts on society"]);
        await Assertions.Expect(preview.Locator("tbody tr").First).ToContainTextAsync("Developing skills and knowledge");
        await fixture.AssertAccessibleAsync(page);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);

        // Edit row 1 and choose a quote for the first column, by keyboard-reachable plain forms.
        await page.GetByText("Edit the rows and quotes").ClickAsync();
        var row1 = page.GetByRole(AriaRole.Group, new() { Name = "Row 1" });
        await row1.GetByLabel("Impacts on organisations").FillAsync("Less waste - saves money");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save row 1" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice[role=status]")).ToHaveTextAsync("Saved the row.");
        await Assertions.Expect(preview.Locator("tbody tr").First).ToContainTextAsync("Less waste - saves money");
        await page.GetByLabel("Under \u201cImpacts on individuals\u201d").SelectOptionAsync(new SelectOptionValue { Value = $"p{named.PassageId}" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save quotes" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice[role=status]")).ToHaveTextAsync("Saved the quotes under the table.");
        await Assertions.Expect(preview.Locator("tr.matrix-quotes td").First).ToContainTextAsync(named.Words);
        await Assertions.Expect(preview.Locator("tr.matrix-quotes td").First).ToContainTextAsync("\u2014 " + named.Name);
        // The edit area stayed open after each change (no script needed to find your place again).
        await Assertions.Expect(page.Locator("details.matrix-edit")).ToHaveAttributeAsync("open", new System.Text.RegularExpressions.Regex(".*"));
        await fixture.AssertAccessibleAsync(page);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await ShotAsync(page, $"report-matrix-{width}");

        // A new row with only an over-long cell: the error is at the add form, focused, and the words typed are kept.
        var addRow = page.GetByRole(AriaRole.Group, new() { Name = "Add a row" });
        var typed = "Typed words to keep " + new string('x', 300);
        await addRow.GetByLabel("Impacts on society").EvaluateAsync("(e, v) => { e.removeAttribute('maxlength'); e.value = v; }", typed);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add row" }).ClickAsync();
        var summary = page.Locator(".error-summary");
        await Assertions.Expect(summary).ToContainTextAsync("Row 4, column 3 (Impacts on society): a cell can be at most 300 characters");
        await Assertions.Expect(summary).ToBeFocusedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Add a row" }).GetByLabel("Impacts on society")).ToHaveValueAsync(typed);
        await fixture.AssertAccessibleAsync(page);
        await BrowserFixture.AssertNoHorizontalScrollAsync(page);
        await ShotAsync(page, $"report-matrix-error-{width}");

        // The HTML file: a real table with a header row, the quote under it with its credit; at this width it scrolls in its own region.
        var html = await app.WithServiceAsync<ReportContentBuilder, string>(async b => HtmlReportWriter.Write((await b.BuildAsync(reportId))!));
        var filePage = await context.NewPageAsync();
        await filePage.SetContentAsync(html);
        var table = filePage.GetByRole(AriaRole.Table, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Table \\d+: Value for all$") });
        await Assertions.Expect(table.GetByRole(AriaRole.Columnheader)).ToHaveTextAsync(["Impacts on individuals", "Impacts on organisations", "Impacts on society"]);
        await Assertions.Expect(table.Locator("tbody tr").Last).ToContainTextAsync($"\u201c{named.Words}\u201d \u2014 {named.Name}");
        await fixture.AssertAccessibleAsync(filePage);
        await BrowserFixture.AssertNoHorizontalScrollAsync(filePage);
        await ShotAsync(filePage, $"report-matrix-file-{width}");
    }
}
