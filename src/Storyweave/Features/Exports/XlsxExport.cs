using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Storyweave.Features.Exports;

/// <summary>
/// Writes an <see cref="ExportTable"/> as an XLSX workbook with the Open XML SDK (decision 0007):
/// one sheet, a bold header row frozen at the top, set column widths, numbers as numbers, dates as
/// dates. Text is always an inline string cell and no cell is ever a formula, so text that looks like a
/// formula stays text.
/// </summary>
public static class XlsxExport
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private const uint BoldStyle = 1;
    private const uint DateStyle = 2;
    private const uint WrapStyle = 3;

    public static byte[] Write(ExportTable table)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbookPart = document.AddWorkbookPart();
            workbookPart.Workbook = new Workbook();
            workbookPart.AddNewPart<WorkbookStylesPart>().Stylesheet = Styles();
            var sheetPart = workbookPart.AddNewPart<WorksheetPart>();

            var data = new SheetData();
            var header = new Row { RowIndex = 1 };
            for (var c = 0; c < table.Columns.Count; c++)
                header.Append(TextCell(Reference(c, 1), table.Columns[c].Header, BoldStyle));
            data.Append(header);
            uint r = 2;
            foreach (var cells in table.Rows)
            {
                var row = new Row { RowIndex = r };
                for (var c = 0; c < cells.Length; c++)
                    if (Cell(Reference(c, r), cells[c], table.Columns[c].Width) is { } cell) row.Append(cell);
                data.Append(row);
                r++;
            }

            var frozen = new SheetView(
                new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
                new Selection { Pane = PaneValues.BottomLeft, ActiveCell = "A2", SequenceOfReferences = new ListValue<StringValue> { InnerText = "A2" } })
            { WorkbookViewId = 0 };
            var columns = new Columns(table.Columns.Select((column, i) =>
                new Column { Min = (uint)i + 1, Max = (uint)i + 1, Width = column.Width, CustomWidth = true }));
            sheetPart.Worksheet = new Worksheet(new SheetViews(frozen), columns, data);

            workbookPart.Workbook.Append(new Sheets(new Sheet { Id = workbookPart.GetIdOfPart(sheetPart), SheetId = 1, Name = SheetName(table.Name) }));
            workbookPart.Workbook.Save();
        }
        return stream.ToArray();
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
