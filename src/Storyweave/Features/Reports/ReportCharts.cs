using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Storyweave.Features.Findings;

namespace Storyweave.Features.Reports;

/// <summary>
/// Draws the report's bar charts as SVG from findings that already have the small-numbers guard
/// applied: a hidden count gets no bar, only its words ("fewer than 5"). Presentation attributes
/// only (no style attributes); every label is encoded. Counting is FindingsService's job, not this.
/// </summary>
public static class ReportCharts
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static ReportBlock.Figure Bars(string caption, string valueHeader, IReadOnlyList<(string Label, GuardedCount Count)> items, string note)
    {
        const int labelWidth = 260, barWidth = 300, rowHeight = 28, top = 8;
        var max = Math.Max(1, items.Select(i => i.Count.Percent ?? i.Count.Value ?? 0).DefaultIfEmpty(0).Max());
        var height = top * 2 + rowHeight * items.Count;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {labelWidth + barWidth + 140} {height}\" width=\"{labelWidth + barWidth + 140}\" height=\"{height}\" aria-hidden=\"true\" focusable=\"false\">");
        for (var i = 0; i < items.Count; i++)
        {
            var (label, count) = items[i];
            var y = top + i * rowHeight;
            var value = count.Percent ?? count.Value;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 8}\" y=\"{y + 18}\" text-anchor=\"end\" font-size=\"14\" fill=\"#1b1b1b\">{E(Short(label))}</text>");
            var width = value is { } v ? (int)Math.Round(barWidth * (double)v / max) : 0;
            if (width > 0) svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{width}\" height=\"{rowHeight - 8}\" fill=\"#1f5c4a\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + width + 6}\" y=\"{y + 18}\" font-size=\"14\" fill=\"#1b1b1b\">{E(count.Text)}</text>");
        }
        svg.Append("</svg>");
        var alt = $"Bar chart: {caption}. " + string.Join("; ", items.Select(i => $"{i.Label}: {i.Count.Text}")) + ".";
        var data = new ReportBlock.Table(caption, ["Answer", valueHeader], items.Select(i => (IReadOnlyList<Cell>)[Cell.Of(i.Label), Cell.Of(i.Count.Text)]).ToList());
        return new ReportBlock.Figure(caption + (note.Length > 0 ? $" ({note})" : ""), svg.ToString(), alt, data);
    }

    private static string Short(string label) => label.Length <= 34 ? label : label[..33] + "\u2026";

    private static string E(string text) => Encoder.Encode(text);
}
