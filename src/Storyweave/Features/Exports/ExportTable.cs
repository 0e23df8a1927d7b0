namespace Storyweave.Features.Exports;

/// <param name="Width">Column width in characters, for spreadsheets.</param>
public sealed record ExportColumn(string Header, double Width = 16);

/// <summary>
/// One exported table: a header row and rows of cells. A cell is text (<see cref="string"/>), a
/// number (<see cref="int"/> or <see cref="double"/>), a date (<see cref="DateOnly"/>) or empty
/// (null). Both writers read the same table, so CSV and XLSX always hold the same rows.
/// Small tables are filled with <see cref="Add"/>; a large one (the coded passages) is given as a row source
/// with <see cref="Stream"/>, read once while the file is written, so its rows are never all in memory together.
/// </summary>
public sealed class ExportTable(string name, IReadOnlyList<ExportColumn> columns)
{
    private readonly List<object?[]> added = [];
    private IEnumerable<object?[]>? streamed;
    private bool streamRead;
    private int streamedCount;

    /// <summary>The sheet name in XLSX (at most 31 characters) and part of the file name.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<ExportColumn> Columns { get; } = columns;

    /// <summary>The rows, in order. A streamed table can be read only once (its rows come from the database as they are written).</summary>
    public IEnumerable<object?[]> Rows => streamed is null ? added : ReadStreamOnce();

    /// <summary>How many rows the table has; for a streamed table, how many have been read so far (all of them once the file is written).</summary>
    public int RowCount => streamed is null ? added.Count : streamedCount;

    public void Add(params object?[] cells)
    {
        if (streamed is not null) throw new InvalidOperationException($"{Name} takes its rows from a source; rows cannot also be added.");
        Check(cells);
        added.Add(cells);
    }

    /// <summary>Takes the rows from <paramref name="rows"/>, read lazily by the writer.</summary>
    public void Stream(IEnumerable<object?[]> rows)
    {
        if (added.Count > 0 || streamed is not null) throw new InvalidOperationException($"{Name} already has rows.");
        streamed = rows;
    }

    private IEnumerable<object?[]> ReadStreamOnce()
    {
        if (streamRead) throw new InvalidOperationException($"The rows of {Name} come from the database as they are written and can be read once.");
        streamRead = true;
        foreach (var cells in streamed!)
        {
            Check(cells);
            streamedCount++;
            yield return cells;
        }
    }

    private void Check(object?[] cells)
    {
        if (cells.Length != Columns.Count) throw new ArgumentException($"A row of {Name} needs {Columns.Count} cells, not {cells.Length}.", nameof(cells));
    }
}
