using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Media;
using Storyweave.Hosting;

namespace Storyweave.Features.Redaction;

/// <summary>One rule's term found in one output, and how many times.</summary>
public sealed record TermCount(string Term, int Count);

/// <summary>One generated output checked: what it is, and the identifying words still in it (or why it could not be read).</summary>
public sealed record CheckedOutput(string Kind, string Label, string StoredName, IReadOnlyList<TermCount> Found, string? Problem)
{
    public int Total => Found.Sum(f => f.Count);
}

public sealed record RedactionCheckResult(int RulesCount, int OutputsChecked, IReadOnlyList<CheckedOutput> WithWords, IReadOnlyList<CheckedOutput> NotRead, IReadOnlyList<string> KeptNames)
{
    public bool Clean => WithWords.Count == 0 && NotRead.Count == 0;
}

/// <summary>
/// Lists every rule term that still appears in any generated output of a project, using the same
/// <see cref="Redactor"/> (and the same credit exceptions) as the outputs themselves:
/// <list type="bullet">
/// <item>report files under <c>outputs/{projectId}/</c>: HTML (text without tags), Markdown, DOCX
/// (the text of word/document.xml, headers, footers and notes), PDF (through <c>pdftotext</c>; a PDF
/// is listed as not read when poppler-utils is missing);</item>
/// <item>clip captions (<c>.vtt</c>) under <c>clips/{projectId}/</c>;</item>
/// <item>any further outputs registered as <see cref="IRedactionCheckSource"/> (the public site).</item>
/// </list>
/// Every file in those folders is read, whether or not the database still lists it.
/// </summary>
public sealed partial class RedactionCheck(StoryweaveDb db, RedactionService redaction, StoryweaveOptions options, IEnumerable<IRedactionCheckSource> sources)
{
    public async Task<RedactionCheckResult> RunAsync(int projectId, CancellationToken ct = default)
    {
        var rules = await db.RedactionRules.CountAsync(r => r.ProjectId == projectId, ct);
        var redactors = new Dictionary<RedactionOutput, Redactor>();
        async Task<Redactor> For(RedactionOutput o) => redactors.TryGetValue(o, out var r) ? r : redactors[o] = await redaction.ForOutputAsync(projectId, o, ct);

        var checkedOutputs = new List<CheckedOutput>();
        var id = projectId.ToString(CultureInfo.InvariantCulture);

        var reportNames = await db.ReportFiles.AsNoTracking().Where(f => f.ProjectId == projectId && f.StoredName != null)
            .Select(f => new { f.StoredName, f.Format, f.Report!.Title }).ToListAsync(ct);
        var reportLabels = reportNames.ToDictionary(f => f.StoredName!, f => $"{f.Title} ({f.Format})", StringComparer.Ordinal);
        foreach (var path in Files(Path.Combine(options.DataDir, "outputs", id)))
        {
            var name = Path.GetFileName(path);
            var label = reportLabels.GetValueOrDefault(name) ?? "A report file the project no longer lists";
            var (text, problem) = await ReadAsync(path, ct);
            checkedOutputs.Add(Check("Report file", label, name, text, problem, await For(RedactionOutput.Reports)));
        }

        var clipNames = await db.Clips.AsNoTracking().Where(c => c.ProjectId == projectId && c.CaptionsStoredName != null)
            .Select(c => new { c.CaptionsStoredName, c.Title }).ToListAsync(ct);
        var clipLabels = clipNames.ToDictionary(c => c.CaptionsStoredName!, c => c.Title, StringComparer.Ordinal);
        foreach (var path in Files(Path.Combine(options.DataDir, "clips", id)).Where(p => p.EndsWith(".vtt", StringComparison.OrdinalIgnoreCase)))
        {
            var name = Path.GetFileName(path);
            var text = await File.ReadAllTextAsync(path, ct);
            checkedOutputs.Add(Check("Clip captions", clipLabels.GetValueOrDefault(name) ?? "Captions the project no longer lists", name, text, null, await For(RedactionOutput.Clips)));
        }

        foreach (var source in sources)
        {
            await foreach (var output in source.OutputsAsync(projectId, ct))
                checkedOutputs.Add(Check(output.Kind, output.Label, output.Name, output.Text, null, await For(source.Output)));
        }

        var kept = redactors.Values.SelectMany(r => r.KeptNames).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        return new RedactionCheckResult(rules, checkedOutputs.Count,
            checkedOutputs.Where(o => o.Found.Count > 0).ToList(), checkedOutputs.Where(o => o.Problem is not null).ToList(), kept);
    }

    private static CheckedOutput Check(string kind, string label, string name, string? text, string? problem, Redactor redactor)
    {
        var found = text is null ? [] : redactor.Count(text).Select(c => new TermCount(c.Key, c.Value)).OrderByDescending(c => c.Count).ThenBy(c => c.Term, StringComparer.Ordinal).ToList();
        return new CheckedOutput(kind, label, name, found, problem);
    }

    private static IEnumerable<string> Files(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal) : [];

    /// <summary>The readable text of a generated file, or why it could not be read.</summary>
    public static async Task<(string? Text, string? Problem)> ReadAsync(string path, CancellationToken ct)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            switch (ext)
            {
                case ".html" or ".htm":
                    return (HtmlText(await File.ReadAllTextAsync(path, ct)), null);
                case ".md" or ".txt" or ".vtt" or ".csv":
                    return (await File.ReadAllTextAsync(path, ct), null);
                case ".docx":
                    return (DocxText(path), null);
                case ".pdf":
                    return await PdfTextAsync(path, ct);
                default:
                    return (null, $"Storyweave cannot read {ext} files to check them.");
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or XmlException or MediaToolsMissingException)
        {
            return (null, $"The file could not be read: {e.Message}");
        }
    }

    public static string HtmlText(string html)
    {
        var withoutCode = ScriptOrStyle().Replace(html, " ");
        // Attribute values (alt, title, aria-label) are read aloud, so they are checked as well as the text.
        var attributes = string.Join(' ', ReadableAttribute().Matches(withoutCode).Select(m => m.Groups["v"].Value));
        return WebUtility.HtmlDecode(Tag().Replace(withoutCode, " ") + " " + attributes);
    }

    /// <summary>The text of a DOCX: every w:t in the main document, headers, footers, footnotes and comments; paragraphs on their own lines.</summary>
    public static string DocxText(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var sb = new StringBuilder();
        foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("word/", StringComparison.Ordinal) && e.FullName.EndsWith(".xml", StringComparison.Ordinal)
                     && (e.FullName == "word/document.xml" || e.Name.StartsWith("header", StringComparison.Ordinal) || e.Name.StartsWith("footer", StringComparison.Ordinal)
                         || e.Name is "footnotes.xml" or "endnotes.xml" or "comments.xml")))
        {
            if (entry.Length > 200L * 1024 * 1024) throw new InvalidDataException($"{entry.FullName} is too large to check.");
            using var stream = entry.Open();
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (reader.LocalName == "p") sb.Append('\n');
                else if (reader.LocalName is "tab" or "br") sb.Append(' ');
                else if (reader.LocalName == "t" && !reader.IsEmptyElement) sb.Append(reader.ReadElementContentAsString());
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static async Task<(string?, string?)> PdfTextAsync(string path, CancellationToken ct)
    {
        try
        {
            var (exit, stdout, stderr) = await MediaProbe.RunAsync("pdftotext", ["-enc", "UTF-8", "-q", path, "-"], TimeSpan.FromMinutes(2), ct);
            return exit == 0 ? (stdout, null) : (null, $"pdftotext could not read the PDF: {stderr.Trim()}");
        }
        catch (MediaToolsMissingException)
        {
            return (null, "pdftotext was not found, so this PDF was not checked. Install the Debian package poppler-utils.");
        }
    }

    [GeneratedRegex(@"<(script|style)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.Singleline)]
    private static partial Regex Tag();

    [GeneratedRegex(@"\b(?:alt|title|aria-label)\s*=\s*""(?<v>[^""]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex ReadableAttribute();
}

/// <summary>A further kind of generated output the check reads (registered in DI), e.g. the public site's rendered transcripts.</summary>
public interface IRedactionCheckSource
{
    RedactionOutput Output { get; }

    IAsyncEnumerable<SourceOutput> OutputsAsync(int projectId, CancellationToken ct);
}

public sealed record SourceOutput(string Kind, string Label, string Name, string Text);
