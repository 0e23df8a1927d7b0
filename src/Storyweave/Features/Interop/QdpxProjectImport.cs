using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.CallOut;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Events;
using Storyweave.Features.Media;
using Storyweave.Features.Search;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;
using Storyweave.Hosting;

namespace Storyweave.Features.Interop;

/// <summary>
/// Brings a REFI-QDA project (read and checked by <see cref="QdpxProjectFile"/>) into a project: the codebook merged as
/// the .qdc import merges it (<see cref="CodebookService.ImportForProjectFileAsync"/>), each text source a story with
/// its text as transcript lines, each coded selection a coded passage, notes on codes, sources and selections memos,
/// each case a storyteller with its variables as answers. All in one transaction: on any failure nothing is kept.
/// <para><b>Consent:</b> nobody imported has any consent recorded, so <see cref="Consent.ConsentPolicy"/> (deny by
/// default) keeps their stories out of coding, search, reports, exports, clips and the public site until the team
/// records each person's decisions. A source no case points to gets a storyteller of its own named after it, so the
/// story has someone whose consent can be recorded (a story without storytellers could never be used).</para>
/// </summary>
public sealed class QdpxProjectImport(StoryweaveDb db, CodebookService codebook, SearchIndex search, TimeProvider clock,
    MediaStorage storage, JobScratch scratch, BackgroundJobs jobs, StoryweaveOptions options, ILogger<QdpxProjectImport> logger)
{
    public const string ConsentNotice = "Nobody brought in from a project file has any consent recorded. Their stories stay out of coding, search, reports, exports, clips and the public site until you record each storyteller's consent on their page.";

    /// <summary>What an import does (or, for a preview, would do).</summary>
    public sealed record Summary(
        string ProjectName,
        string Origin,
        int CodesNew,
        int CodesMatched,
        int Stories,
        int CodedPassages,
        int Storytellers,
        int StorytellersNamedAfterSource,
        int Memos,
        int QuestionsNew,
        IReadOnlyList<string> Skipped,
        IReadOnlyList<(int Id, string Title)> StoriesMade,
        IReadOnlyList<(int Id, string Name)> StorytellersMade,
        int Recordings = 0)
    {
        public bool HasAnything => CodesNew + CodesMatched + Stories + Storytellers > 0;
    }

    /// <param name="zipPath">The uploaded file, to unpack and check its recordings as uploads are checked (needed when it has any).</param>
    public async Task<Result<Summary>?> PreviewAsync(int projectId, QdpxProjectFile.Project file, string? zipPath = null, CancellationToken ct = default)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, ct)) return null;
        if (await AlreadyImportedAsync(projectId, file, ct) is { } duplicate) return Result.Fail<Summary>([duplicate]);
        if (file.Sources.Any(x => x.Recording is not null))
        {
            using var work = scratch.ForProject(projectId, "qdpx-media");
            var (_, refused) = await UnpackRecordingsAsync(file, zipPath, work, ct);
            if (refused.Count > 0) return Result.Fail<Summary>(refused);
        }
        var plan = file.Codebook is null ? null : await codebook.PlanImportAsync(projectId, file.Codebook, ct);
        var questions = await NewQuestionsAsync(projectId, file, ct);
        return Result.Ok(Describe(file, plan?.Adding ?? 0, plan?.Matching ?? 0, questions.Count, [], []));
    }

    /// <summary>Imports in one transaction; a failure anywhere leaves the project as it was.</summary>
    /// <param name="progress">Told how far the import is (0–1) and what it is doing, between steps.</param>
    public async Task<Result<Summary>?> ImportAsync(int projectId, QdpxProjectFile.Project file, string fileName, string actorUserId, string? zipPath = null,
        Action<double, string>? progress = null, CancellationToken ct = default)
    {
        void Report(double fraction, string stage) => progress?.Invoke(fraction, stage);
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        var plan = file.Codebook is null ? null : await codebook.PlanImportAsync(projectId, file.Codebook, ct);
        var probe = Describe(file, plan?.Adding ?? 0, plan?.Matching ?? 0, 0, [], []);
        if (!probe.HasAnything)
            return Result.Fail<Summary>([$"\u201c{file.Name}\u201d holds no codes, text sources or cases, so there is nothing to import."]);

        // Recordings are unpacked and checked as uploads are before anything is written; one refused, nothing comes in.
        if (file.Sources.Any(x => x.Recording is not null)) Report(0.02, "Checking the recordings");
        using var work = file.Sources.Any(x => x.Recording is not null) ? scratch.ForProject(projectId, "qdpx-media") : null;
        var (recordings, refused) = work is null ? ([], []) : await UnpackRecordingsAsync(file, zipPath, work, ct);
        if (refused.Count > 0) return Result.Fail<Summary>(refused);
        var placed = new List<string>();
        var media = new List<MediaFile>();

        // Hundreds of thousands of lines in a large file: changes are detected once per save, not on every query.
        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (await AlreadyImportedAsync(projectId, file, ct) is { } duplicate) return Result.Fail<Summary>([duplicate]);
            var now = clock.GetUtcNow().UtcDateTime;
            var note = Shorten($"Imported from the project file \u201c{fileName}\u201d ({file.Name}{(file.Origin.Length > 0 ? ", made with " + file.Origin : "")}) on {now.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}.", 1000);

            Report(0.1, "Adding the codes to the codebook");
            // 1. Codes: the codebook import's own matching; the theme each code became, by its place in the tree.
            var themes = file.Codebook is null ? new Dictionary<string, int>() : await codebook.ImportForProjectFileAsync(projectId, file.Codebook, actorUserId, ct)
                ?? throw new InvalidOperationException("The codebook could not be brought in.");

            // 2. Questions and options for the cases' variables (added at the end of the call-out's list).
            var newQuestions = await NewQuestionsAsync(projectId, file, ct);
            var optionIds = await OptionsAsync(projectId, file, now, ct);

            Report(0.15, "Adding the storytellers");
            // 3. Storytellers: one per case, and one per source no case points to.
            var tellers = new Dictionary<string, Storyteller>(StringComparer.Ordinal);
            foreach (var c in file.Cases)
            {
                var teller = NewTeller(projectId, c.Name, c.Description, note, actorUserId, now);
                teller.Answers = c.Answers.Select(a => optionIds[a]).Distinct().Select(id => new StorytellerAnswer { OptionId = id }).ToList();
                tellers[c.Id] = teller;
                db.Storytellers.Add(teller);
            }
            var sourceIds = file.Sources.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            var casesOf = file.Cases.SelectMany(c => c.SourceGuids.Where(sourceIds.Contains).Select(s => (Source: s, Case: c.Id)))
                .ToLookup(x => x.Source, x => x.Case, StringComparer.Ordinal);
            var ownTellers = new Dictionary<string, Storyteller>(StringComparer.Ordinal);
            foreach (var source in file.Sources.Where(s => !casesOf[s.Id].Any()))
            {
                var teller = NewTeller(projectId, Shorten($"Storyteller of \u201c{source.Name}\u201d", 200), "", note, actorUserId, now);
                teller.Answers = source.Answers.Select(a => optionIds[a]).Distinct().Select(id => new StorytellerAnswer { OptionId = id }).ToList();
                ownTellers[source.Id] = teller;
                db.Storytellers.Add(teller);
            }

            Report(0.2, "Adding the stories and their lines");
            // 4. Stories with their lines; the text is kept exactly, so the selections' offsets hold.
            var stories = new Dictionary<string, Story>(StringComparer.Ordinal);
            foreach (var source in file.Sources)
            {
                var people = casesOf[source.Id].Select(g => tellers[g]).Append(ownTellers.GetValueOrDefault(source.Id)).OfType<Storyteller>().Distinct().ToList();
                var story = new Story
                {
                    ProjectId = projectId,
                    Title = source.Name,
                    CreatedAt = now,
                    CopyNote = note,
                    TranscriptFormat = "qdpx",
                    TranscriptVersion = 1,
                    TranscriptUpdatedAt = now,
                    TranscriptUpdatedByUserId = actorUserId,
                    Storytellers = people.Select(p => new StoryStoryteller { Storyteller = p }).ToList(),
                };
                stories[source.Id] = story;
                db.Stories.Add(story);
            }
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            foreach (var source in file.Sources)
            {
                var lines = source.Lines.Select((line, i) => new TranscriptCue
                {
                    StoryId = stories[source.Id].Id,
                    Position = i,
                    Text = line,
                    StartSeconds = source.LineTimes?[i].Start,
                    EndSeconds = source.LineTimes?[i].End,
                }).ToList();
                SearchIndex.SetOffsets(lines);
                await TranscriptService.InsertLinesAsync(db, lines, ct);
            }

            // 4b. Recordings, checked above: file first, row second (as an upload), the files taken away again on any failure.
            foreach (var source in file.Sources.Where(x => x.Recording is not null))
            {
                var r = recordings[source.Id];
                var row = MediaUploader.NewRow(r.Probe, r.FileName, r.Size, r.Sha256, projectId, stories[source.Id].Id, actorUserId, now);
                placed.Add(storage.MoveIntoPlace(r.Path, projectId, row.StoredName));
                db.MediaFiles.Add(row);
                media.Add(row);
            }
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            foreach (var row in media)
                db.Record(clock, projectId, actorUserId, "media.imported", "media", row.Id, "qdpx");

            Report(0.45, "Adding the coded passages");
            // 5. Coded passages, with the themes their codes became.
            var passages = new List<(CodedPassage Passage, QdpxProjectFile.Selection Selection)>();
            foreach (var source in file.Sources)
            {
                foreach (var s in source.Selections)
                {
                    var passage = new CodedPassage
                    {
                        ProjectId = projectId,
                        StoryId = stories[source.Id].Id,
                        StartOffset = s.Start,
                        EndOffset = s.End,
                        Snippet = s.Snippet,
                        StartSeconds = Seconds(source, s.Start, s.End).Start,
                        EndSeconds = Seconds(source, s.Start, s.End).End,
                        CoderUserId = actorUserId,
                        CreatedAt = now,
                        Origin = "qdpx",
                        Themes = s.CodeKeys.Select(k => themes[k]).Distinct().Select(id => new PassageTheme { ThemeId = id, CoderUserId = actorUserId, CodedAt = now }).ToList(),
                    };
                    db.Passages.Add(passage);
                    passages.Add((passage, s));
                }
            }
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);

            Report(0.5, "Adding the memos");
            // 6. Memos from the notes attached to what came in.
            var memos = 0;
            Memo? MemoFor(string noteGuid, MemoTarget target, int targetId)
            {
                if (!file.Notes.TryGetValue(noteGuid, out var n)) return null;
                memos++;
                var memo = new Memo { ProjectId = projectId, TargetType = target, TargetId = targetId, Text = n.Text, AuthorUserId = actorUserId, CreatedAt = now, UpdatedAt = now };
                db.Memos.Add(memo);
                return memo;
            }
            foreach (var source in file.Sources)
                foreach (var g in source.NoteGuids) MemoFor(g, MemoTarget.Story, stories[source.Id].Id);
            foreach (var (passage, selection) in passages)
                foreach (var g in selection.NoteGuids) MemoFor(g, MemoTarget.Passage, passage.Id);
            var themeMemos = false;
            foreach (var (key, notes) in file.NotesOnCodes)
                foreach (var g in notes)
                    themeMemos |= MemoFor(g, MemoTarget.Theme, themes[key]) is not null;

            // 7. What came from where, so the same file is not brought in twice.
            foreach (var (guid, story) in stories)
                db.ImportedQdaObjects.Add(new ImportedQdaObject { ProjectId = projectId, Kind = ImportedQdaObject.SourceKind, FileId = guid, TargetId = story.Id, ImportedAt = now, ImportedByUserId = actorUserId });
            foreach (var (guid, teller) in tellers)
                db.ImportedQdaObjects.Add(new ImportedQdaObject { ProjectId = projectId, Kind = ImportedQdaObject.CaseKind, FileId = guid, TargetId = teller.Id, ImportedAt = now, ImportedByUserId = actorUserId });

            var summary = Describe(file, plan?.Adding ?? 0, plan?.Matching ?? 0, newQuestions.Count,
                stories.Values.Select(s => (s.Id, s.Title)).ToList(), tellers.Values.Concat(ownTellers.Values).Select(t => (t.Id, t.Name)).ToList()) with
            { Memos = memos };
            db.Record(clock, projectId, actorUserId, "project.qdpx-imported", "project", projectId,
                string.Create(CultureInfo.InvariantCulture, $"stories {summary.Stories}, passages {summary.CodedPassages}, storytellers {summary.Storytellers}, memos {memos}, themes new {summary.CodesNew}"));
            foreach (var teller in tellers.Values.Concat(ownTellers.Values))
                db.Record(clock, projectId, actorUserId, "storyteller.imported", "storyteller", teller.Id, "no consent recorded");
            foreach (var story in stories.Values)
                db.Record(clock, projectId, actorUserId, "story.imported", "story", story.Id, "qdpx");
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            // Everything so far is saved: forget it, so indexing each story does not drag every line along.
            db.ChangeTracker.Clear();
            var indexed = 0;
            foreach (var story in stories.Values)
            {
                Report(0.55 + 0.43 * indexed / stories.Count, string.Create(CultureInfo.InvariantCulture, $"Making the stories searchable ({indexed} of {stories.Count})"));
                indexed++;
                await search.ReindexStoryAsync(projectId, story.Id, ct);
                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            Report(0.99, "Finishing");
            if (themeMemos) await search.ReindexThemeMemosAsync(projectId, ct);
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            placed.Clear();
            foreach (var row in media.Where(m => m.RenditionStatus == RenditionStatus.Queued)) await RenditionJob.EnqueueAsync(jobs, row.Id, CancellationToken.None);
            return Result.Ok(summary);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
            // Not committed: the recordings already moved into place go again, so nothing is half-imported.
            foreach (var path in placed) MediaStorage.DeleteQuietly(path);
        }
    }

    /// <summary>A recording unpacked to scratch space and checked: where it is, what ffprobe found, its size and hash.</summary>
    public sealed record UnpackedRecording(string Path, ProbeResult Probe, long Size, string Sha256, string FileName);

    /// <summary>
    /// Unpacks each source's recording to <paramref name="work"/> (streamed, counting the bytes really unpacked and
    /// hashing as it goes) and puts it through the upload's checks (<see cref="MediaUploader.CheckFileAsync"/>). Every
    /// refusal names the source and why.
    /// </summary>
    private async Task<(Dictionary<string, UnpackedRecording> Recordings, List<string> Refused)> UnpackRecordingsAsync(
        QdpxProjectFile.Project file, string? zipPath, JobScratch.Folder work, CancellationToken ct)
    {
        var result = new Dictionary<string, UnpackedRecording>(StringComparer.Ordinal);
        var refused = new List<string>();
        if (zipPath is null || !File.Exists(zipPath))
            return (result, ["The project file to import was lost on the way, so its recordings cannot be read. Choose the file again."]);
        await using var stream = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
        await using var zip = await ZipArchive.CreateAsync(stream, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, ct);
        var index = 0;
        foreach (var source in file.Sources.Where(x => x.Recording is not null))
        {
            var entryName = source.Recording!.EntryName;
            var called = $"The recording of \u201c{source.Name}\u201d ({entryName})";
            var entry = zip.Entries.FirstOrDefault(e => e.FullName == entryName);
            if (entry is null)
            {
                refused.Add($"{called} is missing from the file.");
                continue;
            }
            var path = work.File(string.Create(CultureInfo.InvariantCulture, $"recording-{index++}.part"));
            // Recordings are compressed already, so they barely shrink in a ZIP: one that unpacks to far more than it
            // takes packed is built to unpack endlessly, and is stopped there.
            var limit = Math.Min(options.MaxUploadBytes, entry.CompressedLength * 4 + 1024 * 1024);
            long size = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            try
            {
                await using var input = await entry.OpenAsync(ct);
                await using var output = MediaStorage.CreatePrivateFile(path);
                var buffer = new byte[81920];
                int read;
                while ((read = await input.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > limit) break;
                    hash.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            catch (InvalidDataException e)
            {
                refused.Add($"{called} cannot be unpacked ({e.Message}). Export the project again.");
                continue;
            }
            if (size > limit)
            {
                refused.Add(size > options.MaxUploadBytes
                    ? $"{called} is larger than {MediaText.Size(options.MaxUploadBytes)}, the most Storyweave accepts for one recording."
                    : $"{called} unpacks to far more than it takes in the file, as a file built to unpack endlessly does. Storyweave does not open it.");
                continue;
            }
            if (size == 0)
            {
                refused.Add($"{called} is empty.");
                continue;
            }
            try
            {
                var (probe, why) = await MediaUploader.CheckFileAsync(path, ct);
                if (probe is null)
                {
                    refused.Add($"{called} cannot be brought in: {why}");
                    continue;
                }
                result[source.Id] = new UnpackedRecording(path, probe, size, Convert.ToHexStringLower(hash.GetHashAndReset()), Shorten(Path.GetFileName(entryName), 200));
            }
            catch (MediaToolsMissingException e)
            {
                logger.LogError("{Problem}", e.Message);
                return (result, [MediaProbe.MissingToolsMessage]);
            }
        }
        return (result, refused);
    }

    /// <summary>A passage's times: from the first timed line it covers to the last, as coding sets them.</summary>
    private static (double? Start, double? End) Seconds(QdpxProjectFile.TextSource source, int start, int end)
    {
        if (source.LineTimes is null) return (null, null);
        var covered = new List<(double? Start, double? End)>();
        var at = 0;
        for (var i = 0; i < source.Lines.Count; i++)
        {
            var length = source.Lines[i].Length;
            if (length > 0 && at < end && at + length > start) covered.Add(source.LineTimes[i]);
            at += length + 1;
        }
        return (covered.Select(c => c.Start).FirstOrDefault(v => v is not null), covered.Select(c => c.End).LastOrDefault(v => v is not null));
    }

    private static Summary Describe(QdpxProjectFile.Project file, int codesNew, int codesMatched, int questionsNew,
        IReadOnlyList<(int, string)> stories, IReadOnlyList<(int, string)> tellers)
    {
        var sourceIds = file.Sources.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var withCase = file.Cases.SelectMany(c => c.SourceGuids).Where(sourceIds.Contains).ToHashSet(StringComparer.Ordinal);
        var own = file.Sources.Count(s => !withCase.Contains(s.Id));
        return new Summary(file.Name, file.Origin, codesNew, codesMatched, file.Sources.Count, file.SelectionCount, file.Cases.Count + own, own,
            file.MemoCount, questionsNew, file.Skipped, stories, tellers, file.Sources.Count(s => s.Recording is not null));
    }

    private async Task<string?> AlreadyImportedAsync(int projectId, QdpxProjectFile.Project file, CancellationToken ct)
    {
        var guids = file.Sources.Select(s => s.Id).Concat(file.Cases.Select(c => c.Id)).ToList();
        if (guids.Count == 0) return null;
        var earlier = await db.ImportedQdaObjects.AsNoTracking().Where(x => x.ProjectId == projectId && guids.Contains(x.FileId)).ToListAsync(ct);
        if (earlier.Count == 0) return null;
        var first = earlier.OrderBy(x => x.ImportedAt).First();
        var sources = earlier.Count(x => x.Kind == ImportedQdaObject.SourceKind);
        var cases = earlier.Count - sources;
        var what = string.Join(" and ", new[]
        {
            sources == 0 ? null : sources == 1 ? "1 of its sources" : $"{sources} of its sources",
            cases == 0 ? null : cases == 1 ? "1 of its cases" : $"{cases} of its cases",
        }.OfType<string>());
        return $"This project file was imported into this project already, on {first.ImportedAt.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}: {what} came in then. Nothing was imported, so nothing is doubled.";
    }

    /// <summary>The questions (variable names) not yet in the call-out, matched by text regardless of case.</summary>
    private async Task<List<string>> NewQuestionsAsync(int projectId, QdpxProjectFile.Project file, CancellationToken ct)
    {
        var existing = (await db.CategoryQuestions.AsNoTracking().Where(q => q.ProjectId == projectId).Select(q => q.Text).ToListAsync(ct))
            .Select(Key).ToHashSet(StringComparer.Ordinal);
        return file.AllAnswers.Select(a => a.Question).DistinctBy(Key).Where(q => !existing.Contains(Key(q))).ToList();
    }

    /// <summary>
    /// The option id for each answer, adding missing questions and options the way the call-out keeps them
    /// (a question per variable, an option per value), so answers read like sign-up answers everywhere.
    /// </summary>
    private async Task<Dictionary<QdpxProjectFile.Answer, int>> OptionsAsync(int projectId, QdpxProjectFile.Project file, DateTime now, CancellationToken ct)
    {
        var answers = file.AllAnswers.Distinct().ToList();
        var result = new Dictionary<QdpxProjectFile.Answer, int>();
        if (answers.Count == 0) return result;
        var callOut = await db.CallOuts.Include(c => c.Questions).ThenInclude(q => q.Options).AsSplitQuery().SingleOrDefaultAsync(c => c.ProjectId == projectId, ct);
        if (callOut is null)
        {
            callOut = new CallOut.CallOut { ProjectId = projectId, UpdatedAt = now };
            db.CallOuts.Add(callOut);
        }
        var made = new Dictionary<QdpxProjectFile.Answer, CategoryOption>();
        foreach (var answer in answers)
        {
            var question = callOut.Questions.FirstOrDefault(q => Key(q.Text) == Key(answer.Question));
            if (question is null)
            {
                question = new CategoryQuestion { ProjectId = projectId, Text = answer.Question, Position = callOut.Questions.Count == 0 ? 0 : callOut.Questions.Max(q => q.Position) + 1 };
                callOut.Questions.Add(question);
            }
            var option = question.Options.FirstOrDefault(o => Key(o.Label) == Key(answer.Option));
            if (option is null)
            {
                option = new CategoryOption { Label = answer.Option, Position = question.Options.Count == 0 ? 0 : question.Options.Max(o => o.Position) + 1 };
                question.Options.Add(option);
            }
            made[answer] = option;
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        foreach (var (answer, option) in made) result[answer] = option.Id;
        return result;
    }

    private static Storyteller NewTeller(int projectId, string name, string description, string note, string actorUserId, DateTime now) => new()
    {
        ProjectId = projectId,
        Name = name,
        SelfDescription = description,
        EntryMethod = EntryMethod.ImportedFromQdaProject,
        EnteredByUserId = actorUserId,
        CopyNote = note,
        CreatedAt = now,
    };

    private static string Key(string text) => QdcCodebook.Clean(text).ToUpperInvariant();

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "\u2026";
}
