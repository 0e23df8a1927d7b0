using System.Globalization;
using Storyweave.Features.Media;

namespace Storyweave.Features.Clips;

/// <summary>
/// How one clip is cut. The rule (decision in ARCHITECTURE.md, "Clip playlists"):
/// <list type="bullet">
/// <item><b>Stream copy</b> ("copy") when the copy starts where the clip starts and plays in browsers:
/// audio-only WAV (PCM), MP3 and AAC in M4A, whose frames are at most ~26 ms, so the cut is within a
/// frame of the chosen times; and H.264 MP4 video (AAC or no sound) without B-frames whose start falls
/// on a keyframe (both found with ffprobe; within 20 ms, and the start is moved onto it), with no
/// captions to burn in. With B-frames a copied cut ends up to a few frames late (packets are cut in
/// decoding order), so those are re-encoded.</item>
/// <item><b>Re-encode</b> ("re-encode") otherwise: AAC in .m4a for audio, H.264 + AAC in .mp4 for video,
/// with the captions burned in by ffmpeg's subtitles filter (libass) when asked, and always when the
/// clip silences redacted words (the sound goes through the silencing filter graph of
/// <see cref="AudioSilencer"/>, so it cannot be copied).</item>
/// </list>
/// Opus and Vorbis are always re-encoded: their pre-skip makes copied cuts start badly in browsers.
/// </summary>
public sealed record ClipCutPlan(string Method, string Extension, double Start, double End, bool Video, bool Copy, string? CopyFormat, bool BurnCaptions)
{
    public const string CopyMethod = "copy";
    public const string ReEncodeMethod = "re-encode";

    /// <summary>How far a keyframe may be from the chosen start for a copied video cut.</summary>
    public const double KeyframeTolerance = 0.02;

    public static ClipCutPlan Choose(MediaFile media, double start, double end, bool burnCaptions, double? nearestKeyframe, bool silence = false)
    {
        if (silence) return new ClipCutPlan(ReEncodeMethod, media.HasVideo ? ".mp4" : ".m4a", start, end, media.HasVideo, false, null, burnCaptions && media.HasVideo);
        if (!media.HasVideo)
        {
            var copyFormat = media.Container switch
            {
                "wav" when media.OriginalIsWebPlayable && media.AudioCodec.StartsWith("pcm_", StringComparison.Ordinal) => "wav",
                "mp3" when media.AudioCodec == "mp3" => "mp3",
                "m4a" when media.AudioCodec == "aac" => "mp4",
                _ => null,
            };
            return copyFormat is null
                ? new ClipCutPlan(ReEncodeMethod, ".m4a", start, end, false, false, null, false)
                : new ClipCutPlan(CopyMethod, "." + (copyFormat == "mp4" ? "m4a" : copyFormat), start, end, false, true, copyFormat, false);
        }
        var copyable = !burnCaptions && media.Container == "mp4" && media.VideoCodec == "h264" && media.AudioCodec is "" or "aac"
            && nearestKeyframe is { } k && Math.Abs(k - start) <= KeyframeTolerance;
        return copyable
            ? new ClipCutPlan(CopyMethod, ".mp4", nearestKeyframe!.Value, end, true, true, "mp4", false)
            : new ClipCutPlan(ReEncodeMethod, ".mp4", start, end, true, false, null, burnCaptions);
    }

    /// <summary>
    /// ffmpeg's arguments; <paramref name="captionsFileName"/> is a bare name in ffmpeg's working folder.
    /// <paramref name="silenceGraphScript"/> (a file written by <see cref="AudioSilencer"/>, times relative to the
    /// clip's start) silences stretches of the re-encoded sound; a copied cut cannot take one.
    /// </summary>
    public IReadOnlyList<string> Arguments(string source, string captionsFileName, string output, string? silenceGraphScript = null)
    {
        if (Copy && silenceGraphScript is not null) throw new InvalidOperationException("A stream-copied cut cannot silence anything: choose the plan with silence set.");
        List<string> args = ["-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y",
            "-ss", Seconds(Start), "-i", source, "-t", Seconds(End - Start), "-map_metadata", "-1", "-map_chapters", "-1"];
        if (Copy)
        {
            args.AddRange(Video ? ["-map", "0:V:0", "-map", "0:a:0?", "-c", "copy"] : ["-map", "0:a:0", "-vn", "-c:a", "copy"]);
            if (CopyFormat == "mp4") args.AddRange(["-movflags", "+faststart"]);
            args.AddRange(["-f", CopyFormat!, output]);
            return args;
        }
        // The input is seeked (-ss before -i), so the silencing graph's times start at 0 at the clip's start.
        if (silenceGraphScript is not null) args.AddRange(["-filter_complex_script", silenceGraphScript]);
        var sound = silenceGraphScript is null ? "0:a:0" : "[silenced]";
        if (Video)
        {
            var filter = "scale=trunc(iw/2)*2:trunc(ih/2)*2";
            if (BurnCaptions) filter += $",subtitles=filename={captionsFileName}";
            args.AddRange(["-map", "0:V:0", "-map", silenceGraphScript is null ? "0:a:0?" : sound, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                "-vf", filter]);
        }
        else
        {
            args.AddRange(["-map", sound, "-vn"]);
        }
        args.AddRange(["-c:a", "aac", "-b:a", "128k"]);
        args.AddRange(["-movflags", "+faststart", "-f", "mp4", output]);
        return args;
    }

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>True when the first video stream may have B-frames (ffprobe's has_b_frames), or when ffprobe cannot tell.</summary>
    public static async Task<bool> HasBFramesAsync(string path, CancellationToken ct)
    {
        var (exit, stdout, _) = await MediaProbe.RunAsync("ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=has_b_frames", "-of", "csv=p=0", path], TimeSpan.FromMinutes(1), ct);
        return exit != 0 || stdout.Trim() != "0";
    }

    /// <summary>The video keyframe nearest to <paramref name="seconds"/> (from ffprobe's packet flags), or null when none is found.</summary>
    public static async Task<double?> KeyframeNearAsync(string path, double seconds, CancellationToken ct)
    {
        var from = Math.Max(0, seconds - 2).ToString("0.###", CultureInfo.InvariantCulture);
        var to = (seconds + 2).ToString("0.###", CultureInfo.InvariantCulture);
        var (exit, stdout, _) = await MediaProbe.RunAsync("ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", "-read_intervals", $"{from}%{to}", path],
            TimeSpan.FromMinutes(1), ct);
        if (exit != 0) return null;
        double? best = null;
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(',');
            if (parts.Length < 2 || !parts[1].Contains('K', StringComparison.Ordinal)) continue;
            if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var t)) continue;
            if (best is null || Math.Abs(t - seconds) < Math.Abs(best.Value - seconds)) best = t;
        }
        return best;
    }
}
