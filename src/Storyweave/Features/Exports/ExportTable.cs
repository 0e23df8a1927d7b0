namespace Storyweave.Features.Exports;

/// <param name="Width">Column width in characters, for spreadsheets.</param>
public sealed record ExportColumn(string Header, double Width = 16);

/// <summary>
/// One exported table: a header row and rows of cells. A cell is text (<see cref="string"/>), a
/// number (<see cref="int"/> or <see cref="double"/>), a date (<see cref="DateOnly"/>) or empty
/// (null). Both writers read the same table, so CSV and XLSX always hold the same rows.
/// </summary>
public sealed class ExportTable(string name, IReadOnlyList<ExportColumn> columns)
{
    /// <summary>The sheet name in XLSX (at most 31 characters) and part of the file name.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<ExportColumn> Columns { get; } = columns;

    public List<object?[]> Rows { get; } = [];

    public void Add(params object?[] cells)
    {
        if (cells.Length != Columns.Count) throw new ArgumentException($"A row of {Name} needs {Columns.Count} cells, not {cells.Length}.", nameof(cells));
        Rows.Add(cells);
    }
}
