using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Storyweave.Features.Accounts;
using Storyweave.Features.Projects;

namespace Storyweave.Features.Codebook;

/// <summary>
/// The REFI-QDA codebook exchange format (<c>.qdc</c>, namespace <c>urn:QDA-XML:codebook:1.0</c>), which NVivo,
/// ATLAS.ti, MAXQDA, QualCoder and Taguette read and write: a tree of <c>Code</c> elements with a GUID, a name,
/// a colour and a description. Writing: every live theme, in codebook order, with a GUID derived from the project
/// and the theme (the same theme always gets the same GUID, so a file brought back matches its themes). Reading: a
/// <c>.qdc</c>, or the codebook inside a whole project (<c>.qdpx</c> or its <c>project.qde</c>), safely (no DTDs,
/// no external entities, bounded size), with a message naming what is wrong.
/// </summary>
public static partial class QdcCodebook
{
    public const string Namespace = "urn:QDA-XML:codebook:1.0";
    public const string ProjectNamespace = "urn:QDA-XML:project:1.0";
    public const string ContentType = "application/xml";
    public const int MaxCodes = 5000;
    public const int MaxDepth = 20;
    public const long MaxFileBytes = 20 * 1024 * 1024;

    /// <summary>One code read from a file, before it is matched against the project's themes.</summary>
    public sealed record Code(string? Id, string Name, string Description, string? Color, IReadOnlyList<Code> Children);

    /// <summary>What a file holds: its codes, and the program that wrote it when it says so.</summary>
    public sealed record Book(string Origin, IReadOnlyList<Code> Codes)
    {
        public int Count => Codes.Sum(c => 1 + Descendants(c));

        private static int Descendants(Code c) => c.Children.Sum(x => 1 + Descendants(x));
    }

    /// <summary>
    /// A stable GUID for a theme: from the project's and the theme's ids and creation times (so two instances do not
    /// give different themes the same GUID), shaped as an RFC 4122 name-based (version 5 layout) UUID.
    /// </summary>
    public static string ThemeGuid(Project project, Theme theme) =>
        StableGuid(project, string.Create(CultureInfo.InvariantCulture, $"theme:{theme.Id}:{theme.CreatedAt.Ticks}"));

    /// <summary>
    /// The one derivation of a stable GUID for anything of a project that a REFI-QDA file names (themes here; stories,
    /// passages, memos, users and storytellers in the project export): <paramref name="what"/> says which object,
    /// e.g. <c>story:12:{created ticks}</c>. The same object always gets the same GUID.
    /// </summary>
    public static string StableGuid(Project project, string what)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"storyweave:project:{project.Id}:{project.CreatedAt.Ticks}:{what}");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    /// <summary>The codebook as a <c>.qdc</c> file (UTF-8). The schema needs at least one code: callers check first.</summary>
    public static byte[] Write(Project project, IReadOnlyList<CodebookService.ThemeNode> tree)
    {
        XNamespace ns = Namespace;
        var doc = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(ns + "CodeBook", new XAttribute("origin", "Storyweave"),
                new XElement(ns + "Codes", CodeElements(ns, project, tree))));
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
            doc.Save(writer);
        return buffer.ToArray();
    }

    /// <summary>
    /// The <c>Code</c> elements of a codebook tree in namespace <paramref name="ns"/> (the codebook's in a .qdc, the
    /// project's in a .qdpx: the Code type is the same). <paramref name="noteRefs"/> gives a theme's <c>NoteRef</c>s,
    /// which the schema puts after the description and before the sub-codes. With <paramref name="leaveOutHeldDescriptions"/>
    /// a theme held for review after a withdrawal keeps its name but not its description, as in reports.
    /// </summary>
    public static IEnumerable<XElement> CodeElements(XNamespace ns, Project project, IEnumerable<CodebookService.ThemeNode> tree,
        Func<Theme, IEnumerable<XElement>>? noteRefs = null, bool leaveOutHeldDescriptions = false)
    {
        XElement ToCode(CodebookService.ThemeNode node)
        {
            var t = node.Theme;
            var code = new XElement(ns + "Code",
                new XAttribute("guid", ThemeGuid(project, t)),
                new XAttribute("name", t.Name),
                new XAttribute("isCodable", "true"));
            if (IsColor(t.Color)) code.Add(new XAttribute("color", t.Color.ToUpperInvariant()));
            if (!string.IsNullOrEmpty(t.Description) && !(leaveOutHeldDescriptions && t.HeldForReview)) code.Add(new XElement(ns + "Description", t.Description));
            if (noteRefs is not null) code.Add(noteRefs(t));
            code.Add(node.Children.Select(ToCode));
            return code;
        }
        return tree.Select(ToCode).ToList();
    }

    /// <summary>As <see cref="Read"/>, for a request body (read asynchronously, and no further than the limit).</summary>
    public static async Task<Result<Book>> ReadAsync(Stream input, string fileName, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await input.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxFileBytes) return Result.Fail<Book>([TooBig]);
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return Read(buffer, fileName);
    }

    /// <summary>
    /// A book read earlier, written back as a <c>.qdc</c>: the import page carries this between the preview and the
    /// confirmation, and reads it again with <see cref="Read"/>, so the same checks apply to what comes back.
    /// </summary>
    public static byte[] Write(Book book)
    {
        XNamespace ns = Namespace;
        XElement ToCode(Code c)
        {
            var code = new XElement(ns + "Code", new XAttribute("guid", c.Id is { } id && Guid.TryParse(id.Trim('{', '}'), out var g) ? g.ToString() : Guid.Empty.ToString()),
                new XAttribute("name", c.Name), new XAttribute("isCodable", "true"));
            if (c.Color is not null) code.Add(new XAttribute("color", c.Color));
            if (c.Description.Length > 0) code.Add(new XElement(ns + "Description", c.Description));
            code.Add(c.Children.Select(ToCode));
            return code;
        }
        var doc = new XDocument(new XElement(ns + "CodeBook", new XAttribute("origin", book.Origin), new XElement(ns + "Codes", book.Codes.Select(ToCode))));
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
            doc.Save(writer);
        return buffer.ToArray();
    }

    /// <summary>Reads a codebook from a <c>.qdc</c>, a <c>.qde</c> or a <c>.qdpx</c>; every failure is a message a person can act on.</summary>
    public static Result<Book> Read(Stream input, string fileName)
    {
        using var buffer = new MemoryStream();
        try
        {
            CopyBounded(input, buffer);
        }
        catch (InvalidDataException e)
        {
            return Result.Fail<Book>([e.Message]);
        }
        var bytes = buffer.ToArray();
        if (bytes.Length == 0) return Result.Fail<Book>(["The file is empty. Choose the codebook file your QDA program exported (.qdc)."]);

        if (bytes.Length > 4 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K')
        {
            // A .qdpx is a ZIP with project.qde beside the sources: only the XML is read.
            try
            {
                using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
                var entry = zip.Entries.FirstOrDefault(e => e.FullName.Equals("project.qde", StringComparison.OrdinalIgnoreCase))
                            ?? zip.Entries.FirstOrDefault(e => e.FullName.EndsWith(".qde", StringComparison.OrdinalIgnoreCase));
                if (entry is null)
                    return Result.Fail<Book>([$"\u201c{fileName}\u201d is a ZIP file without a project.qde inside, so it is not a REFI-QDA project or codebook."]);
                if (entry.Length > MaxFileBytes) return Result.Fail<Book>([TooBig]);
                using var qde = entry.Open();
                using var xml = new MemoryStream();
                CopyBounded(qde, xml);
                return Parse(xml.ToArray(), fileName);
            }
            catch (InvalidDataException e)
            {
                return Result.Fail<Book>([e.Message == TooBig ? TooBig : $"\u201c{fileName}\u201d looks like a ZIP file but cannot be opened ({e.Message})."]);
            }
        }
        return Parse(bytes, fileName);
    }

    private const string TooBig = "The file is larger than 20 MB, which is far more than any codebook needs. Export the codebook alone (.qdc) from your QDA program.";

    private static void CopyBounded(Stream from, Stream to)
    {
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while ((read = from.Read(chunk, 0, chunk.Length)) > 0)
        {
            total += read;
            if (total > MaxFileBytes) throw new InvalidDataException(TooBig);
            to.Write(chunk, 0, read);
        }
    }

    private static Result<Book> Parse(byte[] bytes, string fileName)
    {
        XDocument doc;
        try
        {
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxFileBytes,
                IgnoreComments = true,
            };
            using var reader = XmlReader.Create(new MemoryStream(bytes), settings);
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            return Result.Fail<Book>([$"\u201c{fileName}\u201d is not readable XML (line {e.LineNumber}, position {e.LinePosition}: {e.Message.Split(". Line")[0]}). A REFI-QDA codebook (.qdc) is an XML file."]);
        }
        return FromDocument(doc, fileName);
    }

    /// <summary>
    /// The codebook of an XML document already read safely (a .qdc, or a project's <c>project.qde</c>: the project
    /// import reads the whole project once and takes its codebook from here, so both imports check codes the same way).
    /// </summary>
    public static Result<Book> FromDocument(XDocument doc, string fileName)
    {
        var root = doc.Root!;
        var book = root.Name == XName.Get("CodeBook", Namespace) ? root
            : root.Name == XName.Get("Project", ProjectNamespace) ? root.Element(XName.Get("CodeBook", ProjectNamespace))
            : null;
        if (book is null)
        {
            return Result.Fail<Book>([root.Name == XName.Get("Project", ProjectNamespace)
                ? $"The project in \u201c{fileName}\u201d has no codebook."
                : $"\u201c{fileName}\u201d is not a REFI-QDA codebook: it starts with <{root.Name.LocalName}>{(root.Name.NamespaceName.Length > 0 ? $" in \u201c{root.Name.NamespaceName}\u201d" : "")}, where a codebook starts with <CodeBook> in \u201c{Namespace}\u201d."]);
        }
        var ns = book.Name.Namespace;
        var codes = book.Element(ns + "Codes");
        if (codes is null || !codes.Elements(ns + "Code").Any())
            return Result.Fail<Book>([$"The codebook in \u201c{fileName}\u201d has no codes."]);

        var errors = new List<string>();
        var count = 0;
        List<Code> ReadLevel(XElement parent, int depth, string path)
        {
            var list = new List<Code>();
            foreach (var e in parent.Elements(ns + "Code"))
            {
                count++;
                if (count > MaxCodes)
                {
                    if (count == MaxCodes + 1) errors.Add($"The codebook has more than {MaxCodes:N0} codes, more than Storyweave takes in one go.");
                    continue;
                }
                var line = ((IXmlLineInfo)e).LineNumber;
                var name = Clean((string?)e.Attribute("name"));
                var where = path.Length == 0 ? "" : $" (inside \u201c{path}\u201d)";
                if (name.Length == 0)
                {
                    errors.Add($"The code on line {line}{where} has no name.");
                    continue;
                }
                if (name.Length > 200) errors.Add($"The code \u201c{name[..40]}…\u201d on line {line} has a name longer than 200 characters.");
                var description = (string?)e.Element(ns + "Description") ?? "";
                if (description.Length > 4000) errors.Add($"The description of \u201c{name}\u201d (line {line}) is longer than 4,000 characters.");
                var color = (string?)e.Attribute("color");
                if (depth >= MaxDepth)
                {
                    errors.Add($"\u201c{name}\u201d on line {line} is nested more than {MaxDepth} levels deep.");
                    continue;
                }
                var children = ReadLevel(e, depth + 1, path.Length == 0 ? name : $"{path} › {name}");
                list.Add(new Code((string?)e.Attribute("guid"), name, description.Trim(), NormaliseColor(color), children));
            }
            return list;
        }
        var read = ReadLevel(codes, 0, "");
        if (errors.Count > 0) return Result.Fail<Book>(errors.Take(10).Append(errors.Count > 10 ? $"…and {errors.Count - 10} more problems." : null).OfType<string>().ToList());
        var origin = Clean((string?)book.Attribute("origin") ?? (string?)root.Attribute("origin"));
        return Result.Ok(new Book(origin.Length > 0 ? origin : fileName, MergeSameNames(read)));
    }

    /// <summary>Two codes with the same name at the same place are one theme (a codebook cannot tell them apart by name).</summary>
    private static List<Code> MergeSameNames(IReadOnlyList<Code> codes)
    {
        var merged = new List<Code>();
        foreach (var code in codes)
        {
            var i = merged.FindIndex(m => string.Equals(m.Name, code.Name, StringComparison.OrdinalIgnoreCase));
            if (i < 0) merged.Add(code);
            else merged[i] = merged[i] with { Children = [.. merged[i].Children, .. code.Children], Description = merged[i].Description.Length > 0 ? merged[i].Description : code.Description };
        }
        return merged.Select(m => m with { Children = MergeSameNames(m.Children) }).ToList();
    }

    /// <summary>A name as the codebook keeps it: white space runs made one space, trimmed.</summary>
    public static string Clean(string? text) => WhiteSpace().Replace(text ?? "", " ").Trim();

    private static bool IsColor(string? color) => color is not null && ColorPattern().IsMatch(color);

    /// <summary>"#abc" and "#AABBCC" become "#aabbcc"; anything else is no colour (the codebook's default is used).</summary>
    public static string? NormaliseColor(string? color)
    {
        if (!IsColor(color?.Trim())) return null;
        var c = color!.Trim().ToLowerInvariant();
        return c.Length == 4 ? $"#{c[1]}{c[1]}{c[2]}{c[2]}{c[3]}{c[3]}" : c;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    [GeneratedRegex("^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")]
    private static partial Regex ColorPattern();
}
