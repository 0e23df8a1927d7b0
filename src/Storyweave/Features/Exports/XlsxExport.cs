using System.Globalization;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Storyweave.Features.Exports;

/// <summary>
/// Writes an <see cref="ExportTable"/> as an XLSX workbook with the Open XML SDK (decision 0007):
/// one sheet, a bold header row frozen at the top, set column widths, numbers as numbers, dates as
/// dates. Text is always an inline string cell and no cell is ever a formula, so text that looks like a
/// formula stays text.
/// <para>Memory (issue #17): the sheet is written row by row with <see cref="OpenXmlWriter"/> (SAX-style)
/// into a ZIP entry that is compressed as it is written, so nothing holds the whole sheet. Building the
/// sheet as a document tree took about 550 MB for 20,000 passages. The package's five small parts are
/// written here rather than through <c>SpreadsheetDocument</c>, because System.IO.Packaging can only write a
/// package it can also read back (ZIP update mode), and that mode keeps each part uncompressed in memory
/// until the package is closed (Open-XML-SDK issues #807, #2113).</para>
/// </summary>
public static class XlsxExport
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private const uint BoldStyle = 1;
    private const uint DateStyle = 2;
    private const uint WrapStyle = 3;

    private const string Xml = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>""";
    private const string RelationshipsNamespace = "http://schemas.openxmlformats.org/package/2006/relationships";
    private const string OfficeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    private const string ContentTypes = Xml + """<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"""
        + """<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"""
        + """<Default Extension="xml" ContentType="application/xml"/>"""
        + """<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"""
        + """<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"""
        + """<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"""
        + "</Types>";

    private const string PackageRelationships = Xml + "<Relationships xmlns=\"" + RelationshipsNamespace + "\">"
        + "<Relationship Id=\"rId1\" Type=\"" + OfficeRelationships + "/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "</Relationships>";

    private const string WorkbookRelationships = Xml + "<Relationships xmlns=\"" + RelationshipsNamespace + "\">"
        + "<Relationship Id=\"rId1\" Type=\"" + OfficeRelationships + "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"" + OfficeRelationships + "/styles\" Target=\"styles.xml\"/>"
        + "</Relationships>";

    /// <summary>The workbook as bytes (small tables, tests).</summary>
    public static byte[] Write(ExportTable table)
    {
        using var stream = new MemoryStream();
        Write(table, stream);
        return stream.ToArray();
    }

    /// <summary>
    /// Writes the workbook to <paramref name="output"/>, which need not be seekable or readable. The writes are
    /// synchronous: give a file (or memory), not an HTTP response body.
    /// </summary>
    public static void Write(ExportTable table, Stream output)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        Text(zip, "[Content_Types].xml", ContentTypes);
        Text(zip, "_rels/.rels", PackageRelationships);
        Text(zip, "xl/_rels/workbook.xml.rels", WorkbookRelationships);
        Part(zip, "xl/workbook.xml", w => w.WriteElement(new Workbook(new Sheets(new Sheet { Id = "rId1", SheetId = 1, Name = SheetName(table.Name) }))));
        Part(zip, "xl/styles.xml", w => w.WriteElement(Styles()));
        Part(zip, "xl/worksheets/sheet1.xml", w => Sheet(w, table));
    }

    private static void Sheet(OpenXmlWriter w, ExportTable table)
    {
        w.WriteStartElement(new Worksheet());
        w.WriteElement(new SheetViews(new SheetView(
            new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
            new Selection { Pane = PaneValues.BottomLeft, ActiveCell = "A2", SequenceOfReferences = new ListValue<StringValue> { InnerText = "A2" } })
        { WorkbookViewId = 0 }));
        w.WriteElement(new Columns(table.Columns.Select((column, i) =>
            new Column { Min = (uint)i + 1, Max = (uint)i + 1, Width = column.Width, CustomWidth = true })));

        w.WriteStartElement(new SheetData());
        w.WriteStartElement(new Row { RowIndex = 1 });
        for (var c = 0; c < table.Columns.Count; c++)
            w.WriteElement(TextCell(Reference(c, 1), table.Columns[c].Header, BoldStyle));
        w.WriteEndElement();
        uint r = 2;
        foreach (var cells in table.Rows)
        {
            w.WriteStartElement(new Row { RowIndex = r });
            for (var c = 0; c < cells.Length; c++)
                if (Cell(Reference(c, r), cells[c], table.Columns[c].Width) is { } cell) w.WriteElement(cell);
            w.WriteEndElement();
            r++;
        }
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void Text(ZipArchive zip, string name, string xml)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        entry.Write(Encoding.UTF8.GetBytes(xml));
    }

    private static void Part(ZipArchive zip, string name, Action<OpenXmlWriter> write)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        using var writer = OpenXmlWriter.Create(entry, new UTF8Encoding(false));
        writer.WriteStartDocument(true);
        write(writer);
    }

    private static Cell? Cell(string reference, object? value, double width) => value switch
    {
        null => null,
        string s => TextCell(reference, s, s.Length > width ? WrapStyle : null),
        int i => new Cell { CellReference = reference, CellValue = new CellValue(i) },
        double d => new Cell { CellReference = reference, CellValue = new CellValue(d) },
        DateOnly date => new Cell
        {
            CellReference = reference,
            StyleIndex = DateStyle,
            CellValue = new CellValue(date.ToDateTime(TimeOnly.MinValue).ToOADate().ToString(CultureInfo.InvariantCulture)),
        },
        _ => throw new ArgumentException($"A cell of type {value.GetType().Name} cannot be exported.", nameof(value)),
    };

    private static Cell TextCell(string reference, string text, uint? style) => new(new InlineString(new Text(XmlSafe(text)) { Space = SpaceProcessingModeValues.Preserve }))
    {
        CellReference = reference,
        DataType = CellValues.InlineString,
        StyleIndex = style,
    };

    /// <summary>Fonts 0 normal, 1 bold; formats 0 default, 1 bold, 2 date (yyyy-mm-dd), 3 wrapped text.</summary>
    private static Stylesheet Styles() => new(
        new NumberingFormats(new NumberingFormat { NumberFormatId = 164, FormatCode = "yyyy-mm-dd" }) { Count = 1 },
        new Fonts(new Font(new FontSize { Val = 11 }, new FontName { Val = "Calibri" }),
            new Font(new Bold(), new FontSize { Val = 11 }, new FontName { Val = "Calibri" }))
        { Count = 2 },
        new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
        new Borders(new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder())) { Count = 1 },
        new CellStyleFormats(new CellFormat()) { Count = 1 },
        new CellFormats(
            new CellFormat(),
            new CellFormat { FontId = 1, ApplyFont = true },
            new CellFormat { NumberFormatId = 164, ApplyNumberFormat = true },
            new CellFormat(new Alignment { WrapText = true, Vertical = VerticalAlignmentValues.Top }) { ApplyAlignment = true })
        { Count = 4 });

    /// <summary>"A1", "AB7": the column letters (0-based column) and the row number.</summary>
    public static string Reference(int column, uint row)
    {
        var letters = new StringBuilder();
        for (var n = column + 1; n > 0; n = (n - 1) / 26) letters.Insert(0, (char)('A' + ((n - 1) % 26)));
        return letters.Append(row.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    /// <summary>Sheet names: at most 31 characters, none of : \ / ? * [ ].</summary>
    private static string SheetName(string name)
    {
        var clean = new string(name.Select(ch => ":\\/?*[]".Contains(ch, StringComparison.Ordinal) ? ' ' : ch).ToArray()).Trim();
        return clean.Length == 0 ? "Export" : clean.Length > 31 ? clean[..31] : clean;
    }

    /// <summary>XML cannot hold most control characters; people's pasted text sometimes does.</summary>
    private static string XmlSafe(string text) =>
        text.All(XmlConvertIsValid) ? text : new string(text.Where(XmlConvertIsValid).ToArray());

    private static bool XmlConvertIsValid(char ch) => ch is '\t' or '\n' or '\r' || ch >= ' ' && ch != '\uFFFE' && ch != '\uFFFF';
}
