using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Stories;
using Storyweave.Features.Transcription;
using Xunit.Abstractions;

namespace Storyweave.Tests.Transcription;

/// <summary>
/// A kill -9 in the middle of an automatic draft (issue 18 point 2 for the transcription job; issue 11: "an
/// interrupted draft job leaves the story's transcript untouched"). The real binary drafts a story through
/// <c>storyweave transcribe --replace</c> and is killed (SIGKILL, with its ffmpeg) while ffmpeg is listening.
/// </summary>
public sealed class DraftCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_kill_9_during_a_draft_leaves_the_transcript_untouched_and_the_next_start_erases_its_scratch_and_finishes_it()
    {
        var app = await TestApp.StartAsync();
        try
        {
            var lead = await app.CreateUserAsync();
            var projectId = await app.CreateProjectAsync(lead);
            var (storyId, tellers) = await app.CreateStoryAsync(projectId);
            var api = await app.ApiClientAsync(lead);
            using (var folder = new TestMedia.Folder())
            {
                // Three times the sentences: long enough that the kill lands while ffmpeg is listening.
                var (path, _) = await DraftSpeech.MakeAsync(folder, [.. DraftTests.Sentences, .. DraftTests.Sentences, .. DraftTests.Sentences]);
                using var content = TestMedia.FileContent(path, "interview.wav", "audio/wav");
                var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
                Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
            }
            var typed = new[] { "Reporter's question typed by hand.", "The storyteller's answer, typed by hand, with a canary word." };
            await app.WithDbAsync(async db =>
            {
                db.TranscriptCues.AddRange(typed.Select((text, i) => new TranscriptCue { StoryId = storyId, Position = i, Speaker = i == 0 ? "Reporter" : "Storyteller", Text = text, StartSeconds = i * 5, EndSeconds = i * 5 + 5 }));
                return await db.SaveChangesAsync();
            });
            // The CLI works in its own scratch folder (tmp/node-…/): the story's scratch is looked for in every process's.
            var story = Path.Combine($"project-{projectId}", $"story-{storyId}");
            var tmp = app.Options.TempDir;

            // ---- The CLI drafts the story; it is killed once the draft's scratch folder has a file in it. ----
            string? left = null;
            using (var cli = Process.Start(CliRunner.StartInfo(["transcribe", "--project", projectId.ToString(CultureInfo.InvariantCulture), "--story", storyId.ToString(CultureInfo.InvariantCulture),
                "--engine", "pocketsphinx", "--replace", .. CliRunner.InstanceArgs(app.Options)]))!)
            {
                cli.StandardInput.Close();
                var stdout = cli.StandardOutput.ReadToEndAsync();
                var stderr = cli.StandardError.ReadToEndAsync();
                try
                {
                    for (var i = 0; i < 3000 && left is null && !cli.HasExited; i++)
                    {
                        left = Busy(TestApp.ScratchFoldersFor(tmp, story));
                        if (left is null) await Task.Delay(10);
                    }
                }
                finally
                {
                    cli.Kill(entireProcessTree: true); // SIGKILL on Linux: no finally blocks, ffmpeg goes too
                    await cli.WaitForExitAsync();
                }
                output.WriteLine(await stdout + await stderr);
                Assert.True(left is not null, "The draft finished or failed before its scratch folder was seen: " + await stderr);
            }
            Assert.True(Directory.Exists(left), $"{left} should still be there after the kill.");
            output.WriteLine($"left: {string.Join(", ", Directory.GetFiles(left).Select(Path.GetFileName))}");

            // The transcript is exactly as typed: nothing of the half-made draft reached it.
            Assert.Equal(typed, await CueTextsAsync(app, storyId));
            Assert.Equal(DraftStatus.Running, await app.WithDbAsync(db => db.DraftJobs.Where(j => j.StoryId == storyId).Select(j => j.Status).SingleAsync()));

            // ---- Start again: the leftovers are erased before the worker starts, the job is queued again and finishes. ----
            app = await app.StartAgainAsync();
            Assert.False(Directory.Exists(left), $"{left} survived the restart.");
            api = await app.ApiClientAsync(lead);
            var deadline = DateTime.UtcNow.AddMinutes(5);
            JsonObject draft;
            while (true)
            {
                draft = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/stories/{storyId}/transcript/draft"))!;
                if ((bool)draft["finished"]!) break;
                Assert.True(DateTime.UtcNow < deadline, $"The draft was still {draft["status"]} after 5 minutes.");
                await Task.Delay(200);
            }
            Assert.Equal("Written", (string)draft["status"]!);
            var cues = await CueTextsAsync(app, storyId);
            Assert.DoesNotContain(typed[1], cues);
            Assert.Contains(DraftTests.KnownWords, word => cues.Any(c => c.Contains(word, StringComparison.OrdinalIgnoreCase)));
            for (var i = 0; i < 300 && TestApp.ScratchFoldersFor(tmp, story).SelectMany(TestApp.ScratchFiles).Any(); i++) await Task.Delay(100);
            Assert.Empty(TestApp.ScratchFoldersFor(tmp, story).SelectMany(TestApp.ScratchFiles));

            // ---- A full withdrawal afterwards: no draft job of theirs is left, nothing in scratch. ----
            var withdrawn = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellers[0]}/withdrawal/entirely", new { confirm = true });
            Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());
            Assert.Equal(0, await app.WithDbAsync(db => db.DraftJobs.CountAsync(j => j.ProjectId == projectId)));
            Assert.Empty(TestApp.ScratchFiles(app.Options.TempDir));
        }
        finally
        {
            await app.DisposeAsync();
        }

        static string? Busy(string[] parents)
        {
            try
            {
                return parents.Where(Directory.Exists).SelectMany(parent => Directory.GetDirectories(parent, "draft-*"))
                    .FirstOrDefault(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories).Length > 0);
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
            {
                return null;
            }
        }
    }

    private static Task<List<string>> CueTextsAsync(TestApp app, int storyId) =>
        app.WithDbAsync(db => db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId).OrderBy(c => c.Position).Select(c => c.Text).ToListAsync());
}
