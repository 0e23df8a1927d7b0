using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Media;
using Storyweave.Features.Stories;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Tests.Withdrawal;

/// <summary>
/// A full withdrawal from a group recording, checked sample by sample: every sample of the person's turns (with the
/// margin) is silent in the stored original and in the web rendition, and the other person's speech is still there.
/// </summary>
public sealed class WithdrawalSilencingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    // espeak-ng speaks this with no pause longer than ~0.25 s, the sentences ending near 2.0, 4.75, 7.5 and 9.75 s:
    // each turn boundary has speech right up to it, where frame-based muting used to leave the person audible.
    private const string Speech = "We met at the day centre on Tuesdays. I used to sit by the window and say nothing. "
        + "Then one week Dana asked me about my garden. We talked for an hour about tomatoes. After that I came every week.";

    private const string Stays = "Stays Here";
    private const string Leaves = "Leaves Now";

    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0.0, 2.0, Stays, "We met at the day centre on Tuesdays."),
        new(2.0, 4.8, Leaves, "I used to sit by the window and say nothing."),
        new(4.8, 7.5, Stays, "Then one week Dana asked me about my garden."),
        new(7.5, 9.8, Leaves, "We talked for an hour about tomatoes."),
        new(9.8, 11.8, Stays, "After that I came every week."),
    ];

    private static IEnumerable<TranscriptService.CueInput> Turns(string speaker) => Cues.Where(c => c.Speaker == speaker);

    private static async Task<string> RecordingAsync(TestMedia.Folder folder, string format)
    {
        var wav = await TestMedia.SpeechAsync(folder.File("group.wav"), Speech);
        return format switch
        {
            "wav" => wav,
            "mp3" => await TestMedia.ConvertAsync(wav, folder.File("group.mp3"), "-c:a", "libmp3lame"),
            "m4a" => await TestMedia.ConvertAsync(wav, folder.File("group.m4a"), "-c:a", "aac"),
            "mp4" => await TestMedia.VideoAsync(wav, folder.File("group.mp4"), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"),
            // Not played by browsers as it is: a web rendition (AAC) is made, so there are two files to check.
            "flac" => await TestMedia.ConvertAsync(wav, folder.File("group.flac"), "-c:a", "flac"),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("mp3")]
    [InlineData("m4a")]
    [InlineData("mp4")]
    [InlineData("flac")]
    public async Task After_a_full_withdrawal_every_sample_of_their_turns_is_silent_in_the_recording_and_its_rendition(string format)
    {
        using var folder = new TestMedia.Folder();
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        using var api = await App.ApiClientAsync(lead);
        var story = await App.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller(Stays, true), new TestApp.ClipTeller(Leaves, true)],
            Cues, await RecordingAsync(folder, format));
        var hasRendition = format == "flac";
        var first = await PlayableAsync(api, projectId, story.MediaId);
        if (hasRendition) Assert.Equal(RenditionStatus.Ready, first.RenditionStatus);

        var before = await TestMedia.DecodeAsync(await OriginalAsync(folder, story.MediaId, "before"));
        foreach (var turn in Turns(Leaves))
            Assert.True(before.Loudest(turn.Start!.Value, turn.End!.Value) > 0.1f, $"Their turn at {turn.Start} s should be heard before the withdrawal.");

        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{story.StorytellerIds[1]}/withdrawal/entirely", new { confirm = true });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var outcome = (await response.Content.ReadFromJsonAsync<WithdrawalService.Outcome>(TestApp.JsonOptions))!;
        Assert.Equal(1, outcome.RecordingsSilenced);

        AssertSilencedTurns(await TestMedia.DecodeAsync(await OriginalAsync(folder, story.MediaId, "after")), $"{format} original");

        // What the players get: the silenced original itself, or a rendition made again from it.
        var played = await PlayableAsync(api, projectId, story.MediaId);
        if (hasRendition)
        {
            Assert.Equal(RenditionStatus.Ready, played.RenditionStatus);
            Assert.NotEqual(first.RenditionStoredName, played.RenditionStoredName);
            Assert.False(File.Exists(Path.Combine(App.DataDir, "media", $"{projectId}", first.RenditionStoredName!)), "The old rendition should be erased.");
        }
        var content = await api.GetAsync($"/api/projects/{projectId}/media/{story.MediaId}/content");
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        var path = folder.File($"played-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, await content.Content.ReadAsByteArrayAsync());
        AssertSilencedTurns(await TestMedia.DecodeAsync(path), $"{format} {(hasRendition ? "rendition" : "played original")}");
    }

    private static void AssertSilencedTurns(TestMedia.Pcm pcm, string what)
    {
        foreach (var turn in Turns(Leaves))
        {
            var (from, to) = (turn.Start!.Value - AudioSilencer.Margin, turn.End!.Value + AudioSilencer.Margin);
            var sound = pcm.FirstAbove(from, to, AudioSilencer.SilentBelow);
            Assert.True(sound is null, $"{what}: a sample at {sound:0.0000} s, in their turn {from:0.00}–{to:0.00} s, is not silent (loudest {pcm.Loudest(from, to)}).");
        }
        foreach (var turn in Turns(Stays))
        {
            // The staying person's turns, away from the silenced margins and guards, still hold their speech.
            Assert.True(pcm.Loudest(turn.Start!.Value + 0.3, turn.End!.Value - 0.3) > 0.1f, $"{what}: the staying person's turn at {turn.Start} s should still be heard.");
        }
    }

    private async Task<string> OriginalAsync(TestMedia.Folder folder, int mediaId, string name)
    {
        var media = await App.WithDbAsync(db => db.MediaFiles.AsNoTracking().SingleAsync(m => m.Id == mediaId));
        var copy = folder.File($"{name}{Path.GetExtension(media.StoredName)}");
        File.Copy(Path.Combine(App.DataDir, "media", $"{media.ProjectId}", media.StoredName), copy, overwrite: true);
        return copy;
    }

    /// <summary>The recording once no rendition is being made (a rendition queued by the upload or the withdrawal is waited for).</summary>
    private async Task<MediaFile> PlayableAsync(HttpClient api, int projectId, int mediaId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var media = await App.WithDbAsync(db => db.MediaFiles.AsNoTracking().SingleAsync(m => m.Id == mediaId));
            if (media.RenditionStatus is not (RenditionStatus.Queued or RenditionStatus.Running)) return media;
            Assert.True(DateTime.UtcNow < deadline, $"The rendition of media {mediaId} was still {media.RenditionStatus} after 120 seconds.");
            await Task.Delay(200);
        }
    }
}
