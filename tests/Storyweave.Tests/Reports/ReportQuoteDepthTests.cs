using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Reports;

/// <summary>
/// Quotes at any depth of the codebook (issue 13, point 2): chosen for sub-themes, ordered, used for a related
/// theme with a curator's note; sub-themes with quotes are sub-sections of their main theme in every format.
/// </summary>
public sealed class ReportQuoteDepthTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    /// <summary>One storyteller (quotes agreed, named) whose one story has one passage coded with <paramref name="themeId"/>.</summary>
    private async Task<int> PassageAsync(int projectId, TestApp.TestUser lead, string name, string words, int themeId)
    {
        var id = await App.CreateStorytellerAsync(projectId, lead, name, quotes: true, credit: CreditStyle.Named);
        return await App.WithDbAsync(async db =>
        {
            var story = new Story { ProjectId = projectId, Title = App.Unique("Depth story "), CreatedAt = DateTime.UtcNow };
            db.Stories.Add(story);
            await db.SaveChangesAsync();
            db.StoryStorytellers.Add(new StoryStoryteller { StoryId = story.Id, StorytellerId = id });
            db.TranscriptCues.Add(new TranscriptCue { StoryId = story.Id, Position = 0, StartSeconds = 0, EndSeconds = 5, Speaker = "Teller", Text = words });
            db.SpeakerLabels.Add(new SpeakerLabel { StoryId = story.Id, Label = "Teller", StorytellerId = id });
            var passage = new CodedPassage { ProjectId = projectId, StoryId = story.Id, StartOffset = 0, EndOffset = words.Length, Snippet = words, Speaker = "Teller", CreatedAt = DateTime.UtcNow };
            db.Passages.Add(passage);
            await db.SaveChangesAsync();
            db.PassageThemes.Add(new PassageTheme { PassageId = passage.Id, ThemeId = themeId, CodedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            return passage.Id;
        });
    }

    private static async Task<HttpResponseMessage> AddAsync(HttpClient api, int projectId, int reportId, int themeId, int passageId, string? note = null) =>
        await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/themes/{themeId}/quotes", new { passageId, note });

    private static async Task<ReportEndpoints.ReportDto> ReportAsync(HttpClient api, int projectId, int reportId) =>
        (await api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{projectId}/reports/{reportId}", Json))!;

    private static async Task<ReportEndpoints.FileDto> GenerateAsync(HttpClient api, int projectId, int reportId, ReportFormat format)
    {
        var queued = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/files", new { format = format.ToString() });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var file = await TestApp.WaitForReportFileAsync(api, projectId, (await queued.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!.Id);
        Assert.True(file.Status == OutputStatus.Ready, $"{format} failed: {file.Error}");
        return file;
    }

    [Fact]
    public async Task Sub_theme_quotes_ordered_and_a_related_theme_quote_with_its_note_appear_under_their_main_theme_in_every_format()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (themes, named, _, _, noQuotes) = await App.CreateReportScenarioAsync(projectId, lead);
        var (alpha, beta, gamma) = (themes[0], themes[1], themes[2]);
        var sub = await App.WithDbAsync(db => db.Themes.Where(t => t.ParentId == alpha.Id).Select(t => new { t.Id, t.Name }).SingleAsync());
        var tag = Guid.NewGuid().ToString("N")[..6];
        var first = await PassageAsync(projectId, lead, $"Sub First{tag}", $"The first sub theme words {tag}", sub.Id);
        var second = await PassageAsync(projectId, lead, $"Sub Second{tag}", $"The second sub theme words {tag}", sub.Id);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Quotes at any depth" });
        var reportId = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!.Id;

        // A sub-theme takes quotes (it used to be 422 "not a main theme").
        Assert.Equal(HttpStatusCode.OK, (await AddAsync(api, projectId, reportId, sub.Id, first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AddAsync(api, projectId, reportId, sub.Id, second)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AddAsync(api, projectId, reportId, alpha.Id, named.PassageId)).StatusCode);
        var html = await GenerateAsync(api, projectId, reportId, ReportFormat.Html);

        // Reordered within the sub-theme.
        var subDto = (await ReportAsync(api, projectId, reportId)).Themes.Single(t => t.ThemeId == sub.Id);
        Assert.Equal((alpha.Id, 1), (subDto.ParentId!.Value, subDto.Depth));
        Assert.Equal([first, second], subDto.Quotes.Select(q => q.PassageId!.Value));
        var moved = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/quotes/{subDto.Quotes[1].Id}/move", new { direction = "up" });
        Assert.Equal(HttpStatusCode.NoContent, moved.StatusCode);
        Assert.Equal([second, first], (await ReportAsync(api, projectId, reportId)).Themes.Single(t => t.ThemeId == sub.Id).Quotes.Select(q => q.PassageId!.Value));
        // The file made before the new order says so.
        var before = (await api.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{projectId}/report-files/{html.Id}", Json))!;
        Assert.True(before.MadeBeforeLatestChanges);

        // A quote coded under Alpha illustrates Beta only with a note saying why; bad notes get a clear message.
        var noNote = await AddAsync(api, projectId, reportId, beta.Id, named.PassageId);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noNote.StatusCode);
        Assert.Contains("add a short note saying why it fits", await noNote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var tooLong = await AddAsync(api, projectId, reportId, beta.Id, named.PassageId, new string('x', ReportService.MaxQuoteNote + 1));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
        Assert.Contains("at most 500 characters", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var note = $"Friendship built trust here too {tag}";
        Assert.Equal(HttpStatusCode.OK, (await AddAsync(api, projectId, reportId, beta.Id, named.PassageId, note)).StatusCode);
        // Consent is checked exactly as for any quote: words without quotes consent are kept out of every file.
        Assert.Equal(HttpStatusCode.OK, (await AddAsync(api, projectId, reportId, gamma.Id, noQuotes.PassageId)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AddAsync(api, projectId, reportId, beta.Id, noQuotes.PassageId, "Also about trust")).StatusCode);
        var report = await ReportAsync(api, projectId, reportId);
        var related = report.Themes.Single(t => t.ThemeId == beta.Id).Quotes;
        Assert.Equal(note, Assert.Single(related, q => q.PassageId == named.PassageId).Note);
        Assert.False(Assert.Single(related, q => q.PassageId == noQuotes.PassageId).Included);
        // A theme outside the project is not found as a theme.
        var otherProject = await App.CreateProjectAsync(lead);
        var foreignTheme = await App.CreateThemeAsync(otherProject, "Elsewhere");
        var foreign = await AddAsync(api, projectId, reportId, foreignTheme, named.PassageId, "x");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, foreign.StatusCode);
        Assert.Contains("not in this project's codebook", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            var file = await GenerateAsync(api, projectId, reportId, format);
            var text = (await TestApp.ReportTextAsync(format, await api.GetByteArrayAsync(file.DownloadUrl))).Replace('\u2019', '\'');
            int At(string s) => text.IndexOf(s, StringComparison.Ordinal);
            // Alpha, then its sub-theme's section with the quotes in their new order, then Beta with the related quote and its note.
            // The alpha section's own quote (the first time those words appear), then its sub-theme's sub-section.
            var alphaAt = At(named.Words);
            var subAt = text.IndexOf(sub.Name, alphaAt + 1, StringComparison.Ordinal);
            var betaAt = text.IndexOf(beta.Name, subAt + 1, StringComparison.Ordinal);
            Assert.True(alphaAt >= 0 && subAt > alphaAt && betaAt > subAt, $"{format}: sections out of order:\n{text}");
            Assert.True(At($"The second sub theme words {tag}") > subAt && At($"The second sub theme words {tag}") < At($"The first sub theme words {tag}"), $"{format}: sub-theme quotes not in order");
            Assert.True(At($"The first sub theme words {tag}") < betaAt, $"{format}: sub-theme quotes are not in the sub-section");
            Assert.True(text.LastIndexOf(named.Words, StringComparison.Ordinal) > betaAt, $"{format}: the related quote is not under Beta");
            Assert.True(At($"Curators' note: {note}") > betaAt, $"{format}: the note is missing");
            Assert.DoesNotContain(noQuotes.Words, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Also about trust", text, StringComparison.Ordinal); // the note goes with its quote
        }
    }

    [Fact]
    public async Task Without_script_the_page_forms_move_a_sub_theme_quote_and_use_a_quote_for_a_related_theme_only_with_a_note()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (themes, named, _, _, _) = await App.CreateReportScenarioAsync(projectId, lead);
        var sub = await App.WithDbAsync(db => db.Themes.Where(t => t.ParentId == themes[0].Id).Select(t => t.Id).SingleAsync());
        var tag = Guid.NewGuid().ToString("N")[..6];
        var first = await PassageAsync(projectId, lead, $"Form First{tag}", $"Form first words {tag}", sub);
        var second = await PassageAsync(projectId, lead, $"Form Second{tag}", $"Form second words {tag}", sub);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Overview", title = "No script" });
        var reportId = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!.Id;
        var page = $"/projects/{projectId}/reports/{reportId}";
        var pages = await App.SignInAsync(lead);
        string Id(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        foreach (var passage in new[] { first, second })
        {
            var added = await TestApp.PostFormAsync(pages, page, new() { ["themeId"] = Id(sub), ["passageId"] = Id(passage) }, page + "?handler=Add");
            Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        }
        var quotes = (await ReportAsync(api, projectId, reportId)).Themes.Single(t => t.ThemeId == sub).Quotes;
        var moved = await TestApp.PostFormAsync(pages, page, new() { ["quoteId"] = Id(quotes[1].Id), ["direction"] = "up", ["themeId"] = Id(sub) }, page + "?handler=Move");
        Assert.Equal(HttpStatusCode.Redirect, moved.StatusCode);
        Assert.Equal([second, first], (await ReportAsync(api, projectId, reportId)).Themes.Single(t => t.ThemeId == sub).Quotes.Select(q => q.PassageId!.Value));

        // The related-theme form: an empty note is refused with the reason, on the page; with a note it is used.
        var empty = await TestApp.PostFormAsync(pages, page, new() { ["themeId"] = Id(themes[1].Id), ["passageId"] = Id(named.PassageId), ["note"] = " " }, page + "?handler=Add");
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Contains("add a short note saying why it fits", WebUtility.HtmlDecode(await empty.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        var used = await TestApp.PostFormAsync(pages, page, new() { ["themeId"] = Id(themes[1].Id), ["passageId"] = Id(named.PassageId), ["note"] = "Trust again" }, page + "?handler=Add");
        Assert.Equal(HttpStatusCode.Redirect, used.StatusCode);
        var html = WebUtility.HtmlDecode(await pages.GetStringAsync(page));
        Assert.Contains("Your note, shown with the quote: Trust again", html, StringComparison.Ordinal);

        // The overview features main themes; the curator puts the sub-theme under its main theme's section, and its quotes follow.
        var outline = (await api.GetFromJsonAsync<List<ReportEndpoints.SectionDto>>($"/api/projects/{projectId}/reports/{reportId}/sections", Json))!;
        var alphaSection = outline.Single(x => x.ThemeId == themes[0].Id);
        var subSection = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/sections", new { kind = "Theme", themeId = sub, afterSectionId = alphaSection.Id });
        Assert.Equal(HttpStatusCode.Created, subSection.StatusCode);
        var subId = (await subSection.Content.ReadFromJsonAsync<ReportEndpoints.SectionDto>(Json))!.Id;
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/sections/{subId}/move", new { direction = "in" })).StatusCode);
        var file = await GenerateAsync(api, projectId, reportId, ReportFormat.Markdown);
        var text = System.Text.Encoding.UTF8.GetString(await api.GetByteArrayAsync(file.DownloadUrl));
        var alphaAt = text.IndexOf($"### {themes[0].Name}\n", StringComparison.Ordinal);
        var subAt = text.IndexOf("#### ", alphaAt, StringComparison.Ordinal);
        Assert.True(alphaAt >= 0 && subAt > alphaAt, text);
        Assert.True(text.IndexOf($"Form second words {tag}", StringComparison.Ordinal) > subAt, text);
    }
}
