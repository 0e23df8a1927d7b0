using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Media;
using Storyweave.Features.Storytellers;
using Storyweave.Hosting;

namespace Storyweave.Features.Stories;

/// <summary>
/// Brings stories gathered with the same method in an earlier project into this one (the 2022
/// project added 15 stories from 2020): the story with its transcript and recordings, its
/// storytellers, and their whole consent history, each marked with where it came from.
/// The caller must already have checked that the person may view the earlier project.
/// </summary>
public sealed class StoryCopyService(StoryweaveDb db, MediaStorage storage, BackgroundJobs jobs, TimeProvider clock, Search.SearchIndex search)
{
    public async Task<Result<List<int>>> CopyAsync(int targetProjectId, int sourceProjectId, IReadOnlyCollection<int> storyIds, string actorUserId, CancellationToken ct = default)
    {
        if (sourceProjectId == targetProjectId) return Result.Fail<List<int>>(["Choose a different project to copy from."]);
        if (storyIds.Count == 0) return Result.Fail<List<int>>(["Tick at least one story to bring in."]);
        var source = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == sourceProjectId, ct);
        if (source is null) return Result.Fail<List<int>>(["That project does not exist."]);
        var stories = await db.Stories.AsNoTracking().AsSplitQuery()
            .Include(s => s.Storytellers).ThenInclude(x => x.Storyteller).ThenInclude(t => t!.Facets)
            .Include(s => s.Cues).Include(s => s.Speakers)
            .Where(s => s.ProjectId == sourceProjectId && storyIds.Contains(s.Id)).ToListAsync(ct);
        if (stories.Count != storyIds.Distinct().Count()) return Result.Fail<List<int>>(["One of the chosen stories is not in that project."]);

        var now = clock.GetUtcNow().UtcDateTime;
        var note = $"Copied from the project \"{source.Name}\" on {now:d MMMM yyyy}.";
        var createdFiles = new List<string>();
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);

            // One copy per person, reused if they were brought in before.
            var tellerMap = await db.Storytellers.Where(s => s.ProjectId == targetProjectId && s.CopiedFromStorytellerId != null)
                .ToDictionaryAsync(s => s.CopiedFromStorytellerId!.Value, s => s, ct);
            foreach (var original in stories.SelectMany(s => s.Storytellers).Select(x => x.Storyteller!).DistinctBy(t => t.Id))
            {
                if (tellerMap.ContainsKey(original.Id)) continue;
                var copy = new Storyteller
                {
                    ProjectId = targetProjectId,
                    Name = original.Name,
                    SelfDescription = original.SelfDescription,
                    Email = original.Email,
                    NormalizedEmail = original.NormalizedEmail,
                    Phone = original.Phone,
                    ContactPreference = original.ContactPreference,
                    ContactNotes = original.ContactNotes,
                    AccessNeeds = original.AccessNeeds,
                    EntryMethod = EntryMethod.CopiedFromProject,
                    EnteredByUserId = actorUserId,
                    CopiedFromStorytellerId = original.Id,
                    CopyNote = note,
                    SignUpCount = original.SignUpCount,
                    CreatedAt = now,
                    LastSignedUpAt = original.LastSignedUpAt,
                    Facets = original.Facets.Select(f => new StorytellerFacet { Kind = f.Kind, Value = f.Value, AddedByUserId = f.AddedByUserId, AddedAt = f.AddedAt }).ToList(),
                };
                db.Storytellers.Add(copy);
                tellerMap[original.Id] = copy;
                await db.SaveChangesAsync(ct);

                var history = await db.ConsentRecords.AsNoTracking().Where(c => c.StorytellerId == original.Id).OrderBy(c => c.Id).ToListAsync(ct);
                foreach (var c in history)
                {
                    db.ConsentRecords.Add(new ConsentRecord
                    {
                        ProjectId = targetProjectId,
                        StorytellerId = copy.Id,
                        Recording = c.Recording,
                        Analysis = c.Analysis,
                        Quotes = c.Quotes,
                        Clips = c.Clips,
                        PublishStory = c.PublishStory,
                        CreditInReports = c.CreditInReports,
                        CreditInClips = c.CreditInClips,
                        CreditOnPublicSite = c.CreditOnPublicSite,
                        Pseudonym = c.Pseudonym,
                        EmbargoUntil = c.EmbargoUntil,
                        Method = c.Method,
                        VerbalAtSeconds = c.VerbalAtSeconds,
                        PaperFormReference = c.PaperFormReference,
                        GivenAt = c.GivenAt,
                        TakenByUserId = c.TakenByUserId,
                        RecordedAt = c.RecordedAt,
                        RecordedByUserId = c.RecordedByUserId,
                        Note = $"{note} Original record {c.Id}.{(c.Note.Length > 0 ? " " + c.Note : "")}",
                    });
                }
                db.Record(clock, targetProjectId, actorUserId, "storyteller.copied", "storyteller", copy.Id, $"from-storyteller-{original.Id}");
            }

            var copiedIds = new List<int>();
            var needRendition = new List<MediaFile>();
            foreach (var s in stories)
            {
                var story = new Story
                {
                    ProjectId = targetProjectId,
                    Title = s.Title,
                    Summary = s.Summary,
                    RecordedOn = s.RecordedOn,
                    CreatedAt = now,
                    CopiedFromStoryId = s.Id,
                    CopyNote = note,
                    TranscriptFormat = s.TranscriptFormat,
                    TranscriptVersion = 1,
                    TranscriptUpdatedAt = now,
                    TranscriptUpdatedByUserId = actorUserId,
                    Storytellers = s.Storytellers.Select(x => new StoryStoryteller { StorytellerId = tellerMap[x.StorytellerId].Id }).ToList(),
                    Speakers = s.Speakers.Select(l => new SpeakerLabel { Label = l.Label, IsReporter = l.IsReporter, StorytellerId = l.StorytellerId is { } id ? tellerMap[id].Id : null }).ToList(),
                };
                db.Stories.Add(story);
                await db.SaveChangesAsync(ct);
                await TranscriptService.InsertLinesAsync(db, s.Cues.OrderBy(c => c.Position).Select(c => new TranscriptCue { StoryId = story.Id, Position = c.Position, StartSeconds = c.StartSeconds, EndSeconds = c.EndSeconds, Speaker = c.Speaker, Text = c.Text, IsDraft = c.IsDraft, StartOffset = c.StartOffset }).ToList(), ct);

                var media = await db.MediaFiles.AsNoTracking().Where(m => m.StoryId == s.Id).ToListAsync(ct);
                foreach (var m in media)
                {
                    var copy = new MediaFile
                    {
                        ProjectId = targetProjectId,
                        StoryId = story.Id,
                        OriginalFileName = m.OriginalFileName,
                        StoredName = CopyFile(sourceProjectId, m.StoredName, targetProjectId, createdFiles)!,
                        SizeBytes = m.SizeBytes,
                        Sha256 = m.Sha256,
                        HasVideo = m.HasVideo,
                        Container = m.Container,
                        AudioCodec = m.AudioCodec,
                        VideoCodec = m.VideoCodec,
                        DurationSeconds = m.DurationSeconds,
                        Width = m.Width,
                        Height = m.Height,
                        OriginalIsWebPlayable = m.OriginalIsWebPlayable,
                        RenditionStoredName = m.RenditionStatus == RenditionStatus.Ready ? CopyFile(sourceProjectId, m.RenditionStoredName, targetProjectId, createdFiles) : null,
                        RenditionStatus = m.RenditionStatus == RenditionStatus.Ready || m.RenditionStatus == RenditionStatus.NotNeeded ? m.RenditionStatus : RenditionStatus.Queued,
                        RenditionProgress = m.RenditionStatus == RenditionStatus.Ready ? 1 : 0,
                        UploadedByUserId = m.UploadedByUserId,
                        UploadedAt = m.UploadedAt,
                    };
                    db.MediaFiles.Add(copy);
                    if (copy.RenditionStatus == RenditionStatus.Queued) needRendition.Add(copy);
                }
                db.Record(clock, targetProjectId, actorUserId, "story.copied", "story", story.Id, $"from-story-{s.Id}");
                copiedIds.Add(story.Id);
            }
            await db.SaveChangesAsync(ct);
            foreach (var id in copiedIds) await search.ReindexStoryAsync(targetProjectId, id, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            // Copies whose rendition was not finished get their own, after the rows exist.
            foreach (var m in needRendition) await RenditionJob.EnqueueAsync(jobs, m.Id, CancellationToken.None);
            return Result.Ok(copiedIds);
        }
        catch
        {
            // The database rolled back; remove the file copies so nothing half-done is left.
            foreach (var file in createdFiles) File.Delete(file);
            throw;
        }
    }

    private string? CopyFile(int fromProject, string? storedName, int toProject, List<string> created)
    {
        if (storedName is null) return null;
        var newName = MediaStorage.NewStoredName(Path.GetExtension(storedName));
        Directory.CreateDirectory(storage.ProjectDir(toProject));
        var to = storage.PathOf(toProject, newName);
        File.Copy(storage.PathOf(fromProject, storedName), to);
        created.Add(to);
        return newName;
    }
}
