using System.Globalization;

namespace Storyweave.Features.Clips;

/// <summary>Clip times as people read and type them: "1:05.25" (minutes, seconds and hundredths).</summary>
public static class ClipText
{
    public static string Time(double seconds)
    {
        var hundredths = (long)Math.Round(Math.Max(0, seconds) * 100, MidpointRounding.AwayFromZero);
        var minutes = hundredths / 6000;
        var rest = hundredths % 6000 / 100.0;
        return string.Create(CultureInfo.InvariantCulture, $"{minutes}:{rest:00.##}");
    }
}
