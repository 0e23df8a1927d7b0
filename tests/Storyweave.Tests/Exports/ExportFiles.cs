using System.Globalization;
using System.Net;
using CsvHelper;
using CsvHelper.Configuration;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Storyweave.Tests.Exports;

/// <summary>A downloaded export read back as a spreadsheet user would see it: a header and rows of text by column name.</summary>
public sealed record ExportSheet(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows)
{
    public IEnumerable<string> Column(string header) => Rows.Select(r => r[header]);

    public string AllText => string.Join("\n", Headers.Concat(Rows.SelectMany(r => r.Values)));
}

/// <summary>Downloads exports through HTTP and parses CSV with CsvHelper and XLSX with the Open XML SDK.</summary>
public static class ExportFiles
{
    public static string Url(int projectId, string slug, string format) => $"/api/projects/{projectId}/exports/{slug}.{format}";

    public static async Task<byte[]> DownloadAsync(HttpClient client, int projectId, string slug, string format)
    {
        var response = await client.GetAsync(Url(projectId, slug, format));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{slug}.{format}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.True(response.Headers.CacheControl is { NoStore: true, Private: true }, "Exports are never cached.");
        Assert.EndsWith($"{slug}-{DateTime.UtcNow:yyyy-MM-dd}.{format}", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Both formats of one export, checked to hold the same rows.</summary>
    public static async Task<ExportSheet> BothAsync(HttpClient client, int projectId, string slug)
    {
        var csv = ReadCsv(await DownloadAsync(client, projectId, slug, "csv"));
        var xlsx = ReadXlsx(await DownloadAsync(client, projectId, slug, "xlsx")).Sheet;
        Assert.Equal(csv.Headers, xlsx.Headers);
        Assert.Equal(csv.Rows.Count, xlsx.Rows.Count);
        return csv;
    }

    public static ExportSheet ReadCsv(byte[] bytes)
    {
        Assert.True(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, "The CSV starts with a UTF-8 byte-order mark, for Excel.");
        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        csv.Read();
        csv.ReadHeader();
        var headers = csv.HeaderRecord!.ToList();
        var rows = new List<IReadOnlyDictionary<string, string>>();
        while (csv.Read()) rows.Add(headers.Select((h, i) => (h, csv.GetField(i) ?? "")).ToDictionary(x => x.h, x => x.Item2));
        return new ExportSheet(headers, rows);
    }

    /// <summary>The first sheet as text, plus the cells themselves for checks of types and styles.</summary>
    public static (ExportSheet Sheet, List<List<Cell>> Cells, Worksheet Worksheet, Stylesheet Styles) ReadXlsx(byte[] bytes)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var workbook = document.WorkbookPart!;
        var sheet = workbook.Workbook.Sheets!.Elements<Sheet>().First();
        var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
        var rows = part.Worksheet.GetFirstChild<SheetData>()!.Elements<Row>().ToList();
        var width = rows[0].Elements<Cell>().Count();
        List<Cell?> Full(Row row)
        {
            var cells = new Cell?[width];
            foreach (var cell in row.Elements<Cell>()) cells[ColumnIndex(cell.CellReference!)] = cell;
            return [.. cells];
        }
        var headers = Full(rows[0]).Select(Text).ToList();
        var data = rows.Skip(1).Select(r => (IReadOnlyDictionary<string, string>)Full(r).Select((c, i) => (headers[i], Text(c))).ToDictionary(x => x.Item1, x => x.Item2)).ToList();
        var cellsOut = rows.Select(r => Full(r).Select(c => c ?? new Cell()).ToList()).ToList();
        return (new ExportSheet(headers, data), cellsOut, (Worksheet)part.Worksheet.CloneNode(true), (Stylesheet)workbook.WorkbookStylesPart!.Stylesheet.CloneNode(true));
    }

    private static string Text(Cell? cell) => cell is null ? ""
        : cell.DataType?.Value == CellValues.InlineString ? cell.InlineString!.InnerText
        : cell.CellValue?.Text ?? "";

    private static int ColumnIndex(string reference)
    {
        var n = 0;
        foreach (var ch in reference.TakeWhile(char.IsLetter)) n = n * 26 + (ch - 'A' + 1);
        return n - 1;
    }
}
