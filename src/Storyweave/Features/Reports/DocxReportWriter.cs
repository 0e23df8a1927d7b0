using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using A = DocumentFormat.OpenXml.Drawing;
using Pic = DocumentFormat.OpenXml.Drawing.Pictures;
using Wp = DocumentFormat.OpenXml.Drawing.Wordprocessing;

namespace Storyweave.Features.Reports;

/// <summary>
/// Writes a <see cref="ReportContent"/> as an editable Word document: the styles part defines real
/// Title, Heading 1–3 (with outline levels, so Word's navigation pane and table of contents see them),
/// Caption, Quote and list styles; a TOC field (Word fills it in when the document is opened, as
/// settings ask it to update fields); tables with a repeating header row and column widths from their
/// content. Charts are PNG pictures drawn from the same bars as the HTML's SVG, with the chart's text
/// alternative as the picture's description (what Word reads out and shows as alt text) and a caption.
/// </summary>
public static class DocxReportWriter
{
    private const int BulletNumberingId = 1;

    /// <summary>Numbered lists get numbering instances 2, 3, …: one each, so every list starts at 1.</summary>
    private const int FirstOrderedNumberingId = 2;

    public static void Write(ReportContent content, Stream output)
    {
        using var doc = WordprocessingDocument.Create(output, WordprocessingDocumentType.Document);
        doc.PackageProperties.Title = content.Title;
        doc.PackageProperties.Subject = content.Subtitle;
        doc.PackageProperties.Language = content.Language;
        var main = doc.AddMainDocumentPart();
        AddStyles(main, content.Language);
        var settings = main.AddNewPart<DocumentSettingsPart>();
        settings.Settings = new Settings(new UpdateFieldsOnOpen { Val = true });

        var body = new Body();
        body.Append(Para("Title", content.Title));
        body.Append(Para("Subtitle", content.Subtitle));
        body.Append(Para(null, content.VersionLine));
        body.Append(Toc(content));

        var tables = 0;
        var figures = 0;
        var orderedLists = 0;
        foreach (var block in content.Blocks)
        {
            switch (block)
            {
                case ReportBlock.Heading h:
                    body.Append(Para($"Heading{h.Level}", h.Text));
                    break;
                case ReportBlock.Paragraph p:
                    body.Append(Para(null, p.Text));
                    break;
                case ReportBlock.Bullets b:
                    foreach (var item in b.Items)
                    {
                        var li = Para("ListBullet", item);
                        li.ParagraphProperties!.Append(new NumberingProperties(new NumberingLevelReference { Val = 0 }, new NumberingId { Val = BulletNumberingId }));
                        body.Append(li);
                    }
                    break;
                case ReportBlock.Rich or ReportBlock.List or ReportBlock.CallOut:
                    Writing(main, body, block, null, ref orderedLists);
                    break;
                case ReportBlock.Quote q:
                    body.Append(Para("Quote", $"\u201c{q.Text}\u201d"));
                    body.Append(Para("QuoteCredit", $"\u2014 {q.Credit}"));
                    if (q.Note.Length > 0) body.Append(Para(null, HtmlReportWriter.NotePrefix + q.Note));
                    break;
                case ReportBlock.Table t:
                    AppendTable(body, t, ++tables);
                    break;
                case ReportBlock.Figure f:
                    AppendFigure(main, body, f, ++figures);
                    break;
            }
        }
        body.Append(new SectionProperties(
            new PageSize { Width = 11906, Height = 16838 },
            new PageMargin { Top = 1440, Right = 1440, Bottom = 1440, Left = 1440, Header = 708, Footer = 708, Gutter = 0 }));
        AddNumbering(main, orderedLists);
        main.Document = new Document(body);
        main.Document.Save();
    }

    /// <summary>
    /// The curator's writing: paragraphs with bold, italic and hyperlinks (external relationships), bulleted and
    /// numbered lists (each numbered list starts at 1), and a call-out's paragraphs in the boxed "Call-out" style.
    /// </summary>
    private static void Writing(MainDocumentPart main, Body body, ReportBlock block, string? style, ref int orderedLists)
    {
        switch (block)
        {
            case ReportBlock.Rich r:
                body.Append(RichPara(main, style, r.Spans));
                break;
            case ReportBlock.List l:
                var numberingId = l.Ordered ? FirstOrderedNumberingId + orderedLists++ : BulletNumberingId;
                foreach (var item in l.Items)
                {
                    var li = RichPara(main, style ?? (l.Ordered ? "ListNumber" : "ListBullet"), item);
                    li.ParagraphProperties!.Append(new NumberingProperties(new NumberingLevelReference { Val = 0 }, new NumberingId { Val = numberingId }));
                    body.Append(li);
                }
                break;
            case ReportBlock.CallOut c:
                foreach (var inner in c.Blocks) Writing(main, body, inner, "CallOut", ref orderedLists);
                break;
        }
    }

    private static Paragraph RichPara(MainDocumentPart main, string? style, IEnumerable<Span> spans)
    {
        var props = new ParagraphProperties();
        if (style is not null) props.ParagraphStyleId = new ParagraphStyleId { Val = style };
        var p = new Paragraph(props);
        foreach (var s in spans)
        {
            var runProps = new RunProperties();
            if (s.Link is not null) runProps.Append(new RunStyle { Val = "Hyperlink" });
            if (s.Bold) runProps.Append(new Bold());
            if (s.Italic) runProps.Append(new Italic());
            var run = new Run(runProps, new Text(s.Text) { Space = SpaceProcessingModeValues.Preserve });
            if (s.Link is not null)
            {
                var rel = main.AddHyperlinkRelationship(new Uri(s.Link, UriKind.Absolute), isExternal: true);
                p.Append(new Hyperlink(run) { Id = rel.Id, History = true });
            }
            else p.Append(run);
        }
        return p;
    }

    private static Paragraph Para(string? style, string text)
    {
        var props = new ParagraphProperties();
        if (style is not null) props.ParagraphStyleId = new ParagraphStyleId { Val = style };
        return new Paragraph(props, new Run(new Text(text) { Space = SpaceProcessingModeValues.Preserve }));
    }

    /// <summary>
    /// A TOC field over heading levels 1–3 (\o "1-3"; \h links, \z \u as Word makes them), which Word fills in with page
    /// numbers when the file is opened (the settings part's updateFields); until then it lists the headings, indented by level.
    /// </summary>
    private static IEnumerable<OpenXmlElement> Toc(ReportContent content)
    {
        yield return Para("TOCHeading", "Contents");
        var headings = content.Headings.Where(h => h.Level <= 3).ToList();
        var first = new Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = "TOC1" }),
            new Run(new FieldChar { FieldCharType = FieldCharValues.Begin }),
            new Run(new FieldCode(" TOC \\o \"1-3\" \\h \\z \\u ") { Space = SpaceProcessingModeValues.Preserve }),
            new Run(new FieldChar { FieldCharType = FieldCharValues.Separate }),
            new Run(new Text(headings.Count > 0 ? headings[0].Text : "Update this field to list the headings.")));
        if (headings.Count <= 1)
        {
            first.Append(new Run(new FieldChar { FieldCharType = FieldCharValues.End }));
            yield return first;
            yield break;
        }
        yield return first;
        for (var i = 1; i < headings.Count; i++)
        {
            var p = new Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = $"TOC{headings[i].Level}" }),
                new Run(new Text(headings[i].Text)));
            if (i == headings.Count - 1) p.Append(new Run(new FieldChar { FieldCharType = FieldCharValues.End }));
            yield return p;
        }
    }

    /// <summary>EMUs per CSS pixel (96 to the inch): the picture is shown at the SVG's size.</summary>
    private const long EmuPerPixel = 9525;

    /// <summary>The text width of an A4 page with 1-inch margins, in twentieths of a point (and 6.27 inches in EMUs).</summary>
    private const int TextWidthTwips = 9026;

    /// <summary>
    /// A chart as an inline picture (its PNG in an image part) with the text alternative as wp:docPr's descr, kept
    /// with its caption below it ("Figure N: …"), as the HTML puts the figcaption after the chart.
    /// </summary>
    private static void AppendFigure(MainDocumentPart main, Body body, ReportBlock.Figure f, int number)
    {
        var imagePart = main.AddImagePart(ImagePartType.Png);
        using (var png = new MemoryStream(ReportCharts.Png(f))) imagePart.FeedData(png);
        var (width, height) = ReportCharts.Size(f.Bars.Count);
        long cx = width * EmuPerPixel, cy = height * EmuPerPixel;
        // Wider than the text (700 px is 7.3 in; A4's text is 6.3 in): scaled down to the text width, keeping its shape.
        const long maxCx = TextWidthTwips * 635L;
        if (cx > maxCx) (cx, cy) = (maxCx, cy * maxCx / cx);
        var id = (uint)(1000 + number);
        var name = $"Figure {number}";
        var graphic = new A.Graphic(new A.GraphicData(
            new Pic.Picture(
                new Pic.NonVisualPictureProperties(
                    new Pic.NonVisualDrawingProperties { Id = 0U, Name = $"chart{number}.png", Description = f.AltText },
                    new Pic.NonVisualPictureDrawingProperties()),
                new Pic.BlipFill(new A.Blip { Embed = main.GetIdOfPart(imagePart) }, new A.Stretch(new A.FillRectangle())),
                new Pic.ShapeProperties(
                    new A.Transform2D(new A.Offset { X = 0L, Y = 0L }, new A.Extents { Cx = cx, Cy = cy }),
                    new A.PresetGeometry(new A.AdjustValueList()) { Preset = A.ShapeTypeValues.Rectangle })))
        { Uri = "http://schemas.openxmlformats.org/drawingml/2006/picture" });
        var inline = new Wp.Inline(
            new Wp.Extent { Cx = cx, Cy = cy },
            new Wp.EffectExtent { LeftEdge = 0L, TopEdge = 0L, RightEdge = 0L, BottomEdge = 0L },
            new Wp.DocProperties { Id = id, Name = name, Description = f.AltText },
            new Wp.NonVisualGraphicFrameDrawingProperties(new A.GraphicFrameLocks { NoChangeAspect = true }),
            graphic)
        { DistanceFromTop = 0U, DistanceFromBottom = 0U, DistanceFromLeft = 0U, DistanceFromRight = 0U };
        body.Append(new Paragraph(new ParagraphProperties(new KeepNext()), new Run(new Drawing(inline))));
        body.Append(Para("Caption", $"Figure {number}: {f.Caption}"));
    }

    /// <summary>
    /// Column widths from the content: each column gets at least its longest word (so no word is broken across
    /// lines, which Word would do in a column narrower than a word), and the rest of the page width goes to the
    /// columns in proportion to their longest line. Words are counted at about 7 points a letter (12-point Arial).
    /// </summary>
    internal static int[] ColumnWidths(ReportBlock.Table t)
    {
        const int twipsPerChar = 140, padding = 200;
        var columns = t.Headers.Count;
        var texts = Enumerable.Range(0, columns).Select(c => new[] { t.Headers[c] }
            .Concat(t.Rows.Where(r => c < r.Count).SelectMany(r => r[c].Lines.Concat(r[c].Quote is { } q ? [$"\u201c{q.Text}\u201d \u2014 {q.Credit}"] : []))).ToList()).ToList();
        var minimum = texts.Select(lines => padding + twipsPerChar * lines.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(w => w.Length).DefaultIfEmpty(1).Max()).ToArray();
        var wanted = texts.Select((lines, c) => Math.Max(minimum[c], padding + twipsPerChar * lines.Select(l => l.Length).DefaultIfEmpty(1).Max())).ToArray();
        if (minimum.Sum() >= TextWidthTwips) return minimum; // wider than the page: Word shrinks the table, words stay whole
        if (wanted.Sum() <= TextWidthTwips)
        {
            // Everything fits on one line: spread the spare width evenly.
            var spare = (TextWidthTwips - wanted.Sum()) / Math.Max(columns, 1);
            return wanted.Select(w => w + spare).ToArray();
        }
        // Share what is left after the minimums by how much more each column wants.
        var left = TextWidthTwips - minimum.Sum();
        var extra = wanted.Select((w, c) => w - minimum[c]).ToArray();
        var totalExtra = Math.Max(1, extra.Sum());
        return minimum.Select((m, c) => m + (int)((long)left * extra[c] / totalExtra)).ToArray();
    }

    private static void AppendTable(Body body, ReportBlock.Table t, int number)
    {
        var caption = Para("Caption", $"Table {number}: {t.Caption}");
        caption.ParagraphProperties!.Append(new KeepNext());
        body.Append(caption);
        var columns = t.Headers.Count;
        var widths = ColumnWidths(t);
        var table = new Table(new TableProperties(
            new TableStyle { Val = "ReportTable" },
            new TableWidth { Width = "5000", Type = TableWidthUnitValues.Pct },
            // Only the Word 2007 form of tblLook (and no tblCaption, a 2010 addition), so the file validates
            // against the oldest format version; the Caption paragraph above names the table.
            new TableLook { Val = "04A0" }));
        var grid = new TableGrid();
        for (var c = 0; c < columns; c++) grid.Append(new GridColumn { Width = widths[c].ToString(System.Globalization.CultureInfo.InvariantCulture) });
        table.Append(grid);
        // The header row repeats at the top of every page the table runs onto, and is never split across pages.
        var header = new TableRow(new TableRowProperties(new TableHeader(), new CantSplit()));
        for (var c = 0; c < columns; c++) header.Append(Cell(widths[c], [Bold(t.Headers[c])]));
        table.Append(header);
        foreach (var row in t.Rows)
        {
            var tr = new TableRow();
            for (var c = 0; c < row.Count; c++)
            {
                var cell = row[c];
                var paragraphs = cell.Lines.Select(l => Para(null, l)).ToList();
                if (cell.Quote is { } q) paragraphs.Add(Para(null, $"\u201c{q.Text}\u201d \u2014 {q.Credit}"));
                if (paragraphs.Count == 0) paragraphs.Add(new Paragraph());
                tr.Append(Cell(widths[Math.Min(c, widths.Length - 1)], paragraphs));
            }
            table.Append(tr);
        }
        body.Append(table);
        body.Append(new Paragraph());
    }

    private static Paragraph Bold(string text) =>
        new(new Run(new RunProperties(new Bold()), new Text(text) { Space = SpaceProcessingModeValues.Preserve }));

    private static TableCell Cell(int width, IEnumerable<Paragraph> paragraphs)
    {
        var cell = new TableCell(new TableCellProperties(new TableCellWidth { Width = width.ToString(System.Globalization.CultureInfo.InvariantCulture), Type = TableWidthUnitValues.Dxa }));
        cell.Append(paragraphs);
        return cell;
    }

    private static void AddNumbering(MainDocumentPart main, int orderedLists)
    {
        var part = main.AddNewPart<NumberingDefinitionsPart>();
        var level = new Level(
            new StartNumberingValue { Val = 1 },
            new NumberingFormat { Val = NumberFormatValues.Bullet },
            new LevelText { Val = "\u2022" },
            new LevelJustification { Val = LevelJustificationValues.Left },
            new PreviousParagraphProperties(new Indentation { Left = "720", Hanging = "360" }))
        { LevelIndex = 0 };
        var decimalLevel = new Level(
            new StartNumberingValue { Val = 1 },
            new NumberingFormat { Val = NumberFormatValues.Decimal },
            new LevelText { Val = "%1." },
            new LevelJustification { Val = LevelJustificationValues.Left },
            new PreviousParagraphProperties(new Indentation { Left = "720", Hanging = "360" }))
        { LevelIndex = 0 };
        part.Numbering = new Numbering(
            new AbstractNum(new MultiLevelType { Val = MultiLevelValues.SingleLevel }, level) { AbstractNumberId = 1 },
            new AbstractNum(new MultiLevelType { Val = MultiLevelValues.SingleLevel }, decimalLevel) { AbstractNumberId = 2 });
        part.Numbering.Append(new NumberingInstance(new AbstractNumId { Val = 1 }) { NumberID = BulletNumberingId });
        for (var i = 0; i < orderedLists; i++)
            part.Numbering.Append(new NumberingInstance(new AbstractNumId { Val = 2 }, new LevelOverride(new StartOverrideNumberingValue { Val = 1 }) { LevelIndex = 0 })
            { NumberID = FirstOrderedNumberingId + i });
    }

    private static void AddStyles(MainDocumentPart main, string language)
    {
        var part = main.AddNewPart<StyleDefinitionsPart>();
        var styles = new Styles(
            new DocDefaults(
                new RunPropertiesDefault(new RunPropertiesBaseStyle(
                    new RunFonts { Ascii = "Arial", HighAnsi = "Arial", ComplexScript = "Arial", EastAsia = "Arial" },
                    new FontSize { Val = "24" }, new FontSizeComplexScript { Val = "24" },
                    new Languages { Val = language })),
                new ParagraphPropertiesDefault(new ParagraphPropertiesBaseStyle(new SpacingBetweenLines { After = "160", Line = "276", LineRule = LineSpacingRuleValues.Auto }))));
        styles.Append(ParagraphStyle("Normal", "Normal", null, null, null, isDefault: true));
        styles.Append(ParagraphStyle("Title", "Title", null, Run(bold: true, size: 52, color: "1F3D33")));
        styles.Append(ParagraphStyle("Subtitle", "Subtitle", null, Run(size: 30, color: "1F3D33")));
        for (var level = 1; level <= 4; level++)
        {
            var size = level switch { 1 => 36, 2 => 30, 3 => 26, _ => 24 };
            styles.Append(ParagraphStyle($"Heading{level}", $"heading {level}", new StyleParagraphProperties(
                    new KeepNext(), new KeepLines(), new SpacingBetweenLines { Before = level == 1 ? "360" : "240", After = "120" }, new OutlineLevel { Val = level - 1 }),
                Run(bold: true, size: size, color: "1F3D33")));
        }
        styles.Append(ParagraphStyle("Caption", "caption", new StyleParagraphProperties(new SpacingBetweenLines { Before = "120", After = "60" }), Run(bold: true, size: 20)));
        styles.Append(ParagraphStyle("Quote", "Quote", new StyleParagraphProperties(new Indentation { Left = "567", Right = "567" }), Run(italic: true)));
        styles.Append(ParagraphStyle("QuoteCredit", "Quote credit", new StyleParagraphProperties(new Indentation { Left = "567", Right = "567" }, new Justification { Val = JustificationValues.Right }), null));
        styles.Append(ParagraphStyle("ListBullet", "List Bullet", new StyleParagraphProperties(new SpacingBetweenLines { After = "60" }), null));
        styles.Append(ParagraphStyle("ListNumber", "List Number", new StyleParagraphProperties(new SpacingBetweenLines { After = "60" }), null));
        // A call-out: a box (border on every side, joined across its paragraphs) with a light background.
        styles.Append(ParagraphStyle("CallOut", "Call-out", new StyleParagraphProperties(
            new ParagraphBorders(
                new TopBorder { Val = BorderValues.Single, Size = 12, Space = 4, Color = "1F5C4A" },
                new LeftBorder { Val = BorderValues.Single, Size = 12, Space = 4, Color = "1F5C4A" },
                new BottomBorder { Val = BorderValues.Single, Size = 12, Space = 4, Color = "1F5C4A" },
                new RightBorder { Val = BorderValues.Single, Size = 12, Space = 4, Color = "1F5C4A" }),
            new Shading { Val = ShadingPatternValues.Clear, Color = "auto", Fill = "F2F7F5" },
            new Indentation { Left = "113", Right = "113" }), null));
        styles.Append(new Style(new StyleName { Val = "Hyperlink" }, new StyleRunProperties(new Color { Val = "0B5A44" }, new Underline { Val = UnderlineValues.Single }))
        { Type = StyleValues.Character, StyleId = "Hyperlink" });
        styles.Append(ParagraphStyle("TOCHeading", "TOC Heading", new StyleParagraphProperties(new KeepNext(), new SpacingBetweenLines { Before = "240", After = "120" }), Run(bold: true, size: 30, color: "1F3D33")));
        styles.Append(ParagraphStyle("TOC1", "toc 1", new StyleParagraphProperties(new SpacingBetweenLines { After = "60" }), null));
        styles.Append(ParagraphStyle("TOC2", "toc 2", new StyleParagraphProperties(new SpacingBetweenLines { After = "60" }, new Indentation { Left = "240" }), null));
        styles.Append(ParagraphStyle("TOC3", "toc 3", new StyleParagraphProperties(new SpacingBetweenLines { After = "60" }, new Indentation { Left = "480" }), null));
        styles.Append(new Style(
            new StyleName { Val = "Report table" },
            new StyleTableProperties(
                new TableBorders(
                    new TopBorder { Val = BorderValues.Single, Size = 4, Color = "666666" },
                    new LeftBorder { Val = BorderValues.Single, Size = 4, Color = "666666" },
                    new BottomBorder { Val = BorderValues.Single, Size = 4, Color = "666666" },
                    new RightBorder { Val = BorderValues.Single, Size = 4, Color = "666666" },
                    new InsideHorizontalBorder { Val = BorderValues.Single, Size = 4, Color = "666666" },
                    new InsideVerticalBorder { Val = BorderValues.Single, Size = 4, Color = "666666" }),
                new TableCellMarginDefault(
                    new TopMargin { Width = "60", Type = TableWidthUnitValues.Dxa },
                    new TableCellLeftMargin { Width = 100, Type = TableWidthValues.Dxa },
                    new BottomMargin { Width = "60", Type = TableWidthUnitValues.Dxa },
                    new TableCellRightMargin { Width = 100, Type = TableWidthValues.Dxa })))
        { Type = StyleValues.Table, StyleId = "ReportTable" });
        part.Styles = styles;
    }

    private static StyleRunProperties Run(bool bold = false, bool italic = false, int? size = null, string? color = null)
    {
        var props = new StyleRunProperties();
        if (bold) props.Append(new Bold());
        if (italic) props.Append(new Italic());
        if (color is not null) props.Append(new Color { Val = color });
        if (size is { } s) props.Append(new FontSize { Val = s.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new FontSizeComplexScript { Val = s.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return props;
    }

    private static Style ParagraphStyle(string id, string name, StyleParagraphProperties? paragraph, StyleRunProperties? run, string? basedOn = "Normal", bool isDefault = false)
    {
        var style = new Style { Type = StyleValues.Paragraph, StyleId = id };
        if (isDefault) style.Default = true;
        style.Append(new StyleName { Val = name });
        if (!isDefault && basedOn is not null) style.Append(new BasedOn { Val = basedOn });
        if (!isDefault) style.Append(new NextParagraphStyle { Val = "Normal" });
        style.Append(new PrimaryStyle());
        if (paragraph is not null) style.Append(paragraph);
        if (run is not null) style.Append(run);
        return style;
    }
}
