using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;
using Storyweave.Data;
using Storyweave.Features.Events;
using Storyweave.Features.Search;
using Storyweave.Features.Storytellers;
using Storyweave.Features.Transcripts;

namespace Storyweave.Features.Stories;

/// <summary>
/// Brings a folder of transcripts into a project at once: each file becomes a story with its lines, titled after the
/// file. Speakers: a label that names the reporter ("Interviewer", "Reporter", a team member's name…) is marked as
/// the reporter; every other label becomes a storyteller of that story (a file without labels gets one storyteller
/// named after it), so the team sees who said what and can rename or merge people afterwards.
/// <para><b>Consent:</b> nobody brought in this way has any consent recorded, so <see cref="Consent.ConsentPolicy"/>
/// (deny by default) keeps their stories out of coding, search, reports, exports, clips and the public site until the
/// team records each person's decisions.</para>
/// <para>Any unreadable file, or a title already in the project, stops the whole import with a message per file, and
/// the write is one transaction: nothing is half-imported. The names are checked before anything is written; the files
/// are parsed side by side and written in order while the later ones are still being parsed (issue #17), so the first
/// bad file stops the writing and rolls back what was written. Rows are written in bulk (<see cref="BulkInsert"/>);
/// the full-text index reads the lines where they are. The commit is on disk before the answer; on SQLite the log's
/// checkpoint after it runs in the background (<see cref="WalCheckpoint"/>).</para>
/// </summary>
public sealed class TranscriptBulkImport(StoryweaveDb db, TimeProvider clock, ILogger<TranscriptBulkImport> logger)
{
    public const int MaxFiles = 2000;
    public const long MaxTotalBytes = 256L * 1024 * 1024;
    public const string ConsentNotice = "Nobody brought in from transcript files has any consent recorded. Their stories stay out of coding, search, reports, exports, clips and the public site until you record each storyteller's consent on their page.";

    /// <summary>
    /// One file sent. Reading it (parsing, cleaning its lines, laying out its rows) may start as soon as it has
    /// arrived (<see cref="StartReading"/>), on the thread pool, so the request receives the next file meanwhile; the
    /// import waits for it. Nothing is written while files are read.
    /// </summary>
    public sealed class UploadedFile(string name, byte[] content)
    {
        private Task<FileRead>? reading;

        public string Name { get; } = name;
        public byte[] Content { get; } = content;

        /// <summary>Starts reading the file in the background (once); files that are empty or too large are not read.</summary>
        public UploadedFile StartReading()
        {
            reading ??= Content.Length == 0 || Content.Length > TranscriptParser.MaxFileBytes
                ? Task.FromResult(FileRead.NotRead)
                : Task.Run(() => Read(this));
            return this;
        }

        internal Task<FileRead> Reading => StartReading().reading!;
    }

    /// <summary>
    /// A file read: its lines cleaned (blank lines left out, speakers and text trimmed), its speaker labels, and its
    /// rows for <c>TranscriptCues</c> with everything but the line and story ids filled in (<see cref="CueColumns"/>).
    /// </summary>
    internal sealed record FileRead(string? Format, IReadOnlyList<string> Labels, object?[][] Rows, TranscriptFormatException? Error)
    {
        public static readonly FileRead NotRead = new(null, [], [], null);
    }

    private static readonly object False = false;

    private static FileRead Read(UploadedFile file)
    {
        ParsedTranscript parsed;
        try
        {
            parsed = TranscriptParser.Parse(file.Content, NameOf(file), null);
        }
        catch (TranscriptFormatException e)
        {
            return new FileRead(null, [], [], e);
        }
        var lines = new List<TranscriptCue>(parsed.Cues.Count);
        foreach (var c in parsed.Cues)
        {
            var text = c.Text.Trim();
            if (text.Length == 0) continue;
            lines.Add(new TranscriptCue { Position = lines.Count, StartSeconds = c.Start, EndSeconds = c.End, Speaker = Shorten(c.Speaker.Trim(), 200), Text = text });
        }
        // The full-text index reads the lines themselves (Features/Search/README.md): their offsets are all search needs.
        SearchIndex.SetOffsets(lines);
        var labels = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rows = new object?[lines.Count][];
        for (var i = 0; i < rows.Length; i++)
        {
            var c = lines[i];
            if (c.Speaker.Length > 0 && seen.Add(c.Speaker)) labels.Add(c.Speaker);
            rows[i] = [null, null, c.Position, c.StartSeconds, c.EndSeconds, c.Speaker, c.Text, False, c.StartOffset];
        }
        return new FileRead(parsed.Format, labels, rows, null);
    }

    public sealed record StoryMade(int StoryId, string Title, string Format, int Lines, IReadOnlyList<string> Storytellers, IReadOnlyList<string> ReporterLabels);

    /// <summary>What was made, or (when <see cref="Errors"/> has any) why nothing was.</summary>
    public sealed record Outcome(IReadOnlyList<StoryMade> Made, IReadOnlyList<string> Skipped, IReadOnlyList<string> Errors)
    {
        public bool Succeeded => Errors.Count == 0;
    }

    private sealed record Planned(string Title, FileRead File, List<string> Tellers, List<string> ReporterLabels, bool TellersAreLabels);

    /// <summary>How many files' rows are written together while the files after them are still being read.</summary>
    private const int FilesPerWrite = 10;

    /// <param name="skipExisting">Leave out files whose title is already a story of the project (bringing in a folder again after adding to it), instead of refusing them.</param>
    public async Task<Outcome?> ImportAsync(int projectId, IReadOnlyList<UploadedFile> files, bool skipExisting, string actorUserId, CancellationToken ct = default)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, ct)) return null;
        if (files.Count == 0) return Fail("No files were sent. Choose one or more transcript files: Zoom captions (.vtt), subtitles (.srt), oTranscribe (.otr), Word documents (.docx) or text files (.txt).");
        if (files.Count > MaxFiles) return Fail($"{files.Count:N0} files were sent; at most {MaxFiles:N0} can be brought in at once. Send them in smaller groups.");

        // 1. What can be told without reading the files: names, titles, sizes. The messages are kept per file, so they
        // come out in the order of the files whatever is found later.
        var messages = new List<string>[files.Count];
        var skipped = new List<string>();
        var titles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var existing = (await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).Select(s => s.Title).ToListAsync(ct))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var members = await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId && m.User != null)
            .Select(m => m.User!.DisplayName).ToListAsync(ct);
        var candidates = new List<int>();
        for (var index = 0; index < files.Count; index++)
        {
            var file = files[index];
            var name = NameOf(file);
            var title = TitleOf(name);
            string? message = null;
            if (!titles.Add(title)) message = $"{name}: another file sent makes a story with the same title, \u201c{title}\u201d. Rename one of them.";
            else if (existing.Contains(title))
            {
                if (skipExisting) skipped.Add(name);
                else message = $"{name}: this project already has a story called \u201c{title}\u201d. Leave the file out, rename it, or choose to leave out files already brought in.";
            }
            else if (file.Content.Length == 0) message = $"{name}: the file is empty.";
            else if (file.Content.Length > TranscriptParser.MaxFileBytes) message = TranscriptParser.TooLargeMessage(name);
            else
            {
                // Read side by side on the thread pool (each file on its own, no shared state); the API starts each as it arrives.
                file.StartReading();
                candidates.Add(index);
            }
            if (message is not null) messages[index] = [message];
        }
        if (candidates.Count == 0 && !messages.Any(m => m is not null)) return new Outcome([], skipped, []);

        // 2. The files in order as each has been read, written FilesPerWrite at a time while the later ones are still
        // being read, all in one transaction: the first file that cannot be brought in stops the writing, the rest are
        // still read for their messages, and nothing is kept (the transaction is rolled back; a process killed meanwhile
        // leaves nothing either). A request whose names already failed writes nothing at all.
        var failed = messages.Any(m => m is not null);
        var now = clock.GetUtcNow().UtcDateTime;
        var note = Shorten($"Brought in from a transcript file on {now.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}.", 1000);
        // SQLite: the log's checkpoint after the commit runs in the background, not in the answer (Data/WalCheckpoint).
        await using var checkpoint = failed ? null : await WalCheckpoint.BeginAsync(db, ct);
        await using var tx = failed ? null : await db.Database.BeginTransactionAsync(ct);
        long[] storyIds = failed ? [] : await BulkInsert.AllocateIdsAsync(db, "Stories", candidates.Count, ct);
        var written = new List<Written>();
        var pending = new List<Written>();
        foreach (var index in candidates)
        {
            var file = files[index];
            var name = NameOf(file);
            var title = TitleOf(name);
            var read = await file.Reading.WaitAsync(ct);
            if (read.Error is { } error)
                messages[index] = error.Errors.Take(3).Select(x => x.Line is { } line ? $"{name}, line {line}: {x.Message}" : $"{name}: {x.Message}").ToList();
            else if (read.Rows.Length == 0)
                messages[index] = [$"{name}: no words were found in it."];
            if (messages[index] is not null)
            {
                failed = true;
                continue;
            }
            if (failed) continue;
            var reporters = read.Labels.Where(l => SpeakerMatch.IsReporterLabel(l) || members.Any(m => SpeakerMatch.Find(l, [], m) is not null)).ToList();
            var tellers = read.Labels.Except(reporters, StringComparer.Ordinal).ToList();
            var tellersAreLabels = tellers.Count > 0;
            if (!tellersAreLabels) tellers.Add(Shorten($"Storyteller of \u201c{title}\u201d", 200));
            var plan = new Planned(title, read, tellers, reporters, tellersAreLabels);
            var story = new Story
            {
                Id = checked((int)storyIds[written.Count + pending.Count]),
                ProjectId = projectId,
                Title = title,
                CreatedAt = now,
                CopyNote = note,
                TranscriptFormat = read.Format,
                TranscriptVersion = 1,
                TranscriptUpdatedAt = now,
                TranscriptUpdatedByUserId = actorUserId,
            };
            pending.Add(new Written(story, plan, plan.Tellers.ToDictionary(t => t, t => new Storyteller
            {
                ProjectId = projectId,
                Name = t,
                EntryMethod = EntryMethod.ImportedFromTranscripts,
                EnteredByUserId = actorUserId,
                CopyNote = note,
                CreatedAt = now,
            }, StringComparer.Ordinal)));
            if (pending.Count < FilesPerWrite) continue;
            await WriteAsync(pending, ct);
            written.AddRange(pending);
            pending.Clear();
        }
        if (failed) return new Outcome([], [], messages.Where(m => m is not null).SelectMany(m => m!).ToList());
        await WriteAsync(pending, ct);
        written.AddRange(pending);

        // The events as db.Record makes them, in bulk too.
        var events = written.Select(s => Event(projectId, actorUserId, "transcript.imported", "story", s.Story.Id.ToString(CultureInfo.InvariantCulture), s.Plan.File.Format, now))
            .Append(Event(projectId, actorUserId, "stories.imported", "project", projectId.ToString(CultureInfo.InvariantCulture),
                $"{written.Count} {(written.Count == 1 ? "story" : "stories")} from transcript files", now)).ToList();
        var eventIds = await BulkInsert.AllocateIdsAsync(db, "ProjectEvents", events.Count, ct);
        for (var i = 0; i < events.Count; i++) events[i].Id = eventIds[i];
        await BulkInsert.InsertEntitiesAsync(db, events, ct);
        await tx!.CommitAsync(ct);
        checkpoint!.Committed(logger);

        return new Outcome(written.Select(s => new StoryMade(s.Story.Id, s.Story.Title, s.Plan.File.Format!, s.Plan.File.Rows.Length,
            s.Tellers.Keys.ToList(), s.Plan.ReporterLabels)).ToList(), skipped, []);
    }

    private sealed record Written(Story Story, Planned Plan, Dictionary<string, Storyteller> Tellers);

    /// <summary>
    /// Writes some files' stories with their storytellers, links, speaker labels and lines, in bulk (Data/BulkInsert), the
    /// ids taken first: through EF Core's change tracker the stories, storytellers and speakers of a 100-file request
    /// were a fifth of its time (issue #17).
    /// </summary>
    private async Task WriteAsync(List<Written> stories, CancellationToken ct)
    {
        if (stories.Count == 0) return;
        var tellerIds = await BulkInsert.AllocateIdsAsync(db, "Storytellers", stories.Sum(s => s.Tellers.Count), ct);
        var nextTeller = 0;
        foreach (var story in stories)
            foreach (var teller in story.Tellers.Values) teller.Id = checked((int)tellerIds[nextTeller++]);
        await BulkInsert.InsertEntitiesAsync(db, stories.SelectMany(s => s.Tellers.Values), ct);
        await BulkInsert.InsertEntitiesAsync(db, stories.Select(s => s.Story), ct);
        await BulkInsert.InsertEntitiesAsync(db, stories.SelectMany(s => s.Tellers.Values.Select(t => new StoryStoryteller { StoryId = s.Story.Id, StorytellerId = t.Id })), ct);
        await BulkInsert.InsertEntitiesAsync(db, stories.SelectMany(s => (IEnumerable<SpeakerLabel>)[
            .. s.Plan.ReporterLabels.Select(l => new SpeakerLabel { StoryId = s.Story.Id, Label = l, IsReporter = true }),
            .. s.Tellers.Where(_ => s.Plan.TellersAreLabels).Select(t => new SpeakerLabel { StoryId = s.Story.Id, Label = t.Key, StorytellerId = t.Value.Id })]), ct);

        // The lines, laid out while the files were read: a thousand 8,000-word transcripts are about 250,000 rows.
        var ids = await BulkInsert.AllocateIdsAsync(db, "TranscriptCues", stories.Sum(s => s.Plan.File.Rows.Length), ct);
        var next = 0;
        foreach (var (story, plan, _) in stories)
            foreach (var row in plan.File.Rows)
            {
                row[0] = ids[next++];
                row[1] = story.Id;
            }
        await BulkInsert.InsertAsync(db, "TranscriptCues", CueColumns, stories.SelectMany(s => s.Plan.File.Rows), ct);
    }

    private static ProjectEvent Event(int projectId, string actorUserId, string action, string objectType, string objectId, string? detail, DateTime now) =>
        new() { ProjectId = projectId, ActorUserId = actorUserId, Action = action, ObjectType = objectType, ObjectId = objectId, Detail = detail, OccurredAt = now };

    private static readonly BulkInsert.Column[] CueColumns =
    [
        new("Id", NpgsqlDbType.Bigint), new("StoryId", NpgsqlDbType.Integer), new("Position", NpgsqlDbType.Integer),
        new("StartSeconds", NpgsqlDbType.Double), new("EndSeconds", NpgsqlDbType.Double), new("Speaker", NpgsqlDbType.Varchar),
        new("Text", NpgsqlDbType.Text), new("IsDraft", NpgsqlDbType.Boolean), new("StartOffset", NpgsqlDbType.Integer),
    ];

    /// <summary>The story's title: the file's name without its folder and extension.</summary>
    public static string TitleOf(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        var title = Path.GetFileNameWithoutExtension(name).Trim();
        return Shorten(title.Length > 0 ? title : name.Trim(), 300);
    }

    private static string NameOf(UploadedFile file) => string.IsNullOrWhiteSpace(file.Name) ? "(a file without a name)" : file.Name;

    private static Outcome Fail(string error) => new([], [], [error]);

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "\u2026";
}
