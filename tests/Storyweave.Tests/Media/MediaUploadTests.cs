using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Media;

/// <summary>Uploading, checking, converting and serving real recordings made with espeak-ng and ffmpeg.</summary>
public sealed partial class MediaUploadTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Setup(TestApp.TestUser Lead, HttpClient Api, int ProjectId, int StoryId);

    private async Task<Setup> NewStoryAsync(TestApp? app = null)
    {
        app ??= App;
        var lead = await app.CreateUserAsync();
        var projectId = await app.CreateProjectAsync(lead);
        var (storyId, _) = await app.CreateStoryAsync(projectId);
        return new Setup(lead, await app.ApiClientAsync(lead), projectId, storyId);
    }

    private static string UploadUrl(Setup s) => $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/media";

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string url, string path, string fileName)
    {
        using var content = TestMedia.FileContent(path, fileName);
        return await client.PostAsync(url, content);
    }

    private static async Task<JsonObject> WaitForRenditionAsync(HttpClient api, int projectId, int mediaId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var media = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/media/{mediaId}"))!;
            var status = (string)media["renditionStatus"]!;
            if (status is "Ready" or "Failed") return media;
            Assert.True(DateTime.UtcNow < deadline, $"The rendition of media {mediaId} was still {status} after 60 seconds.");
            await Task.Delay(250);
        }
    }

    /// <summary>Files of this project in media/, and unfinished uploads in tmp/.</summary>
    private static List<string> LeftOvers(TestApp app, int projectId)
    {
        var media = Path.Combine(app.Options.MediaDir, projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var found = Directory.Exists(media) ? Directory.GetFiles(media, "*", SearchOption.AllDirectories).ToList() : [];
        // Uploads in progress live in the story's job scratch space, tmp/project-{id}/story-{id}/upload-…/.
        var scratch = Path.Combine(app.ScratchRoot, $"project-{projectId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (Directory.Exists(scratch)) found.AddRange(Directory.GetFiles(scratch, "*", SearchOption.AllDirectories));
        return found;
    }

    private static async Task AssertNothingKeptAsync(TestApp app, int projectId)
    {
        // Clean-up after a dropped connection happens on the server's side of the socket: allow it a moment.
        for (var i = 0; i < 50 && LeftOvers(app, projectId).Count > 0; i++) await Task.Delay(100);
        Assert.Empty(LeftOvers(app, projectId));
        Assert.Equal(0, await app.WithDbAsync(db => db.MediaFiles.CountAsync(m => m.ProjectId == projectId)));
        Assert.Equal(0, await app.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == projectId && e.Action == "media.uploaded")));
    }

    [Theory]
    [InlineData("wav", "wav", "pcm_s16le", "", true, new string[0])]
    [InlineData("mp3", "mp3", "mp3", "", true, new[] { "-c:a", "libmp3lame" })]
    [InlineData("m4a", "m4a", "aac", "", true, new[] { "-c:a", "aac" })]
    [InlineData("ogg", "ogg", "opus", "", true, new[] { "-c:a", "libopus" })]
    [InlineData("webm", "webm", "opus", "", true, new[] { "-c:a", "libopus" })]
    [InlineData("mkv", "mkv", "flac", "", false, new[] { "-c:a", "flac" })]
    [InlineData("mp4", "mp4", "aac", "mpeg4", false, new[] { "-c:v", "mpeg4", "-c:a", "aac" })]
    public async Task Speech_is_kept_with_the_duration_and_codecs_ffprobe_finds_and_plays_in_the_browser(
        string extension, string container, string audioCodec, string videoCodec, bool webPlayable, string[] ffmpegArgs)
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var source = extension == "wav" ? wav
            : videoCodec.Length > 0 ? await TestMedia.VideoAsync(wav, folder.File("speech." + extension), ffmpegArgs)
            : await TestMedia.ConvertAsync(wav, folder.File("speech." + extension), ffmpegArgs);
        var expected = await TestMedia.ProbeAsync(source);
        var s = await NewStoryAsync();

        // A misleading, path-like name: it is shown, never used for storage.
        var response = await UploadAsync(s.Api, UploadUrl(s), source, "../Kitchen table/interview.dat");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var media = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (int)media["id"]!;
        Assert.Equal("interview.dat", (string?)media["fileName"]);
        Assert.InRange((double)media["duration"]!, expected.Duration - 0.1, expected.Duration + 0.1);
        Assert.Equal(audioCodec, (string?)media["audioCodec"]);
        Assert.Equal(videoCodec, (string?)media["videoCodec"]);
        Assert.Equal(videoCodec.Length > 0, (bool)media["hasVideo"]!);
        Assert.Equal(container, (string?)media["container"]);

        var row = await App.WithDbAsync(db => db.MediaFiles.SingleAsync(m => m.Id == id));
        Assert.Equal(s.ProjectId, row.ProjectId);
        Assert.Equal(s.Lead.Id, row.UploadedByUserId);
        Assert.Equal(webPlayable, row.OriginalIsWebPlayable);
        Assert.Matches(@"^[0-9a-f]{32}\." + extension + "$", row.StoredName);
        var stored = Path.Combine(App.Options.MediaDir, s.ProjectId.ToString(System.Globalization.CultureInfo.InvariantCulture), row.StoredName);
        Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(stored));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(source))), row.Sha256);
        Assert.Equal(new FileInfo(source).Length, row.SizeBytes);
        var uploadEvent = await App.WithDbAsync(db => db.Events.SingleAsync(e => e.ProjectId == s.ProjectId && e.Action == "media.uploaded"));
        Assert.Equal(("media", id.ToString(System.Globalization.CultureInfo.InvariantCulture), s.Lead.Id), (uploadEvent.ObjectType, uploadEvent.ObjectId, uploadEvent.ActorUserId));

        if (webPlayable)
        {
            Assert.Equal("NotNeeded", (string?)media["renditionStatus"]);
        }
        else
        {
            Assert.Equal("Queued", (string?)media["renditionStatus"]);
            Assert.Null((string?)media["playUrl"]);
            media = await WaitForRenditionAsync(s.Api, s.ProjectId, id);
            Assert.Equal("Ready", (string?)media["renditionStatus"]);
            Assert.Equal(1.0, (double)media["renditionProgress"]!);
        }

        var content = await s.Api.GetAsync((string)media["playUrl"]!);
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal("nosniff", content.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("inline", content.Content.Headers.ContentDisposition?.DispositionType);
        var played = folder.File("played");
        await File.WriteAllBytesAsync(played, await content.Content.ReadAsByteArrayAsync());
        var playedProbe = await TestMedia.ProbeAsync(played);
        if (webPlayable)
        {
            Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(played));
        }
        else
        {
            Assert.Equal(videoCodec.Length > 0 ? "video/mp4" : "audio/mp4", content.Content.Headers.ContentType?.MediaType);
            Assert.Equal("aac", playedProbe.AudioCodec);
            Assert.Equal(videoCodec.Length > 0 ? "h264" : "", playedProbe.VideoCodec);
            Assert.InRange(playedProbe.Duration, expected.Duration - 0.2, expected.Duration + 0.2);
        }
    }

    [Fact]
    public async Task A_text_file_renamed_mp4_is_refused_in_plain_words_and_nothing_is_kept()
    {
        using var folder = new TestMedia.Folder();
        var fake = folder.File("interview.mp4");
        await File.WriteAllTextAsync(fake, string.Concat(Enumerable.Repeat("Notes from the interview, not a recording.\n", 2000)));
        var s = await NewStoryAsync();

        var response = await UploadAsync(s.Api, UploadUrl(s), fake, "interview.mp4");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(MediaUploader.NotARecordingMessage, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNothingKeptAsync(App, s.ProjectId);
    }

    [Fact]
    public async Task An_upload_cut_off_midway_leaves_no_temporary_file_no_media_file_and_no_row()
    {
        var s = await NewStoryAsync();
        var token = s.Api.DefaultRequestHeaders.Authorization!.Parameter!;
        var uri = new Uri(App.BaseUrl);
        const string boundary = "----cut-off-boundary";
        var head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"long.wav\"\r\nContent-Type: audio/wav\r\n\r\n");
        const int declaredFileBytes = 8 * 1024 * 1024;
        var request = Encoding.ASCII.GetBytes(
            $"POST {UploadUrl(s)} HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {token}\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {head.Length + declaredFileBytes + boundary.Length + 8}\r\n\r\n");

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(uri.Host, uri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(request);
            await stream.WriteAsync(head);
            await stream.WriteAsync(new byte[declaredFileBytes / 2]);
            await stream.FlushAsync();
            // The half that arrived is being written to tmp/ as it streams in, not held in memory.
            for (var i = 0; i < 100 && LeftOvers(App, s.ProjectId).Count == 0; i++) await Task.Delay(50);
            Assert.Single(LeftOvers(App, s.ProjectId));
            tcp.Client.Close();
        }

        await AssertNothingKeptAsync(App, s.ProjectId);
    }

    [Fact]
    public async Task An_upload_over_the_size_limit_is_refused_with_413_naming_the_limit_and_nothing_is_kept()
    {
        await using var small = await TestApp.StartAsync(configure: o => o with { MaxUploadBytes = 64 * 1024 });
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        Assert.True(new FileInfo(wav).Length > 64 * 1024);
        var s = await NewStoryAsync(small);

        var response = await UploadAsync(s.Api, UploadUrl(s), wav, "speech.wav");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("This file is larger than 64 KB, the most Storyweave accepts in one upload.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNothingKeptAsync(small, s.ProjectId);
    }

    [Fact]
    public async Task A_range_request_gets_206_and_exactly_those_100_bytes()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var s = await NewStoryAsync();
        var created = (await (await UploadAsync(s.Api, UploadUrl(s), wav, "speech.wav")).Content.ReadFromJsonAsync<JsonObject>())!;

        using var request = new HttpRequestMessage(HttpMethod.Get, (string)created["playUrl"]!);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
        var response = await s.Api.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        var range = response.Content.Headers.ContentRange!;
        Assert.Equal((100L, 199L, new FileInfo(wav).Length), (range.From!.Value, range.To!.Value, range.Length!.Value));
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal((await File.ReadAllBytesAsync(wav)).AsSpan(100, 100).ToArray(), bytes);
    }

    [Fact]
    public async Task A_viewer_cannot_upload_an_outsider_cannot_download_and_anonymous_gets_401()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var s = await NewStoryAsync();
        var created = (await (await UploadAsync(s.Api, UploadUrl(s), wav, "speech.wav")).Content.ReadFromJsonAsync<JsonObject>())!;
        var playUrl = (string)created["playUrl"]!;
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(s.ProjectId, viewer, ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);
        var outsiderApi = await App.ApiClientAsync(await App.CreateUserAsync());

        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(viewerApi, UploadUrl(s), wav, "speech.wav")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync(playUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsiderApi.GetAsync(playUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsiderApi.GetAsync($"/api/projects/{s.ProjectId}/media/{created["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.AnonymousClient().GetAsync(playUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(App.AnonymousClient(), UploadUrl(s), wav, "speech.wav")).StatusCode);
        Assert.Equal(1, await App.WithDbAsync(db => db.MediaFiles.CountAsync(m => m.ProjectId == s.ProjectId)));
    }

    [Fact]
    public async Task A_storyteller_without_recording_consent_blocks_the_upload_in_plain_words()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var s = await NewStoryAsync();
        // A group story: one storyteller has agreed to being recorded, the other has not.
        var (storyId, people) = await App.CreateStoryAsync(s.ProjectId, storytellerCount: 2);
        await App.WithDbAsync(async db =>
        {
            db.ConsentRecords.Add(new Storyweave.Features.Consent.ConsentRecord
            {
                ProjectId = s.ProjectId,
                StorytellerId = people[1],
                Recording = false,
                Analysis = true,
                GivenAt = DateTime.UtcNow,
                RecordedAt = DateTime.UtcNow,
            });
            return await db.SaveChangesAsync();
        });

        var response = await UploadAsync(s.Api, $"/api/projects/{s.ProjectId}/stories/{storyId}/media", wav, "speech.wav");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("1 of the 2 storytellers in this story have not agreed to being recorded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNothingKeptAsync(App, s.ProjectId);
    }

    [Fact]
    public async Task A_media_id_from_another_project_answers_404()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var s = await NewStoryAsync();
        var id = (int)(await (await UploadAsync(s.Api, UploadUrl(s), wav, "speech.wav")).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var otherProject = await App.CreateProjectAsync(s.Lead);

        Assert.Equal(HttpStatusCode.NotFound, (await s.Api.GetAsync($"/api/projects/{otherProject}/media/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await s.Api.GetAsync($"/api/projects/{otherProject}/media/{id}/content")).StatusCode);
        var list = await s.Api.GetFromJsonAsync<JsonArray>(UploadUrl(s));
        Assert.Equal(id, (int)list!.Single()!["id"]!);
    }

    [Fact]
    public async Task A_rendition_left_running_when_the_app_stopped_is_made_after_a_restart()
    {
        using var folder = new TestMedia.Folder();
        var flac = await TestMedia.ConvertAsync(await TestMedia.SpeechAsync(folder.File("speech.wav")), folder.File("speech.flac"));
        var s = await NewStoryAsync();
        // As a crash would leave it: the original in place, the row still Running at 40%.
        var storage = App.Services.GetRequiredService<MediaStorage>();
        var storedName = MediaStorage.NewStoredName(".flac");
        Directory.CreateDirectory(storage.ProjectDir(s.ProjectId));
        File.Copy(flac, storage.PathOf(s.ProjectId, storedName));
        var probe = await TestMedia.ProbeAsync(flac);
        var id = await App.WithDbAsync(async db =>
        {
            var row = new MediaFile
            {
                ProjectId = s.ProjectId,
                StoryId = s.StoryId,
                OriginalFileName = "speech.flac",
                StoredName = storedName,
                Container = "flac",
                AudioCodec = "flac",
                DurationSeconds = probe.Duration,
                RenditionStatus = RenditionStatus.Running,
                RenditionProgress = 0.4,
                UploadedAt = DateTime.UtcNow,
            };
            db.MediaFiles.Add(row);
            await db.SaveChangesAsync();
            return row.Id;
        });

        // What every start does: a Running row with no job in the job engine (left by a version before it) is queued again.
        var startup = App.Services.GetServices<IHostedService>().OfType<Storyweave.Hosting.BackgroundJobsStartup>().Single();
        await startup.StartAsync(CancellationToken.None);

        var media = await WaitForRenditionAsync(s.Api, s.ProjectId, id);
        Assert.Equal("Ready", (string?)media["renditionStatus"]);
        Assert.Matches(@"\.m4a$", await App.WithDbAsync(db => db.MediaFiles.Where(m => m.Id == id).Select(m => m.RenditionStoredName!).SingleAsync()));
    }

    [Fact]
    public async Task Without_javascript_the_upload_form_streams_the_file_and_the_recordings_page_lists_it()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var s = await NewStoryAsync();
        var browser = await App.SignInAsync(s.Lead);
        var page = $"/projects/{s.ProjectId}/stories/{s.StoryId}/recordings";
        var html = await browser.GetStringAsync(page);
        var token = WebUtility.HtmlDecode(TokenField().Match(html).Groups[1].Value);
        Assert.NotEmpty(token);

        // As a browser sends the form: the token field first, then the file.
        using var form = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" } };
        form.Add(new StreamContent(File.OpenRead(wav)), "file", "Sam at the kitchen table.wav");
        var response = await browser.PostAsync(page + "/upload", form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(page, response.Headers.Location?.OriginalString);
        var listed = await browser.GetStringAsync(page);
        Assert.Contains("“Sam at the kitchen table.wav” has been uploaded.", WebUtility.HtmlDecode(listed), StringComparison.Ordinal);
        Assert.Contains("<audio class=\"player\" controls", listed, StringComparison.Ordinal);
        var expected = await TestMedia.ProbeAsync(wav);
        Assert.Contains(MediaText.Duration(expected.Duration), listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_upload_form_without_its_token_is_refused_before_anything_is_written()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"));
        var s = await NewStoryAsync();
        var browser = await App.SignInAsync(s.Lead);

        var response = await UploadAsync(browser, $"/projects/{s.ProjectId}/stories/{s.StoryId}/recordings/upload", wav, "speech.wav");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Reload the page and try again.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNothingKeptAsync(App, s.ProjectId);
    }

    [Theory]
    [InlineData(0.2, "less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(252.4, "4 minutes 12 seconds")]
    [InlineData(3600, "1 hour")]
    [InlineData(3725, "1 hour 2 minutes 5 seconds")]
    public void Durations_read_as_words(double seconds, string words) => Assert.Equal(words, MediaText.Duration(seconds));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
