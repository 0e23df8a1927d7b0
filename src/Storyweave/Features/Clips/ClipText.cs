using System.Globalization;

namespace Storyweave.Features.Clips;

/// <summary>
/// Clip times as people read and type them: "1:05.3" (minutes, seconds and tenths). A time typed this way is
/// up to 0.05 s from the transcript's own times; <see cref="ClipService"/> puts it back on the nearest line
/// boundary (<see cref="Snap"/>), so a clip starts and ends exactly where its lines do.
/// </summary>
public static class ClipText
{
    /// <summary>How far a typed time may be from a line boundary and still mean it (the rounding of tenths, and a hair).</summary>
    public const double SnapSeconds = 0.051;

    public static string Time(double seconds)
    {
        var tenths = (long)Math.Round(Math.Max(0, seconds) * 10, MidpointRounding.AwayFromZero);
        var minutes = tenths / 600;
        var rest = tenths % 600 / 10.0;
        return string.Create(CultureInfo.InvariantCulture, $"{minutes}:{rest:00.#}");
    }

    /// <summary>The boundary nearest to <paramref name="typed"/> within <see cref="SnapSeconds"/>, else the typed time.</summary>
    public static double Snap(double typed, IEnumerable<double> boundaries)
    {
        var best = typed;
        var distance = SnapSeconds;
        foreach (var b in boundaries)
        {
            var d = Math.Abs(b - typed);
            if (d <= distance) (best, distance) = (b, d);
        }
        return best;
    }
}
