using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storyweave.Features.Reports;

/// <summary>
/// The grid of a <see cref="ReportSectionKind.Matrix"/> section ("Table you write"), stored as JSON in
/// <see cref="ReportSection.Matrix"/>: column headings, rows of short curator phrases (one per column) and, for each
/// column, at most one quote (a coded passage or a review-sheet key quote) shown in a row under the others, like the
/// "Value for all" table of the published overview. The quotes are ids only: their words, and whether they may be
/// shown and how credited, are read when a file is made (<see cref="ReportQuoteConsent"/>), so a consent change
/// empties the cell.
/// </summary>
public sealed record ReportMatrix(
    [property: JsonPropertyName("columns")] IReadOnlyList<string> Columns,
    [property: JsonPropertyName("rows")] IReadOnlyList<IReadOnlyList<string>> Rows,
    [property: JsonPropertyName("quotes")] IReadOnlyList<ReportMatrixQuote?> Quotes)
{
    public const int MaxColumns = 6, MaxRows = 40, MaxHeading = 100, MaxCell = 300;

    /// <summary>A new table's headings: the three value-for-all levels, as the published overview heads them.</summary>
    public static readonly IReadOnlyList<string> DefaultColumns = ["Impacts on individuals", "Impacts on organisations", "Impacts on society"];

    public static ReportMatrix Default() => new(DefaultColumns, [], DefaultColumns.Select(_ => (ReportMatrixQuote?)null).ToList());

    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>The stored grid; a new, empty table when there is none.</summary>
    public static ReportMatrix Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return Default();
        var m = JsonSerializer.Deserialize<ReportMatrix>(json, Options) ?? Default();
        return m.Normalised();
    }

    /// <summary>Trimmed text, every row as wide as the headings, one quote place per column (missing ones empty).</summary>
    public ReportMatrix Normalised()
    {
        var columns = (Columns ?? []).Select(c => (c ?? "").Trim()).ToList();
        var rows = (Rows ?? []).Select(r => (IReadOnlyList<string>)Enumerable.Range(0, columns.Count).Select(i => i < (r?.Count ?? 0) ? (r![i] ?? "").Trim() : "").ToList()).ToList();
        var quotes = Enumerable.Range(0, columns.Count).Select(i => i < (Quotes?.Count ?? 0) && Quotes![i] is { } q && (q.PassageId is not null || q.KeyQuoteId is not null) ? q : null).ToList();
        return new ReportMatrix(columns, rows, quotes);
    }

    /// <summary>What is wrong with the grid as sent, in plain words that say where ("Row 2, column 3: …"). Quotes are checked by the service.</summary>
    public static List<string> Check(ReportMatrix? m)
    {
        var errors = new List<string>();
        if (m is null) return ["Send the table: its column headings, its rows and the quote chosen for each column."];
        var columns = m.Columns ?? [];
        if (columns.Count == 0) errors.Add("The table needs at least one column. Give each column a heading.");
        if (columns.Count > MaxColumns) errors.Add($"A table can have at most {MaxColumns} columns: a wider one cannot be read on a phone or a printed page.");
        for (var i = 0; i < columns.Count; i++)
        {
            var h = columns[i]?.Trim() ?? "";
            if (h.Length == 0) errors.Add($"Column {N(i)}: give it a heading.");
            else if (h.Length > MaxHeading) errors.Add($"Column {N(i)}: the heading can be at most {MaxHeading} characters.");
        }
        var rows = m.Rows ?? [];
        if (rows.Count > MaxRows) errors.Add($"A table can have at most {MaxRows} rows.");
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r] ?? [];
            if (row.Count != columns.Count)
                errors.Add($"Row {N(r)} has {row.Count} {(row.Count == 1 ? "cell" : "cells")}; it needs one for each of the {columns.Count} columns (an empty text for a blank cell).");
            else if (row.All(c => string.IsNullOrWhiteSpace(c)))
                errors.Add($"Row {N(r)} is empty. Write something in at least one of its cells, or delete the row.");
            for (var c = 0; c < row.Count; c++)
                if ((row[c]?.Trim().Length ?? 0) > MaxCell)
                    errors.Add($"Row {N(r)}, column {N(c)}{(c < columns.Count && columns[c]?.Trim() is { Length: > 0 } name ? $" ({name})" : "")}: a cell can be at most {MaxCell} characters (a short phrase).");
        }
        var quotes = m.Quotes ?? [];
        if (quotes.Count > columns.Count) errors.Add($"There are quotes for {quotes.Count} columns but the table has {columns.Count}. Send one quote (or null) per column.");
        for (var i = 0; i < quotes.Count; i++)
            if (quotes[i] is { PassageId: not null, KeyQuoteId: not null })
                errors.Add($"Column {N(i)}'s quote: choose one coded passage or one key quote, not both.");
        return errors;
    }

    private static string N(int i) => (i + 1).ToString(CultureInfo.InvariantCulture);
}

/// <summary>A quote chosen for a column of a <see cref="ReportMatrix"/>: one coded passage or one review-sheet key quote.</summary>
public sealed record ReportMatrixQuote(
    [property: JsonPropertyName("passageId")] int? PassageId = null,
    [property: JsonPropertyName("keyQuoteId")] int? KeyQuoteId = null);
