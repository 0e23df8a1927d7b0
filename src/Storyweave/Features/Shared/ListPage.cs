namespace Storyweave.Features.Shared;

/// <summary>
/// One page of a long list (stories, storytellers) and what was asked to find in it. A project of 1,000 stories listed
/// every story on one page (318 KB; its storytellers' page 521 KB), too long to read or scroll on a phone: these lists
/// show <see cref="Size"/> at a time, with a box to find by name (BENCHMARKS.md, "Issue #17, sixth session").
/// </summary>
/// <param name="Number">The page shown, from 1 (a number past the last shows the last).</param>
/// <param name="Total">How many match what was asked (everything when nothing was).</param>
/// <param name="Find">The words asked for, trimmed; null when none.</param>
/// <param name="Path">The list's address without a query ("/projects/1/stories").</param>
/// <param name="Noun">What the list holds, plural ("stories"), for the pages' names.</param>
/// <param name="Keep">Other choices to keep on every page's address ("status=complete"), already escaped; null for none.</param>
public sealed record ListPage(int Number, int Total, string? Find, string Path, string Noun, string? Keep = null)
{
    /// <summary>The page to show of <paramref name="total"/> items when page <paramref name="asked"/> was asked for.</summary>
    public static ListPage For(string path, string noun, int asked, int total, string? find, string? keep = null) =>
        new(Clamp(asked, total), total, find, path, noun, keep);

    /// <summary>The list's address for another page, keeping what was asked to find.</summary>
    public string Url(int number) =>
        $"{Path}?{(Keep is null ? "" : Keep + "&")}{(Find is null ? "" : $"find={Uri.EscapeDataString(Find)}&")}pageNumber={number.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

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
