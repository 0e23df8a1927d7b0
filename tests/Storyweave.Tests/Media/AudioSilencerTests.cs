using Storyweave.Features.Media;

namespace Storyweave.Tests.Media;

/// <summary>
/// The shared silencing (<see cref="AudioSilencer"/>) checked sample by sample: the result is decoded with ffmpeg and
/// every sample of every channel inside each stretch and its margin is compared with the silence threshold.
/// </summary>
public sealed class AudioSilencerTests
{
    // espeak-ng speaks without a pause longer than ~0.2 s from 0.0 to 5.7 s, so each stretch cuts through speech.
    private const string Speech = "My name is Sarah and I lived on Elm Street for ten years, then I moved away to the coast with my sister.";

    private static readonly AudioSilencer.Span[] Stretches = [new(1.0, 2.5), new(3.2, 3.9)];

    private static async Task<string> RecordingAsync(TestMedia.Folder folder, string format)
    {
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"), Speech);
        return format switch
        {
            "wav" => wav,
            "mp3" => await TestMedia.ConvertAsync(wav, folder.File("in.mp3"), "-c:a", "libmp3lame"),
            "m4a" => await TestMedia.ConvertAsync(wav, folder.File("in.m4a"), "-c:a", "aac"),
            "flac" => await TestMedia.ConvertAsync(wav, folder.File("in.flac"), "-c:a", "flac"),
            "ogg" => await TestMedia.ConvertAsync(wav, folder.File("in.ogg"), "-c:a", "libopus"),
            "mp4" => await TestMedia.VideoAsync(wav, folder.File("in.mp4"), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("mp3")]
    [InlineData("m4a")]
    [InlineData("mp4")]
    [InlineData("flac")]
    [InlineData("ogg")]
    public async Task Every_sample_in_each_stretch_and_its_margin_is_silent_and_the_speech_around_it_is_kept(string format)
    {
        using var folder = new TestMedia.Folder();
        var input = await RecordingAsync(folder, format);
        var before = await TestMedia.DecodeAsync(input);
        foreach (var s in Stretches)
            Assert.True(before.Loudest(s.Start, s.End) > 0.1f, $"{format}: the test speech should be heard from {s.Start} to {s.End} s before silencing.");

        var output = folder.File("silenced." + format);
        var outcome = await AudioSilencer.SilenceFileAsync(input, output, Stretches, folder.Path, CancellationToken.None);
        Assert.True(outcome.Silent, outcome.Detail);

        var after = await TestMedia.DecodeAsync(output);
        foreach (var s in Stretches)
        {
            var (from, to) = (s.Start - AudioSilencer.Margin, s.End + AudioSilencer.Margin);
            var sound = after.FirstAbove(from, to, AudioSilencer.SilentBelow);
            Assert.True(sound is null, $"{format}: a sample at {sound:0.0000} s, inside {from:0.00}–{to:0.00} s, is not silent (loudest {after.Loudest(from, to)}).");
        }
        Assert.True(after.Loudest(0.1, 0.7) > 0.1f, $"{format}: the speech before the first stretch should be kept.");
        Assert.True(after.Loudest(4.2, 5.4) > 0.1f, $"{format}: the speech after the last stretch should be kept.");
        Assert.InRange(after.Duration, before.Duration - 0.1, before.Duration + 0.1);

        if (format == "wav")
        {
            // Lossless: outside the silenced stretches (margin and the first guard added) not one sample changed.
            var silenced = AudioSilencer.Widen(Stretches, AudioSilencer.Margin + AudioSilencer.Guards[0]);
            Assert.Equal(before.Samples.Length, after.Samples.Length);
            for (var i = 0; i < before.Samples.Length; i++)
            {
                var t = (double)i / before.Rate;
                if (silenced.Any(s => t >= s.Start - 0.001 && t <= s.End + 0.001)) continue;
                Assert.True(before.Samples[i] == after.Samples[i], $"The sample at {t:0.0000} s changed.");
            }
        }
        if (format == "mp4")
        {
            var probe = await TestMedia.ProbeAsync(output);
            Assert.Equal("h264", probe.VideoCodec); // the picture is copied, untouched
        }
    }

    [Fact]
    public async Task The_check_finds_speech_left_at_the_start_of_a_stretch_by_frame_based_muting()
    {
        using var folder = new TestMedia.Folder();
        var input = await RecordingAsync(folder, "wav");
        // What Storyweave did before: mutes whole audio frames whose start time is in the stretch, so the frame
        // that starts just before it keeps the first ~46 ms (at 22,050 Hz) of speech inside it.
        var frameMuted = await TestMedia.ConvertAsync(input, folder.File("frame-muted.wav"), "-af", "volume=enable='between(t,1,2.5)':volume=0");
        var check = await AudioSilencer.CheckSilentAsync(frameMuted, [new(1.0, 2.5)], CancellationToken.None);
        Assert.False(check.Silent);
        Assert.Contains("sound at 1.0", check.Detail, StringComparison.Ordinal);
        Assert.NotNull((await TestMedia.DecodeAsync(frameMuted)).FirstAbove(1.0, 1.1, AudioSilencer.SilentBelow));

        var exact = folder.File("exact.wav");
        Assert.True((await AudioSilencer.SilenceFileAsync(input, exact, [new(1.0, 2.5)], folder.Path, CancellationToken.None)).Silent);
        Assert.True((await AudioSilencer.CheckSilentAsync(exact, [new(1.0, 2.5)], CancellationToken.None)).Silent);
    }

    [Fact]
    public async Task Hundreds_of_stretches_are_silenced_in_one_pass()
    {
        // A person who spoke 300 times in a long group conversation: the earlier single between(…)+… expression
        // could not even be parsed at this length, so their recording was deleted instead of silenced.
        using var folder = new TestMedia.Folder();
        var input = folder.File("tone.wav");
        await TestMedia.RunFfmpegAsync(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=620", "-c:a", "pcm_s16le", input]);
        var stretches = Enumerable.Range(0, 300).Select(i => new AudioSilencer.Span(10 + 2 * i, 10.8 + 2 * i)).ToList();
        var output = folder.File("silenced.wav");
        var outcome = await AudioSilencer.SilenceFileAsync(input, output, stretches, folder.Path, CancellationToken.None);
        Assert.True(outcome.Silent, outcome.Detail);

        var after = await TestMedia.DecodeAsync(output);
        foreach (var s in stretches)
        {
            Assert.Null(after.FirstAbove(s.Start - AudioSilencer.Margin, s.End + AudioSilencer.Margin, AudioSilencer.SilentBelow));
            Assert.True(after.Loudest(s.End + 0.4, s.End + 1.0) > 0.1f, $"The tone after {s.End} s should be kept.");
        }
    }
}
