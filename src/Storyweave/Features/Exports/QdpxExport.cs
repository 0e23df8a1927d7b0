using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;
using Storyweave.Features.Redaction;
using Storyweave.Hosting;

namespace Storyweave.Features.Exports;

/// <summary>
/// The whole project as a REFI-QDA project file (<c>.qdpx</c>: a ZIP with <c>project.qde</c> and <c>sources/</c>),
/// which NVivo, ATLAS.ti, MAXQDA and QualCoder open. See docs beside this file: <c>Qdpx.md</c>.
/// <para>Only what may leave the project, exactly as the coded-passages export: stories and turns through
/// <see cref="AnalysisScope.LoadForExportAsync"/> (analysis agreed, no embargo, not withdrawn; in a group story only
/// the permitted turns), storytellers (cases) through <see cref="ConsentPolicy.DecideExportsAsync"/>, and every text
/// through the exports redactor (<see cref="RedactionService.ForOutputAsync"/>). The project's Description says what
/// was left out and why. Per-person facets (special-category data) and contact details are never in the file.</para>
/// <para>Each story is a <c>TextSource</c> whose plain text (<c>sources/{guid}.txt</c>) is the permitted lines joined
/// by line breaks, redacted; a coded passage is a <c>PlainTextSelection</c> whose offsets are mapped from Storyweave's
/// (into the whole transcript) to that written text, counted in Unicode characters (code points), as the standard and
/// QualCoder count them. GUIDs are derived from the project and each object (<see cref="QdcCodebook.StableGuid"/>),
/// so the codes carry the same GUIDs as the codebook (.qdc) export and a second export matches the first.</para>
/// </summary>
public sealed class QdpxExport(StoryweaveDb db, ConsentPolicy policy, RedactionService redaction, CodebookService codebook, TimeProvider clock,
    MediaStorage media, JobScratch scratch, ILogger<QdpxExport> logger)
{
    public const string FileKind = "project.qdpx";
    public const string ContentType = "application/zip";
    public const string NotIncludedReason = "no analysis consent, an embargo in force, or withdrawn";

    /// <summary>Everything the file will hold except the transcripts, which are read one story at a time while writing.</summary>
    public sealed class Content
    {
        public required Project Project { get; init; }
        public required IReadOnlyList<CodebookService.ThemeNode> Codebook { get; init; }
        public required AnalysisScope Scope { get; init; }
        public required Redactor Redactor { get; init; }
        public required IReadOnlyList<StoryRow> Stories { get; init; }
        public required ILookup<int, PassageRow> Passages { get; init; }
        public required IReadOnlyList<MemoRow> Memos { get; init; }
        public required IReadOnlyDictionary<string, string> Users { get; init; }
        public required IReadOnlyList<(int Id, string Question, string Option)> Options { get; init; }
        public required IReadOnlyList<CaseRow> Cases { get; init; }
        public required string Description { get; init; }

        /// <summary>Each exported story's recording (the first uploaded), by story id.</summary>
        public required IReadOnlyDictionary<int, RecordingRow> Recordings { get; init; }
    }

    /// <summary>A story's recording; <paramref name="EveryoneMayLeave"/>: every storyteller of the story may leave in an export.</summary>
    public sealed record RecordingRow(int StoryId, int MediaId, string StoredName, bool HasVideo, double DurationSeconds, bool EveryoneMayLeave);

    /// <summary>What happened to the recordings while writing, for the file's Description (numbers only).</summary>
    public sealed class RecordingCounts
    {
        public int Included { get; set; }
        public int Silenced { get; set; }
        public int NotEveryoneAgreed { get; set; }
        public int NotSilenced { get; set; }
        public int Missing { get; set; }
    }

    public sealed record StoryRow(int Id, string Title, DateTime CreatedAt);

    public sealed record PassageRow(int Id, int StoryId, int StartOffset, int EndOffset, string Speaker, string? CoderUserId, DateTime CreatedAt,
        IReadOnlyList<(int ThemeId, string? CoderUserId, DateTime CodedAt)> Themes);

    public sealed record MemoRow(int Id, MemoTarget Target, int TargetId, string Text, string? AuthorUserId, DateTime CreatedAt);

    public sealed record CaseRow(int Id, string Name, string Description, DateTime CreatedAt, IReadOnlySet<int> Ticked, IReadOnlyList<int> StoryIds);

    /// <summary>What the file will hold, or null when there is no such project.</summary>
    public async Task<Content?> PrepareAsync(int projectId, CancellationToken ct = default)
    {
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        var tree = await codebook.TreeAsync(projectId, ct);
        var themeIds = CodebookService.Flatten(tree).Select(n => n.Node.Theme.Id).ToHashSet();
        var scope = await AnalysisScope.LoadForExportAsync(db, policy, projectId, ct);
        var redactor = await redaction.ForOutputAsync(projectId, RedactionOutput.Exports, ct);

        var allStories = await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).OrderBy(s => s.Id)
            .Select(s => new StoryRow(s.Id, s.Title, s.CreatedAt)).ToListAsync(ct);
        var visible = allStories.Where(s => scope.IsStoryVisible(s.Id)).ToList();
        var visibleIds = visible.Select(s => s.Id).ToList();
        var speakers = (await db.TranscriptCues.AsNoTracking().Where(c => visibleIds.Contains(c.StoryId))
                .Select(c => new { c.StoryId, c.Speaker }).Distinct().ToListAsync(ct))
            .ToLookup(c => c.StoryId, c => c.Speaker);
        // A story is written when at least one of its lines may leave; with none it is left out and counted.
        var stories = visible.Where(s => speakers[s.Id].Any(label => scope.IsTurnVisible(s.Id, label))).ToList();
        var storyIds = stories.Select(s => s.Id).ToHashSet();
        var partial = stories.Count(s => speakers[s.Id].Any(label => !scope.IsTurnVisible(s.Id, label)));

        var passages = (await db.Passages.AsNoTracking().Where(p => p.ProjectId == projectId)
                .OrderBy(p => p.StoryId).ThenBy(p => p.StartOffset).ThenBy(p => p.Id)
                .Select(p => new
                {
                    p.Id,
                    p.StoryId,
                    p.StartOffset,
                    p.EndOffset,
                    p.Speaker,
                    p.CoderUserId,
                    p.CreatedAt,
                    Themes = p.Themes.Select(t => new { t.ThemeId, t.CoderUserId, t.CodedAt }).ToList(),
                }).ToListAsync(ct))
            .Where(p => storyIds.Contains(p.StoryId) && scope.IsTurnVisible(p.StoryId, p.Speaker))
            .Select(p => new PassageRow(p.Id, p.StoryId, p.StartOffset, p.EndOffset, p.Speaker, p.CoderUserId, p.CreatedAt,
                p.Themes.Where(t => themeIds.Contains(t.ThemeId)).Select(t => (t.ThemeId, t.CoderUserId, t.CodedAt == default ? p.CreatedAt : t.CodedAt)).ToList()))
            .Where(p => p.Themes.Count > 0).ToList();
        var passageIds = passages.Select(p => p.Id).ToHashSet();

        // Memos held for a lead's review after a withdrawal (they may name the person who left) stay out, as in search.
        var memos = (await db.Memos.AsNoTracking().Where(m => m.ProjectId == projectId && !m.HeldForReview).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
                .Select(m => new MemoRow(m.Id, m.TargetType, m.TargetId, m.Text, m.AuthorUserId, m.CreatedAt)).ToListAsync(ct))
            .Where(m => m.Target switch
            {
                MemoTarget.Story => storyIds.Contains(m.TargetId),
                MemoTarget.Passage => passageIds.Contains(m.TargetId),
                _ => themeIds.Contains(m.TargetId),
            })
            .Select(m => m with { Text = redactor.Apply(m.Text) }).ToList();

        var userIds = passages.SelectMany(p => p.Themes.Select(t => t.CoderUserId).Append(p.CoderUserId)).Concat(memos.Select(m => m.AuthorUserId))
            .OfType<string>().Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);

        var options = (await db.CategoryQuestions.AsNoTracking().Where(q => q.ProjectId == projectId).OrderBy(q => q.Position).ThenBy(q => q.Id)
                .Select(q => new { q.Text, Options = q.Options.OrderBy(o => o.Position).ThenBy(o => o.Id).Select(o => new { o.Id, o.Label }).ToList() })
                .ToListAsync(ct))
            .SelectMany(q => q.Options.Select(o => (o.Id, Question: q.Text, Option: o.Label))).ToList();

        // Cases: the storytellers the storytellers export lists (analysis agreed, no embargo, not withdrawn), credited as there.
        var people = await db.Storytellers.AsNoTracking().Where(s => s.ProjectId == projectId).Include(s => s.Answers).OrderBy(s => s.Id).ToListAsync(ct);
        var allowed = await policy.DecideExportsAsync(people.Select(p => p.Id), ct);
        var leftOutPeople = people.Count(p => p.WithdrawnAt is not null || !allowed[p.Id].Allowed);
        people = people.Where(p => p.WithdrawnAt is null && allowed[p.Id].Allowed).ToList();
        var quotes = await policy.DecideManyAsync(people.Select(p => p.Id), ConsentUse.Quotes, ct);
        var personIds = people.Select(p => p.Id).ToList();
        var storiesOf = (await db.StoryStorytellers.AsNoTracking().Where(x => personIds.Contains(x.StorytellerId)).Select(x => new { x.StorytellerId, x.StoryId }).ToListAsync(ct))
            .Where(x => storyIds.Contains(x.StoryId)).ToLookup(x => x.StorytellerId, x => x.StoryId);
        var cases = people.Select(p =>
        {
            var q = quotes[p.Id];
            var name = q.Allowed && q.Credit is not CreditStyle.Anonymous && q.CreditName is { Length: > 0 } credit
                ? string.Create(CultureInfo.InvariantCulture, $"{credit} (storyteller {p.Id})")
                : string.Create(CultureInfo.InvariantCulture, $"Storyteller {p.Id}");
            return new CaseRow(p.Id, name, redactor.Apply(p.SelfDescription), p.CreatedAt, p.Answers.Select(a => a.OptionId).ToHashSet(), storiesOf[p.Id].Order().ToList());
        }).ToList();

        var mayLeave = people.Select(p => p.Id).ToHashSet();
        var storyIdList = storyIds.ToList();
        var tellersOf = (await db.StoryStorytellers.AsNoTracking().Where(x => storyIdList.Contains(x.StoryId)).Select(x => new { x.StoryId, x.StorytellerId }).ToListAsync(ct))
            .ToLookup(x => x.StoryId, x => x.StorytellerId);
        var recordings = (await db.MediaFiles.AsNoTracking().Where(m => m.ProjectId == projectId && m.StoryId != null && storyIdList.Contains(m.StoryId.Value))
                .OrderBy(m => m.Id).Select(m => new { StoryId = m.StoryId!.Value, m.Id, m.StoredName, m.HasVideo, m.DurationSeconds }).ToListAsync(ct))
            .GroupBy(m => m.StoryId)
            .ToDictionary(g => g.Key, g =>
            {
                var m = g.First();
                // Everyone heard: every storyteller of the story may leave, and so every turn of the story does.
                var everyone = tellersOf[m.StoryId].Any() && tellersOf[m.StoryId].All(mayLeave.Contains)
                    && speakers[m.StoryId].All(label => scope.IsTurnVisible(m.StoryId, label));
                return new RecordingRow(m.StoryId, m.Id, m.StoredName, m.HasVideo, m.DurationSeconds, everyone);
            });

        return new Content
        {
            Recordings = recordings,
            Project = project,
            Codebook = tree,
            Scope = scope,
            Redactor = redactor,
            Stories = stories,
            Passages = passages.ToLookup(p => p.StoryId),
            Memos = memos,
            Users = users,
            Options = options,
            Cases = cases,
            Description = Describe(stories.Count, allStories.Count - visible.Count, visible.Count - stories.Count, partial, cases.Count, leftOutPeople,
                DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)),
        };
    }

    /// <summary>The project's Description: what the file holds, and what was left out and why (numbers only, never names).</summary>
    public static string Describe(int stories, int storiesNotAllowed, int storiesWithoutLines, int partialStories, int cases, int peopleLeftOut, DateOnly on)
    {
        static string N(int n, string one, string many) => string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? one : many)}");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Exported from Storyweave on {on:yyyy-MM-dd}: {N(stories, "story", "stories")} and {N(cases, "storyteller", "storytellers")}. ");
        text.Append("Only what may leave the project is included: storytellers who agreed to analysis, with no embargo in force, who have not withdrawn. ");
        text.Append("Names and other identifying words are replaced as the project's redaction rules say.");
        if (storiesNotAllowed > 0)
            text.Append(CultureInfo.InvariantCulture, $" {N(storiesNotAllowed, "story is", "stories are")} not included: {NotIncludedReason}.");
        if (peopleLeftOut > 0)
            text.Append(CultureInfo.InvariantCulture, $" {N(peopleLeftOut, "storyteller is", "storytellers are")} not included as cases: {NotIncludedReason}.");
        if (partialStories > 0)
            text.Append(CultureInfo.InvariantCulture, $" In {N(partialStories, "group story", "group stories")}, the turns of people who have not agreed are left out.");
        if (storiesWithoutLines > 0)
            text.Append(CultureInfo.InvariantCulture, $" {N(storiesWithoutLines, "story has", "stories have")} no transcript lines that may leave the project yet, so {(storiesWithoutLines == 1 ? "it is" : "they are")} not included.");
        return text.ToString();
    }

    /// <summary>The recordings' part of the project's Description (numbers only), empty when no exported story has one.</summary>
    public static string DescribeRecordings(RecordingCounts r)
    {
        static string N(int n, string one, string many) => string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? one : many)}");
        var leftOut = r.NotEveryoneAgreed + r.NotSilenced + r.Missing;
        if (r.Included + leftOut == 0) return "";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $" {N(r.Included + leftOut, "story has a recording", "stories have recordings")}, written as audio or video sources with the transcript and its times");
        text.Append(CultureInfo.InvariantCulture, $"; {N(r.Included, "recording is", "recordings are")} included");
        if (r.Silenced > 0)
            text.Append(CultureInfo.InvariantCulture, $" ({r.Silenced} with the lines that hold redacted words silenced)");
        text.Append('.');
        if (r.NotEveryoneAgreed > 0)
            text.Append(CultureInfo.InvariantCulture, $" {N(r.NotEveryoneAgreed, "recording is", "recordings are")} not included because not everyone heard in {(r.NotEveryoneAgreed == 1 ? "it" : "them")} may leave the project.");
        if (r.NotSilenced > 0)
            text.Append(CultureInfo.InvariantCulture, $" {N(r.NotSilenced, "recording is", "recordings are")} not included because redacted words in {(r.NotSilenced == 1 ? "it" : "them")} could not be silenced.");
        if (r.Missing > 0)
            text.Append(CultureInfo.InvariantCulture, $" {N(r.Missing, "recording is", "recordings are")} not included because the file could not be read.");
        return text.ToString();
    }

    /// <summary>
    /// Writes the ZIP to <paramref name="output"/> as it goes: each story's text is read, written and forgotten, and
    /// <c>project.qde</c> (selections and codes, no transcript text) comes last.
    /// </summary>
    public async Task WriteAsync(Content content, Stream output, CancellationToken ct = default)
    {
        XNamespace ns = QdcCodebook.ProjectNamespace;
        var project = content.Project;
        string Guid(string what) => QdcCodebook.StableGuid(project, what);
        string UserGuid(string userId) => Guid($"user:{userId}");
        string MemoGuid(MemoRow m) => Guid(string.Create(CultureInfo.InvariantCulture, $"memo:{m.Id}:{m.CreatedAt.Ticks}"));
        string StoryGuid(int storyId) => Guid(string.Create(CultureInfo.InvariantCulture, $"story:{storyId}:{content.Stories.First(s => s.Id == storyId).CreatedAt.Ticks}"));
        string OptionGuid(int optionId) => Guid(string.Create(CultureInfo.InvariantCulture, $"option:{optionId}"));
        var themeGuids = CodebookService.Flatten(content.Codebook).ToDictionary(n => n.Node.Theme.Id, n => QdcCodebook.ThemeGuid(project, n.Node.Theme));
        var memosOn = content.Memos.ToLookup(m => (m.Target, m.TargetId));
        IEnumerable<XElement> NoteRefs(MemoTarget target, int id) => memosOn[(target, id)].Select(m => new XElement(ns + "NoteRef", new XAttribute("targetGUID", MemoGuid(m))));
        XAttribute? Creator(string? userId) => userId is not null && content.Users.ContainsKey(userId) ? new XAttribute("creatingUser", UserGuid(userId)) : null;

        string SyncGuid(int storyId, string kind, int index) => Guid(string.Create(CultureInfo.InvariantCulture, $"sync:{storyId}:{kind}:{index}"));
        var counts = new RecordingCounts();
        var sources = new List<XElement>();
        await using var buffered = new Clips.SyncBufferingStream(output);
        await using (var zip = await ZipArchive.CreateAsync(buffered, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            foreach (var story in content.Stories)
            {
                var cues = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == story.Id).OrderBy(c => c.Position).ThenBy(c => c.Id)
                    .Select(c => new QdpxSyncPoints.Line(c.Text, c.Speaker, c.StartSeconds, c.EndSeconds)).ToListAsync(ct);
                var text = QdpxSourceText.Build(cues.Select(c => (c.Text, content.Scope.IsTurnVisible(story.Id, c.Speaker))).ToList(), content.Redactor);
                var guid = StoryGuid(story.Id);
                content.Recordings.TryGetValue(story.Id, out var recording);
                var textGuid = recording is null ? guid : Guid(string.Create(CultureInfo.InvariantCulture, $"transcript:{story.Id}:{story.CreatedAt.Ticks}"));
                var entry = zip.CreateEntry($"sources/{textGuid}.txt", CompressionLevel.Optimal);
                await using (var target = await entry.OpenAsync(ct))
                    await target.WriteAsync(QdpxSourceText.Encoding.GetBytes(text.Text), ct);

                XElement Selection(string kind, PassageRow p, params object?[] where)
                {
                    var selection = new XElement(ns + kind,
                        new XAttribute("guid", Guid(string.Create(CultureInfo.InvariantCulture, $"passage:{p.Id}:{p.CreatedAt.Ticks}"))),
                        where, Creator(p.CoderUserId), new XAttribute("creationDateTime", Time(p.CreatedAt)));
                    foreach (var (themeId, coder, codedAt) in p.Themes)
                    {
                        selection.Add(new XElement(ns + "Coding",
                            new XAttribute("guid", Guid(string.Create(CultureInfo.InvariantCulture, $"coding:{p.Id}:{themeId}"))),
                            Creator(coder ?? p.CoderUserId), new XAttribute("creationDateTime", Time(codedAt)),
                            new XElement(ns + "CodeRef", new XAttribute("targetGUID", themeGuids[themeId]))));
                    }
                    selection.Add(NoteRefs(MemoTarget.Passage, p.Id));
                    return selection;
                }

                if (recording is null)
                {
                    var source = new XElement(ns + "TextSource", new XAttribute("guid", guid), new XAttribute("name", content.Redactor.Apply(story.Title)),
                        new XAttribute("plainTextPath", $"internal://{guid}.txt"), new XAttribute("creationDateTime", Time(story.CreatedAt)));
                    foreach (var p in content.Passages[story.Id])
                    {
                        if (text.Map(p.StartOffset, p.EndOffset) is not { } span) continue;
                        source.Add(Selection("PlainTextSelection", p, new XAttribute("startPosition", span.Start), new XAttribute("endPosition", span.End)));
                    }
                    source.Add(NoteRefs(MemoTarget.Story, story.Id));
                    sources.Add(source);
                    continue;
                }

                // A story with a recording: an audio or video source whose transcript is the same text, with a sync point at
                // each permitted line's start and end (position in the text → the line's time in ms); coded passages with
                // times become audio/video selections (their start and end get sync points of their own when inside a line,
                // so the words they cover can be found again exactly), passages without times transcript selections.
                var sync = QdpxSyncPoints.ForLines(cues, line => content.Scope.IsTurnVisible(story.Id, line.Speaker), text);
                var timed = sync.Any(x => x.Ms is not null);
                var mediaKind = recording.HasVideo ? "Video" : "Audio";
                var selections = new List<XElement>();
                var transcriptSelections = new List<XElement>();
                var passageSync = new List<QdpxSyncPoints.Point>();
                foreach (var p in content.Passages[story.Id])
                {
                    if (text.Map(p.StartOffset, p.EndOffset) is not { } span) continue;
                    if (timed && QdpxSyncPoints.Times(sync, span.Start, span.End) is { } times && times.End > times.Begin)
                    {
                        if (!sync.Any(x => x.Position == span.Start && x.Ms == times.Begin)) passageSync.Add(new(span.Start, times.Begin));
                        if (!sync.Any(x => x.Position == span.End && x.Ms == times.End)) passageSync.Add(new(span.End, times.End));
                        selections.Add(Selection(mediaKind + "Selection", p, new XAttribute("begin", times.Begin), new XAttribute("end", times.End)));
                    }
                    else
                    {
                        passageSync.Add(new(span.Start, null));
                        var from = passageSync.Count - 1;
                        passageSync.Add(new(span.End, null));
                        transcriptSelections.Add(Selection("TranscriptSelection", p,
                            new XAttribute("fromSyncPoint", SyncGuid(story.Id, "p", from)), new XAttribute("toSyncPoint", SyncGuid(story.Id, "p", from + 1))));
                    }
                }

                var (mediaPath, mediaNote) = await AddRecordingAsync(zip, content, story.Id, guid, recording, cues, counts, ct);
                var transcript = new XElement(ns + "Transcript", new XAttribute("guid", textGuid), new XAttribute("name", content.Redactor.Apply(story.Title)),
                    new XAttribute("plainTextPath", $"internal://{textGuid}.txt"), new XAttribute("creationDateTime", Time(story.CreatedAt)),
                    sync.Select((x, i) => SyncPoint(ns, SyncGuid(story.Id, "l", i), x)),
                    passageSync.Select((x, i) => SyncPoint(ns, SyncGuid(story.Id, "p", i), x)),
                    transcriptSelections);
                sources.Add(new XElement(ns + mediaKind + "Source", new XAttribute("guid", guid), new XAttribute("name", content.Redactor.Apply(story.Title)),
                    mediaPath is null ? null : new XAttribute("path", mediaPath), new XAttribute("creationDateTime", Time(story.CreatedAt)),
                    new XElement(ns + "Description", mediaNote),
                    transcript, selections, NoteRefs(MemoTarget.Story, story.Id)));
            }

            var root = new XElement(ns + "Project", new XAttribute("name", project.Name), new XAttribute("origin", "Storyweave"),
                new XAttribute("creationDateTime", Time(clock.GetUtcNow().UtcDateTime)));
            if (content.Users.Count > 0)
                root.Add(new XElement(ns + "Users", content.Users.OrderBy(u => u.Value, StringComparer.CurrentCulture)
                    .Select(u => new XElement(ns + "User", new XAttribute("guid", UserGuid(u.Key)), new XAttribute("name", u.Value)))));
            if (content.Codebook.Count > 0)
                root.Add(new XElement(ns + "CodeBook", new XElement(ns + "Codes", QdcCodebook.CodeElements(ns, project, content.Codebook, theme => NoteRefs(MemoTarget.Theme, theme.Id), leaveOutHeldDescriptions: true))));
            if (content.Options.Count > 0)
                root.Add(new XElement(ns + "Variables", content.Options.Select(o => new XElement(ns + "Variable", new XAttribute("guid", OptionGuid(o.Id)),
                    new XAttribute("name", $"{o.Question}: {o.Option}"), new XAttribute("typeOfVariable", "Boolean"),
                    new XElement(ns + "Description", $"Ticked \u201c{o.Option}\u201d when answering \u201c{o.Question}\u201d")))));
            if (content.Cases.Count > 0)
            {
                root.Add(new XElement(ns + "Cases", content.Cases.Select(c => new XElement(ns + "Case",
                    new XAttribute("guid", Guid(string.Create(CultureInfo.InvariantCulture, $"storyteller:{c.Id}:{c.CreatedAt.Ticks}"))), new XAttribute("name", c.Name),
                    c.Description.Length > 0 ? new XElement(ns + "Description", c.Description) : null,
                    content.Options.Select(o => new XElement(ns + "VariableValue", new XElement(ns + "VariableRef", new XAttribute("targetGUID", OptionGuid(o.Id))),
                        new XElement(ns + "BooleanValue", c.Ticked.Contains(o.Id) ? "true" : "false"))),
                    c.StoryIds.Select(id => new XElement(ns + "SourceRef", new XAttribute("targetGUID", StoryGuid(id))))))));
            }
            if (sources.Count > 0) root.Add(new XElement(ns + "Sources", sources));
            if (content.Memos.Count > 0)
            {
                root.Add(new XElement(ns + "Notes", content.Memos.Select(m => new XElement(ns + "Note", new XAttribute("guid", MemoGuid(m)),
                    new XAttribute("name", MemoName(m, content)), Creator(m.AuthorUserId), new XAttribute("creationDateTime", Time(m.CreatedAt)),
                    new XElement(ns + "PlainTextContent", m.Text)))));
            }
            root.Add(new XElement(ns + "Description", content.Description + DescribeRecordings(counts)));

            RemoveCharactersXmlCannotHold(root);
            var qde = zip.CreateEntry("project.qde", CompressionLevel.Optimal);
            await using var qdeStream = await qde.OpenAsync(ct);
            await using var writer = XmlWriter.Create(qdeStream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, Async = true });
            await new XDocument(new XDeclaration("1.0", "utf-8", null), root).SaveAsync(writer, ct);
        }
        await buffered.DrainAsync(ct);
    }

    private static XElement SyncPoint(XNamespace ns, string guid, QdpxSyncPoints.Point point) =>
        new(ns + "SyncPoint", new XAttribute("guid", guid), point.Ms is { } ms ? new XAttribute("timeStamp", ms) : null, new XAttribute("position", point.Position));

    /// <summary>
    /// Streams the story's recording into the ZIP (never whole in memory) when everyone heard in it may leave the project;
    /// when the story has lines with redacted words, a copy with those lines silenced (<see cref="AudioSilencing"/>, as
    /// clips do) goes instead, or nothing when they cannot all be silenced. Returns the source's path (null when left
    /// out) and a sentence for the source's Description.
    /// </summary>
    private async Task<(string? Path, string Note)> AddRecordingAsync(ZipArchive zip, Content content, int storyId, string guid, RecordingRow recording,
        IReadOnlyList<QdpxSyncPoints.Line> cues, RecordingCounts counts, CancellationToken ct)
    {
        const string Times = "The transcript's sync points give each line's time in the recording.";
        if (!recording.EveryoneMayLeave)
        {
            counts.NotEveryoneAgreed++;
            return (null, $"The recording is not included: not everyone heard in it may leave the project. {Times}");
        }
        var original = media.PathOf(content.Project.Id, recording.StoredName);
        if (!File.Exists(original))
        {
            counts.Missing++;
            return (null, $"The recording is not included: its file could not be read. {Times}");
        }
        var extension = Path.GetExtension(recording.StoredName).ToLowerInvariant();
        var name = $"{guid}{extension}";
        var hidden = cues.Where(c => content.Redactor.Contains(c.Text)).ToList();
        if (hidden.Count == 0)
        {
            await CopyIntoAsync(zip, name, original, ct);
            counts.Included++;
            return ($"internal://{name}", $"The recording as uploaded. {Times}");
        }
        // Whole lines are silenced (there are no word times); a line with a redacted word but no times cannot be found in the sound.
        var duration = recording.DurationSeconds > 0 ? recording.DurationSeconds : hidden.Max(c => c.EndSeconds ?? 0);
        var windows = hidden.All(c => c.StartSeconds is not null && c.EndSeconds is not null)
            ? AudioSilencing.Windows(hidden.Select(c => new AudioSilencing.TimedText(c.StartSeconds, c.EndSeconds, c.Text)), 0, Math.Max(duration, hidden.Max(c => c.EndSeconds!.Value)), content.Redactor)
            : null;
        if (windows is not null)
        {
            using var work = scratch.ForStory(content.Project.Id, storyId, "qdpx-silence");
            var silenced = work.File("silenced" + extension);
            var outcome = await AudioSilencer.SilenceFileAsync(original, silenced, windows, work.Path, ct);
            if (outcome.Silent)
            {
                await CopyIntoAsync(zip, name, silenced, ct);
                counts.Included++;
                counts.Silenced++;
                return ($"internal://{name}", $"The recording with the lines that hold redacted words silenced. {Times}");
            }
            logger.LogWarning("Silencing recording {MediaId} for a .qdpx export failed: {Detail}", recording.MediaId, outcome.Detail);
        }
        counts.NotSilenced++;
        return (null, $"The recording is not included: redacted words in it could not be silenced. {Times}");
    }

    private static async Task CopyIntoAsync(ZipArchive zip, string name, string path, CancellationToken ct)
    {
        var entry = zip.CreateEntry("sources/" + name, CompressionLevel.NoCompression); // recordings are compressed already
        await using var target = await entry.OpenAsync(ct);
        await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await source.CopyToAsync(target, 81920, ct);
    }

    private static string MemoName(MemoRow m, Content content) => m.Target switch
    {
        MemoTarget.Story => $"Memo on the story \u201c{content.Redactor.Apply(content.Stories.First(s => s.Id == m.TargetId).Title)}\u201d",
        MemoTarget.Passage => "Memo on a coded passage",
        _ => $"Memo on the theme \u201c{CodebookService.Flatten(content.Codebook).First(n => n.Node.Theme.Id == m.TargetId).Node.Theme.Name}\u201d",
    };

    /// <summary>
    /// Titles, names and memos may hold control characters (pasted from elsewhere) that XML 1.0 cannot carry; the writer
    /// would refuse them halfway through the download. They carry no meaning, so they are dropped.
    /// </summary>
    private static void RemoveCharactersXmlCannotHold(XElement root)
    {
        static string Clean(string value) => value.Any(c => !XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c))
            ? string.Concat(value.Where(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c)))
            : value;
        foreach (var element in root.DescendantsAndSelf())
        {
            foreach (var attribute in element.Attributes()) attribute.Value = Clean(attribute.Value);
            foreach (var text in element.Nodes().OfType<XText>()) text.Value = Clean(text.Value);
        }
    }

    private static string Time(DateTime utc) => XmlConvert.ToString(DateTime.SpecifyKind(utc, DateTimeKind.Utc), XmlDateTimeSerializationMode.Utc);
}
