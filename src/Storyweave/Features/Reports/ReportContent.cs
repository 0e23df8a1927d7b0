using System.Text.Json.Serialization;

namespace Storyweave.Features.Reports;

/// <summary>
/// Everything a report file says, built once from the database with consent already applied
/// (<see cref="ReportContentBuilder"/>), then written as DOCX, HTML, PDF or Markdown by writers that
/// only lay it out. No writer reads the database or decides what may be shown.
/// </summary>
public sealed record ReportContent(
    string Title,
    string Subtitle,
    string VersionLine,
    string Language,
    IReadOnlyList<ReportBlock> Blocks,
    IReadOnlyList<ConsentBasisEntry> Basis,
    IReadOnlyList<LeftOutQuote> LeftOut)
{
    /// <summary>The headings in document order (for tests and the table of contents).</summary>
    public IEnumerable<ReportBlock.Heading> Headings => Blocks.OfType<ReportBlock.Heading>();
}

/// <summary>The building blocks every writer knows how to lay out.</summary>
public abstract record ReportBlock
{
    private ReportBlock()
    {
    }

    /// <summary>Level 1 to 4 (sections give 1–3; a heading in a sub-sub-section's writing is 4).</summary>
    public sealed record Heading(int Level, string Text) : ReportBlock;

    /// <summary>A paragraph of the curator's writing, with emphasis and links (<see cref="ReportMarkdown"/>).</summary>
    public sealed record Rich(IReadOnlyList<Span> Spans) : ReportBlock
    {
        public string PlainText => string.Concat(Spans.Select(s => s.Text));
    }

    /// <summary>A bulleted or numbered list of the curator's writing; each item is one line of spans.</summary>
    public sealed record List(bool Ordered, IReadOnlyList<IReadOnlyList<Span>> Items) : ReportBlock;

    /// <summary>A boxed panel (a "&gt;" block in the curator's Markdown): paragraphs and lists set apart from the text.</summary>
    public sealed record CallOut(IReadOnlyList<ReportBlock> Blocks) : ReportBlock;

    public sealed record Paragraph(string Text) : ReportBlock;

    public sealed record Bullets(IReadOnlyList<string> Items) : ReportBlock;

    /// <summary>
    /// A storyteller's words and the credit they chose ("Anonymous storyteller" when they chose no name), with the
    /// curator's note when there is one (e.g. why a quote coded under another theme illustrates this one); "" when none.
    /// </summary>
    public sealed record Quote(string Text, string Credit, string Note = "") : ReportBlock;

    /// <summary>A table with a caption and a header row; each cell may hold several lines. The first column names each row unless told otherwise.</summary>
    public sealed record Table(string Caption, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<Cell>> Rows, bool FirstColumnNamesRow = true) : ReportBlock;

    /// <summary>
    /// A bar chart: as SVG (HTML, PDF), as the <see cref="Bars"/> it was drawn from (DOCX rasterises them to PNG with
    /// <see cref="ReportCharts.Png"/>, so both look the same), with its text alternative and its figures as <see cref="Data"/>
    /// (Markdown, which has no images beside it, shows that table).
    /// </summary>
    public sealed record Figure(string Caption, string Svg, string AltText, Table Data, IReadOnlyList<ChartBar> Bars) : ReportBlock;
}

/// <summary>One bar of a report chart as drawn: its (shortened) label, its length in pixels (0: no bar) and the figure beside it.</summary>
public sealed record ChartBar(string Label, int Length, string Text);

/// <summary>A run of text in the curator's writing: bold, italic, and/or a link (http, https or mailto only).</summary>
public sealed record Span(string Text, bool Bold = false, bool Italic = false, string? Link = null);

/// <summary>A table cell: lines of text, and optionally a quote with its credit.</summary>
public sealed record Cell(IReadOnlyList<string> Lines, ReportBlock.Quote? Quote = null)
{
    public static Cell Of(string text) => new([text]);

    public string PlainText => string.Join("; ", Lines.Concat(Quote is null ? [] : [$"\u201c{Quote.Text}\u201d \u2014 {Quote.Credit}"]));
}

/// <summary>
/// One storyteller whose words, name or count a file relies on, under which consent record, for which
/// uses, and the credit shown. Stored as JSON in <see cref="ReportFile.ConsentBasis"/>.
/// </summary>
public sealed record ConsentBasisEntry(
    [property: JsonPropertyName("storytellerId")] int StorytellerId,
    [property: JsonPropertyName("consentRecordId")] long ConsentRecordId,
    [property: JsonPropertyName("uses")] IReadOnlyList<string> Uses,
    [property: JsonPropertyName("creditShown")] string? CreditShown);

/// <summary>A quote the curator picked that consent keeps out of every file, and why (shown to the curator only).</summary>
public sealed record LeftOutQuote(int ReportQuoteId, int ThemeId, string Reason);
