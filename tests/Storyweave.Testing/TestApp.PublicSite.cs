using System.Globalization;
using Storyweave.Features.Clips;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Media;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Testing;

/// <summary>
/// Intent methods for the public story site. Clips and report files are made by features built
/// elsewhere, so their rows and files are written here directly, as those features store them.
/// </summary>
public sealed partial class TestApp
{
    /// <summary>A storyteller of a public-site test story and their consent.</summary>
    public sealed record PublicTeller(string Name, bool Publish = true, bool Clips = true, CreditStyle Credit = CreditStyle.Named,
        string Pseudonym = "", DateOnly? EmbargoUntil = null, bool Withdrawn = false);

    public sealed record PublicStory(int Id, List<int> StorytellerIds, int? MediaId);

    /// <summary>
    /// A story told by <paramref name="tellers"/> whose transcript has one line per teller (spoken
    /// under their own name as the speaker label) after a reporter's question; <paramref name="words"/>
    /// are put in every line so tests can look for them. Optionally with a recording (a copy of
    /// <paramref name="recording"/>, stored as browsers play it) and marked published.
    /// </summary>
    public async Task<PublicStory> CreatePublicStoryAsync(int projectId, string title, IReadOnlyList<PublicTeller> tellers, string words,
        bool published, string? recording = null)
    {
        return await WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var people = tellers.Select(t => new Storyteller { ProjectId = projectId, Name = t.Name, CreatedAt = now, WithdrawnAt = t.Withdrawn ? now : null }).ToList();
            db.Storytellers.AddRange(people);
            var story = new Story { ProjectId = projectId, Title = title, CreatedAt = now, RecordedOn = new DateOnly(2026, 5, 1), TranscriptFormat = "typed", TranscriptVersion = 1 };
            if (published)
            {
                story.PublishedAt = now;
            }
            db.Stories.Add(story);
            await db.SaveChangesAsync();
            foreach (var (person, teller) in people.Zip(tellers))
            {
                db.StoryStorytellers.Add(new StoryStoryteller { StoryId = story.Id, StorytellerId = person.Id });
                db.SpeakerLabels.Add(new SpeakerLabel { StoryId = story.Id, Label = teller.Name, StorytellerId = person.Id });
                db.ConsentRecords.Add(new ConsentRecord
                {
                    ProjectId = projectId,
                    StorytellerId = person.Id,
                    Recording = true,
                    Analysis = true,
                    Quotes = true,
                    Clips = teller.Clips,
                    PublishStory = teller.Publish,
                    CreditInReports = teller.Credit,
                    CreditInClips = teller.Credit,
                    CreditOnPublicSite = teller.Credit,
                    Pseudonym = teller.Pseudonym,
                    EmbargoUntil = teller.EmbargoUntil,
                    Method = ConsentMethod.PaperForm,
                    PaperFormReference = "form.pdf",
                    GivenAt = now,
                    RecordedAt = now,
                });
            }
            db.SpeakerLabels.Add(new SpeakerLabel { StoryId = story.Id, Label = "Reporter", IsReporter = true });
            var position = 0;
            db.TranscriptCues.Add(new TranscriptCue { StoryId = story.Id, Position = position++, StartSeconds = 0, EndSeconds = 1, Speaker = "Reporter", Text = $"Tell me about it ({words})." });
            foreach (var teller in tellers)
            {
                db.TranscriptCues.Add(new TranscriptCue
                {
                    StoryId = story.Id,
                    Position = position,
                    StartSeconds = position,
                    EndSeconds = position + 1,
                    Speaker = teller.Name,
                    Text = $"I am the storyteller and I said {words} in line {position}.",
                });
                position++;
            }
            await db.SaveChangesAsync();
            int? mediaId = null;
            if (recording is not null) mediaId = await AddRecordingAsync(db, projectId, story.Id, recording);
            return new PublicStory(story.Id, people.Select(p => p.Id).ToList(), mediaId);
        });
    }

    private async Task<int> AddRecordingAsync(Data.StoryweaveDb db, int projectId, int storyId, string source)
    {
        var extension = Path.GetExtension(source);
        var storedName = MediaStorage.NewStoredName(extension);
        var dir = Path.Combine(Options.MediaDir, projectId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.Copy(source, Path.Combine(dir, storedName));
        var media = new MediaFile
        {
            ProjectId = projectId,
            StoryId = storyId,
            OriginalFileName = Path.GetFileName(source),
            StoredName = storedName,
            SizeBytes = new FileInfo(source).Length,
            Container = extension.TrimStart('.'),
            AudioCodec = "pcm_s16le",
            DurationSeconds = 5,
            OriginalIsWebPlayable = true,
            RenditionStatus = RenditionStatus.NotNeeded,
            UploadedAt = DateTime.UtcNow,
        };
        db.MediaFiles.Add(media);
        await db.SaveChangesAsync();
        return media.Id;
    }

    /// <summary>Codes the story's first storyteller line with a new theme of this name; returns the theme id.</summary>
    public async Task<int> CodeStoryWithThemeAsync(int projectId, int storyId, string themeName)
    {
        var themeId = await CreateThemeAsync(projectId, themeName);
        await WithDbAsync(async db =>
        {
            var passage = new CodedPassage { ProjectId = projectId, StoryId = storyId, StartOffset = 0, EndOffset = 5, Snippet = "Tell ", CreatedAt = DateTime.UtcNow };
            passage.Themes.Add(new PassageTheme { ThemeId = themeId });
            db.Passages.Add(passage);
            await db.SaveChangesAsync();
            return passage.Id;
        });
        return themeId;
    }

    public sealed record TestClip(int StoryId, int MediaId, OutputStatus Status = OutputStatus.Ready, string Title = "A clip");

    /// <summary>A playlist with clips whose files (a copy of <paramref name="clipSource"/> and a .vtt) are under clips/{projectId}/.</summary>
    public async Task<(int PlaylistId, List<int> ClipIds)> CreatePlaylistAsync(int projectId, string title, bool published, string clipSource, IReadOnlyList<TestClip> clips)
    {
        return await WithDbAsync(async db =>
        {
            var playlist = new Playlist { ProjectId = projectId, Title = title, CreatedAt = DateTime.UtcNow, PublishedAt = published ? DateTime.UtcNow : null };
            db.Playlists.Add(playlist);
            await db.SaveChangesAsync();
            var dir = Path.Combine(DataDir, "clips", projectId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var rows = new List<Clip>();
            foreach (var (c, i) in clips.Select((c, i) => (c, i)))
            {
                var name = Guid.NewGuid().ToString("N");
                File.Copy(clipSource, Path.Combine(dir, name + Path.GetExtension(clipSource)));
                await File.WriteAllTextAsync(Path.Combine(dir, name + ".vtt"), $"WEBVTT\n\n00:00.000 --> 00:01.000\n{c.Title}\n");
                var clip = new Clip
                {
                    PlaylistId = playlist.Id,
                    ProjectId = projectId,
                    StoryId = c.StoryId,
                    MediaFileId = c.MediaId,
                    StartSeconds = 0,
                    EndSeconds = 1,
                    Title = c.Title,
                    Position = i,
                    Status = c.Status,
                    StoredName = name + Path.GetExtension(clipSource),
                    CaptionsStoredName = name + ".vtt",
                    DurationSeconds = 1,
                    CreatedAt = DateTime.UtcNow,
                };
                db.Clips.Add(clip);
                rows.Add(clip);
            }
            await db.SaveChangesAsync();
            return (playlist.Id, rows.Select(r => r.Id).ToList());
        });
    }

    /// <summary>A report file row and its file under outputs/{projectId}/ with <paramref name="content"/>.</summary>
    public async Task<int> CreateReportFileAsync(int projectId, string title, string content, bool published, OutputStatus status = OutputStatus.Ready, bool outOfDate = false)
    {
        return await WithDbAsync(async db =>
        {
            var report = new Report { ProjectId = projectId, Title = title, Date = new DateOnly(2026, 10, 1), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            db.Reports.Add(report);
            await db.SaveChangesAsync();
            var name = Guid.NewGuid().ToString("N") + ".md";
            var dir = Path.Combine(DataDir, "outputs", projectId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, name), content);
            var file = new ReportFile
            {
                ProjectId = projectId,
                ReportId = report.Id,
                Format = ReportFormat.Markdown,
                Status = status,
                StoredName = name,
                SizeBytes = content.Length,
                CreatedAt = DateTime.UtcNow,
                CompletedAt = DateTime.UtcNow,
                PublishedAt = published ? DateTime.UtcNow : null,
                OutOfDateAt = outOfDate ? DateTime.UtcNow : null,
                OutOfDateReason = outOfDate ? "A storyteller changed their consent." : "",
            };
            db.ReportFiles.Add(file);
            await db.SaveChangesAsync();
            return file.Id;
        });
    }
}
