using Storyweave.Features.Redaction;

namespace Storyweave.Tests.Redaction;

/// <summary>Silencing with a real recording (espeak-ng speech), measured by ffmpeg's volumedetect.</summary>
public sealed class AudioSilencingTests
{
    [Fact]
    public async Task The_window_is_silent_afterwards_and_the_speech_around_it_is_not()
    {
        using var folder = new TestMedia.Folder();
        var speech = await TestMedia.SpeechAsync(folder.File("speech.wav"),
            "My name is Sarah and I lived on Elm Street for ten years, then I moved away to the coast with my sister.");
        var input = await TestMedia.ConvertAsync(speech, folder.File("clip.m4a"), "-c:a", "aac");
        var duration = (await TestMedia.ProbeAsync(input)).Duration;
        Assert.True(duration > 4, $"The test speech is only {duration:0.0} s long.");

        var windows = new[] { new AudioSilencing.Window(1.0, 2.5) };
        var before = await TestMedia.MaxVolumeAsync(input, 1.1, 1.3);
        var output = folder.File("silenced.m4a");
        await AudioSilencing.SilenceAsync(input, output, windows, CancellationToken.None);

        var inside = await TestMedia.MaxVolumeAsync(output, 1.1, 1.3);
        var after = await TestMedia.MaxVolumeAsync(output, 2.7, 1.3);
        Assert.True(before > -40, $"The speech should be audible in the window before silencing (max {before} dB).");
        Assert.True(inside <= -80, $"The window should be silent after silencing (max {inside} dB).");
        Assert.True(after > -40, $"Speech after the window should be left alone (max {after} dB).");
        Assert.InRange((await TestMedia.ProbeAsync(output)).Duration, duration - 0.2, duration + 0.2);
    }
}
