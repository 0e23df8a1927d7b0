using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Storyweave.Features.Reports;

/// <summary>
/// Writes a <see cref="ReportContent"/> as one self-contained, accessible HTML file: a lang
/// attribute, one h1 (the title) and headings in order below it, a table of contents, tables with
/// captions and header cells, quotes as blockquote + figcaption, charts as inline SVG with a text
/// alternative. The styles sit in one &lt;style&gt; element of the file itself (a downloaded file
/// has no server to fetch a stylesheet from); there is no script. The PDF is printed from this.
/// </summary>
public static class HtmlReportWriter
{
    // Letters of every script stay readable in the file; markup characters are always encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    // Table cells wrap between words only (no break-all, no anywhere, no automatic hyphens): with the automatic table
    // layout each column is at least as wide as its longest word, so "organisations" never becomes "organisa-tions"
    // in a narrow column; a table wider than the screen scrolls in its region, and in print it is never clipped.
    private const string Css = """
        :root { color: #1b1b1b; background: #fff; }
        body { font-family: "DejaVu Sans", Arial, sans-serif; line-height: 1.5; max-width: 48rem; margin: 0 auto; padding: 1rem; }
        h1, h2, h3, h4, h5 { line-height: 1.25; color: #1f3d33; }
        .subtitle, .version { font-size: 1.1rem; margin: 0.25rem 0; }
        nav ol { padding-left: 1.25rem; }
        nav ol ol { margin: 0.2rem 0; }
        nav a { display: flex; gap: 0.75rem; }
        nav .toc-text { flex: 1; }
        nav .toc-page { min-width: 3ch; text-align: right; color: #1b1b1b; font-variant-numeric: tabular-nums; }
        a { color: #0b5a44; }
        figure.quote { margin: 1rem 0; padding: 0.5rem 1rem; border-left: 0.3rem solid #1f5c4a; background: #f2f7f5; }
        figure.quote blockquote { margin: 0; font-style: italic; }
        figure.quote figcaption { margin-top: 0.25rem; }
        table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
        caption { font-weight: bold; text-align: left; padding: 0.25rem 0; }
        th, td { border: 1px solid #666; padding: 0.4rem; vertical-align: top; text-align: left; overflow-wrap: normal; word-break: normal; hyphens: manual; }
        .table-scroll { overflow-x: auto; max-width: 100%; }
        thead th { background: #e4eeea; }
        td p, th p { margin: 0 0 0.3rem; }
        figure.chart svg { max-width: 100%; height: auto; }
        aside.callout { margin: 1rem 0; padding: 0.5rem 1rem; border: 2px solid #1f5c4a; border-radius: 0.3rem; background: #f2f7f5; }
        @media print { body { max-width: none; } nav { break-after: page; } h2, h3 { break-after: avoid; } figure, tr { break-inside: avoid; } .table-scroll { overflow: visible; } thead { display: table-header-group; } }
        """;

    /// <summary>The headings the contents list shows (levels 1–3), with their block index (their anchor is "s" + index).</summary>
    public static List<(int Index, ReportBlock.Heading Heading)> Contents(ReportContent content) =>
        content.Blocks.Select((b, i) => (b, i)).Where(x => x.b is ReportBlock.Heading { Level: <= 3 }).Select(x => (x.i, (ReportBlock.Heading)x.b)).ToList();

    /// <param name="pages">For the PDF: the page of each <see cref="Contents"/> entry, in order (null: not known yet); null for the HTML file, which has no pages.</param>
    public static string Write(ReportContent content, IReadOnlyList<int?>? pages = null)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"").Append(E(content.Language)).Append("\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(E(content.Title)).Append("</title>\n<style>\n").Append(Css).Append("\n</style>\n</head>\n<body>\n");
        html.Append("<header>\n<h1>").Append(E(content.Title)).Append("</h1>\n");
        html.Append("<p class=\"subtitle\">").Append(E(content.Subtitle)).Append("</p>\n");
        html.Append("<p class=\"version\">").Append(E(content.VersionLine)).Append("</p>\n</header>\n");

        var contents = Contents(content);
        if (contents.Count > 1)
        {
            html.Append("<nav aria-labelledby=\"toc\">\n<h2 id=\"toc\">Contents</h2>\n");
            // Nested lists: a heading's sub-headings (levels 1–3) are a list inside its item. A level that skips one
            // (a level-3 heading right under a level-1) is nested one step only, so every list sits in an item.
            var level = 0;
            for (var n = 0; n < contents.Count; n++)
            {
                var (index, heading) = contents[n];
                var l = Math.Min(heading.Level, level + 1);
                if (l > level) html.Append(level == 0 ? "<ol>\n" : "\n<ol>\n");
                else
                {
                    html.Append("</li>\n");
                    for (; level > l; level--) html.Append("</ol>\n</li>\n");
                }
                level = l;
                html.Append("<li><a href=\"#s").Append(index).Append("\"><span class=\"toc-text\">").Append(E(heading.Text)).Append("</span>");
                // In the PDF, the page each heading is printed on (none yet on the first printing: a blank of the same width).
                if (pages is not null)
                    html.Append("<span class=\"toc-page\">").Append(n < pages.Count && pages[n] is { } page ? page.ToString(System.Globalization.CultureInfo.InvariantCulture) : "").Append("</span>");
                html.Append("</a>");
            }
            html.Append("</li>\n");
            for (; level > 1; level--) html.Append("</ol>\n</li>\n");
            html.Append("</ol>\n</nav>\n");
        }

        html.Append("<main>\n");
        var tableNumber = 0;
        for (var i = 0; i < content.Blocks.Count; i++)
        {
            switch (content.Blocks[i])
            {
                case ReportBlock.Heading h:
                    // The title is the page's h1, so report heading levels 1–3 are h2–h4: headings stay in order.
                    html.Append("<h").Append(h.Level + 1).Append(" id=\"s").Append(i).Append("\">").Append(E(h.Text)).Append("</h").Append(h.Level + 1).Append(">\n");
                    break;
                case ReportBlock.Paragraph p:
                    html.Append("<p>").Append(E(p.Text)).Append("</p>\n");
                    break;
                case ReportBlock.Bullets b:
                    html.Append("<ul>\n");
                    foreach (var item in b.Items) html.Append("<li>").Append(E(item)).Append("</li>\n");
                    html.Append("</ul>\n");
                    break;
                case ReportBlock.Rich or ReportBlock.List or ReportBlock.CallOut:
                    Writing(html, content.Blocks[i]);
                    break;
                case ReportBlock.Quote q:
                    Quote(html, q);
                    break;
                case ReportBlock.Table t:
                    Table(html, t, ++tableNumber);
                    break;
                case ReportBlock.Figure f:
                    // The SVG comes from our own chart code, never from user text; it is marked as an image with the alternative.
                    html.Append("<figure class=\"chart\" role=\"img\" aria-label=\"").Append(E(f.AltText)).Append("\">\n").Append(f.Svg)
                        .Append("\n<figcaption>").Append(E(f.Caption)).Append("</figcaption>\n</figure>\n");
                    break;
            }
        }
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The curator's writing: paragraphs, lists and boxed call-outs (an aside, so screen readers can find it).</summary>
    private static void Writing(StringBuilder html, ReportBlock block)
    {
        switch (block)
        {
            case ReportBlock.Rich r:
                html.Append("<p>");
                Spans(html, r.Spans);
                html.Append("</p>\n");
                break;
            case ReportBlock.List l:
                html.Append(l.Ordered ? "<ol>\n" : "<ul>\n");
                foreach (var item in l.Items)
                {
                    html.Append("<li>");
                    Spans(html, item);
                    html.Append("</li>\n");
                }
                html.Append(l.Ordered ? "</ol>\n" : "</ul>\n");
                break;
            case ReportBlock.CallOut c:
                html.Append("<aside class=\"callout\">\n");
                foreach (var inner in c.Blocks) Writing(html, inner);
                html.Append("</aside>\n");
                break;
        }
    }

    private static void Spans(StringBuilder html, IEnumerable<Span> spans)
    {
        foreach (var s in spans)
        {
            // Links were checked when the Markdown was read (http, https or mailto only); the address is encoded as an attribute.
            if (s.Link is not null) html.Append("<a href=\"").Append(E(s.Link)).Append("\">");
            if (s.Bold) html.Append("<strong>");
            if (s.Italic) html.Append("<em>");
            html.Append(E(s.Text));
            if (s.Italic) html.Append("</em>");
            if (s.Bold) html.Append("</strong>");
            if (s.Link is not null) html.Append("</a>");
        }
    }

    private static void Quote(StringBuilder html, ReportBlock.Quote q) =>
        html.Append("<figure class=\"quote\">\n<blockquote><p>\u201c").Append(E(q.Text)).Append("\u201d</p></blockquote>\n<figcaption>\u2014 ")
            .Append(E(q.Credit)).Append("</figcaption>\n</figure>\n")
            .Append(q.Note.Length > 0 ? $"<p class=\"quote-note\">{E(NotePrefix + q.Note)}</p>\n" : "");

    /// <summary>Put before a curator's note on a quote, in every format, so a reader never takes it for the storyteller's words.</summary>
    public const string NotePrefix = "Curators\u2019 note: ";

    private static void Table(StringBuilder html, ReportBlock.Table t, int number)
    {
        // A scrollable, focusable region on narrow screens, so a wide table never makes the page scroll sideways.
        html.Append("<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"t").Append(number).Append("\">\n");
        html.Append("<table>\n<caption id=\"t").Append(number).Append("\">Table ").Append(number).Append(": ").Append(E(t.Caption)).Append("</caption>\n<thead><tr>");
        foreach (var h in t.Headers) html.Append("<th scope=\"col\">").Append(E(h)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in t.Rows)
        {
            html.Append("<tr>");
            for (var c = 0; c < row.Count; c++)
            {
                var rowHeader = c == 0 && t.FirstColumnNamesRow;
                var tag = rowHeader ? "th scope=\"row\"" : "td";
                html.Append('<').Append(tag).Append('>');
                foreach (var line in row[c].Lines) html.Append("<p>").Append(E(line)).Append("</p>");
                if (row[c].Quote is { } q) html.Append("<p>\u201c").Append(E(q.Text)).Append("\u201d \u2014 ").Append(E(q.Credit)).Append("</p>");
                html.Append(rowHeader ? "</th>" : "</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</div>\n");
    }

    private static string E(string text) => Encoder.Encode(text);
}
