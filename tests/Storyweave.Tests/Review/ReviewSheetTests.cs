using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Search;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Review;

public sealed class ReviewSheetTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    /// <summary>
    /// A group story told by Ada (agreed to analysis) and Ben (withdrew it), with the reporter asking:
    /// "R" (reporter) / "Ada" / "Ben" turns mapped through speaker labels. Returns the cue ids in order.
    /// </summary>
    private async Task<(int StoryId, List<long> CueIds)> GroupStoryAsync(int projectId)
    {
        var (storyId, tellers) = await App.CreateStoryAsync(projectId, storytellerCount: 2);
        var cues = await App.WithDbAsync(async db =>
        {
            db.SpeakerLabels.AddRange(
                new SpeakerLabel { StoryId = storyId, Label = "R", IsReporter = true },
                new SpeakerLabel { StoryId = storyId, Label = "Ada", StorytellerId = tellers[0] },
                new SpeakerLabel { StoryId = storyId, Label = "Ben", StorytellerId = tellers[1] });
            var now = DateTime.UtcNow;
            db.ConsentRecords.Add(new ConsentRecord { ProjectId = projectId, StorytellerId = tellers[1], Recording = true, Analysis = false, Method = ConsentMethod.PaperForm, GivenAt = now, RecordedAt = now });
            var list = new List<TranscriptCue>
            {
                new() { StoryId = storyId, Position = 0, Speaker = "R", Text = "What changed for you?", StartSeconds = 0, EndSeconds = 3 },
                new() { StoryId = storyId, Position = 1, Speaker = "Ada", Text = "It gave me a purpose and confidence.", StartSeconds = 3, EndSeconds = 8.5 },
                new() { StoryId = storyId, Position = 2, Speaker = "Ben", Text = "I would rather this stayed private.", StartSeconds = 8.5, EndSeconds = 12 },
            };
            db.TranscriptCues.AddRange(list);
            await db.SaveChangesAsync();
            return list.Select(c => c.Id).ToList();
        });
        return (storyId, cues);
    }

    [Fact]
    public async Task A_review_sheet_is_saved_with_key_quotes_and_themes_and_read_back()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (storyId, cues) = await GroupStoryAsync(projectId);
        var theme = (await (await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name = "Confidence" })).Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]![0]!.GetValue<int>();

        var save = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new
        {
            ideas = "Purpose matters",
            changesForIndividuals = "More confident",
            changesForOrganisations = "",
            changesForSociety = "Less stigma",
            experience = "Positive",
            isComplete = true,
            themeIds = new[] { theme },
            keyQuotes = new object[] { new { cueId = cues[1], part = "a purpose" }, new { startOffset = 0, endOffset = 29 } },
        });
        Assert.Equal(HttpStatusCode.OK, save.StatusCode);

        var sheet = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}/review"))!;
        Assert.Equal("Purpose matters", sheet["ideas"]!.GetValue<string>());
        Assert.Equal("Positive", sheet["experience"]!.GetValue<string>());
        Assert.True(sheet["isComplete"]!.GetValue<bool>());
        Assert.Equal(theme, sheet["themeIds"]![0]!.GetValue<int>());
        var quotes = sheet["keyQuotes"]!.AsArray();
        Assert.Equal("a purpose", quotes[0]!["text"]!.GetValue<string>());
        Assert.Equal(22 + 11, quotes[0]!["startOffset"]!.GetValue<int>()); // "What changed for you?\n" is 22 characters
        Assert.Equal("Ada", quotes[0]!["speaker"]!.GetValue<string>());
        Assert.Equal((3.0, 8.5), (quotes[0]!["startSeconds"]!.GetValue<double>(), quotes[0]!["endSeconds"]!.GetValue<double>()));
        // A span across two turns takes its times from both cues it covers.
        Assert.Equal("What changed for you?\nIt gave", quotes[1]!["text"]!.GetValue<string>());
        Assert.Equal((0.0, 8.5), (quotes[1]!["startSeconds"]!.GetValue<double>(), quotes[1]!["endSeconds"]!.GetValue<double>()));
    }

    [Fact]
    public async Task A_key_quote_from_a_storyteller_without_analysis_consent_is_refused()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (storyId, cues) = await GroupStoryAsync(projectId);

        var save = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new
        {
            ideas = "Should not be saved",
            experience = "Mixed",
            isComplete = false,
            keyQuotes = new object[] { new { cueId = cues[2] } },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, save.StatusCode);
        Assert.Contains("has not agreed to their words being used in analysis", await save.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await App.WithDbAsync(db => db.ReviewSheets.AnyAsync(r => r.StoryId == storyId)));

        // The page offers only the turns that may be used.
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories/{storyId}/review");
        Assert.Contains("It gave me a purpose", page, StringComparison.Ordinal);
        Assert.DoesNotContain("stayed private", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_counts_complete_and_started_sheets_out_of_all_stories()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var stories = new List<int>();
        for (var i = 0; i < 3; i++) stories.Add((await App.CreateStoryAsync(projectId)).StoryId);
        await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{stories[0]}/review", new { ideas = "Done", experience = "Positive", isComplete = true });
        await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{stories[1]}/review", new { ideas = "Half", experience = "NotSaid", isComplete = false });

        var progress = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/review"))!;
        Assert.Equal((3, 1, 2), (progress["stories"]!.GetValue<int>(), progress["complete"]!.GetValue<int>(), progress["started"]!.GetValue<int>()));
        Assert.Equal("1 of 3 stories reviewed", progress["summary"]!.GetValue<string>());

        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/review");
        Assert.Contains("1 of 3 stories reviewed", page, StringComparison.Ordinal);
        Assert.Contains("In progress", page, StringComparison.Ordinal);
        Assert.Contains("Not started", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_review_text_becomes_searchable_and_is_replaced_when_edited()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (storyId, _) = await App.CreateStoryAsync(projectId);

        await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new { ideas = "Peer support works", experience = "Positive", isComplete = false });
        var first = await App.WithDbAsync(db => db.SearchEntries.Where(e => e.StoryId == storyId && e.Kind == SearchKind.ReviewSheet).ToListAsync());
        Assert.Equal("Peer support works", Assert.Single(first).Text);

        var edit = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new { ideas = "Housing first", changesForSociety = "Fairer", experience = "Mixed", isComplete = true });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        var second = await App.WithDbAsync(db => db.SearchEntries.Where(e => e.StoryId == storyId && e.Kind == SearchKind.ReviewSheet).ToListAsync());
        Assert.Equal("Housing first\nFairer", Assert.Single(second).Text);
    }

    [Fact]
    public async Task A_reporter_saves_a_sheet_through_the_page_and_a_viewer_can_only_read_it()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var reporter = await App.CreateUserAsync(name: "Rae Reporter");
        await App.AddMemberAsync(projectId, reporter, Storyweave.Features.Projects.ProjectRole.CommunityReporter);
        var (storyId, cues) = await GroupStoryAsync(projectId);
        var client = await App.SignInAsync(reporter);
        var page = $"/projects/{projectId}/stories/{storyId}/review";
        var response = await TestApp.PostFormAsync(client, page, new()
        {
            ["Ideas"] = "Typed on the page",
            ["Experience"] = "Negative",
            ["IsComplete"] = "true",
            ["NewQuoteCueId"] = cues[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NewQuotePart"] = "confidence",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var saved = await App.WithDbAsync(db => db.ReviewSheets.Include(r => r.KeyQuotes).SingleAsync(r => r.StoryId == storyId));
        Assert.Equal("Typed on the page", saved.Ideas);
        Assert.Equal("confidence", Assert.Single(saved.KeyQuotes).Text);

        var viewer = await App.CreateUserAsync(name: "Vi Viewer");
        await App.AddMemberAsync(projectId, viewer, Storyweave.Features.Projects.ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);
        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync($"/api/projects/{projectId}/stories/{storyId}/review")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new { ideas = "x", experience = "Mixed" })).StatusCode);
    }
}
