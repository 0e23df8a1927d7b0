using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Storyweave.Features.Reports;

/// <summary>
/// Reads the outline (bookmarks) Chromium writes into a printed PDF: each heading's text and the page it is on,
/// in reading order. The PDF's contents page needs page numbers, and Chromium's print-to-PDF has no page
/// counter for a table of contents; its outline does say where each heading landed, so
/// <see cref="PdfReportWriter"/> prints once, reads this, and prints again with the numbers filled in.
/// <para>Only what Skia (Chromium's PDF writer) produces is read: uncompressed objects ("N 0 obj … endobj"), a
/// page tree of /Pages nodes with /Kids, and outline items with /Title (a literal or UTF-16 hex string),
/// /Dest [page 0 R …], /First and /Next. Anything else gives an empty list, and the contents page then has no
/// numbers rather than wrong ones.</para>
/// </summary>
public static partial class PdfOutline
{
    public sealed record Entry(string Title, int Page);

    public static List<Entry> Read(byte[] pdf)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var objects = new Dictionary<int, string>();
        foreach (Match m in ObjectPattern().Matches(text)) objects[Int(m.Groups[1].Value)] = m.Groups[2].Value;
        var catalog = objects.Values.FirstOrDefault(o => CatalogType().IsMatch(o));
        if (catalog is null || Ref(catalog, "Pages") is not { } pagesRoot || Ref(catalog, "Outlines") is not { } outlines) return [];

        // Pages in order: a depth-first walk of the page tree.
        var pageIndex = new Dictionary<int, int>();
        var seen = new HashSet<int>();
        void Walk(int id)
        {
            if (!seen.Add(id) || !objects.TryGetValue(id, out var node)) return;
            if (PagesType().IsMatch(node))
            {
                if (KidsPattern().Match(node) is { Success: true } kids)
                    foreach (Match k in RefPattern().Matches(kids.Groups[1].Value)) Walk(Int(k.Groups[1].Value));
            }
            else pageIndex[id] = pageIndex.Count + 1;
        }
        Walk(pagesRoot);

        var entries = new List<Entry>();
        var visited = new HashSet<int>();
        void Items(int? first)
        {
            for (var id = first; id is { } current && visited.Add(current) && objects.TryGetValue(current, out var item); id = Ref(item, "Next"))
            {
                if (TitlePattern().Match(item) is { Success: true } title && DestPattern().Match(item) is { Success: true } dest
                    && pageIndex.TryGetValue(Int(dest.Groups[1].Value), out var page))
                    entries.Add(new Entry(DecodeString(title.Groups[1].Value), page));
                Items(Ref(item, "First"));
            }
        }
        if (objects.TryGetValue(outlines, out var root)) Items(Ref(root, "First"));
        return entries;
    }

    /// <summary>A PDF string: "(literal with \ escapes)" or "&lt;FEFF…&gt;" (UTF-16BE with a byte-order mark) or other hex (PDFDocEncoding, read as Latin-1).</summary>
    public static string DecodeString(string s)
    {
        if (s.StartsWith('<'))
        {
            var hex = new string(s[1..^1].Where(Uri.IsHexDigit).ToArray());
            if (hex.Length % 2 == 1) hex += "0";
            var bytes = Convert.FromHexString(hex);
            return bytes is [0xFE, 0xFF, ..] ? Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2) : Encoding.Latin1.GetString(bytes);
        }
        var body = s[1..^1];
        var output = new StringBuilder();
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\\' || i + 1 >= body.Length) { output.Append(body[i]); continue; }
            var c = body[++i];
            switch (c)
            {
                case 'n': output.Append('\n'); break;
                case 'r': output.Append('\r'); break;
                case 't': output.Append('\t'); break;
                case 'b': output.Append('\b'); break;
                case 'f': output.Append('\f'); break;
                case >= '0' and <= '7':
                    var end = i;
                    while (end < body.Length && end - i < 3 && body[end] is >= '0' and <= '7') end++;
                    output.Append((char)Convert.ToInt32(body[i..end], 8));
                    i = end - 1;
                    break;
                case '\r' or '\n': break; // a line continuation
                default: output.Append(c); break;
            }
        }
        var raw = output.ToString();
        // A literal string may also carry UTF-16BE with a byte-order mark.
        return raw.StartsWith("\u00FE\u00FF", StringComparison.Ordinal) ? Encoding.BigEndianUnicode.GetString(Encoding.Latin1.GetBytes(raw[2..])) : raw;
    }

    private static int? Ref(string dictionary, string key) =>
        Regex.Match(dictionary, $@"/{key}\s+(\d+)\s+0\s+R", RegexOptions.CultureInvariant) is { Success: true } m ? Int(m.Groups[1].Value) : null;

    private static int Int(string s) => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?<![0-9])(\d+)\s+0\s+obj\b(.*?)\bendobj", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ObjectPattern();

    [GeneratedRegex(@"/Type\s*/Catalog\b")]
    private static partial Regex CatalogType();

    [GeneratedRegex(@"/Type\s*/Pages\b")]
    private static partial Regex PagesType();

    [GeneratedRegex(@"/Kids\s*\[([^\]]*)\]")]
    private static partial Regex KidsPattern();

    [GeneratedRegex(@"(\d+)\s+0\s+R")]
    private static partial Regex RefPattern();

    [GeneratedRegex(@"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)", RegexOptions.Singleline)]
    private static partial Regex TitlePattern();

    [GeneratedRegex(@"/Dest\s*\[\s*(\d+)\s+0\s+R")]
    private static partial Regex DestPattern();
}
