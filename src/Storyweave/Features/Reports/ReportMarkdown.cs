using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Storyweave.Features.Reports;

/// <summary>
/// Turns a curator's Markdown into report blocks every writer can lay out: headings (below the section's
/// own heading), paragraphs with bold, italic and links, bulleted and numbered lists, and "&gt;" blocks as
/// boxed call-outs. Raw HTML is never rendered: the pipeline treats it as text, so "&lt;script&gt;" is shown as
/// those characters (nothing is lost, nothing runs). Links keep only http, https and mailto addresses.
/// </summary>
public static class ReportMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().Build();

    /// <summary>The plain-words help shown beside every writing box.</summary>
    public const string Help = "## Heading (### for a smaller one) · - a bullet point · 1. a numbered point · **bold** · *italic* · [words](https://example.org) for a link · > at the start of lines puts them in a box. Leave a blank line between paragraphs.";

    /// <param name="sectionLevel">The heading level of the section the writing is in (1–3); its "#" headings come one level below.</param>
    public static List<ReportBlock> ToBlocks(string markdown, int sectionLevel)
    {
        var blocks = new List<ReportBlock>();
        if (string.IsNullOrWhiteSpace(markdown)) return blocks;
        var doc = Markdown.Parse(markdown, Pipeline);
        foreach (var block in doc) Add(blocks, block, sectionLevel, inCallOut: false);
        return blocks;
    }

    private static void Add(List<ReportBlock> blocks, Block block, int sectionLevel, bool inCallOut)
    {
        switch (block)
        {
            case HeadingBlock h:
                var spans = Spans(h.Inline);
                // Inside a box a heading is a bold line: a box is one panel, not a part of the outline.
                if (inCallOut) blocks.Add(new ReportBlock.Rich(spans.Select(s => s with { Bold = true }).ToList()));
                else blocks.Add(new ReportBlock.Heading(Math.Min(4, sectionLevel + h.Level), string.Concat(spans.Select(s => s.Text))));
                break;
            case ParagraphBlock p:
                if (Spans(p.Inline) is { Count: > 0 } line) blocks.Add(new ReportBlock.Rich(line));
                break;
            case ListBlock list:
                var items = new List<IReadOnlyList<Span>>();
                Items(items, list, 0);
                if (items.Count > 0) blocks.Add(new ReportBlock.List(list.IsOrdered, items));
                break;
            case QuoteBlock quote:
                var inner = new List<ReportBlock>();
                foreach (var child in quote) Add(inner, child, sectionLevel, inCallOut: true);
                if (inCallOut) blocks.AddRange(inner);
                else if (inner.Count > 0) blocks.Add(new ReportBlock.CallOut(inner));
                break;
            case LeafBlock leaf when leaf.Lines.Count > 0:
                // Code, or anything else with lines: shown as the text it is.
                var text = string.Join(" ", leaf.Lines.Lines.Take(leaf.Lines.Count).Select(l => l.Slice.ToString().Trim()).Where(l => l.Length > 0));
                if (text.Length > 0) blocks.Add(new ReportBlock.Rich([new Span(text)]));
                break;
            case ContainerBlock container:
                foreach (var child in container) Add(blocks, child, sectionLevel, inCallOut);
                break;
        }
    }

    /// <summary>A list's items in order; a nested list's items follow their parent item, marked with a dash.</summary>
    private static void Items(List<IReadOnlyList<Span>> items, ListBlock list, int depth)
    {
        foreach (var item in list.OfType<ListItemBlock>())
        {
            var line = new List<Span>();
            if (depth > 0) line.Add(new Span(new string('\u2013', depth) + " "));
            var nested = new List<ListBlock>();
            foreach (var child in item)
            {
                if (child is ListBlock sub) nested.Add(sub);
                else if (child is ParagraphBlock p)
                {
                    if (line.Count > (depth > 0 ? 1 : 0)) line.Add(new Span(" "));
                    line.AddRange(Spans(p.Inline));
                }
            }
            if (line.Count > 0) items.Add(line);
            foreach (var sub in nested) Items(items, sub, depth + 1);
        }
    }

    private static List<Span> Spans(ContainerInline? inline)
    {
        var spans = new List<Span>();
        if (inline is not null) Walk(spans, inline, false, false, null);
        // Neighbours with the same look become one span, so a writer makes one run of them.
        var merged = new List<Span>();
        foreach (var s in spans)
        {
            if (merged.Count > 0 && merged[^1] is var last && last.Bold == s.Bold && last.Italic == s.Italic && last.Link == s.Link)
                merged[^1] = last with { Text = last.Text + s.Text };
            else merged.Add(s);
        }
        if (merged.Count > 0) merged[0] = merged[0] with { Text = merged[0].Text.TrimStart() };
        if (merged.Count > 0) merged[^1] = merged[^1] with { Text = merged[^1].Text.TrimEnd() };
        return merged.Where(s => s.Text.Length > 0).ToList();
    }

    private static void Walk(List<Span> spans, ContainerInline container, bool bold, bool italic, string? link)
    {
        foreach (var inline in container)
        {
            switch (inline)
            {
                case LiteralInline l:
                    spans.Add(new Span(l.Content.ToString(), bold, italic, link));
                    break;
                case CodeInline c:
                    spans.Add(new Span(c.Content, bold, italic, link));
                    break;
                case LineBreakInline:
                    spans.Add(new Span(" ", bold, italic, link));
                    break;
                case HtmlEntityInline e:
                    spans.Add(new Span(e.Transcoded.ToString(), bold, italic, link));
                    break;
                case AutolinkInline a:
                    var url = a.IsEmail ? "mailto:" + a.Url : a.Url;
                    spans.Add(new Span(a.Url, bold, italic, SafeLink(url) ?? link));
                    break;
                case EmphasisInline em:
                    var strong = em.DelimiterCount >= 2;
                    Walk(spans, em, bold || strong, italic || !strong, link);
                    break;
                case LinkInline li when li.IsImage:
                    // Images are not part of the writing (no file to embed): their description stays as text.
                    Walk(spans, li, bold, italic, link);
                    break;
                case LinkInline li:
                    var safe = SafeLink(li.Url);
                    var before = spans.Count;
                    Walk(spans, li, bold, italic, safe ?? link);
                    if (spans.Count == before && safe is not null) spans.Add(new Span(li.Url!, bold, italic, safe));
                    break;
                case ContainerInline other:
                    Walk(spans, other, bold, italic, link);
                    break;
            }
        }
    }

    /// <summary>An http(s) or mailto address, or null: no javascript:, data: or relative links in a file that travels.</summary>
    public static string? SafeLink(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        url = url.Trim();
        if (url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) && url.Length > 7 && !url.Any(char.IsWhiteSpace)) return url;
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri.AbsoluteUri : null;
    }
}
