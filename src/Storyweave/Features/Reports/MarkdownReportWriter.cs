using System.Text;
using System.Text.RegularExpressions;

namespace Storyweave.Features.Reports;

/// <summary>Writes a <see cref="ReportContent"/> as CommonMark (GitHub tables). Text is escaped so a quote cannot become markup.</summary>
public static partial class MarkdownReportWriter
{
    public static string Write(ReportContent content)
    {
        var md = new StringBuilder();
        md.Append("# ").AppendLine(Escape(content.Title)).AppendLine();
        md.AppendLine(Escape(content.Subtitle)).AppendLine();
        md.AppendLine(Escape(content.VersionLine)).AppendLine();
        // The contents as a nested list (levels 1–3; a sub-level is indented under its heading). Plain text, not links:
        // Markdown viewers make heading anchors in different ways.
        var contents = HtmlReportWriter.Contents(content);
        if (contents.Count > 1)
        {
            md.AppendLine("## Contents").AppendLine();
            var level = 0;
            foreach (var (_, h) in contents)
            {
                level = Math.Min(h.Level, level + 1);
                md.Append(' ', 2 * (level - 1)).Append("- ").AppendLine(Escape(h.Text));
            }
            md.AppendLine();
        }
        foreach (var block in content.Blocks)
        {
            switch (block)
            {
                case ReportBlock.Heading h:
                    // The title is the only level-1 heading; report headings start at level 2.
                    md.Append('#', h.Level + 1).Append(' ').AppendLine(Escape(h.Text)).AppendLine();
                    break;
                case ReportBlock.Paragraph p:
                    md.AppendLine(Escape(p.Text)).AppendLine();
                    break;
                case ReportBlock.Bullets b:
                    foreach (var item in b.Items) md.Append("- ").AppendLine(Escape(item));
                    md.AppendLine();
                    break;
                case ReportBlock.Rich or ReportBlock.List or ReportBlock.CallOut:
                    Writing(md, block, "");
                    break;
                case ReportBlock.Quote q:
                    md.Append("> \u201c").Append(Escape(q.Text)).AppendLine("\u201d").AppendLine(">").Append("> \u2014 ").AppendLine(Escape(q.Credit)).AppendLine();
                    if (q.Note.Length > 0) md.Append('*').Append(Escape(HtmlReportWriter.NotePrefix + q.Note)).AppendLine("*").AppendLine();
                    break;
                case ReportBlock.Table t:
                    Table(md, t);
                    break;
                case ReportBlock.Figure f:
                    md.Append('*').Append(Escape(f.Caption)).AppendLine("*").AppendLine();
                    md.AppendLine(Escape(f.AltText)).AppendLine();
                    Table(md, f.Data);
                    break;
            }
        }
        return md.ToString();
    }

    /// <summary>The curator's writing as Markdown again (their text escaped); a call-out is a "&gt;" block.</summary>
    private static void Writing(StringBuilder md, ReportBlock block, string prefix)
    {
        switch (block)
        {
            case ReportBlock.Rich r:
                md.Append(prefix).AppendLine(Spans(r.Spans)).Append(prefix.TrimEnd()).AppendLine();
                break;
            case ReportBlock.List l:
                for (var i = 0; i < l.Items.Count; i++)
                    md.Append(prefix).Append(l.Ordered ? $"{i + 1}. " : "- ").AppendLine(Spans(l.Items[i]));
                md.Append(prefix.TrimEnd()).AppendLine();
                break;
            case ReportBlock.CallOut c:
                foreach (var inner in c.Blocks) Writing(md, inner, "> ");
                md.AppendLine();
                break;
        }
    }

    private static string Spans(IEnumerable<Span> spans)
    {
        var text = new StringBuilder();
        foreach (var s in spans)
        {
            // Escape keeps the words as words; the leading-marker rule only matters at the start of a line.
            var words = MarkdownSpecial().Replace(s.Text.ReplaceLineEndings(" "), @"\$0");
            if (text.Length == 0) words = OrderedListMarker().Replace(LineStartMarker().Replace(words, @"\$0"), @"$1\$2");
            var marker = s.Bold && s.Italic ? "***" : s.Bold ? "**" : s.Italic ? "*" : "";
            // Emphasis markers must touch the words: spaces go outside them.
            var lead = words[..(words.Length - words.TrimStart().Length)];
            var trail = words[words.TrimEnd().Length..];
            var core = words.Trim();
            var piece = core.Length == 0 ? "" : marker + core + marker;
            if (s.Link is not null && core.Length > 0) piece = $"[{piece}](<{s.Link.Replace(">", "%3E", StringComparison.Ordinal).Replace("<", "%3C", StringComparison.Ordinal).Replace(" ", "%20", StringComparison.Ordinal)}>)";
            text.Append(lead).Append(piece).Append(trail);
        }
        return text.ToString();
    }

    private static void Table(StringBuilder md, ReportBlock.Table t)
    {
        md.Append("**").Append(Escape(t.Caption)).AppendLine("**").AppendLine();
        md.Append("| ").AppendJoin(" | ", t.Headers.Select(Cell)).AppendLine(" |");
        md.Append('|').AppendJoin("", t.Headers.Select(_ => " --- |")).AppendLine();
        foreach (var row in t.Rows)
            md.Append("| ").AppendJoin(" | ", row.Select(c => Cell(c.PlainText))).AppendLine(" |");
        md.AppendLine();
    }

    private static string Cell(string text) => Escape(text);

    /// <summary>Backslash-escapes CommonMark punctuation and folds line breaks, so text stays text.</summary>
    public static string Escape(string text)
    {
        var escaped = MarkdownSpecial().Replace(text.ReplaceLineEndings(" ").Trim(), @"\$0");
        // A paragraph that starts like a heading, list or quote marker would become one.
        escaped = LineStartMarker().Replace(escaped, @"\$0");
        return OrderedListMarker().Replace(escaped, @"$1\$2");
    }

    [GeneratedRegex(@"[\\`*_\[\]<>|]")]
    private static partial Regex MarkdownSpecial();

    [GeneratedRegex(@"^(#|-|\+|>|=)")]
    private static partial Regex LineStartMarker();

    [GeneratedRegex(@"^(\d+)([.)])")]
    private static partial Regex OrderedListMarker();
}
