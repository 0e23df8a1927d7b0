namespace Storyweave.Features.Exports;

/// <summary>
/// REFI-QDA sync points: a position in a transcript's text (code points) tied to a time in its recording (ms). The
/// export writes one at each permitted line's start and end; a selection by time (<c>AudioSelection</c>/
/// <c>VideoSelection</c>) is placed in the text, and back, through them. A time between two sync points is taken
/// proportionally (characters spread evenly over the time between them). Where a selection's start or end is not at a
/// sync point, the export adds one there, so the import finds the exact words again: a begin time matches the last
/// sync point with that time, an end time the first.
/// </summary>
public static class QdpxSyncPoints
{
    public sealed record Line(string Text, string Speaker, double? StartSeconds, double? EndSeconds);

    public readonly record struct Point(int Position, long? Ms);

    public static long Ms(double seconds) => (long)Math.Round(seconds * 1000, MidpointRounding.AwayFromZero);

    /// <summary>A sync point at each written line's start (its start time) and end (its end time), in text order.</summary>
    public static IReadOnlyList<Point> ForLines(IReadOnlyList<Line> lines, Func<Line, bool> visible, QdpxSourceText text)
    {
        var points = new List<Point>();
        var offset = 0;
        foreach (var line in lines)
        {
            if (visible(line))
            {
                if (line.StartSeconds is { } start) points.Add(new(text.Position(offset, asEnd: false), Ms(start)));
                if (line.EndSeconds is { } end) points.Add(new(text.Position(offset + line.Text.Length, asEnd: true), Ms(end)));
            }
            offset += line.Text.Length + 1;
        }
        return points;
    }

    /// <summary>The times of a stretch of text (code points), or null when no sync point has a time.</summary>
    public static (long Begin, long End)? Times(IReadOnlyList<Point> points, int start, int end)
    {
        var timed = points.Where(p => p.Ms is not null).ToList();
        if (timed.Count == 0) return null;
        return (TimeAt(timed, start, begin: true), TimeAt(timed, end, begin: false));
    }

    private static long TimeAt(List<Point> timed, int position, bool begin) => TimeAt(timed, position, begin, clamp: true)!.Value;

    /// <summary>
    /// The time at a position: a sync point exactly there (the last one for a begin, the first for an end), else
    /// proportionally between the nearest sync points before and after it; outside them the nearest one's time when
    /// <paramref name="clamp"/>, else null. Points are in text order.
    /// </summary>
    public static long? TimeAt(IReadOnlyList<Point> points, int position, bool begin, bool clamp)
    {
        var timed = points.Where(p => p.Ms is not null).ToList();
        var exact = timed.Where(p => p.Position == position).ToList();
        if (exact.Count > 0) return begin ? exact[^1].Ms!.Value : exact[0].Ms!.Value;
        var before = timed.Where(p => p.Position < position).OrderBy(p => p.Position).ToList();
        var after = timed.Where(p => p.Position > position).OrderBy(p => p.Position).ToList();
        if (before.Count == 0 || after.Count == 0)
            return !clamp ? null : before.Count > 0 ? before[^1].Ms : after.Count > 0 ? after[0].Ms : null;
        var (a, b) = (before[^1], after[0]);
        var share = (double)(position - a.Position) / (b.Position - a.Position);
        return a.Ms!.Value + (long)Math.Round(share * (b.Ms!.Value - a.Ms!.Value), MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// Where a time falls in the text (code points): a sync point with exactly that time (the last one for a begin, the
    /// first for an end), else proportionally between the sync points around it; null without timed sync points.
    /// </summary>
    public static int? PositionAt(IReadOnlyList<Point> points, long ms, bool begin)
    {
        var timed = points.Where(p => p.Ms is not null).OrderBy(p => p.Position).ToList();
        if (timed.Count == 0) return null;
        var exact = timed.Where(p => p.Ms == ms).ToList();
        if (exact.Count > 0) return begin ? exact[^1].Position : exact[0].Position;
        for (var i = 0; i + 1 < timed.Count; i++)
        {
            var (a, b) = (timed[i], timed[i + 1]);
            if (a.Ms < ms && ms < b.Ms)
                return a.Position + (int)Math.Round((double)(ms - a.Ms!.Value) / (b.Ms!.Value - a.Ms!.Value) * (b.Position - a.Position), MidpointRounding.AwayFromZero);
        }
        return ms < timed[0].Ms ? timed[0].Position : timed[^1].Position;
    }
}
