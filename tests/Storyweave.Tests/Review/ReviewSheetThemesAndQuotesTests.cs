using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Review;

/// <summary>
/// Review sheets: themes noted in the reporter's own words before the codebook exists and linked later;
/// key quotes added and removed one at a time (the page's in-place answers), and kept through a save.
/// </summary>
public sealed class ReviewSheetThemesAndQuotesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    /// <summary>Ada (agreed to analysis and quotes) and Ben (said no to analysis) in one story; the reporter's turns are "R".</summary>
    private async Task<(int StoryId, List<long> CueIds)> GroupStoryAsync(int projectId, TestApp.TestUser lead)
    {
        var ada = await App.CreateStorytellerAsync(projectId, lead, App.Unique("Ada "), quotes: true);
        var ben = await App.CreateStorytellerAsync(projectId, lead, App.Unique("Ben "), analysis: false);
        return await App.WithDbAsync(async db =>
        {
            var story = new Story { ProjectId = projectId, Title = App.Unique("Review story "), CreatedAt = DateTime.UtcNow };
            db.Stories.Add(story);
            await db.SaveChangesAsync();
            db.StoryStorytellers.AddRange(new StoryStoryteller { StoryId = story.Id, StorytellerId = ada }, new StoryStoryteller { StoryId = story.Id, StorytellerId = ben });
            db.SpeakerLabels.AddRange(
                new SpeakerLabel { StoryId = story.Id, Label = "R", IsReporter = true },
                new SpeakerLabel { StoryId = story.Id, Label = "Ada", StorytellerId = ada },
                new SpeakerLabel { StoryId = story.Id, Label = "Ben", StorytellerId = ben });
            var cues = new List<TranscriptCue>
            {
                new() { StoryId = story.Id, Position = 0, Speaker = "R", Text = "What changed for you?", StartSeconds = 0, EndSeconds = 3 },
                new() { StoryId = story.Id, Position = 1, Speaker = "Ada", Text = "Somebody finally listened to me.", StartSeconds = 3, EndSeconds = 8 },
                new() { StoryId = story.Id, Position = 2, Speaker = "Ben", Text = "I would rather this stayed private.", StartSeconds = 8, EndSeconds = 12 },
                new() { StoryId = story.Id, Position = 3, Speaker = "Ada", Text = "The housing officer rang me back.", StartSeconds = 12, EndSeconds = 16 },
            };
            db.TranscriptCues.AddRange(cues);
            await db.SaveChangesAsync();
            return (story.Id, cues.Select(c => c.Id).ToList());
        });
    }

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Themes_are_noted_in_own_words_before_the_codebook_exists_and_linked_to_a_codebook_theme_later()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var reporter = await App.CreateUserAsync(name: "Rae Reporter");
        await App.AddMemberAsync(projectId, reporter, Storyweave.Features.Projects.ProjectRole.CommunityReporter);
        var (storyId, cues) = await GroupStoryAsync(projectId, lead);
        var page = $"/projects/{projectId}/stories/{storyId}/review";
        var client = await App.SignInAsync(reporter);

        // No codebook yet: the page says so and offers a box for a theme in the reporter's own words.
        var empty = await client.GetStringAsync(page);
        Assert.Contains("The codebook has no themes yet. Note the themes you hear in your own words below", empty, StringComparison.Ordinal);
        var saved = await TestApp.PostFormAsync(client, page, new()
        {
            ["Ideas"] = "Being heard mattered",
            ["Experience"] = "Positive",
            ["IsComplete"] = "false",
            ["NewNotedTheme"] = "  Feeling listened to  ",
            ["NewQuoteCueId"] = Id(cues[1]),
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var api = await App.ApiClientAsync(reporter);
        var sheet = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}/review"))!;
        var noted = Assert.Single(sheet["notedThemes"]!.AsArray())!;
        Assert.Equal("Feeling listened to", noted["text"]!.GetValue<string>());
        Assert.Null(noted["themeId"]);
        Assert.Empty(sheet["themeIds"]!.AsArray());
        var notedId = noted["id"]!.GetValue<int>();

        // A second one through the API, keeping the first; nothing is lost when the API leaves them out.
        var put = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new
        {
            ideas = "Being heard mattered",
            experience = "Positive",
            isComplete = false,
            keyQuotes = new object[] { new { cueId = cues[1] } },
            notedThemes = new object[] { new { id = notedId, text = "Feeling listened to" }, new { text = "Housing help" } },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var withoutNotes = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new { ideas = "Being heard mattered", experience = "Positive", keyQuotes = new object[] { new { cueId = cues[1] } } });
        Assert.Equal(HttpStatusCode.OK, withoutNotes.StatusCode);
        sheet = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}/review"))!;
        Assert.Equal(["Feeling listened to", "Housing help"], sheet["notedThemes"]!.AsArray().Select(n => n!["text"]!.GetValue<string>()));

        // Later the codebook gets a theme; linking the noted theme puts it on the sheet, so the sheet's key quote
        // becomes a candidate for reports under that theme.
        var leadApi = await App.ApiClientAsync(lead);
        var themeId = (await (await leadApi.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name = "Being heard" })).Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]![0]!.GetValue<int>();
        var report = (await (await leadApi.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Heard" })).Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        var candidatesUrl = $"/api/projects/{projectId}/reports/{report.Id}/themes/{themeId}/candidates";
        Assert.Empty((await leadApi.GetFromJsonAsync<List<ReportEndpoints.CandidateDto>>(candidatesUrl, Json))!);

        var wrong = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review/noted-themes/{notedId}", new { themeId = 999999 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Contains("That theme is not in this project's codebook", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var link = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review/noted-themes/{notedId}", new { themeId });
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        sheet = (await link.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal([themeId], sheet["themeIds"]!.AsArray().Select(t => t!.GetValue<int>()));
        var linked = sheet["notedThemes"]!.AsArray().Single(n => n!["id"]!.GetValue<int>() == notedId)!;
        Assert.Equal(("Feeling listened to", themeId, "Being heard"), (linked["text"]!.GetValue<string>(), linked["themeId"]!.GetValue<int>(), linked["themeName"]!.GetValue<string>()));
        var candidate = Assert.Single((await leadApi.GetFromJsonAsync<List<ReportEndpoints.CandidateDto>>(candidatesUrl, Json))!);
        Assert.Equal("Somebody finally listened to me.", candidate.Text);

        // The page shows the link chosen in the noted theme's own list, and saving the page keeps it.
        var linkedPage = await client.GetStringAsync(page);
        Assert.Contains("<label for=\"noted-0-link\">Codebook theme for \u201cFeeling listened to\u201d</label>", linkedPage, StringComparison.Ordinal);
        Assert.Matches($"<option value=\"{themeId}\" selected=\"selected\">Being heard</option>", linkedPage);
        var resaved = await TestApp.PostFormAsync(client, page, new()
        {
            ["Ideas"] = "Being heard mattered",
            ["Experience"] = "Positive",
            ["IsComplete"] = "true",
            ["KeepQuotes"] = $"{22}-{22 + 32}",
            ["NotedThemes[0].Id"] = notedId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NotedThemes[0].Text"] = "Feeling listened to",
            ["NotedThemes[0].ThemeId"] = themeId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NotedThemes[1].Id"] = sheet["notedThemes"]!.AsArray().Single(n => n!["id"]!.GetValue<int>() != notedId)!["id"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NotedThemes[1].Text"] = "",
        });
        Assert.Equal(HttpStatusCode.Redirect, resaved.StatusCode);
        sheet = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}/review"))!;
        Assert.Equal(["Feeling listened to"], sheet["notedThemes"]!.AsArray().Select(n => n!["text"]!.GetValue<string>())); // emptied: removed
        Assert.Equal([themeId], sheet["themeIds"]!.AsArray().Select(t => t!.GetValue<int>()));

        // Unlinking takes the theme off the sheet again (no other noted theme links it).
        var unlink = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review/noted-themes/{notedId}", new { themeId = (int?)null });
        Assert.Equal(HttpStatusCode.OK, unlink.StatusCode);
        Assert.Empty((await unlink.Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]!.AsArray());

        // A viewer may read but not link.
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, viewer, Storyweave.Features.Projects.ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review/noted-themes/{notedId}", new { themeId })).StatusCode);
    }

    [Fact]
    public async Task Saving_the_sheet_keeps_its_key_quotes_so_a_report_quote_picked_from_one_survives()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (storyId, cues) = await GroupStoryAsync(projectId, lead);
        var themeId = await App.CreateThemeAsync(projectId, App.Unique("Listening "));
        var save = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new
        {
            ideas = "First",
            experience = "Positive",
            themeIds = new[] { themeId },
            keyQuotes = new object[] { new { cueId = cues[1] }, new { cueId = cues[3] } },
        });
        Assert.Equal(HttpStatusCode.OK, save.StatusCode);
        var quoteIds = (await save.Content.ReadFromJsonAsync<JsonObject>())!["keyQuotes"]!.AsArray().Select(q => q!["id"]!.GetValue<int>()).ToList();
        var report = (await (await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Kept" })).Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{report.Id}/themes/{themeId}/quotes", new { keyQuoteId = quoteIds[1] })).StatusCode);

        // The reporter saves the sheet again with an edited idea and the same quotes, in a new order.
        var again = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new
        {
            ideas = "Second",
            experience = "Positive",
            themeIds = new[] { themeId },
            keyQuotes = new object[] { new { cueId = cues[3] }, new { cueId = cues[1] } },
        });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal([quoteIds[1], quoteIds[0]], (await again.Content.ReadFromJsonAsync<JsonObject>())!["keyQuotes"]!.AsArray().Select(q => q!["id"]!.GetValue<int>()));
        var reportAfter = (await api.GetFromJsonAsync<ReportEndpoints.ReportDto>($"/api/projects/{projectId}/reports/{report.Id}", Json))!;
        var picked = Assert.Single(reportAfter.Themes.Single(t => t.ThemeId == themeId).Quotes);
        Assert.Equal(quoteIds[1], picked.KeyQuoteId);
        Assert.Equal("The housing officer rang me back.", picked.Text);
    }

    [Fact]
    public async Task Key_quotes_are_added_and_removed_in_place_one_at_a_time_and_nothing_else_on_the_sheet_changes()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, cues) = await GroupStoryAsync(projectId, lead);
        var api = await App.ApiClientAsync(lead);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new { ideas = "Saved idea", experience = "Mixed" })).StatusCode);
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/stories/{storyId}/review";

        async Task<HttpResponseMessage> FragmentAsync(string handler, Dictionary<string, string> fields)
        {
            var html = await client.GetStringAsync(page);
            var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{page}?handler={handler}")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token) }),
            };
            request.Headers.Add("X-Storyweave-Fragment", "1");
            return await client.SendAsync(request);
        }

        // Added in place: the answer is the list alone (no page around it), with a sentence for screen readers.
        var added = await FragmentAsync("AddQuote", new() { ["NewQuoteCueId"] = Id(cues[1]), ["NewQuotePart"] = "finally listened" });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var body = await added.Content.ReadAsStringAsync();
        Assert.StartsWith("<div id=\"key-quote-list\"", body.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("<html", body, StringComparison.Ordinal);
        Assert.Contains("finally listened</blockquote>", body, StringComparison.Ordinal);
        Assert.Contains("data-announce=\"Key quote added: \u201Cfinally listened\u201D. 1 key quote.\"", WebUtility.HtmlDecode(body), StringComparison.Ordinal);
        var second = await FragmentAsync("AddQuote", new() { ["NewQuoteCueId"] = Id(cues[3]) });
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        // Refused with a reason: the storyteller who said it has not agreed; the same words twice.
        var refused = await FragmentAsync("AddQuote", new() { ["NewQuoteCueId"] = Id(cues[2]) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("has not agreed to their words being used in analysis", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var twice = await FragmentAsync("AddQuote", new() { ["NewQuoteCueId"] = Id(cues[3]) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, twice.StatusCode);
        Assert.Contains("already a key quote", await twice.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var sheet = await App.WithDbAsync(db => db.ReviewSheets.Include(r => r.KeyQuotes).SingleAsync(r => r.StoryId == storyId));
        Assert.Equal(["finally listened", "The housing officer rang me back."], sheet.KeyQuotes.OrderBy(q => q.Position).Select(q => q.Text));
        Assert.Equal(("Saved idea", Storyweave.Features.Review.Experience.Mixed), (sheet.Ideas, sheet.Experience));

        var removed = await FragmentAsync("RemoveQuote", new() { ["RemoveQuoteId"] = sheet.KeyQuotes.OrderBy(q => q.Position).First().Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var removedBody = WebUtility.HtmlDecode(await removed.Content.ReadAsStringAsync());
        Assert.Contains("data-announce=\"Key quote removed. 1 key quote.\"", removedBody, StringComparison.Ordinal);
        Assert.DoesNotContain("finally listened", removedBody, StringComparison.Ordinal);

        // The API does the same, one quote at a time.
        var viaApi = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review/key-quotes", new { cueId = cues[1] });
        Assert.Equal(HttpStatusCode.Created, viaApi.StatusCode);
        var quoteId = (await viaApi.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<int>();
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/projects/{projectId}/stories/{storyId}/review/key-quotes/{quoteId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/projects/{projectId}/stories/{storyId}/review/key-quotes/{quoteId}")).StatusCode);

        // Without script the Remove button posts the whole form: it is saved with the change.
        var keep = await App.WithDbAsync(db => db.KeyQuotes.Where(q => q.StoryId == storyId).Select(q => new { q.Id, q.StartOffset, q.EndOffset }).SingleAsync());
        var plain = await TestApp.PostFormAsync(client, page, new()
        {
            ["Ideas"] = "Typed, then Remove pressed",
            ["Experience"] = "Mixed",
            ["KeepQuotes"] = $"{keep.StartOffset}-{keep.EndOffset}",
            ["RemoveQuoteId"] = keep.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, $"{page}?handler=RemoveQuote");
        Assert.Equal(HttpStatusCode.Redirect, plain.StatusCode);
        sheet = await App.WithDbAsync(db => db.ReviewSheets.Include(r => r.KeyQuotes).SingleAsync(r => r.StoryId == storyId));
        Assert.Equal("Typed, then Remove pressed", sheet.Ideas);
        Assert.Empty(sheet.KeyQuotes);
    }
}
