using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Storyweave.Features.Exports;

/// <summary>
/// Writes an <see cref="ExportTable"/> as CSV: RFC 4180 (comma, CRLF, fields with commas, quotes or
/// line breaks quoted), UTF-8 with a byte-order mark so Excel reads accents and other scripts
/// correctly. Text starting with = + - @ (or a tab or carriage return) gets a leading apostrophe, so
/// a spreadsheet never runs it as a formula (OWASP "CSV injection").
/// </summary>
public static class CsvExport
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static byte[] Write(ExportTable table)
    {
        using var stream = new MemoryStream();
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true))
        using (var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            NewLine = "\r\n",
            InjectionOptions = InjectionOptions.Escape,
        }))
        {
            foreach (var column in table.Columns) csv.WriteField(column.Header);
            csv.NextRecord();
            foreach (var row in table.Rows)
            {
                foreach (var cell in row) csv.WriteField(Format(cell));
                csv.NextRecord();
            }
        }
        return stream.ToArray();
    }

    private static string Format(object? cell) => cell switch
    {
        null => "",
        string s => s,
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"A cell of type {cell.GetType().Name} cannot be exported.", nameof(cell)),
    };
}
