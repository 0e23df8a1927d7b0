using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Storyweave.Features.Accounts;
using Storyweave.Features.Codebook;
using Storyweave.Features.Exports;

namespace Storyweave.Features.Interop;

/// <summary>
/// Reads a whole REFI-QDA project (<c>.qdpx</c>: a ZIP with <c>project.qde</c> and the sources under <c>sources/</c>
/// or <c>Sources/</c>) as NVivo, ATLAS.ti, MAXQDA, QualCoder and Storyweave write it, into what Storyweave can bring in.
/// Everything is checked here, before anything is written, so a bad file changes nothing and gets a message naming
/// what is wrong. See <c>Features/Exports/Qdpx.md</c> (the import section).
/// <para>Safety: the ZIP's entries are counted and their names checked (no <c>../</c>, no absolute paths) before any
/// is opened; only <c>project.qde</c> and the text sources are unpacked, counting the bytes actually unpacked (the
/// sizes a ZIP declares are not trusted), up to <see cref="MaxUnpackedBytes"/>; recordings, PDFs and pictures inside
/// are never unpacked. The XML is read with DTDs prohibited and no resolver, and validated against the standard's
/// schema (<c>Project-mrt2019.xsd</c>, embedded) while it is read.</para>
/// </summary>
public static class QdpxProjectFile
{
    public const long MaxFileBytes = 200L * 1024 * 1024;
    public const long MaxUnpackedBytes = 100L * 1024 * 1024;
    public const int MaxEntries = 10_000;
    public const int MaxMemoLength = 20_000;
    public const int MaxSnippetLength = 20_000;

    public static string TooBigMessage => $"The file is larger than {MaxFileBytes / 1024 / 1024} MB, more than Storyweave takes in one go. Export the project again without its PDFs and pictures, or in parts (recordings can also be uploaded to each story afterwards).";

    private static readonly XNamespace Ns = QdcCodebook.ProjectNamespace;

    /// <summary>A coded stretch of a source, in Storyweave's offsets (UTF-16 units into the lines joined by "\n").</summary>
    public sealed record Selection(string Id, int Start, int End, string Snippet, IReadOnlyList<string> CodeKeys, IReadOnlyList<string> NoteGuids);

    /// <summary>
    /// A text source, or an audio/video source's transcript; <paramref name="Answers"/> are its own variables (MAXQDA's
    /// document variables). For an audio/video source, <paramref name="LineTimes"/> are each line's start and end in
    /// seconds (from the transcript's sync points) and <paramref name="Recording"/> the recording inside the file.
    /// </summary>
    public sealed record TextSource(string Id, string Name, IReadOnlyList<string> Lines, IReadOnlyList<Selection> Selections, IReadOnlyList<string> NoteGuids, IReadOnlyList<Answer> Answers,
        IReadOnlyList<(double? Start, double? End)>? LineTimes = null, MediaEntry? Recording = null);

    /// <summary>A recording inside the ZIP: its entry's full name, unpacked only when importing (and then checked as an upload is).</summary>
    public sealed record MediaEntry(string EntryName);

    /// <summary>One answer: a question (the variable's name) and the option ticked.</summary>
    public sealed record Answer(string Question, string Option);

    public sealed record Case(string Id, string Name, string Description, IReadOnlyList<Answer> Answers, IReadOnlyList<string> SourceGuids);

    public sealed record Note(string Id, string Name, string Text);

    /// <summary>Everything the file holds that Storyweave can bring in, and what it cannot, counted with why.</summary>
    public sealed record Project(
        string Name,
        string Origin,
        QdcCodebook.Book? Codebook,
        IReadOnlyDictionary<string, IReadOnlyList<string>> NotesOnCodes,
        IReadOnlyList<TextSource> Sources,
        IReadOnlyList<Case> Cases,
        IReadOnlyDictionary<string, Note> Notes,
        IReadOnlyList<string> Skipped)
    {
        public int CodeCount => Codebook?.Count ?? 0;
        public int SelectionCount => Sources.Sum(s => s.Selections.Count);

        public IEnumerable<Answer> AllAnswers => Cases.SelectMany(c => c.Answers).Concat(Sources.SelectMany(s => s.Answers));

        /// <summary>Notes that become memos: attached to a code, a source or a selection that is brought in.</summary>
        public int MemoCount => NotesOnCodes.Values.Sum(n => n.Count(Notes.ContainsKey)) + Sources.Sum(s => s.NoteGuids.Count(Notes.ContainsKey) + s.Selections.Sum(x => x.NoteGuids.Count(Notes.ContainsKey)));
    }

    /// <summary>Reads the file at <paramref name="path"/> (an upload already streamed to scratch space).</summary>
    public static Result<Project> Read(string path, string fileName)
    {
        var length = new FileInfo(path).Length;
        if (length == 0) return Fail("The file is empty. Choose the .qdpx file your QDA program exported.");
        if (length > MaxFileBytes) return Fail(TooBigMessage);
        using var stream = File.OpenRead(path);
        var head = new byte[4];
        var got = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (got < 4 || head[0] != (byte)'P' || head[1] != (byte)'K' || head[2] != 3 || head[3] != 4)
        {
            var text = Encoding.UTF8.GetString(head, 0, got).TrimStart('\uFEFF');
            return Fail(text.StartsWith('<')
                ? $"\u201c{fileName}\u201d is an XML file, not a whole project. Choose the .qdpx file (a ZIP holding project.qde and the sources); a codebook alone (.qdc) can be brought in on the codebook page."
                : $"\u201c{fileName}\u201d is not a REFI-QDA project file (.qdpx): a .qdpx is a ZIP file, and this is not one.");
        }
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            return ReadZip(zip, fileName);
        }
        catch (InvalidDataException e)
        {
            return Fail($"\u201c{fileName}\u201d looks like a ZIP file but cannot be opened ({e.Message}). Export the project again.");
        }
    }

    private static Result<Project> Fail(params string[] errors) => Result.Fail<Project>(errors);

    private static Result<Project> ReadZip(ZipArchive zip, string fileName)
    {
        if (zip.Entries.Count > MaxEntries)
            return Fail($"\u201c{fileName}\u201d holds more than {MaxEntries:N0} files, far more than a project has. Storyweave does not open it.");
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName.Replace('\\', '/');
            if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':') || name.Split('/').Any(part => part == ".."))
                return Fail($"\u201c{fileName}\u201d holds a file named \u201c{entry.FullName}\u201d, which points outside the project. Storyweave does not open such files.");
        }
        var budget = new Budget();
        var qdeEntry = zip.Entries.FirstOrDefault(e => e.FullName.Equals("project.qde", StringComparison.OrdinalIgnoreCase));
        if (qdeEntry is null)
            return Fail($"project.qde is missing: \u201c{fileName}\u201d is a ZIP file, but a REFI-QDA project (.qdpx) has its project.qde at the top.");

        XDocument doc;
        var invalid = new List<string>();
        try
        {
            using var qde = new BoundedStream(qdeEntry.Open(), budget);
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxUnpackedBytes,
                IgnoreComments = true,
                ValidationType = ValidationType.Schema,
                Schemas = Schema.Value,
            };
            settings.ValidationEventHandler += (_, e) =>
            {
                if (e.Severity == XmlSeverityType.Error && invalid.Count < 6)
                    invalid.Add($"project.qde does not follow the REFI-QDA standard at line {e.Exception?.LineNumber ?? 0}: {e.Message}");
            };
            using var reader = XmlReader.Create(qde, settings);
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            return Fail($"project.qde is not readable XML (line {e.LineNumber}, position {e.LinePosition}: {e.Message.Split(". Line")[0]}).");
        }
        catch (InvalidDataException e) when (e.Message == Budget.TooMuch)
        {
            return Fail(Budget.TooMuch);
        }
        var root = doc.Root!;
        if (root.Name != Ns + "Project")
            return Fail($"project.qde is not a REFI-QDA project: it starts with <{root.Name.LocalName}>, where a project starts with <Project> in \u201c{Ns.NamespaceName}\u201d.");
        if (invalid.Count > 0) return Result.Fail<Project>(invalid.Take(5).ToList());

        var errors = new List<string>();
        var skipped = new List<string>();
        var projectName = QdcCodebook.Clean((string?)root.Attribute("name"));
        var origin = QdcCodebook.Clean((string?)root.Attribute("origin"));
        var label = projectName.Length > 0 ? projectName : fileName;

        // Codes: read by the codebook import's own reader (one set of checks); here only each code's place by GUID.
        QdcCodebook.Book? book = null;
        var codeKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        var notesOnCodes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var codes = root.Element(Ns + "CodeBook")?.Element(Ns + "Codes");
        if (codes is not null && codes.Elements(Ns + "Code").Any())
        {
            var read = QdcCodebook.FromDocument(doc, label);
            if (!read.Succeeded) return Result.Fail<Project>(read.Errors);
            book = read.Value! with { Origin = origin.Length > 0 ? $"{label} ({origin})" : label };
            void Walk(XElement parent, List<string> path)
            {
                foreach (var code in parent.Elements(Ns + "Code"))
                {
                    path.Add(QdcCodebook.Clean((string?)code.Attribute("name")));
                    var key = CodebookService.CodePathKey(path);
                    codeKeys[NormaliseGuid((string)code.Attribute("guid")!)] = key;
                    var notes = code.Elements(Ns + "NoteRef").Select(n => NormaliseGuid((string)n.Attribute("targetGUID")!)).ToList();
                    if (notes.Count > 0) notesOnCodes[key] = [.. (notesOnCodes.GetValueOrDefault(key) ?? []), .. notes];
                    Walk(code, path);
                    path.RemoveAt(path.Count - 1);
                }
            }
            Walk(codes, []);
        }

        var variables = (root.Element(Ns + "Variables")?.Elements(Ns + "Variable") ?? [])
            .ToDictionary(v => NormaliseGuid((string)v.Attribute("guid")!), v => (Name: QdcCodebook.Clean((string?)v.Attribute("name")), Type: (string?)v.Attribute("typeOfVariable") ?? "Text"));
        List<Answer> AnswersOf(XElement owner, string ownerName)
        {
            var answers = new List<Answer>();
            foreach (var value in owner.Elements(Ns + "VariableValue"))
            {
                var target = NormaliseGuid((string)value.Element(Ns + "VariableRef")!.Attribute("targetGUID")!);
                if (!variables.TryGetValue(target, out var variable))
                {
                    errors.Add($"{ownerName} has a value for a variable ({target}) that the project does not define.");
                    continue;
                }
                if (ToAnswer(variable.Name, variable.Type, value.Elements().Skip(1).FirstOrDefault()) is { } answer) answers.Add(answer);
            }
            return answers.Distinct().ToList();
        }
        var wholeSourceCodings = 0;

        // Sources: text sources come in; the others are counted by kind and named in the summary.
        var sources = new List<TextSource>();
        var notText = new Dictionary<string, int>(StringComparer.Ordinal);
        var outside = 0;
        var uncoded = 0;
        var unplaced = 0;
        var recordingsOutside = 0;
        foreach (var element in root.Element(Ns + "Sources")?.Elements() ?? [])
        {
            var kind = element.Name.LocalName;
            var isMedia = kind is "AudioSource" or "VideoSource";
            var transcript = isMedia ? element.Elements(Ns + "Transcript").FirstOrDefault() : null;
            if (kind != "TextSource" && transcript is null)
            {
                var what = kind switch
                {
                    "AudioSource" => "audio",
                    "VideoSource" => "video",
                    "PDFSource" => "PDF",
                    "PictureSource" => "picture",
                    _ => "other",
                };
                notText[what] = notText.GetValueOrDefault(what) + 1;
                continue;
            }
            var guid = NormaliseGuid((string)element.Attribute("guid")!);
            var name = Shorten(QdcCodebook.Clean((string?)element.Attribute("name")), 300);
            if (name.Length == 0) name = "Imported source";
            string? raw = null;
            var textHolder = transcript ?? element;
            var pathAttribute = (string?)textHolder.Attribute("plainTextPath");
            if (pathAttribute is not null)
            {
                if (!pathAttribute.StartsWith("internal://", StringComparison.OrdinalIgnoreCase))
                {
                    outside++;
                    continue;
                }
                var file = pathAttribute["internal://".Length..].Replace('\\', '/').TrimStart('/');
                var entry = zip.Entries.FirstOrDefault(e => e.FullName.Equals("sources/" + file, StringComparison.OrdinalIgnoreCase))
                            ?? zip.Entries.FirstOrDefault(e => e.FullName.Equals(file, StringComparison.OrdinalIgnoreCase));
                if (entry is null)
                {
                    errors.Add($"The text of the source \u201c{name}\u201d is missing: project.qde names \u201c{pathAttribute}\u201d, but there is no sources/{file} in the file.");
                    continue;
                }
                try
                {
                    using var input = new BoundedStream(entry.Open(), budget);
                    using var buffer = new MemoryStream();
                    input.CopyTo(buffer);
                    raw = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
                }
                catch (DecoderFallbackException)
                {
                    errors.Add($"The text of the source \u201c{name}\u201d is not UTF-8 text, as the REFI-QDA standard requires.");
                    continue;
                }
                catch (InvalidDataException e)
                {
                    if (e.Message == Budget.TooMuch) return Fail(Budget.TooMuch);
                    errors.Add($"The text of the source \u201c{name}\u201d cannot be unpacked ({e.Message}).");
                    continue;
                }
            }
            else if (textHolder.Element(Ns + "PlainTextContent") is { } content)
            {
                raw = content.Value;
            }
            if (raw is null)
            {
                errors.Add($"The source \u201c{name}\u201d has neither a plainTextPath nor PlainTextContent, so it has no text to bring in.");
                continue;
            }
            var text = SourceText.From(raw.TrimStart('\uFEFF'));
            var selections = new List<Selection>();
            List<string> KeysOf(XElement s, string called)
            {
                var keys = new List<string>();
                foreach (var codeRef in s.Elements(Ns + "Coding").Select(c => c.Element(Ns + "CodeRef")))
                {
                    var target = NormaliseGuid((string)codeRef!.Attribute("targetGUID")!);
                    if (codeKeys.TryGetValue(target, out var key)) keys.Add(key);
                    else errors.Add($"Selection {called} in \u201c{name}\u201d is coded with a code ({target}) that is not in the project's codebook.");
                }
                return keys;
            }
            void AddSelection(XElement s, string sGuid, int start, int end, List<string> keys)
            {
                var notes = s.Elements(Ns + "NoteRef").Select(n => NormaliseGuid((string)n.Attribute("targetGUID")!)).ToList();
                var (from, to) = text.Map(start, end);
                if (from >= to)
                {
                    unplaced++;
                    return;
                }
                selections.Add(new Selection(sGuid, from, to, Shorten(text.Joined[from..to], MaxSnippetLength), keys.Distinct().ToList(), notes));
            }
            IReadOnlyList<(double?, double?)>? lineTimes = null;
            MediaEntry? recording = null;
            if (transcript is not null)
            {
                // The transcript's sync points: each line's times, and where selections by time (or between sync points) fall.
                var points = new Dictionary<string, QdpxSyncPoints.Point>(StringComparer.Ordinal);
                foreach (var p in transcript.Elements(Ns + "SyncPoint"))
                {
                    var position = long.TryParse((string?)p.Attribute("position"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var at) ? at : -1;
                    long? ms = long.TryParse((string?)p.Attribute("timeStamp"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t) && t >= 0 ? t : null;
                    if (position < 0 || position > text.Characters)
                    {
                        errors.Add($"A sync point in the transcript of \u201c{name}\u201d is at position {(string?)p.Attribute("position") ?? "(none)"}, but the transcript has {text.Characters} characters.");
                        continue;
                    }
                    points[NormaliseGuid((string)p.Attribute("guid")!)] = new QdpxSyncPoints.Point((int)position, ms);
                }
                var ordered = points.Values.OrderBy(p => p.Position).ToList();
                lineTimes = LineTimes(text, ordered);
                foreach (var s in transcript.Elements(Ns + "TranscriptSelection"))
                {
                    var sGuid = NormaliseGuid((string)s.Attribute("guid")!);
                    var called = QdcCodebook.Clean((string?)s.Attribute("name")) is { Length: > 0 } n ? $"\u201c{n}\u201d" : $"\u201c{sGuid}\u201d";
                    var keys = KeysOf(s, called);
                    if (keys.Count == 0)
                    {
                        uncoded++;
                        continue;
                    }
                    var fromPoint = points.GetValueOrDefault(NormaliseGuid((string?)s.Attribute("fromSyncPoint") ?? ""));
                    var toPoint = points.GetValueOrDefault(NormaliseGuid((string?)s.Attribute("toSyncPoint") ?? ""));
                    if (s.Attribute("fromSyncPoint") is null || s.Attribute("toSyncPoint") is null
                        || !points.ContainsKey(NormaliseGuid((string)s.Attribute("fromSyncPoint")!)) || !points.ContainsKey(NormaliseGuid((string)s.Attribute("toSyncPoint")!)))
                    {
                        errors.Add($"Selection {called} in the transcript of \u201c{name}\u201d does not name two of the transcript's sync points, so where it starts and ends is unknown.");
                        continue;
                    }
                    AddSelection(s, sGuid, Math.Min(fromPoint.Position, toPoint.Position), Math.Max(fromPoint.Position, toPoint.Position), keys);
                }
                foreach (var s in element.Elements(Ns + (kind == "AudioSource" ? "AudioSelection" : "VideoSelection")))
                {
                    var sGuid = NormaliseGuid((string)s.Attribute("guid")!);
                    var called = QdcCodebook.Clean((string?)s.Attribute("name")) is { Length: > 0 } n ? $"\u201c{n}\u201d" : $"\u201c{sGuid}\u201d";
                    var begin = long.TryParse((string?)s.Attribute("begin"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a) ? a : -1;
                    var end = long.TryParse((string?)s.Attribute("end"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b) ? b : -1;
                    if (begin < 0 || end <= begin)
                    {
                        errors.Add($"Selection {called} in \u201c{name}\u201d begins at {(string?)s.Attribute("begin")} ms and ends at {(string?)s.Attribute("end")} ms, which is not a stretch of the recording.");
                        continue;
                    }
                    var keys = KeysOf(s, called);
                    if (keys.Count == 0)
                    {
                        uncoded++;
                        continue;
                    }
                    if (QdpxSyncPoints.PositionAt(ordered, begin, begin: true) is not { } from || QdpxSyncPoints.PositionAt(ordered, end, begin: false) is not { } to)
                    {
                        unplaced++;
                        continue;
                    }
                    AddSelection(s, sGuid, Math.Min(from, to), Math.Max(from, to), keys);
                }
                var mediaPath = (string?)element.Attribute("path");
                if (mediaPath is not null && mediaPath.StartsWith("internal://", StringComparison.OrdinalIgnoreCase))
                {
                    var file = mediaPath["internal://".Length..].Replace('\\', '/').TrimStart('/');
                    var entry = zip.Entries.FirstOrDefault(e => e.FullName.Equals("sources/" + file, StringComparison.OrdinalIgnoreCase))
                                ?? zip.Entries.FirstOrDefault(e => e.FullName.Equals(file, StringComparison.OrdinalIgnoreCase));
                    if (entry is null)
                        errors.Add($"The recording of \u201c{name}\u201d is missing: project.qde names \u201c{mediaPath}\u201d, but there is no sources/{file} in the file.");
                    else
                        recording = new MediaEntry(entry.FullName);
                }
                else if (mediaPath is { Length: > 0 })
                {
                    recordingsOutside++;
                }
            }
            foreach (var s in element.Elements(Ns + "PlainTextSelection"))
            {
                var sGuid = NormaliseGuid((string)s.Attribute("guid")!);
                var sName = QdcCodebook.Clean((string?)s.Attribute("name"));
                var called = sName.Length > 0 ? $"\u201c{sName}\u201d" : $"\u201c{sGuid}\u201d";
                // xsd:integer has no upper bound; a number past long's range is simply past the text's end.
                var start = long.TryParse((string?)s.Attribute("startPosition"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a) ? a : long.MaxValue;
                var end = long.TryParse((string?)s.Attribute("endPosition"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b) ? b : long.MaxValue;
                if (start < 0 || end > text.Characters || start >= end)
                {
                    errors.Add(end > text.Characters
                        ? $"Selection {called} in \u201c{name}\u201d ends at {end} but its source has {text.Characters} characters."
                        : $"Selection {called} in \u201c{name}\u201d starts at {start} and ends at {end}, which is not a stretch of text.");
                    continue;
                }
                var keys = new List<string>();
                foreach (var codeRef in s.Elements(Ns + "Coding").Select(c => c.Element(Ns + "CodeRef")))
                {
                    var target = NormaliseGuid((string)codeRef!.Attribute("targetGUID")!);
                    if (codeKeys.TryGetValue(target, out var key)) keys.Add(key);
                    else errors.Add($"Selection {called} in \u201c{name}\u201d is coded with a code ({target}) that is not in the project's codebook.");
                }
                var notes = s.Elements(Ns + "NoteRef").Select(n => NormaliseGuid((string)n.Attribute("targetGUID")!)).ToList();
                if (keys.Count == 0)
                {
                    uncoded++;
                    continue;
                }
                var (from, to) = text.Map((int)start, (int)end);
                var snippet = text.Joined[from..to];
                selections.Add(new Selection(sGuid, from, to, Shorten(snippet, MaxSnippetLength), keys.Distinct().ToList(), notes));
            }
            wholeSourceCodings += element.Elements(Ns + "Coding").Count();
            sources.Add(new TextSource(guid, name, text.Lines, selections, element.Elements(Ns + "NoteRef").Select(n => NormaliseGuid((string)n.Attribute("targetGUID")!)).ToList(),
                AnswersOf(element, $"The source \u201c{name}\u201d"), lineTimes, recording));
            if (errors.Count > 20) break;
        }

        // Variables and cases: a case is a storyteller, each value an answer to the question named by the variable.
        var cases = new List<Case>();
        foreach (var c in root.Element(Ns + "Cases")?.Elements(Ns + "Case") ?? [])
        {
            var name = Shorten(QdcCodebook.Clean((string?)c.Attribute("name")), 200);
            if (name.Length == 0) name = "Imported storyteller";
            cases.Add(new Case(NormaliseGuid((string)c.Attribute("guid")!), name, Shorten(((string?)c.Element(Ns + "Description") ?? "").Trim(), 4000),
                AnswersOf(c, $"The case \u201c{name}\u201d"), c.Elements(Ns + "SourceRef").Select(r => NormaliseGuid((string)r.Attribute("targetGUID")!)).Distinct().ToList()));
        }

        var notesRead = new Dictionary<string, Note>(StringComparer.Ordinal);
        foreach (var n in root.Element(Ns + "Notes")?.Elements(Ns + "Note") ?? [])
        {
            var guid = NormaliseGuid((string)n.Attribute("guid")!);
            var text = ((string?)n.Element(Ns + "PlainTextContent") ?? "").Trim();
            var name = QdcCodebook.Clean((string?)n.Attribute("name"));
            if (text.Length == 0) text = name;
            if (text.Length == 0) continue;
            if (text.Length > MaxMemoLength)
            {
                errors.Add($"The note \u201c{(name.Length > 0 ? name : guid)}\u201d is longer than {MaxMemoLength:N0} characters, the longest memo Storyweave keeps.");
                continue;
            }
            notesRead[guid] = new Note(guid, name, text);
        }
        foreach (var twice in sources.GroupBy(x => x.Id).Where(g => g.Count() > 1))
            errors.Add($"Two sources have the same GUID ({twice.Key}): \u201c{twice.First().Name}\u201d and \u201c{twice.Last().Name}\u201d.");
        foreach (var twice in cases.GroupBy(x => x.Id).Where(g => g.Count() > 1))
            errors.Add($"Two cases have the same GUID ({twice.Key}): \u201c{twice.First().Name}\u201d and \u201c{twice.Last().Name}\u201d.");
        if (errors.Count > 0)
            return Result.Fail<Project>(errors.Take(10).Append(errors.Count > 10 ? $"…and {errors.Count - 10} more problems." : null).OfType<string>().ToList());

        foreach (var (what, count) in notText.OrderBy(k => k.Key, StringComparer.Ordinal))
            skipped.Add($"{Count(count, $"{what} source was", $"{what} sources were")} not imported: Storyweave imports text sources, and audio and video sources that have a transcript.");
        if (recordingsOutside > 0)
            skipped.Add($"{Count(recordingsOutside, "recording is", "recordings are")} outside the project file (a path on another computer), so {(recordingsOutside == 1 ? "its story comes" : "their stories come")} in with the transcript and its times but without the recording; upload it on the story's page.");
        if (unplaced > 0)
            skipped.Add($"{Count(unplaced, "selection", "selections")} could not be placed in {(unplaced == 1 ? "its" : "their")} transcript (no times to match, or no words there), so {(unplaced == 1 ? "it was" : "they were")} not brought in as {(unplaced == 1 ? "a coded passage" : "coded passages")}.");
        if (outside > 0)
            skipped.Add($"{Count(outside, "text source was", "text sources were")} not imported: {(outside == 1 ? "its text is" : "their text is")} outside the project file (an absolute or relative path), so Storyweave cannot read it.");
        if (uncoded > 0)
            skipped.Add($"{Count(uncoded, "selection has", "selections have")} no code, so {(uncoded == 1 ? "it was" : "they were")} not brought in as {(uncoded == 1 ? "a coded passage" : "coded passages")}.");
        if (wholeSourceCodings > 0)
            skipped.Add($"{Count(wholeSourceCodings, "code is", "codes are")} applied to a whole source rather than to a stretch of its text; Storyweave codes passages, so {(wholeSourceCodings == 1 ? "it was" : "they were")} not brought in.");
        var inCases = cases.SelectMany(c => c.SourceGuids).ToHashSet(StringComparer.Ordinal);
        var sourceValues = sources.Where(x => inCases.Contains(x.Id)).Sum(x => x.Answers.Count);
        if (sourceValues > 0)
            skipped.Add($"{Count(sourceValues, "variable value of a source was", "variable values of sources were")} not imported: {(sourceValues == 1 ? "its source belongs" : "their sources belong")} to a case, and the case's own values are the storyteller's answers.");
        var attached = new HashSet<string>(notesOnCodes.Values.SelectMany(n => n).Concat(sources.SelectMany(s => s.NoteGuids.Concat(s.Selections.SelectMany(x => x.NoteGuids)))), StringComparer.Ordinal);
        var loose = notesRead.Keys.Count(k => !attached.Contains(k));
        if (loose > 0)
            skipped.Add($"{Count(loose, "note was", "notes were")} not imported: memos here belong to a story, a coded passage or a theme, and {(loose == 1 ? "this note belongs" : "these notes belong")} to none of them (e.g. to the whole project or a case).");
        var noText = sources.Count(s => s.Lines.Count == 0);
        if (noText > 0)
            skipped.Add($"{Count(noText, "text source has", "text sources have")} no text; {(noText == 1 ? "its story is" : "their stories are")} brought in empty.");

        return Result.Ok(new Project(projectName.Length > 0 ? projectName : fileName, origin, book, notesOnCodes, sources, cases, notesRead, skipped));
    }

    /// <summary>
    /// Each line's start and end in seconds from the transcript's sync points: a sync point at the line's start (or end),
    /// else a time between the sync points around it; a line past the last timed sync point has no time. A line with a
    /// start but no end ends where the next line starts.
    /// </summary>
    private static List<(double?, double?)> LineTimes(SourceText text, IReadOnlyList<QdpxSyncPoints.Point> ordered)
    {
        var joined = ordered.Where(p => p.Ms is not null).Select(p => new QdpxSyncPoints.Point(text.JoinedAt(p.Position), p.Ms)).ToList();
        var result = new List<(double?, double?)>();
        if (joined.Count == 0) return [.. text.Lines.Select(_ => ((double?)null, (double?)null))];
        var starts = new List<long?>();
        var ends = new List<long?>();
        var offset = 0;
        foreach (var line in text.Lines)
        {
            starts.Add(QdpxSyncPoints.TimeAt(joined, offset, begin: true, clamp: false));
            ends.Add(QdpxSyncPoints.TimeAt(joined, offset + line.Length, begin: false, clamp: false));
            offset += line.Length + 1;
        }
        for (var i = 0; i < text.Lines.Count; i++)
        {
            var start = starts[i];
            var end = ends[i] ?? (i + 1 < starts.Count ? starts[i + 1] : null);
            if (start is not null && end is not null && end < start) end = start;
            result.Add((start / 1000.0, end / 1000.0));
        }
        return result;
    }

    /// <summary>A case's value as an answer. Storyweave's own export writes one Boolean variable "Question: Option" per option.</summary>
    private static Answer? ToAnswer(string variable, string type, XElement? value)
    {
        var text = QdcCodebook.Clean(value?.Value);
        if (variable.Length == 0 || text.Length == 0) return null;
        if (type == "Boolean")
        {
            var yes = text is "true" or "1";
            var split = variable.IndexOf(": ", StringComparison.Ordinal);
            if (split > 0 && split < variable.Length - 2)
                return yes ? new Answer(Shorten(variable[..split], 500), Shorten(variable[(split + 2)..], 300)) : null;
            return new Answer(Shorten(variable, 500), yes ? "Yes" : "No");
        }
        return new Answer(Shorten(variable, 500), Shorten(text, 300));
    }

    public static string NormaliseGuid(string value) => value.Trim().Trim('{', '}').ToLowerInvariant();

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "\u2026";

    private static string Count(int n, string one, string many) => string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? one : many)}");

    private static readonly Lazy<XmlSchemaSet> Schema = new(() =>
    {
        var set = new XmlSchemaSet { XmlResolver = null };
        using var stream = typeof(QdpxProjectFile).Assembly.GetManifestResourceStream("Storyweave.Features.Interop.Project-mrt2019.xsd")
                           ?? throw new InvalidOperationException("The REFI-QDA schema is missing from the build.");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        set.Add(QdcCodebook.ProjectNamespace, reader);
        set.Compile();
        return set;
    });

    /// <summary>
    /// A source's text as transcript lines, and the map from REFI-QDA positions (Unicode characters, code points) to
    /// Storyweave's offsets (UTF-16 units into the lines joined by "\n"). Lines end at "\n", "\r\n" or "\r"; empty or
    /// blank lines are left out (a transcript line has words), and positions inside them move to the nearest kept text.
    /// </summary>
    public sealed class SourceText
    {
        private readonly int[] _toJoined; // by code point position

        private SourceText(List<string> lines, int[] toJoined, int characters)
        {
            Lines = lines;
            Joined = string.Join('\n', lines);
            _toJoined = toJoined;
            Characters = characters;
        }

        public IReadOnlyList<string> Lines { get; }
        public string Joined { get; }
        public int Characters { get; }

        public static SourceText From(string raw)
        {
            // UTF-16 index in raw -> offset in the joined kept lines.
            var rawToJoined = new int[raw.Length + 1];
            var lines = new List<string>();
            var joinedLength = 0;
            var i = 0;
            while (i <= raw.Length)
            {
                var lineStart = i;
                while (i < raw.Length && raw[i] != '\n' && raw[i] != '\r') i++;
                var line = raw[lineStart..i];
                var breakLength = i >= raw.Length ? 0 : raw[i] == '\r' && i + 1 < raw.Length && raw[i + 1] == '\n' ? 2 : 1;
                if (!string.IsNullOrWhiteSpace(line))
                {
                    if (lines.Count > 0) joinedLength++; // the "\n" before this line
                    for (var k = 0; k <= line.Length; k++) rawToJoined[lineStart + k] = joinedLength + k;
                    lines.Add(line);
                    joinedLength += line.Length;
                }
                else
                {
                    for (var k = 0; k <= line.Length; k++) rawToJoined[lineStart + k] = joinedLength;
                }
                for (var k = 1; k < breakLength; k++) rawToJoined[i + k] = joinedLength;
                if (i >= raw.Length) break;
                i += breakLength;
            }
            // Code point position -> UTF-16 index in raw -> joined offset.
            var characters = 0;
            var toJoined = new List<int>(raw.Length + 1);
            for (var u = 0; u < raw.Length; u++)
            {
                if (char.IsLowSurrogate(raw[u]) && u > 0 && char.IsHighSurrogate(raw[u - 1])) continue;
                toJoined.Add(rawToJoined[u]);
                characters++;
            }
            toJoined.Add(rawToJoined[raw.Length]);
            return new SourceText(lines, [.. toJoined], characters);
        }

        /// <summary>Where a position (code points into the source's text) falls in <see cref="Joined"/>.</summary>
        public int JoinedAt(int codePoint) => _toJoined[Math.Clamp(codePoint, 0, _toJoined.Length - 1)];

        /// <summary>A selection's place in <see cref="Joined"/>, without line breaks at its edges.</summary>
        public (int Start, int End) Map(int start, int end)
        {
            var from = _toJoined[start];
            var to = Math.Max(from, _toJoined[end]);
            while (from < to && Joined[from] == '\n') from++;
            while (to > from && Joined[to - 1] == '\n') to--;
            return (from, to);
        }
    }

    /// <summary>Counts what is unpacked across the whole file, so a small ZIP cannot unpack into gigabytes.</summary>
    private sealed class Budget
    {
        public static string TooMuch => $"The project unpacks to more than {MaxUnpackedBytes / 1024 / 1024} MB of text, more than Storyweave takes in one go (or the file is built to unpack endlessly). Export the project in parts.";

        public long Used { get; set; }
    }

    private sealed class BoundedStream(Stream inner, Budget budget) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            budget.Used += read;
            if (budget.Used > MaxUnpackedBytes) throw new InvalidDataException(Budget.TooMuch);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
