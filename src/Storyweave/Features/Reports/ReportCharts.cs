using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using SkiaSharp;
using Storyweave.Features.Findings;

namespace Storyweave.Features.Reports;

/// <summary>
/// Draws the report's bar charts from findings that already have the small-numbers guard applied: a
/// hidden count gets no bar, only its words ("fewer than 5"). The same bars are drawn twice from one
/// layout: as SVG for HTML and PDF (presentation attributes only, no style attributes; every label is
/// encoded) and as PNG for DOCX (<see cref="Png"/>), at the same size and in the same colours, so a
/// chart looks the same in every format. Counting is FindingsService's job, not this.
/// </summary>
public static class ReportCharts
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private const int LabelWidth = 260, BarWidth = 300, FigureWidth = 140, RowHeight = 28, Top = 8, FontSize = 14;
    private const string Ink = "#1b1b1b", BarColour = "#1f5c4a";

    /// <summary>The chart's size in CSS pixels (the SVG's width and height; the PNG is drawn at twice this for sharp print).</summary>
    public static (int Width, int Height) Size(int bars) => (LabelWidth + BarWidth + FigureWidth, Top * 2 + RowHeight * bars);

    public static ReportBlock.Figure Bars(string caption, string valueHeader, IReadOnlyList<(string Label, GuardedCount Count)> items, string note)
    {
        var max = Math.Max(1, items.Select(i => i.Count.Percent ?? i.Count.Value ?? 0).DefaultIfEmpty(0).Max());
        var bars = items.Select(i => new ChartBar(Short(i.Label),
            (i.Count.Percent ?? i.Count.Value) is { } v ? (int)Math.Round(BarWidth * (double)v / max) : 0, i.Count.Text)).ToList();
        var (width, height) = Size(bars.Count);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-hidden=\"true\" focusable=\"false\">");
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var y = Top + i * RowHeight;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 8}\" y=\"{y + 18}\" text-anchor=\"end\" font-size=\"{FontSize}\" fill=\"{Ink}\">{E(bar.Label)}</text>");
            if (bar.Length > 0) svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{LabelWidth}\" y=\"{y + 4}\" width=\"{bar.Length}\" height=\"{RowHeight - 8}\" fill=\"{BarColour}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + bar.Length + 6}\" y=\"{y + 18}\" font-size=\"{FontSize}\" fill=\"{Ink}\">{E(bar.Text)}</text>");
        }
        svg.Append("</svg>");
        var alt = $"Bar chart: {caption}. " + string.Join("; ", items.Select(i => $"{i.Label}: {i.Count.Text}")) + ".";
        var data = new ReportBlock.Table(caption, ["Answer", valueHeader], items.Select(i => (IReadOnlyList<Cell>)[Cell.Of(i.Label), Cell.Of(i.Count.Text)]).ToList());
        return new ReportBlock.Figure(caption + (note.Length > 0 ? $" ({note})" : ""), svg.ToString(), alt, data, bars);
    }

    /// <summary>
    /// The chart as a PNG, drawn with SkiaSharp from the same bars and positions as the SVG, at twice its pixel size
    /// (so it prints sharply; the document shows it at <see cref="Size"/>). White background: Word has no transparency
    /// behind a picture on coloured page themes.
    /// </summary>
    public static byte[] Png(ReportBlock.Figure figure)
    {
        const float scale = 2;
        var (width, height) = Size(figure.Bars.Count);
        using var surface = SKSurface.Create(new SKImageInfo((int)(width * scale), (int)(height * scale), SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("SkiaSharp could not make a drawing surface for a report chart.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        canvas.Scale(scale);
        using var typeface = Typeface();
        using var font = new SKFont(typeface, FontSize);
        using var ink = new SKPaint { Color = SKColor.Parse(Ink), IsAntialias = true };
        using var fill = new SKPaint { Color = SKColor.Parse(BarColour), IsAntialias = false };
        for (var i = 0; i < figure.Bars.Count; i++)
        {
            var bar = figure.Bars[i];
            var y = Top + i * RowHeight;
            canvas.DrawText(bar.Label, LabelWidth - 8, y + 18, SKTextAlign.Right, font, ink);
            if (bar.Length > 0) canvas.DrawRect(LabelWidth, y + 4, bar.Length, RowHeight - 8, fill);
            canvas.DrawText(bar.Text, LabelWidth + bar.Length + 6, y + 18, SKTextAlign.Left, font, ink);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>DejaVu Sans, the font the HTML names first (Debian's fonts-dejavu-core, which Chromium brings); Skia's default otherwise.</summary>
    private static SKTypeface Typeface()
    {
        const string dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        return (File.Exists(dejaVu) ? SKTypeface.FromFile(dejaVu) : null) ?? SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
    }

    private static string Short(string label) => label.Length <= 34 ? label : label[..33] + "\u2026";

    private static string E(string text) => Encoder.Encode(text);
}
