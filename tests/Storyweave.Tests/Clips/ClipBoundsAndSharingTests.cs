using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Clips;
using Storyweave.Features.Consent;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Clips;

/// <summary>
/// Clip times to a tenth of a second that land exactly on the transcript's own line boundaries; the clip
/// editor shows the caption lines a clip will hold; and one rule (ClipConsent) decides whether a clip may be
/// shared — the team's page, the upload ZIP and the public site give the same answer, and a held-back clip
/// says why and for whom.
/// </summary>
public sealed class ClipBoundsAndSharingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    // Odd, sub-tenth boundaries, as real transcripts have them. Ada agreed to clips, Bram did not.
    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0.0, 1.93, "Ada Example", "This is the line before."),
        new(1.93, 3.955, "Ada Example", "Tomatoes, proper ones, and they listened."),
        new(3.955, 5.8, "Bram Sample", "I look after the compost heaps."),
    ];

    private sealed record Setup(TestApp.TestUser Lead, HttpClient Api, HttpClient Browser, int ProjectId, TestApp.ClipStory Story, int PlaylistId);

    private async Task<Setup> NewAsync(TestMedia.Folder folder)
    {
        var wav = await TestMedia.SpeechAsync(folder.File("garden.wav"), "This is the line before. Tomatoes, proper ones, and they listened. I look after the compost heaps.");
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var story = await App.CreateClipStoryAsync(projectId, lead, [new("Ada Example", true), new("Bram Sample", false)], Cues, wav);
        var api = await App.ApiClientAsync(lead);
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "Garden voices", description = "" });
        var playlistId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        return new Setup(lead, api, await App.SignInAsync(lead), projectId, story, playlistId);
    }

    [Theory]
    [InlineData(1.93, "0:01.9")]
    [InlineData(3.955, "0:04")]
    [InlineData(134.93, "2:14.9")]
    [InlineData(59.96, "1:00")]
    public void Times_are_shown_to_a_tenth_of_a_second(double seconds, string shown) => Assert.Equal(shown, ClipText.Time(seconds));

    [Fact]
    public async Task A_passage_in_a_group_story_becomes_a_clip_with_its_lines_exact_bounds_even_next_to_someone_who_said_no()
    {
        using var folder = new TestMedia.Folder();
        var s = await NewAsync(folder);
        var editor = $"/projects/{s.ProjectId}/playlists/{s.PlaylistId}/clips?passageId={s.Story.PassageIds[1]}";

        var page = WebUtility.HtmlDecode(await s.Browser.GetStringAsync(editor));
        Assert.Contains("value=\"0:01.9\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"0:04\"", page, StringComparison.Ordinal);
        // The captions the clip will hold: Ada's line only — not the end of the line before, not Bram's turn.
        var captions = page[page.IndexOf("Captions in this clip", StringComparison.Ordinal)..];
        captions = captions[..captions.IndexOf("</section>", StringComparison.Ordinal)];
        Assert.Contains("Tomatoes, proper ones, and they listened.", captions, StringComparison.Ordinal);
        Assert.DoesNotContain("line before", captions, StringComparison.Ordinal);
        Assert.DoesNotContain("compost", captions, StringComparison.Ordinal);
        Assert.Contains("1 line.", captions, StringComparison.Ordinal);

        // The form as it came, with its times rounded to tenths: made, not refused for touching Bram's turn.
        var made = await TestApp.PostFormAsync(s.Browser, editor, new()
        {
            ["PassageId"] = s.Story.PassageIds[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["KeyQuoteId"] = "",
            ["Start"] = "0:01.9",
            ["End"] = "0:04",
            ["Title"] = "Tomatoes",
            ["Description"] = "",
        });
        Assert.True(made.StatusCode == HttpStatusCode.Redirect, WebUtility.HtmlDecode(await made.Content.ReadAsStringAsync()));
        var clip = await App.WithDbAsync(db => db.Clips.SingleAsync(c => c.PlaylistId == s.PlaylistId));
        Assert.Equal((1.93, 3.955), (clip.StartSeconds, clip.EndSeconds));
        var vtt = await WaitForCaptionsAsync(s, clip.Id);
        Assert.Contains("Tomatoes, proper ones", vtt, StringComparison.Ordinal);
        Assert.DoesNotContain("line before", vtt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_preview_api_gives_the_kept_times_the_verdict_and_the_lines_only_when_allowed()
    {
        using var folder = new TestMedia.Folder();
        var s = await NewAsync(folder);
        var url = $"/api/projects/{s.ProjectId}/stories/{s.Story.StoryId}/clip-preview";

        var ok = (await s.Api.GetFromJsonAsync<JsonObject>($"{url}?start=1.9&end=4.0"))!;
        Assert.True((bool)ok["allowed"]!);
        Assert.Equal(1.93, (double)ok["start"]!);
        Assert.Equal(3.955, (double)ok["end"]!);
        Assert.Single(ok["lines"]!.AsArray());

        var refused = (await s.Api.GetFromJsonAsync<JsonObject>($"{url}?start=1.9&end=5.0"))!;
        Assert.False((bool)refused["allowed"]!);
        Assert.Contains("Bram Sample", (string)refused["message"]!, StringComparison.Ordinal);
        Assert.Empty(refused["lines"]!.AsArray());

        var other = await App.CreateUserAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.ApiClientAsync(other)).GetAsync($"{url}?start=1&end=2")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.AnonymousClient().GetAsync($"{url}?start=1&end=2")).StatusCode);
    }

    [Fact]
    public async Task The_team_page_the_upload_zip_and_the_public_site_agree_on_every_clip_and_say_why_one_is_held_back()
    {
        using var folder = new TestMedia.Folder();
        var s = await NewAsync(folder);
        var adaOnly = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[1], title = "Ada's tomatoes" });
        var withBram = await AddReadyClipAsync(s, new { passageId = s.Story.PassageIds[0], title = "Ada's opening" });
        // Bram said no to clips of the story, but is not in either clip: both are shared everywhere.
        (await s.Api.PostAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/publish", null)).EnsureSuccessStatusCode();
        var publicPage = await App.AnonymousClient().GetStringAsync($"/stories/{s.ProjectId}/playlists/{s.PlaylistId}");
        Assert.Contains("Ada&#x27;s tomatoes", publicPage, StringComparison.Ordinal);
        Assert.Contains("Ada&#x27;s opening", publicPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Bram", publicPage, StringComparison.Ordinal);

        // Ada now says no to clips: the same answer on the team page (with why and for whom), in the ZIP and in public.
        await App.RecordClipsConsentAsync(s.ProjectId, s.Story.StorytellerIds[0], s.Lead, clips: false);
        var team = WebUtility.HtmlDecode(await s.Browser.GetStringAsync($"/projects/{s.ProjectId}/playlists/{s.PlaylistId}"));
        Assert.Contains("2 clips are not in the export or on the public site", team, StringComparison.Ordinal);
        Assert.Contains("Ada's tomatoes</strong>: This part of the story cannot be a clip.", team, StringComparison.Ordinal);
        Assert.Contains("Ada Example:", team, StringComparison.Ordinal);
        var zip = new ZipArchive(new MemoryStream(await s.Api.GetByteArrayAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/export")));
        Assert.Equal(["clips.csv"], zip.Entries.Select(e => e.FullName));
        publicPage = await App.AnonymousClient().GetStringAsync($"/stories/{s.ProjectId}/playlists/{s.PlaylistId}");
        Assert.DoesNotContain("Ada&#x27;s", publicPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await App.AnonymousClient().GetAsync($"/stories/{s.ProjectId}/playlists/{s.PlaylistId}/clips/{adaOnly}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.AnonymousClient().GetAsync($"/stories/{s.ProjectId}/playlists/{s.PlaylistId}/clips/{withBram}")).StatusCode);
    }

    private static async Task<int> AddReadyClipAsync(Setup s, object body)
    {
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}/clips", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        await WaitForCaptionsAsync(s, id);
        return id;
    }

    private static async Task<string> WaitForCaptionsAsync(Setup s, int clipId)
    {
        for (var i = 0; i < 450; i++)
        {
            var clip = (await s.Api.GetFromJsonAsync<JsonObject>($"/api/projects/{s.ProjectId}/playlists/{s.PlaylistId}"))!["clips"]!.AsArray()
                .Select(c => c!.AsObject()).Single(c => (int)c["id"]! == clipId);
            if ((string)clip["status"]! == "Ready") return await s.Api.GetStringAsync($"/api/projects/{s.ProjectId}/clips/{clipId}/captions");
            Assert.NotEqual("Failed", (string)clip["status"]!);
            await Task.Delay(200);
        }
        throw new TimeoutException($"Clip {clipId} was not cut in 90 seconds.");
    }
}
