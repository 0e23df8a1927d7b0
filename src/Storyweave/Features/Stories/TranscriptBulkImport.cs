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
/// <para>All files are read before anything is written; any unreadable file, or a title already in the project,
/// stops the whole import with a message per file, and the write is one transaction: nothing is half-imported.
/// Lines are written in bulk (<see cref="BulkInsert"/>); the full-text index reads them where they are.</para>
/// </summary>
public sealed class TranscriptBulkImport(StoryweaveDb db, TimeProvider clock)
{
    public const int MaxFiles = 2000;
    public const long MaxTotalBytes = 256L * 1024 * 1024;
    public const string ConsentNotice = "Nobody brought in from transcript files has any consent recorded. Their stories stay out of coding, search, reports, exports, clips and the public site until you record each storyteller's consent on their page.";

    public sealed record UploadedFile(string Name, byte[] Content);

    public sealed record StoryMade(int StoryId, string Title, string Format, int Lines, IReadOnlyList<string> Storytellers, IReadOnlyList<string> ReporterLabels);

    /// <summary>What was made, or (when <see cref="Errors"/> has any) why nothing was.</summary>
    public sealed record Outcome(IReadOnlyList<StoryMade> Made, IReadOnlyList<string> Skipped, IReadOnlyList<string> Errors)
    {
        public bool Succeeded => Errors.Count == 0;
    }

    private sealed record Planned(string Title, ParsedTranscript Transcript, List<string> Tellers, List<string> ReporterLabels, bool TellersAreLabels);

    /// <param name="skipExisting">Leave out files whose title is already a story of the project (bringing in a folder again after adding to it), instead of refusing them.</param>
    public async Task<Outcome?> ImportAsync(int projectId, IReadOnlyList<UploadedFile> files, bool skipExisting, string actorUserId, CancellationToken ct = default)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, ct)) return null;
        if (files.Count == 0) return Fail("No files were sent. Choose one or more transcript files: Zoom captions (.vtt), subtitles (.srt), oTranscribe (.otr), Word documents (.docx) or text files (.txt).");
        if (files.Count > MaxFiles) return Fail($"{files.Count:N0} files were sent; at most {MaxFiles:N0} can be brought in at once. Send them in smaller groups.");

        // 1. Read every file first: one bad file stops the import before anything is written.
        var errors = new List<string>();
        var skipped = new List<string>();
        var titles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var existing = (await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).Select(s => s.Title).ToListAsync(ct))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var members = await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId && m.User != null)
            .Select(m => m.User!.DisplayName).ToListAsync(ct);
        var planned = new List<Planned>();
        // The files are parsed side by side (each on its own, no shared state), then checked in order as before.
        var parses = new (ParsedTranscript? Parsed, TranscriptFormatException? Error)[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var file = files[i];
            if (file.Content.Length == 0 || file.Content.Length > TranscriptParser.MaxFileBytes || existing.Contains(TitleOf(NameOf(file)))) return;
            try
            {
                parses[i] = (TranscriptParser.Parse(file.Content, NameOf(file), null), null);
            }
            catch (TranscriptFormatException e)
            {
                parses[i] = (null, e);
            }
        });
        for (var index = 0; index < files.Count; index++)
        {
            var file = files[index];
            var name = NameOf(file);
            var title = TitleOf(name);
            if (!titles.Add(title))
            {
                errors.Add($"{name}: another file sent makes a story with the same title, \u201c{title}\u201d. Rename one of them.");
                continue;
            }
            if (existing.Contains(title))
            {
                if (skipExisting) skipped.Add(name);
                else errors.Add($"{name}: this project already has a story called \u201c{title}\u201d. Leave the file out, rename it, or choose to leave out files already brought in.");
                continue;
            }
            if (file.Content.Length == 0)
            {
                errors.Add($"{name}: the file is empty.");
                continue;
            }
            if (file.Content.Length > TranscriptParser.MaxFileBytes)
            {
                errors.Add(TranscriptParser.TooLargeMessage(name));
                continue;
            }
            var (parsed, error) = parses[index];
            if (error is not null)
            {
                errors.AddRange(error.Errors.Take(3).Select(x => x.Line is { } line ? $"{name}, line {line}: {x.Message}" : $"{name}: {x.Message}"));
                continue;
            }
            if (parsed is null) throw new InvalidOperationException($"{name} was not read.");
            var cues = parsed.Cues.Where(c => c.Text.Trim().Length > 0).ToList();
            if (cues.Count == 0)
            {
                errors.Add($"{name}: no words were found in it.");
                continue;
            }
            var labels = cues.Select(c => Shorten(c.Speaker.Trim(), 200)).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            var reporters = labels.Where(l => SpeakerMatch.IsReporterLabel(l) || members.Any(m => SpeakerMatch.Find(l, [], m) is not null)).ToList();
            var tellers = labels.Except(reporters, StringComparer.Ordinal).ToList();
            var tellersAreLabels = tellers.Count > 0;
            if (!tellersAreLabels) tellers.Add(Shorten($"Storyteller of \u201c{title}\u201d", 200));
            planned.Add(new Planned(title, parsed with { Cues = cues.Select(c => c with { Speaker = Shorten(c.Speaker.Trim(), 200), Text = c.Text.Trim() }).ToList() }, tellers, reporters, tellersAreLabels));
        }
        if (errors.Count > 0) return new Outcome([], [], errors);
        if (planned.Count == 0) return new Outcome([], skipped, []);

        // 2. Write it all in one transaction.
        var now = clock.GetUtcNow().UtcDateTime;
        var note = Shorten($"Brought in from a transcript file on {now.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}.", 1000);
        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Every row is written in bulk (Data/BulkInsert), the ids taken first: through EF Core's change tracker the
            // stories, storytellers and speakers of a 100-file request were a fifth of its time (issue #17).
            var stories = new List<(Story Story, Planned Plan, Dictionary<string, Storyteller> Tellers)>();
            foreach (var plan in planned)
            {
                var tellers = plan.Tellers.ToDictionary(t => t, t => new Storyteller
                {
                    ProjectId = projectId,
                    Name = t,
                    EntryMethod = EntryMethod.ImportedFromTranscripts,
                    EnteredByUserId = actorUserId,
                    CopyNote = note,
                    CreatedAt = now,
                }, StringComparer.Ordinal);
                var story = new Story
                {
                    ProjectId = projectId,
                    Title = plan.Title,
                    CreatedAt = now,
                    CopyNote = note,
                    TranscriptFormat = plan.Transcript.Format,
                    TranscriptVersion = 1,
                    TranscriptUpdatedAt = now,
                    TranscriptUpdatedByUserId = actorUserId,
                };
                stories.Add((story, plan, tellers));
            }
            var storyIds = await BulkInsert.AllocateIdsAsync(db, "Stories", stories.Count, ct);
            var tellerIds = await BulkInsert.AllocateIdsAsync(db, "Storytellers", stories.Sum(s => s.Tellers.Count), ct);
            var nextTeller = 0;
            for (var i = 0; i < stories.Count; i++)
            {
                stories[i].Story.Id = checked((int)storyIds[i]);
                foreach (var teller in stories[i].Tellers.Values) teller.Id = checked((int)tellerIds[nextTeller++]);
            }
            await BulkInsert.InsertEntitiesAsync(db, stories.SelectMany(s => s.Tellers.Values), ct);
            await BulkInsert.InsertEntitiesAsync(db, stories.Select(s => s.Story), ct);
            await BulkInsert.InsertEntitiesAsync(db, stories.SelectMany(s => s.Tellers.Values.Select(t => new StoryStoryteller { StoryId = s.Story.Id, StorytellerId = t.Id })), ct);
            await BulkInsert.InsertEntitiesAsync(db, stories.SelectMany(s => (IEnumerable<SpeakerLabel>)[
                .. s.Plan.ReporterLabels.Select(l => new SpeakerLabel { StoryId = s.Story.Id, Label = l, IsReporter = true }),
                .. s.Tellers.Where(_ => s.Plan.TellersAreLabels).Select(t => new SpeakerLabel { StoryId = s.Story.Id, Label = t.Key, StorytellerId = t.Value.Id })]), ct);

            // Lines in bulk: a thousand 8,000-word transcripts are about 300,000 rows each.
            var lines = stories.Select(s => (s.Story.Id, (IReadOnlyList<TranscriptCue>)s.Plan.Transcript.Cues.Select((c, i) => new TranscriptCue
            {
                StoryId = s.Story.Id,
                Position = i,
                StartSeconds = c.Start,
                EndSeconds = c.End,
                Speaker = c.Speaker,
                Text = c.Text,
            }).ToList())).ToList();
            // The full-text index reads the lines themselves (Features/Search/README.md): nothing else to write for search.
            foreach (var (_, storyLines) in lines) SearchIndex.SetOffsets(storyLines);
            var ids = await BulkInsert.AllocateIdsAsync(db, "TranscriptCues", lines.Sum(l => l.Item2.Count), ct);
            var next = 0;
            foreach (var line in lines.SelectMany(l => l.Item2)) line.Id = ids[next++];
            await BulkInsert.InsertAsync(db, "TranscriptCues", CueColumns,
                lines.SelectMany(l => l.Item2).Select(c => new object?[] { c.Id, c.StoryId, c.Position, c.StartSeconds, c.EndSeconds, c.Speaker, c.Text, false, c.StartOffset }), ct);

            foreach (var (story, plan, _) in stories)
                db.Record(clock, projectId, actorUserId, "transcript.imported", "story", story.Id, plan.Transcript.Format);
            db.Record(clock, projectId, actorUserId, "stories.imported", "project", projectId,
                $"{stories.Count} {(stories.Count == 1 ? "story" : "stories")} from transcript files");
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);

            return new Outcome(stories.Select(s => new StoryMade(s.Story.Id, s.Story.Title, s.Plan.Transcript.Format, s.Plan.Transcript.Cues.Count,
                s.Tellers.Keys.ToList(), s.Plan.ReporterLabels)).ToList(), skipped, []);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

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
