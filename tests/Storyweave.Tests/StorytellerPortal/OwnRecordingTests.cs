using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.StorytellerPortal;

/// <summary>
/// A storyteller plays their own recording on their page: the whole of a story told alone; in a group story only
/// their own turns, cut from the recording (checked with ffprobe and by loudness: their turns are a tone, everyone
/// else's silence); nothing where their turns cannot be told apart. Only their own session reaches it.
/// </summary>
public sealed class OwnRecordingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private async Task SaveCuesAsync(int projectId, int storyId, TestApp.TestUser by, params TranscriptService.CueInput[] cues)
    {
        var version = await App.WithDbAsync(db => db.Stories.Where(s => s.Id == storyId).Select(s => s.TranscriptVersion).SingleAsync());
        var saved = await App.WithServiceAsync<TranscriptService, bool>(async t => (await t.SaveAsync(projectId, storyId, cues, version, "typed", by.Id)).Saved);
        Assert.True(saved, "The test transcript was not saved.");
    }

    private Task<int> StoryAsync(int projectId, TestApp.TestUser lead, params int[] tellerIds) =>
        App.CreateStoryWithTranscriptAsync(projectId, lead, tellerIds);

    private static async Task UploadAsync(HttpClient api, int projectId, int storyId, string path)
    {
        using var content = TestMedia.FileContent(path, Path.GetFileName(path));
        var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
        Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
    }

    private async Task<HttpClient> SessionAsync(HttpClient lead, int projectId, int storytellerId) =>
        await App.OpenStorytellerPageAsync(await TestApp.CreateStorytellerLinkAsync(lead, projectId, storytellerId));

    [Fact]
    public async Task A_storyteller_plays_their_own_story_with_ranges_and_nobody_else_can()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var adaId = await App.CreateStorytellerAsync(projectId, lead, "Ada Alone");
        var otherId = await App.CreateStorytellerAsync(projectId, lead, "Bo Elsewhere");
        var storyId = await StoryAsync(projectId, lead, adaId);
        await SaveCuesAsync(projectId, storyId, lead, new TranscriptService.CueInput(0, 4, "Ada", "We waited months for a reply."));
        await TestApp.UploadRecordingAsync(await App.ApiClientAsync(lead), projectId, storyId);
        var leadClient = await App.SignInAsync(lead);
        var ada = await SessionAsync(leadClient, projectId, adaId);
        var url = $"/me/stories/{storyId}/recording";

        var page = WebUtility.HtmlDecode(await ada.GetStringAsync("/me"));
        Assert.Contains($"<audio controls preload=\"none\" src=\"{url}\"", page, StringComparison.Ordinal);
        Assert.Contains("Listen to the recording of your story.", page, StringComparison.Ordinal);

        var whole = await ada.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.True(whole.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {whole.Headers.CacheControl}");
        var bytes = await whole.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length > 1000);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(100, 199);
        var part = await ada.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(bytes[100..200], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal(bytes.Length, part.Content.Headers.ContentRange!.Length);
        // One listen is logged once, not once per range.
        Assert.Equal(1, await App.WithDbAsync(db => db.AccessLog.CountAsync(a => a.ProjectId == projectId && a.Action == "played" && a.TargetId == adaId.ToString(CultureInfo.InvariantCulture))));

        // Another storyteller's session: not found. No session: 401. A team member's cookie is not a storyteller session.
        var bo = await SessionAsync(leadClient, projectId, otherId);
        Assert.Equal(HttpStatusCode.NotFound, (await bo.GetAsync(url)).StatusCode);
        Assert.DoesNotContain(url, await bo.GetStringAsync("/me"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.AnonymousClient().GetAsync(url)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await leadClient.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task In_a_group_story_each_hears_only_their_own_turns_cut_again_when_the_transcript_changes()
    {
        using var folder = new TestMedia.Folder();
        // Six seconds: Sam speaks (a loud tone) at 2–4 s and 5–6 s; Jo's turns (0–2 s, 4–5 s) are silence.
        var recording = folder.File("group.m4a");
        await TestMedia.RunFfmpegAsync(["-f", "lavfi", "-i", "aevalsrc=if(between(t\\,2\\,4)+between(t\\,5\\,6)\\,0.8*sin(2*PI*880*t)\\,0):s=16000:d=6",
            "-c:a", "aac", "-b:a", "64k", recording]);
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var samId = await App.CreateStorytellerAsync(projectId, lead, "Sam Teller");
        var joId = await App.CreateStorytellerAsync(projectId, lead, "Jo Other");
        var storyId = await StoryAsync(projectId, lead, samId, joId);
        await SaveCuesAsync(projectId, storyId, lead,
            new(0, 2, "Jo Other", "Shall I start?"),
            new(2, 4, "Sam Teller", "The kitchen table was where we met."),
            new(4, 5, "Jo Other", "Yes."),
            new(5, 6, "Sam Teller", "Every Thursday."));
        var api = await App.ApiClientAsync(lead);
        await UploadAsync(api, projectId, storyId, recording);
        var leadClient = await App.SignInAsync(lead);
        var sam = await SessionAsync(leadClient, projectId, samId);
        var url = $"/me/stories/{storyId}/recording";

        var page = WebUtility.HtmlDecode(await sam.GetStringAsync("/me"));
        Assert.Contains("Listen to your own parts of the recording. The other people's parts are left out", page, StringComparison.Ordinal);
        Assert.Contains("Every Thursday.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Shall I start?", page, StringComparison.Ordinal);

        var samCut = folder.File("sam.m4a");
        var response = await sam.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mp4", response.Content.Headers.ContentType!.MediaType);
        await File.WriteAllBytesAsync(samCut, await response.Content.ReadAsByteArrayAsync());
        var probe = await TestMedia.ProbeAsync(samCut);
        Assert.InRange(probe.Duration, 2.8, 3.3);
        Assert.Empty(probe.VideoCodec);
        // It starts with Sam's first turn (the tone), and no part of Jo's silence is in it.
        Assert.True(await TestMedia.MaxVolumeAsync(samCut, 0.1, 0.4) > -10, "Sam's cut does not start with Sam speaking.");
        Assert.True(await TestMedia.MaxVolumeAsync(samCut, 1.6, 0.3) > -10, "Jo's turn is in the middle of Sam's cut.");
        Assert.True(await TestMedia.MaxVolumeAsync(samCut, 2.3, 0.4) > -10, "Sam's second turn is missing.");
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, url))
        {
            ranged.Headers.Range = new RangeHeaderValue(0, 99);
            var part = await sam.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(100, (await part.Content.ReadAsByteArrayAsync()).Length);
        }

        // Jo hears only Jo's turns: three seconds of silence.
        var jo = await SessionAsync(leadClient, projectId, joId);
        var joCut = folder.File("jo.m4a");
        await File.WriteAllBytesAsync(joCut, await jo.GetByteArrayAsync(url));
        Assert.InRange((await TestMedia.ProbeAsync(joCut)).Duration, 2.8, 3.3);
        Assert.True(await TestMedia.MaxVolumeAsync(joCut, 0, 3) < -40, "Jo's cut holds Sam's words.");

        // The transcript changes (Sam's second turn is given to Jo): Sam's cut is made again, two seconds long.
        await SaveCuesAsync(projectId, storyId, lead,
            new(0, 2, "Jo Other", "Shall I start?"),
            new(2, 4, "Sam Teller", "The kitchen table was where we met."),
            new(4, 6, "Jo Other", "Yes. Every Thursday."));
        await File.WriteAllBytesAsync(samCut, await sam.GetByteArrayAsync(url));
        Assert.InRange((await TestMedia.ProbeAsync(samCut)).Duration, 1.8, 2.3);

        // Without times, Sam's turns cannot be told apart: the page says so and nothing plays.
        await SaveCuesAsync(projectId, storyId, lead,
            new(null, null, "Jo Other", "Shall I start?"),
            new(null, null, "Sam Teller", "The kitchen table was where we met."));
        page = WebUtility.HtmlDecode(await sam.GetStringAsync("/me"));
        Assert.Contains("we cannot yet tell which parts of it are you speaking", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<audio", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await sam.GetAsync(url)).StatusCode);
    }
}
