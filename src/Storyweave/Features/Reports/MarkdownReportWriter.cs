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
