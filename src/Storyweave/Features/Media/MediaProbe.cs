using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Storyweave.Features.Media;

/// <summary>What ffprobe found in a file, reduced to what Storyweave stores and decides on.</summary>
public sealed record ProbeResult(
    string FormatName,
    string MajorBrand,
    double DurationSeconds,
    string AudioCodec,
    string VideoCodec,
    int? Width,
    int? Height)
{
    public bool HasAudio => AudioCodec.Length > 0;
    public bool HasVideo => VideoCodec.Length > 0;

    /// <summary>
    /// Our short name for the container, which is also the stored file's extension. Derived from what
    /// ffprobe read inside the file, never from the uploaded name.
    /// </summary>
    public string Container
    {
        get
        {
            var names = FormatName.Split(',');
            if (names.Contains("mov") || names.Contains("mp4"))
            {
                var brand = MajorBrand.Trim().ToLowerInvariant();
                if (brand.StartsWith("3g", StringComparison.Ordinal)) return "3gp";
                if (brand == "qt") return "mov";
                return HasVideo ? "mp4" : "m4a";
            }
            if (names.Contains("matroska") || names.Contains("webm"))
                return IsIn(VideoCodec, "", "vp8", "vp9", "av1") && IsIn(AudioCodec, "", "opus", "vorbis") ? "webm" : "mkv";
            return names[0] switch
            {
                "ogg" => "ogg",
                "wav" => "wav",
                "mp3" => "mp3",
                "amr" => "amr",
                "flac" => "flac",
                "aac" => "aac",
                "asf" => "wma",
                "avi" => "avi",
                _ => "media",
            };
        }
    }

    public string Extension => "." + Container;

    /// <summary>
    /// True when current browsers play the file as it is. Deliberately conservative: anything not on
    /// this list gets a rendition, which costs a little time but always plays.
    /// </summary>
    public bool IsWebPlayable => Container switch
    {
        "mp4" or "m4a" => IsIn(VideoCodec, "", "h264") && IsIn(AudioCodec, "", "aac", "mp3"),
        "mp3" => AudioCodec == "mp3" && !HasVideo,
        "webm" => true, // only VP8/VP9/AV1 with Opus/Vorbis are called webm (see Container)
        "ogg" => !HasVideo && IsIn(AudioCodec, "opus", "vorbis"),
        "wav" => !HasVideo && AudioCodec.StartsWith("pcm_", StringComparison.Ordinal) && !IsIn(AudioCodec, "pcm_alaw", "pcm_mulaw"),
        _ => false,
    };

    public string ContentType => ContentTypeOf(Container, HasVideo);

    /// <summary>The Content-Type to serve a stored file with, from our container name.</summary>
    public static string ContentTypeOf(string container, bool hasVideo) => container switch
    {
        "mp4" => "video/mp4",
        "m4a" => "audio/mp4",
        "mp3" => "audio/mpeg",
        "webm" => hasVideo ? "video/webm" : "audio/webm",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "3gp" => hasVideo ? "video/3gpp" : "audio/3gpp",
        "mov" => "video/quicktime",
        "mkv" => hasVideo ? "video/x-matroska" : "audio/x-matroska",
        "amr" => "audio/amr",
        "flac" => "audio/flac",
        "aac" => "audio/aac",
        _ => "application/octet-stream",
    };

    private static bool IsIn(string value, params string[] allowed) => allowed.Contains(value);
}

/// <summary>Runs ffprobe. ffprobe and ffmpeg come from the Debian package <c>ffmpeg</c>.</summary>
public static class MediaProbe
{
    public const string MissingToolsMessage =
        "Storyweave cannot check recordings because ffmpeg is not installed on the server. Ask your administrator to install the ffmpeg package (sudo apt-get install ffmpeg).";

    /// <summary>Formats ffprobe can open that are not recordings (still images, text shown as video).</summary>
    private static readonly string[] NotRecordings = ["tty", "image2", "apng", "gif", "webp_pipe", "lavfi"];

    /// <summary>The file's streams, or null when it is not a recording Storyweave can play (ffprobe fails, no audio or video).</summary>
    public static async Task<ProbeResult?> ProbeAsync(string path, CancellationToken ct)
    {
        var (exit, stdout, _) = await RunAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path], TimeSpan.FromMinutes(2), ct);
        if (exit != 0 || string.IsNullOrWhiteSpace(stdout)) return null;
        return Parse(stdout);
    }

    public static ProbeResult? Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (!root.TryGetProperty("format", out var format)) return null;
        var formatName = Str(format, "format_name");
        if (formatName.Length == 0 || NotRecordings.Contains(formatName) || formatName.EndsWith("_pipe", StringComparison.Ordinal)) return null;

        JsonElement? audio = null, video = null;
        if (root.TryGetProperty("streams", out var streams))
        {
            foreach (var s in streams.EnumerateArray())
            {
                var type = Str(s, "codec_type");
                // Cover art in MP3/M4A files is a one-picture "video" stream: not a video.
                var isPicture = s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var p) && p.ValueKind == JsonValueKind.Number && p.GetInt32() == 1;
                if (type == "audio" && audio is null) audio = s;
                else if (type == "video" && !isPicture && video is null) video = s;
            }
        }
        if (audio is null && video is null) return null;

        var duration = Num(format, "duration");
        if (duration is null or <= 0)
        {
            duration = new[] { audio, video }.Where(s => s is not null).Select(s => Num(s!.Value, "duration") ?? 0).DefaultIfEmpty(0).Max();
        }
        if (duration is null or <= 0) return null;

        var brand = format.TryGetProperty("tags", out var tags) ? Str(tags, "major_brand") : "";
        return new ProbeResult(
            formatName,
            brand,
            duration.Value,
            audio is { } a ? Str(a, "codec_name") : "",
            video is { } v ? Str(v, "codec_name") : "",
            video is { } w && w.TryGetProperty("width", out var width) ? width.GetInt32() : null,
            video is { } h && h.TryGetProperty("height", out var height) ? height.GetInt32() : null);
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static double? Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
        && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>Runs a tool to completion, killing it on cancellation or timeout.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string tool, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct)
    {
        using var process = Start(tool, args);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timer.Token);
        var stderr = process.StandardError.ReadToEndAsync(timer.Token);
        try
        {
            await process.WaitForExitAsync(timer.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            ct.ThrowIfCancellationRequested();
            return (-1, "", $"{tool} took longer than {timeout.TotalSeconds:0} seconds and was stopped.");
        }
    }

    /// <summary>Starts ffmpeg or ffprobe with redirected output; a missing tool is reported by package name.</summary>
    public static Process Start(string tool, IEnumerable<string> args, string? workDir = null)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workDir is not null) info.WorkingDirectory = workDir;
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            var process = Process.Start(info) ?? throw new MediaToolsMissingException(tool);
            process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception)
        {
            throw new MediaToolsMissingException(tool);
        }
    }

    /// <summary>
    /// Runs ffmpeg with <c>-progress pipe:1</c> among <paramref name="args"/> in <paramref name="workDir"/> (so files can be
    /// named without a path, e.g. in a filter argument), reporting how far it has got as a share of
    /// <paramref name="seconds"/> (0 to 1). Returns ffmpeg's exit code and what it wrote to stderr.
    /// </summary>
    public static async Task<(int Exit, string Errors)> RunFfmpegWithProgressAsync(IReadOnlyList<string> args, string workDir, double seconds,
        Func<double, CancellationToken, Task> progress, CancellationToken ct)
    {
        using var process = Start("ffmpeg", args, workDir);
        var errors = process.StandardError.ReadToEndAsync(ct);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                // out_time_us: how far into the input ffmpeg has got.
                if (!line.StartsWith("out_time_us=", StringComparison.Ordinal) || seconds <= 0) continue;
                if (long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros))
                    await progress(Math.Clamp(micros / 1_000_000.0 / seconds, 0, 1), ct);
            }
            await process.WaitForExitAsync(ct);
            return (process.ExitCode, await errors);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
    }

    /// <inheritdoc cref="RunFfmpegWithProgressAsync(IReadOnlyList{string}, string, double, Func{double, CancellationToken, Task}, CancellationToken)"/>
    public static Task<(int Exit, string Errors)> RunFfmpegWithProgressAsync(IReadOnlyList<string> args, string workDir, double seconds,
        Action<double> progress, CancellationToken ct) =>
        RunFfmpegWithProgressAsync(args, workDir, seconds, (share, _) =>
        {
            progress(share);
            return Task.CompletedTask;
        }, ct);

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}

public sealed class MediaToolsMissingException(string tool)
    : Exception($"{tool} was not found on the PATH. Install the Debian package ffmpeg (sudo apt-get install ffmpeg), which provides ffmpeg and ffprobe.");
