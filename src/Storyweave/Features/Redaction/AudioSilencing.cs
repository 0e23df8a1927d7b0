using System.Globalization;
using Storyweave.Features.Media;

namespace Storyweave.Features.Redaction;

/// <summary>
/// Silences redacted words in a clip's audio. Transcripts have times per cue (a line or turn), not
/// per word, so the whole cue that contains a redacted word is silenced: cue-level, never word-level.
/// The times are relative to the clip (a cue that starts before the clip is silenced from 0:00).
/// </summary>
public static class AudioSilencing
{
    public sealed record Window(double Start, double End);

    public sealed record TimedText(double? StartSeconds, double? EndSeconds, string Text);

    /// <summary>The windows to silence: cues overlapping the clip whose text has a redacted term, merged where they touch.</summary>
    public static IReadOnlyList<Window> Windows(IEnumerable<TimedText> cues, double clipStart, double clipEnd, Redactor redactor)
    {
        var raw = cues.Where(c => c.StartSeconds is not null && c.EndSeconds is not null && c.EndSeconds > clipStart && c.StartSeconds < clipEnd && redactor.Contains(c.Text))
            .Select(c => new Window(Math.Max(c.StartSeconds!.Value, clipStart) - clipStart, Math.Min(c.EndSeconds!.Value, clipEnd) - clipStart))
            .Where(w => w.End > w.Start).OrderBy(w => w.Start).ToList();
        var merged = new List<Window>();
        foreach (var w in raw)
        {
            if (merged.Count > 0 && w.Start <= merged[^1].End) merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, w.End) };
            else merged.Add(w);
        }
        return merged;
    }

    /// <summary>
    /// The ffmpeg audio filter: one <c>volume=enable='between(t,a,b)':volume=0</c> per window, chained.
    /// Null when there is nothing to silence.
    /// </summary>
    public static string? Filter(IReadOnlyList<Window> windows) =>
        windows.Count == 0 ? null : string.Join(",", windows.Select(w =>
            string.Create(CultureInfo.InvariantCulture, $"volume=enable='between(t,{w.Start:0.###},{w.End:0.###})':volume=0")));

    /// <summary>
    /// Writes a copy of <paramref name="input"/> to <paramref name="output"/> with the windows silenced:
    /// audio re-encoded through the filter, video (if any) copied untouched.
    /// </summary>
    public static async Task SilenceAsync(string input, string output, IReadOnlyList<Window> windows, CancellationToken ct)
    {
        var filter = Filter(windows) ?? "anull";
        var ext = Path.GetExtension(output).ToLowerInvariant();
        var audioCodec = ext switch
        {
            ".wav" => "pcm_s16le",
            ".mp3" => "libmp3lame",
            ".ogg" or ".oga" or ".webm" => "libopus",
            _ => "aac",
        };
        string[] args = ["-hide_banner", "-nostdin", "-y", "-i", input, "-map", "0:v?", "-map", "0:a", "-c:v", "copy", "-af", filter, "-c:a", audioCodec, output];
        var (exit, _, stderr) = await MediaProbe.RunAsync("ffmpeg", args, TimeSpan.FromMinutes(30), ct);
        if (exit != 0) throw new InvalidOperationException($"ffmpeg could not silence the clip: {Tail(stderr)}");
    }

    private static string Tail(string s) => s.Length <= 500 ? s.Trim() : s[^500..].Trim();
}
