namespace Storyweave.Features.Shared;

/// <summary>
/// One page of a long list (stories, storytellers) and what was asked to find in it. A project of 1,000 stories listed
/// every story on one page (318 KB; its storytellers' page 521 KB), too long to read or scroll on a phone: these lists
/// show <see cref="Size"/> at a time, with a box to find by name (BENCHMARKS.md, "Issue #17, sixth session").
/// </summary>
/// <param name="Number">The page shown, from 1 (a number past the last shows the last).</param>
/// <param name="Total">How many match what was asked (everything when nothing was).</param>
/// <param name="Find">The words asked for, trimmed; null when none.</param>
/// <param name="Url">The list's address for another page, keeping <paramref name="Find"/>.</param>
/// <param name="Noun">What the list holds, plural ("stories"), for the pages' names.</param>
public sealed record ListPage(int Number, int Total, string? Find, Func<int, string> Url, string Noun)
{
    /// <summary>Items a page.</summary>
    public const int Size = 50;

    public int Count => Math.Max(1, (Total + Size - 1) / Size);

    /// <summary>How many items to skip for this page.</summary>
    public int Skip => (Number - 1) * Size;

    public int First => Total == 0 ? 0 : Skip + 1;

    public int Last => Math.Min(Total, Number * Size);

    /// <summary>The page to show for a page number asked for: 1 for none or nonsense, the last one for a number past it.</summary>
    public static int Clamp(int asked, int total) => Math.Clamp(asked, 1, Math.Max(1, (total + Size - 1) / Size));

    /// <summary>The words asked for, trimmed; null for none.</summary>
    public static string? Words(string? find) => string.IsNullOrWhiteSpace(find) ? null : find.Trim();
}
