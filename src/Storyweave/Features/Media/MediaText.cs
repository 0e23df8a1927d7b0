using System.Globalization;

namespace Storyweave.Features.Media;

/// <summary>Recording facts in plain words, shared by the page and the JSON the page's script shows.</summary>
public static class MediaText
{
    /// <summary>"4 minutes 12 seconds", "1 hour 2 minutes", "less than a second".</summary>
    public static string Duration(double seconds)
    {
        var total = (long)Math.Round(seconds, MidpointRounding.AwayFromZero);
        if (total <= 0) return "less than a second";
        var parts = new List<string>();
        void Add(long n, string unit)
        {
            if (n > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{n} {unit}{(n == 1 ? "" : "s")}"));
        }
        Add(total / 3600, "hour");
        Add(total % 3600 / 60, "minute");
        Add(total % 60, "second");
        return string.Join(' ', parts);
    }

    /// <summary>"2 GB", "500 MB", "48 KB" (1 KB = 1024 bytes).</summary>
    public static string Size(long bytes)
    {
        const double K = 1024;
        return bytes switch
        {
            >= 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (K * K * K):0.#} GB"),
            >= 1024L * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (K * K):0.#} MB"),
            >= 1024L => string.Create(CultureInfo.InvariantCulture, $"{bytes / K:0.#} KB"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        };
    }

    /// <summary>"MP4 file: H.264 video, AAC audio".</summary>
    public static string Format(MediaFile m)
    {
        var streams = new List<string>();
        if (m.VideoCodec.Length > 0) streams.Add($"{Codec(m.VideoCodec)} video");
        if (m.AudioCodec.Length > 0) streams.Add($"{Codec(m.AudioCodec)} audio");
        return $"{m.Container.ToUpperInvariant()} file: {string.Join(", ", streams)}";
    }

    public static string Codec(string codec) => codec switch
    {
        "h264" => "H.264",
        "hevc" => "H.265 (HEVC)",
        "mpeg4" => "MPEG-4",
        "aac" => "AAC",
        "mp3" => "MP3",
        "opus" => "Opus",
        "vorbis" => "Vorbis",
        "flac" => "FLAC",
        "amr_nb" or "amr_wb" => "AMR",
        _ when codec.StartsWith("pcm_", StringComparison.Ordinal) => "uncompressed (PCM)",
        _ => codec.ToUpperInvariant(),
    };

    /// <summary>The rendition state as a sentence.</summary>
    public static string Status(MediaFile m) => m.RenditionStatus switch
    {
        RenditionStatus.Queued => "Waiting to be prepared for playing in the browser.",
        RenditionStatus.Running => string.Create(CultureInfo.InvariantCulture, $"Being prepared for playing in the browser: {Percent(m.RenditionProgress)}% done."),
        RenditionStatus.Failed => m.RenditionError.Length > 0 ? m.RenditionError : RenditionJob.FailedMessage,
        _ => "Ready to play.",
    };

    public static int Percent(double progress) => (int)Math.Floor(Math.Clamp(progress, 0, 1) * 100);

    public static bool IsPreparing(MediaFile m) => m.RenditionStatus is RenditionStatus.Queued or RenditionStatus.Running;

    public static bool CanPlay(MediaFile m) => m.RenditionStatus == RenditionStatus.Ready || m.OriginalIsWebPlayable;
}
