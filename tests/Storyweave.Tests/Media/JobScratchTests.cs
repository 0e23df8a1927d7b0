using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;
using Storyweave.Hosting;

namespace Storyweave.Tests.Media;

/// <summary>
/// The job scratch space (<see cref="JobScratch"/>): erased when a job ends, at the next start after a crash, and for a
/// full withdrawal, by where it is (the story, storyteller or project it belongs to).
/// </summary>
public sealed class JobScratchTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0.0, 2.4, "Robin Ash", "My brother Marcus came every week to see me."),
        new(2.4, 4.8, "Sky Birch", "That kept me going through the long winter."),
    ];

    private static string[] FilesUnder(string folder) => TestApp.ScratchFiles(folder);

    /// <summary>A file a job would write, holding <paramref name="words"/>.</summary>
    private static string Plant(JobScratch.Folder folder, string name, string words)
    {
        var path = folder.File(name);
        File.WriteAllText(path, $"WEBVTT\n\n00:00:00.000 --> 00:00:02.400\n{words}\n");
        return path;
    }

    [Fact]
    public async Task What_a_run_that_stopped_part_way_left_in_scratch_is_overwritten_and_erased_at_the_next_start_and_nothing_else()
    {
        var app = await TestApp.StartAsync();
        try
        {
            var lead = await app.CreateUserAsync();
            var projectId = await app.CreateProjectAsync(lead);
            using var media = new TestMedia.Folder();
            var story = await app.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller("Robin Ash", true), new TestApp.ClipTeller("Sky Birch", true)],
                Cues, await TestMedia.SpeechAsync(media.File("visit.wav"), "My brother Marcus came every week to see me. That kept me going through the long winter."));
            var recording = Directory.GetFiles(Path.Combine(app.DataDir, "media", $"{projectId}")).Single();
            var recordingBytes = await File.ReadAllBytesAsync(recording);

            // What jobs in flight leave when the process is killed: a clip cut, a report, a download, and a file an
            // older version left straight in tmp/.
            var scratch = app.Services.GetRequiredService<JobScratch>();
            var words = "Marcus came every week " + Guid.NewGuid().ToString("N");
            var vtt = Plant(scratch.ForStory(projectId, story.StoryId, "clip"), "captions.vtt", words);
            Plant(scratch.ForProject(projectId, "report"), "report.md", words);
            Plant(scratch.ForStoryteller(projectId, story.StorytellerIds[0], "download"), "my-story.zip", words);
            await File.WriteAllTextAsync(Path.Combine(app.Options.TempDir, "upload-0123.part"), words);
            Assert.Equal(4, FilesUnder(app.Options.TempDir).Length);
            // A handle kept open on a planted file shows whether its bytes were overwritten before it was deleted.
            await using var handle = new FileStream(vtt, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = handle.Length;

            await app.StopKeepingDataAsync();
            app = await app.StartAgainAsync();

            // Only the new run's own (empty) node folder is left, holding its lock file.
            var root = app.Services.GetRequiredService<JobScratch>().Root;
            Assert.Equal([root], Directory.GetDirectories(app.Options.TempDir));
            Assert.Empty(FilesUnder(app.Options.TempDir));
            Assert.True(File.Exists(Path.Combine(root, ".lock")));
            var left = new byte[length];
            Assert.Equal((int)length, await handle.ReadAsync(left));
            Assert.All(left, b => Assert.Equal(0, b));
            Assert.Equal(recordingBytes, await File.ReadAllBytesAsync(recording)); // only scratch is touched
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Nodes_sharing_a_data_folder_leave_each_others_scratch_alone_and_a_gone_nodes_leftovers_are_erased_when_a_node_starts()
    {
        var a = await TestApp.StartAsync();
        try
        {
            var scratchA = a.Services.GetRequiredService<JobScratch>();
            var uploadOnA = Plant(scratchA.ForStory(1, 2, "upload"), "upload.part", "node A's upload in progress");
            await using (var b = await a.StartSecondNodeAsync())
            {
                var scratchB = b.Services.GetRequiredService<JobScratch>();
                Assert.NotEqual(scratchA.Root, scratchB.Root);
                Assert.True(File.Exists(uploadOnA), "Starting node B must not erase node A's work in progress.");
                var reportOnB = Plant(scratchB.ForProject(1, "report"), "report.md", "node B's report");
                var clipOnB = Plant(scratchB.ForStory(1, 3, "clip"), "captions.vtt", "node B's clip");

                // A full withdrawal on node A reaches node B's scratch for the same story and project.
                scratchA.EraseForWithdrawal(1, 7, [3]);
                Assert.False(File.Exists(clipOnB));
                Assert.False(File.Exists(reportOnB));
                Assert.True(File.Exists(uploadOnA), "Story 2 is not the withdrawn person's: its upload stays.");

                reportOnB = Plant(scratchB.ForProject(1, "report"), "report.md", "node B's next report");
                var rootB = scratchB.Root;
                // Node B goes away without erasing its scratch, as after a kill -9: its lock is freed, its files stay.
                await b.StopKeepingDataAsync();
                scratchB.Dispose();
                Assert.True(File.Exists(reportOnB));

                // The next node to start erases what B left, and still leaves A's work alone.
                await using var c = await a.StartSecondNodeAsync();
                Assert.False(File.Exists(reportOnB));
                Assert.False(Directory.Exists(rootB));
                Assert.True(File.Exists(uploadOnA));
            }
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_clip_cut_and_a_report_leave_nothing_in_scratch_whether_they_succeed_or_fail()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        using var api = await App.ApiClientAsync(lead);
        using var media = new TestMedia.Folder();
        var story = await App.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller("Robin Ash", true), new TestApp.ClipTeller("Sky Birch", true)],
            Cues, await TestMedia.SpeechAsync(media.File("visit.wav"), "My brother Marcus came every week to see me. That kept me going through the long winter."));
        var projectScratch = Path.Combine(App.Services.GetRequiredService<JobScratch>().Root, $"project-{projectId}");
        var playlist = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "Visits", description = "" });
        var playlistId = (int)(await playlist.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        // Success: a silenced (re-encoded) clip and an HTML report.
        var ok = await AddClipAsync(api, projectId, playlistId, story.PassageIds[0]);
        Assert.Equal("Ready", await ClipStatusAsync(api, projectId, playlistId, ok));
        var themeId = await App.WithDbAsync(db => db.PassageThemes.Where(pt => pt.PassageId == story.PassageIds[0]).Select(pt => pt.ThemeId).SingleAsync());
        var report = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Visits" });
        var reportId = (int)(await report.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        Assert.True((await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/themes/{themeId}/quotes", new { passageId = story.PassageIds[0] })).IsSuccessStatusCode);
        var queued = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/files", new { format = "Html" });
        var file = await TestApp.WaitForReportFileAsync(api, projectId, (await queued.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(TestApp.JsonOptions))!.Id);
        Assert.Equal(OutputStatus.Ready, file.Status);
        Assert.Empty(FilesUnder(projectScratch));

        // Failure: the recording's file is damaged, so ffmpeg fails after the captions were written to scratch.
        var stored = await App.WithDbAsync(db => db.MediaFiles.Where(m => m.Id == story.MediaId).Select(m => m.StoredName).SingleAsync());
        var path = Path.Combine(App.DataDir, "media", $"{projectId}", stored);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, Encoding.ASCII.GetBytes(new string('x', 100)));
        var failing = await AddClipAsync(api, projectId, playlistId, story.PassageIds[1]);
        Assert.Equal("Failed", await ClipStatusAsync(api, projectId, playlistId, failing));
        Assert.Empty(FilesUnder(projectScratch));
        await File.WriteAllBytesAsync(path, bytes);
    }

    [Fact]
    public async Task A_full_withdrawal_erases_the_scratch_of_their_stories_their_own_and_the_projects_and_leaves_other_stories_alone()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var otherProjectId = await App.CreateProjectAsync(lead);
        using var api = await App.ApiClientAsync(lead);
        var (soloId, solo) = await App.CreateStoryAsync(projectId);
        var (groupId, group) = await App.CreateStoryAsync(projectId, storytellerCount: 2);
        var (elseId, _) = await App.CreateStoryAsync(projectId);
        var (farId, _) = await App.CreateStoryAsync(otherProjectId);
        var personId = solo[0];
        await App.WithDbAsync(async db =>
        {
            db.StoryStorytellers.Add(new StoryStoryteller { StoryId = groupId, StorytellerId = personId });
            return await db.SaveChangesAsync();
        });

        var scratch = App.Services.GetRequiredService<JobScratch>();
        var goes = new[]
        {
            Plant(scratch.ForStory(projectId, soloId, "clip"), "captions.vtt", "theirs alone"),
            Plant(scratch.ForStory(projectId, groupId, "upload"), "upload.part", "the group"),
            Plant(scratch.ForStory(projectId, groupId, "transcription"), "draft.vtt", "the group"),
            Plant(scratch.ForProject(projectId, "report"), "report.md", "the whole project"),
            Plant(scratch.ForStoryteller(projectId, personId, "download"), "my-story.zip", "about them"),
        };
        var stays = new[]
        {
            Plant(scratch.ForStory(projectId, elseId, "upload"), "upload.part", "someone else's story"),
            Plant(scratch.ForStoryteller(projectId, group[0], "download"), "my-story.zip", "someone else"),
            Plant(scratch.ForProject(otherProjectId, "report"), "report.md", "another project"),
            Plant(scratch.ForStory(otherProjectId, farId, "clip"), "captions.vtt", "another project"),
        };

        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{personId}/withdrawal/entirely", new { confirm = true });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        Assert.All(goes, path => Assert.False(File.Exists(path), $"{path} should be erased by the withdrawal."));
        Assert.False(Directory.Exists(Path.Combine(scratch.Root, $"project-{projectId}", $"story-{soloId}")));
        Assert.False(Directory.Exists(Path.Combine(scratch.Root, $"project-{projectId}", $"story-{groupId}")));
        Assert.All(stays, path => Assert.True(File.Exists(path), $"{path} belongs to someone else and should be left alone."));
    }

    private static async Task<int> AddClipAsync(HttpClient api, int projectId, int playlistId, int passageId)
    {
        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists/{playlistId}/clips",
            new { passageId, title = "Visit", description = "", silenceRedactedWords = true });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
    }

    private static async Task<string> ClipStatusAsync(HttpClient api, int projectId, int playlistId, int clipId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var playlist = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/playlists/{playlistId}"))!;
            var status = (string)playlist["clips"]!.AsArray().Single(c => (int)c!["id"]! == clipId)!["status"]!;
            if (status is "Ready" or "Failed") return status;
            Assert.True(DateTime.UtcNow < deadline, $"Clip {clipId} was still {status} after 90 seconds.");
            await Task.Delay(200);
        }
    }
}
