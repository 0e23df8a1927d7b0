using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Storyweave.Testing;

/// <summary>
/// Real recordings for tests: speech from espeak-ng (Debian package espeak-ng), converted with ffmpeg
/// (Debian package ffmpeg) into the formats under test, and read back with ffprobe.
/// </summary>
public static partial class TestMedia
{
    public sealed record Probe(double Duration, string FormatName, string AudioCodec, string VideoCodec);

    /// <summary>A folder of its own for one test's files (deleted by the caller's using).</summary>
    public sealed class Folder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "storyweave-media-tests", Guid.NewGuid().ToString("N"));

        public Folder() => Directory.CreateDirectory(Path);

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Speaks the sentence into a WAV file.</summary>
    public static async Task<string> SpeechAsync(string path, string sentence = "This is Sam. I want to tell you about the kitchen table, and the people who sat around it.")
    {
        await RunAsync("espeak-ng", "espeak-ng", ["-w", path, sentence]);
        return path;
    }

    /// <summary>Runs ffmpeg with <paramref name="args"/> between the input and the output.</summary>
    public static async Task<string> ConvertAsync(string input, string output, params string[] args)
    {
        await RunAsync("ffmpeg", "ffmpeg", ["-v", "error", "-nostdin", "-y", "-i", input, .. args, output]);
        return output;
    }

    /// <summary>Runs ffmpeg with exactly these arguments (after -v error -nostdin -y).</summary>
    public static Task<string> RunFfmpegAsync(IEnumerable<string> args) => RunAsync("ffmpeg", "ffmpeg", ["-v", "error", "-nostdin", "-y", .. args]);

    /// <summary>Speech over a small test picture, as a video file.</summary>
    public static async Task<string> VideoAsync(string speechWav, string output, params string[] codecArgs)
    {
        await RunAsync("ffmpeg", "ffmpeg", ["-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-i", speechWav, "-shortest", .. codecArgs, output]);
        return output;
    }

    public static async Task<Probe> ProbeAsync(string path)
    {
        var json = await RunAsync("ffprobe", "ffmpeg", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path]);
        using var doc = JsonDocument.Parse(json);
        var format = doc.RootElement.GetProperty("format");
        string Codec(string type) => doc.RootElement.GetProperty("streams").EnumerateArray()
            .Where(s => s.GetProperty("codec_type").GetString() == type).Select(s => s.GetProperty("codec_name").GetString()!).FirstOrDefault() ?? "";
        return new Probe(double.Parse(format.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture),
            format.GetProperty("format_name").GetString()!, Codec("audio"), Codec("video"));
    }

    /// <summary>A multipart body with one file in the field <c>file</c>, as a browser sends it.</summary>
    public static MultipartFormDataContent FileContent(string path, string fileName, string contentType = "application/octet-stream")
    {
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    private static async Task<string> RunAsync(string tool, string package, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{tool} is not installed. Install the Debian package {package}: sudo apt-get install -y {package}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await stderr}");
            return await stdout;
        }
    }

    /// <summary>The loudest sample (dB, ffmpeg volumedetect) from <paramref name="start"/> for <paramref name="length"/> seconds; -∞ for digital silence.</summary>
    public static async Task<double> MaxVolumeAsync(string path, double start, double length)
    {
        var (exit, _, stderr) = await Storyweave.Features.Media.MediaProbe.RunAsync("ffmpeg",
            ["-hide_banner", "-nostdin", "-ss", start.ToString(CultureInfo.InvariantCulture), "-t", length.ToString(CultureInfo.InvariantCulture), "-i", path, "-af", "volumedetect", "-f", "null", "-"],
            TimeSpan.FromMinutes(2), CancellationToken.None);
        if (exit != 0) throw new InvalidOperationException($"ffmpeg volumedetect failed ({exit}): {stderr}");
        var m = MaxVolume().Match(stderr);
        if (!m.Success) throw new InvalidOperationException($"ffmpeg printed no max_volume: {stderr}");
        return m.Groups[1].Value == "-inf" ? double.NegativeInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Decoded sound: interleaved 32-bit float samples, with sample n of a channel at time n / Rate.</summary>
    public sealed record Pcm(float[] Samples, int Rate, int Channels)
    {
        public double Duration => (double)Samples.Length / Channels / Rate;

        /// <summary>The loudest sample of any channel from <paramref name="start"/> to <paramref name="end"/> seconds (0 when there are none).</summary>
        public float Loudest(double start, double end)
        {
            var from = Math.Max(0, (long)Math.Ceiling(start * Rate)) * Channels;
            var to = Math.Min(Samples.LongLength, (long)Math.Floor(end * Rate) * Channels + Channels);
            var loudest = 0f;
            for (var i = from; i < to; i++) loudest = Math.Max(loudest, Math.Abs(Samples[i]));
            return loudest;
        }

        /// <summary>The first time from <paramref name="start"/> to <paramref name="end"/> where a sample reaches <paramref name="threshold"/>, or null.</summary>
        public double? FirstAbove(double start, double end, float threshold)
        {
            var from = Math.Max(0, (long)Math.Ceiling(start * Rate)) * Channels;
            var to = Math.Min(Samples.LongLength, (long)Math.Floor(end * Rate) * Channels + Channels);
            for (var i = from; i < to; i++)
                if (Math.Abs(Samples[i]) >= threshold) return (double)(i / Channels) / Rate;
            return null;
        }
    }

    /// <summary>
    /// Decodes the first sound stream with ffmpeg into <see cref="Pcm"/>, at its own rate and channels; the start is
    /// padded or trimmed so that sample n is at presentation time n / rate (the times transcripts and clips use).
    /// </summary>
    public static async Task<Pcm> DecodeAsync(string path)
    {
        var info = await RunAsync("ffprobe", "ffmpeg", ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=sample_rate,channels", "-of", "csv=p=0", path]);
        var fields = info.Trim().Split(',');
        var rate = int.Parse(fields[0], CultureInfo.InvariantCulture);
        var channels = int.Parse(fields[1], CultureInfo.InvariantCulture);
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-nostdin", "-i", path, "-map", "0:a:0", "-af", "aresample=async=1:first_pts=0", "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var memory = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(memory);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not decode {path}: {await stderr}");
        var bytes = memory.ToArray();
        var samples = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * 4);
        return new Pcm(samples, rate, channels);
    }

    [GeneratedRegex(@"max_volume: (-?[\d.]+|-inf) dB")]
    private static partial Regex MaxVolume();
}
