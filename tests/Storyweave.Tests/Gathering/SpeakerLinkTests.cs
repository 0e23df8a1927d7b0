using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Gathering;

/// <summary>
/// Who is speaking: labels in an imported transcript are linked to the session's storytellers and its
/// reporter by name, and every choice on the speakers form saves or gets a specific message (never a 500).
/// </summary>
public sealed class SpeakerLinkTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Story(int ProjectId, int StoryId, int Benna, int Jo, HttpClient Api, HttpClient Browser, string SpeakersUrl);

    private async Task<Story> ImportedAsync(string vtt, string reporterName = "Tavi Quorrel")
    {
        var lead = await App.CreateUserAsync(name: "Lead Person");
        var projectId = await App.CreateProjectAsync(lead);
        var reporter = await App.CreateUserAsync(name: reporterName);
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var benna = await App.CreateStorytellerAsync(projectId, lead, "Benna Strake");
        var jo = await App.CreateStorytellerAsync(projectId, lead, "Jo Pellam");
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/sessions",
            new { title = "The quillary", date = "2026-02-02", mode = "Online", reporterUserId = reporter.Id, storytellerIds = new[] { benna, jo } });
        created.EnsureSuccessStatusCode();
        var storyId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["storyId"]!;
        var file = new MultipartFormDataContent { { new StringContent(vtt), "file", "meeting.vtt" } };
        var imported = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", file);
        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        return new Story(projectId, storyId, benna, jo, api, await App.SignInAsync(lead), $"/projects/{projectId}/stories/{storyId}/transcript/speakers");
    }

    private Task<Dictionary<string, (int? Teller, bool Reporter)>> LinksAsync(int storyId) =>
        App.WithDbAsync(db => db.SpeakerLabels.Where(l => l.StoryId == storyId).ToDictionaryAsync(l => l.Label, l => (l.StorytellerId, l.IsReporter)));

    private const string Zoom = """
        WEBVTT

        1
        00:00:01.500 --> 00:00:04.000
        Tavi Quorrel: Thanks for sitting down with me today.

        2
        00:00:04.200 --> 00:00:09.750
        Benna Strake: Happy to. I brought the old photos.

        3
        00:00:12.500 --> 00:00:15.000
        jo pellam: We kept the brindlewick by the door.
        """;

    [Fact]
    public async Task The_interviewer_whose_name_is_the_sessions_reporter_is_linked_as_the_reporter_on_import()
    {
        var s = await ImportedAsync(Zoom);
        var links = await LinksAsync(s.StoryId);
        Assert.Equal((null, true), links["Tavi Quorrel"]);
        Assert.Equal((s.Benna, false), links["Benna Strake"]);
        Assert.Equal((s.Jo, false), links["jo pellam"]); // any case

        var page = await s.Browser.GetStringAsync(s.SpeakersUrl);
        Assert.Contains("The Community Reporter (Tavi Quorrel)", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  TAVI   quorrel ", true)]
    [InlineData("Tavi Quorrel (she/her)", true)]
    [InlineData("Tavi's iPhone", true)]
    [InlineData("Tavi", true)]
    [InlineData("Interviewer", true)]
    [InlineData("Reporter", true)]
    [InlineData("Community Reporter", true)]
    [InlineData("Someone Else", false)]
    public async Task Reporter_labels_are_recognised_by_name_case_and_spacing_insensitively(string label, bool isReporter)
    {
        var s = await ImportedAsync($"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{label}: Hello there.\n\n00:00:02.500 --> 00:00:04.000\nBénna  Strake: Hi.\n");
        var links = await LinksAsync(s.StoryId);
        var link = links.Single(l => l.Key != "Bénna Strake").Value;
        Assert.Equal(isReporter, link.Reporter);
        Assert.Null(link.Teller);
        Assert.Equal((s.Benna, false), links["Bénna Strake"]); // accents ignored
    }

    [Fact]
    public async Task A_first_name_two_people_share_is_left_for_a_person_to_link()
    {
        var s = await ImportedAsync("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBenna: Hello there.\n", reporterName: "Benna Lark");
        Assert.Equal((null, false), (await LinksAsync(s.StoryId))["Benna"]);
    }

    [Fact]
    public async Task Not_linked_yet_saves_as_unlinked_without_an_error()
    {
        var s = await ImportedAsync(Zoom);
        var saved = await TestApp.PostFormAsync(s.Browser, s.SpeakersUrl, new() { ["who[Tavi Quorrel]"] = "", ["who[Benna Strake]"] = $"teller:{s.Benna}", ["who[jo pellam]"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var links = await LinksAsync(s.StoryId);
        Assert.Equal((null, false), links["Tavi Quorrel"]);
        Assert.Equal((null, false), links["jo pellam"]);
        var story = await s.Browser.GetStringAsync(saved.Headers.Location!.OriginalString);
        Assert.Contains("2 of 3 speakers are not linked yet", story, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reporter_and_storyteller_options_save_their_links()
    {
        var s = await ImportedAsync(Zoom);
        var saved = await TestApp.PostFormAsync(s.Browser, s.SpeakersUrl, new() { ["who[Tavi Quorrel]"] = "reporter", ["who[Benna Strake]"] = $"teller:{s.Jo}", ["who[jo pellam]"] = $"teller:{s.Benna}" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var links = await LinksAsync(s.StoryId);
        Assert.Equal((null, true), links["Tavi Quorrel"]);
        Assert.Equal((s.Jo, false), links["Benna Strake"]);
        Assert.Equal((s.Benna, false), links["jo pellam"]);
        Assert.Contains("every speaker is linked", await s.Browser.GetStringAsync(saved.Headers.Location!.OriginalString), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("teller:abc", "was not one of the people listed")]
    [InlineData("teller:", "was not one of the people listed")]
    [InlineData("somebody", "was not one of the people listed")]
    [InlineData("teller:999999", "can only be linked to a storyteller of this story's session")]
    public async Task An_unexpected_choice_gets_a_specific_message_and_changes_nothing(string value, string message)
    {
        var s = await ImportedAsync(Zoom);
        var before = await LinksAsync(s.StoryId);
        var response = await TestApp.PostFormAsync(s.Browser, s.SpeakersUrl, new() { ["who[Benna Strake]"] = value });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains(message, html, StringComparison.Ordinal);
        Assert.Contains("Benna Strake", html, StringComparison.Ordinal);
        Assert.Equal(before, await LinksAsync(s.StoryId));
    }

    [Fact]
    public async Task A_storyteller_of_another_session_cannot_be_linked()
    {
        var s = await ImportedAsync(Zoom);
        var lead = await App.CreateUserAsync();
        var otherProject = await App.CreateProjectAsync(lead);
        var stranger = await App.CreateStorytellerAsync(otherProject, lead, "Stranger Person");
        var response = await TestApp.PostFormAsync(s.Browser, s.SpeakersUrl, new() { ["who[Benna Strake]"] = $"teller:{stranger}" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("can only be linked to a storyteller of this story", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal((s.Benna, false), (await LinksAsync(s.StoryId))["Benna Strake"]);
    }

    [Fact]
    public async Task A_label_the_transcript_does_not_have_and_an_empty_form_get_messages()
    {
        var s = await ImportedAsync(Zoom);
        var unknown = await TestApp.PostFormAsync(s.Browser, s.SpeakersUrl, new() { ["who[Nobody Here]"] = "reporter" });
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Contains("The transcript has no speaker called \"Nobody Here\"", WebUtility.HtmlDecode(await unknown.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        var empty = await TestApp.PostFormAsync(s.Browser, s.SpeakersUrl, []);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Contains("Nothing was sent", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sam Rivers", "sam   RIVERS")]
    [InlineData("Sam Rivers", "Sam")]
    [InlineData("Zoë Hart", "Zoe Hart")]
    public void Names_match_ignoring_case_spacing_and_accents(string name, string label) =>
        Assert.NotNull(SpeakerMatch.Find(label, [new SpeakerMatch.Person(7, name)], null));

    [Theory]
    [InlineData("Sam Rivers", "Sam Riverside")]
    [InlineData("Sam Rivers", "Rivers")]
    [InlineData("Sam Rivers", "")]
    public void Other_names_do_not_match(string name, string label) =>
        Assert.Null(SpeakerMatch.Find(label, [new SpeakerMatch.Person(7, name)], null));
}
