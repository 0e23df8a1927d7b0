using System.Globalization;

namespace Storyweave.Features.Stories;

/// <summary>Times as people read and type them: "1:05", "1:02:03".</summary>
public static class TimeText
{
    public static string Format(double? seconds) => seconds is { } v
        ? TimeSpan.FromSeconds(Math.Floor(v)).ToString(v >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture)
        : "";

    /// <summary>
    /// To a tenth of a second, as the transcript editor shows and takes times: "1:05.3", "1:02:03.0".
    /// Rounded (not cut), so 3.96 s reads "0:04.0" and reads back within 0.05 s of the stored time.
    /// </summary>
    public static string FormatTenths(double? seconds)
    {
        if (seconds is not { } v) return "";
        var tenths = (long)Math.Round(v * 10, MidpointRounding.AwayFromZero);
        long h = tenths / 36_000, m = tenths / 600 % 60, s = tenths / 10 % 60, t = tenths % 10;
        return h > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{h}:{m:00}:{s:00}.{t}")
            : string.Create(CultureInfo.InvariantCulture, $"{m}:{s:00}.{t}");
    }

    /// <summary>Parses "1:05", "01:02:03", "65" or "65.5"; null when empty or not a time.</summary>
    public static double? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Trim().Split(':');
        if (parts.Length > 3) return null;
        double total = 0;
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) || v < 0) return null;
            total = total * 60 + v;
        }
        return total;
    }
}
