using System.Globalization;

namespace Storyweave.Features.Stories;

/// <summary>Times as people read and type them: "1:05", "1:02:03".</summary>
public static class TimeText
{
    public static string Format(double? seconds) => seconds is { } v
        ? TimeSpan.FromSeconds(Math.Floor(v)).ToString(v >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture)
        : "";

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
