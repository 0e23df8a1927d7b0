using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Storyweave.Features.Findings;

/// <summary>One bar: its label, the guarded figure shown beside it, and its length (null when the guard hides it: no bar is drawn).</summary>
public sealed record ChartBar(string Label, string Figure, double? Length, bool Suppressed);

/// <summary>A horizontal bar chart of findings. <see cref="Description"/> states every figure in words (the text alternative).</summary>
public sealed record BarChart(string Title, string Description, string Axis, double Max, IReadOnlyList<ChartBar> Bars, string Note);

/// <summary>A heat map (the cross-tab): rows × columns of guarded counts.</summary>
public sealed record HeatMap(string Title, string Description, IReadOnlyList<string> Rows, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<GuardedCount>> Cells, string Note);

/// <summary>
/// Charts of findings, drawn as plain SVG (with a title and a description that states every figure, so
/// screen readers get the same numbers) and as PNG through ScottPlot. Both draw from the same
/// <see cref="BarChart"/>/<see cref="HeatMap"/>, built from guarded counts: a hidden number has no bar,
/// its cell is grey, and both say "fewer than N".
/// </summary>
public static class FindingsCharts
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private const string Font = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
    private const string Ink = "#1a1a1a";
    private const string BarColour = "#1f5c4a";

    // The note under a chart is the readers' sentence about the small-numbers guard, and only when it hid
    // one of the chart's figures: a downloaded chart ends up in slides and reports, where "the guard is off"
    // would mean nothing to a reader.
    public static BarChart ForQuestion(QuestionFindings q, int threshold)
    {
        var bars = q.Answers.Select(a => new ChartBar(a.Label, a.Count.Text, a.Count.Percent, a.Count.Suppressed)).ToList();
        var words = string.Join("; ", q.Answers.Select(a => $"{a.Label}: {a.Count.Text}"));
        return new BarChart(q.Text, $"Bar chart of the answers {q.Denominator} (percentages). {words}. {q.Note}", "% of storytellers", 100, bars, new SmallNumberGuard(threshold).ReaderNoteFor(q.Answers.Select(a => a.Count)));
    }

    public static BarChart ForThemes(ThemeFindings t)
    {
        var bars = t.Themes.Select(r => new ChartBar(r.Path, r.Storytellers.Text, r.Storytellers.Value, r.Storytellers.Suppressed)).ToList();
        var words = bars.Count == 0 ? "There are no themes yet." : string.Join("; ", t.Themes.Select(r => $"{r.Path}: {r.Storytellers.Text}")) + ".";
        var max = Math.Max(1, t.Themes.Select(r => r.Storytellers.Value ?? 0).DefaultIfEmpty(0).Max());
        return new BarChart("Storytellers in each theme", $"Bar chart of how many storytellers, of {t.Storytellers.Display}, each theme and sub-theme comes from. {words}",
            "storytellers", max, bars, new SmallNumberGuard(t.Threshold).ReaderNoteFor(t.Themes.Select(r => r.Storytellers)));
    }

    public static HeatMap ForCrossTab(CrossTab c, int threshold)
    {
        var words = c.Rows.Count == 0
            ? "There are no themes yet."
            : string.Join("; ", c.Rows.Select(r => $"{r.Path}: " + string.Join(", ", c.Columns.Zip(r.Cells, (col, cell) => $"{col.Label} {cell.Display}")))) + ".";
        return new HeatMap($"Themes by answer to \"{c.QuestionText}\"", $"Heat map of how many storytellers in each theme ticked each answer; darker means more. {words}",
            c.Rows.Select(r => r.Path).ToList(), c.Columns.Select(x => x.Label).ToList(), c.Rows.Select(r => r.Cells).ToList(),
            new SmallNumberGuard(threshold).ReaderNoteFor(c.Rows.SelectMany(r => r.Cells)));
    }

    // ---- SVG ----

    private const int Width = 720;

    /// <summary>The chart as a standalone SVG document. <paramref name="id"/> keeps title/desc ids unique when several charts share a page.</summary>
    public static string ToSvg(BarChart chart, string id)
    {
        const int top = 56, row = 52, left = 16, barMax = Width - 2 * left - 150;
        var body = new List<XElement>();
        var y = top;
        foreach (var bar in chart.Bars)
        {
            body.Add(Text(left, y + 14, Clip(bar.Label, 90), 15, "start"));
            var length = bar.Length is { } v && chart.Max > 0 ? Math.Max(v > 0 ? 2 : 0, barMax * v / chart.Max) : 0;
            if (!bar.Suppressed)
                body.Add(new XElement(Svg + "rect", new XAttribute("x", left), new XAttribute("y", y + 22), new XAttribute("width", F(length)),
                    new XAttribute("height", 20), new XAttribute("fill", BarColour)));
            else
                body.Add(new XElement(Svg + "rect", new XAttribute("x", left), new XAttribute("y", y + 22), new XAttribute("width", 40),
                    new XAttribute("height", 20), new XAttribute("fill", "none"), new XAttribute("stroke", "#6b6b6b"), new XAttribute("stroke-dasharray", "4 3")));
            body.Add(Text(left + (bar.Suppressed ? 40 : length) + 8, y + 37, bar.Figure, 14, "start"));
            y += row;
        }
        if (chart.Bars.Count == 0) { body.Add(Text(left, y + 16, "Nothing to show yet.", 15, "start")); y += row; }
        var height = y + NoteLines(chart.Note).Count * 18 + 16;
        body.Add(Text(left, 30, Clip(chart.Title, 80), 18, "start", bold: true));
        body.AddRange(NoteElements(chart.Note, left, y + 10));
        return Document(id, chart.Title, chart.Description, Width, height, body);
    }

    public static string ToSvg(HeatMap map, string id)
    {
        const int top = 90, left = 16, labelWidth = 250, rowHeight = 36;
        var columns = Math.Max(1, map.Columns.Count);
        var cellWidth = Math.Max(70, (Width - left * 2 - labelWidth) / columns);
        var width = Math.Max(Width, left * 2 + labelWidth + cellWidth * columns);
        var max = Math.Max(1, map.Cells.SelectMany(r => r).Select(c => c.Value ?? 0).DefaultIfEmpty(0).Max());
        var body = new List<XElement> { Text(left, 30, Clip(map.Title, 80), 18, "start", bold: true) };
        for (var c = 0; c < map.Columns.Count; c++)
        {
            var x = left + labelWidth + c * cellWidth + cellWidth / 2.0;
            body.Add(Text(x, top - 32, Clip(map.Columns[c], cellWidth / 8), 13, "middle", title: map.Columns[c]));
        }
        var y = top - 20;
        var rowLabels = DistinctLabels(map.Rows, 34);
        for (var r = 0; r < map.Rows.Count; r++)
        {
            body.Add(Text(left, y + 23, rowLabels[r], 14, "start", title: map.Rows[r]));
            for (var c = 0; c < map.Columns.Count; c++)
            {
                var cell = map.Cells[r][c];
                var (fill, ink) = HeatColour(cell, max);
                var x = left + labelWidth + c * cellWidth;
                body.Add(new XElement(Svg + "rect", new XAttribute("x", x + 1), new XAttribute("y", y + 1), new XAttribute("width", cellWidth - 2),
                    new XAttribute("height", rowHeight - 2), new XAttribute("fill", fill), new XElement(Svg + "title", $"{map.Rows[r]} × {map.Columns[c]}: {cell.Display}")));
                body.Add(Text(x + cellWidth / 2.0, y + 23, cell.Display, cell.Suppressed ? 12 : 14, "middle", fill: ink));
            }
            y += rowHeight;
        }
        if (map.Rows.Count == 0) { body.Add(Text(left, y + 23, "Nothing to show yet.", 15, "start")); y += rowHeight; }
        var height = y + NoteLines(map.Note).Count * 18 + 20;
        body.AddRange(NoteElements(map.Note, left, y + 14));
        return Document(id, map.Title, map.Description, width, height, body);
    }

    /// <summary>Light to dark green for 0..max; grey for a hidden number. Text colour keeps 4.5:1 contrast.</summary>
    private static (string Fill, string Ink) HeatColour(GuardedCount cell, int max)
    {
        if (cell.Suppressed) return ("#e4e4e4", Ink);
        var t = (cell.Value ?? 0) / (double)max;
        // Interpolate #f1f7f4 (0) → #1f5c4a (max).
        int Mix(int a, int b) => (int)Math.Round(a + (b - a) * t);
        var fill = $"#{Mix(0xf1, 0x1f):x2}{Mix(0xf7, 0x5c):x2}{Mix(0xf4, 0x4a):x2}";
        return (fill, t > 0.5 ? "#ffffff" : Ink);
    }

    private static string Document(string id, string title, string description, int width, int height, List<XElement> body)
    {
        var root = new XElement(Svg + "svg",
            new XAttribute("viewBox", $"0 0 {width} {height}"), new XAttribute("width", width), new XAttribute("height", height),
            new XAttribute("role", "img"), new XAttribute("aria-labelledby", $"{id}-title {id}-desc"),
            new XAttribute("font-family", Font), new XAttribute("class", "chart"),
            new XElement(Svg + "title", new XAttribute("id", $"{id}-title"), title),
            new XElement(Svg + "desc", new XAttribute("id", $"{id}-desc"), description),
            new XElement(Svg + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "#ffffff")),
            body);
        return root.ToString(SaveOptions.DisableFormatting);
    }

    private static XElement Text(double x, double y, string text, int size, string anchor, bool bold = false, string fill = Ink, string? title = null)
    {
        var e = new XElement(Svg + "text", new XAttribute("x", F(x)), new XAttribute("y", F(y)), new XAttribute("font-size", size),
            new XAttribute("text-anchor", anchor), new XAttribute("fill", fill));
        if (bold) e.Add(new XAttribute("font-weight", "bold"));
        if (title is not null && title != text) e.Add(new XElement(Svg + "title", title));
        e.Add(text);
        return e;
    }

    private static IEnumerable<XElement> NoteElements(string note, int left, int y) =>
        NoteLines(note).Select((line, i) => Text(left, y + 14 + i * 18, line, 13, "start", fill: "#3d3d3d"));

    /// <summary>The note wrapped at about 95 characters (SVG text does not wrap by itself).</summary>
    private static List<string> NoteLines(string note)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in note.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + word.Length + 1 > 95) { lines.Add(line.ToString()); line.Clear(); }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) lines.Add(line.ToString());
        return lines;
    }

    /// <summary>
    /// Labels short enough for the space, and never two the same: themes often share a long beginning
    /// ("Benefits of co-production: …"), so a label that would read like another keeps its end instead
    /// ("Benefits of co…for individuals"). The full text is always in the chart's title and description.
    /// </summary>
    public static IReadOnlyList<string> DistinctLabels(IReadOnlyList<string> texts, int max)
    {
        var labels = texts.Select(t => Clip(t, max)).ToList();
        foreach (var group in labels.Select((l, i) => (l, i)).GroupBy(x => x.l).Where(g => g.Count() > 1).ToList())
        {
            foreach (var (_, i) in group)
            {
                var t = texts[i];
                var head = Math.Max(1, (max - 1) / 2);
                labels[i] = t.Length <= max ? t : string.Concat(t.AsSpan(0, head), "…", t.AsSpan(t.Length - (max - 1 - head)));
            }
        }
        for (var i = 0; i < labels.Count; i++)
        {
            // Still the same (the texts differ only in the middle): number them, as the table beside the chart does.
            if (labels.Count(l => l == labels[i]) > 1) labels[i] = $"{Clip(labels[i], max - 4)} ({i + 1})";
        }
        return labels;
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(1, max - 1)), "…");

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    // ---- PNG (ScottPlot, drawn from the same chart data) ----

    public static byte[] ToPng(BarChart chart)
    {
        var plot = new ScottPlot.Plot();
        var n = chart.Bars.Count;
        var positions = Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray();
        var bars = new List<ScottPlot.Bar>();
        for (var i = 0; i < n; i++)
        {
            var bar = chart.Bars[i];
            if (!bar.Suppressed)
                bars.Add(new ScottPlot.Bar { Position = positions[i], Value = bar.Length ?? 0, FillColor = ScottPlot.Color.FromHex(BarColour), Orientation = ScottPlot.Orientation.Horizontal });
            var label = plot.Add.Text(bar.Figure, bar.Suppressed ? 0 : bar.Length ?? 0, positions[i]);
            label.LabelFontSize = 14;
            label.LabelAlignment = ScottPlot.Alignment.MiddleLeft;
            label.OffsetX = 6;
        }
        if (bars.Count > 0) plot.Add.Bars(bars);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, chart.Bars.Select(b => Clip(b.Label, 40)).ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.SetLimits(0, chart.Max * 1.25, -0.75, Math.Max(0.75, n - 0.25));
        plot.Title(Clip(chart.Title, 80));
        plot.Axes.Bottom.Label.Text = $"{chart.Axis}. {Clip(chart.Note, 120)}";
        plot.Axes.Bottom.Label.FontSize = 11;
        plot.HideGrid();
        return plot.GetImageBytes(960, Math.Max(320, 120 + 48 * n), ScottPlot.ImageFormat.Png);
    }

    public static byte[] ToPng(HeatMap map)
    {
        var plot = new ScottPlot.Plot();
        var rows = map.Rows.Count;
        var cols = map.Columns.Count;
        var max = Math.Max(1, map.Cells.SelectMany(r => r).Select(c => c.Value ?? 0).DefaultIfEmpty(0).Max());
        for (var r = 0; r < rows; r++)
        {
            var y = rows - 1 - r;
            for (var c = 0; c < cols; c++)
            {
                var cell = map.Cells[r][c];
                var (fill, ink) = HeatColour(cell, max);
                var rect = plot.Add.Rectangle(c, c + 1, y, y + 1);
                rect.FillColor = ScottPlot.Color.FromHex(fill);
                rect.LineColor = ScottPlot.Colors.White;
                rect.LineWidth = 2;
                var text = plot.Add.Text(cell.Display, c + 0.5, y + 0.5);
                text.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                text.LabelFontColor = ScottPlot.Color.FromHex(ink);
                text.LabelFontSize = 14;
            }
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, rows).Select(r => rows - 1 - r + 0.5).ToArray(), DistinctLabels(map.Rows, 40).ToArray());
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, cols).Select(c => c + 0.5).ToArray(), map.Columns.Select(c => Clip(c, 24)).ToArray());
        plot.Axes.SetLimits(0, Math.Max(1, cols), 0, Math.Max(1, rows));
        plot.Title(Clip(map.Title, 80));
        plot.Axes.Bottom.Label.Text = Clip(map.Note, 120);
        plot.Axes.Bottom.Label.FontSize = 11;
        plot.HideGrid();
        return plot.GetImageBytes(Math.Max(800, 320 + 160 * cols), Math.Max(320, 140 + 44 * rows), ScottPlot.ImageFormat.Png);
    }
}
