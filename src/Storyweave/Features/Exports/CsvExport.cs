using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Storyweave.Features.Exports;

/// <summary>
/// Writes an <see cref="ExportTable"/> as CSV: RFC 4180 (comma, CRLF, fields with commas, quotes or
/// line breaks quoted), UTF-8 with a byte-order mark so Excel reads accents and other scripts
/// correctly. Text starting with = + - @ (or a tab or carriage return) gets a leading apostrophe, so
/// a spreadsheet never runs it as a formula (OWASP "CSV injection"). Every CSV Storyweave writes (the data
/// exports, the clip playlist's <c>clips.csv</c>, …) is written through <see cref="NewWriter"/>, so none can forget it.
/// </summary>
public static class CsvExport
{
    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>UTF-8 with a byte-order mark, as Excel needs to read accents.</summary>
    public static readonly Encoding Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);

    /// <summary>The one CSV configuration: RFC 4180 with CRLF, and formula characters at the start of a field escaped.</summary>
    public static CsvConfiguration Configuration => new(CultureInfo.InvariantCulture)
    {
        NewLine = "\r\n",
        InjectionOptions = InjectionOptions.Escape,
        // With NewLine set, CsvHelper quotes only fields holding "\r\n" itself; a memo or a passage over two transcript
        // lines holds a bare "\n", which unquoted would split the row in two for every reader.
        ShouldQuote = args => ConfigurationFunctions.ShouldQuote(args) || (args.Field is { } text && text.AsSpan().IndexOfAny('\r', '\n') >= 0),
    };

    /// <summary>A CSV writer with <see cref="Configuration"/> over <paramref name="writer"/>.</summary>
    public static CsvWriter NewWriter(TextWriter writer, bool leaveOpen = false) => new(writer, Configuration, leaveOpen);

    public static byte[] Write(ExportTable table)
    {
        using var stream = new MemoryStream();
        Write(table, stream);
        return stream.ToArray();
    }

    /// <summary>Writes the table to <paramref name="output"/> (left open). The writes are synchronous: give a file or memory.</summary>
    public static void Write(ExportTable table, Stream output)
    {
        using var writer = new StreamWriter(output, Encoding, bufferSize: 64 * 1024, leaveOpen: true);
        using var csv = NewWriter(writer);
        foreach (var column in table.Columns) csv.WriteField(column.Header);
        csv.NextRecord();
        foreach (var row in table.Rows)
        {
            foreach (var cell in row) csv.WriteField(Format(cell));
            csv.NextRecord();
        }
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
