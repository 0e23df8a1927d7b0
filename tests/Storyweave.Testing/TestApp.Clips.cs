using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Testing;

/// <summary>Intent methods for clip playlists: a story with a real recording, a timed transcript, coded passages and clip consent.</summary>
public sealed partial class TestApp
{
    public sealed record ClipTeller(string Name, bool Clips, CreditStyle Credit = CreditStyle.Named, string Pseudonym = "", DateOnly? EmbargoUntil = null);

    /// <summary>The story, its storytellers (in order), its recording, and one coded passage per cue (in order).</summary>
    public sealed record ClipStory(int StoryId, List<int> StorytellerIds, int MediaId, List<int> PassageIds);

    /// <summary>
    /// A story told by <paramref name="tellers"/> (each agreeing to recording and analysis, and to clips
    /// or not), with <paramref name="recordingPath"/> uploaded through the API as its recording and a
    /// transcript of <paramref name="cues"/>; each cue is coded as its own passage.
    /// </summary>
    public async Task<ClipStory> CreateClipStoryAsync(int projectId, TestUser lead, IReadOnlyList<ClipTeller> tellers,
        IReadOnlyList<TranscriptService.CueInput> cues, string recordingPath)
    {
        var (storyId, ids) = await WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var people = tellers.Select(t => new Storyteller { ProjectId = projectId, Name = t.Name, CreatedAt = now }).ToList();
            db.Storytellers.AddRange(people);
            var story = new Story { ProjectId = projectId, Title = Unique("Clip story "), CreatedAt = now };
            db.Stories.Add(story);
            await db.SaveChangesAsync();
            foreach (var (person, teller) in people.Zip(tellers))
            {
                db.StoryStorytellers.Add(new StoryStoryteller { StoryId = story.Id, StorytellerId = person.Id });
                db.ConsentRecords.Add(new ConsentRecord
                {
                    ProjectId = projectId,
                    StorytellerId = person.Id,
                    Recording = true,
                    Analysis = true,
                    Quotes = true,
                    Clips = teller.Clips,
                    CreditInClips = teller.Credit,
                    Pseudonym = teller.Pseudonym,
                    EmbargoUntil = teller.EmbargoUntil,
                    Method = ConsentMethod.PaperForm,
                    PaperFormReference = "test",
                    GivenAt = now,
                    RecordedAt = now,
                });
            }
            await db.SaveChangesAsync();
            return (story.Id, people.Select(p => p.Id).ToList());
        });
        var saved = await WithServiceAsync<TranscriptService, bool>(async t => (await t.SaveAsync(projectId, storyId, cues, null, "typed", lead.Id)).Saved);
        if (!saved) throw new InvalidOperationException("The test transcript was not saved.");

        using var api = await ApiClientAsync(lead);
        using var content = TestMedia.FileContent(recordingPath, Path.GetFileName(recordingPath));
        var upload = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
        if (!upload.IsSuccessStatusCode) throw new InvalidOperationException($"The test recording was not accepted: {await upload.Content.ReadAsStringAsync()}");
        var mediaId = (int)(await upload.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        var themeId = await CreateThemeAsync(projectId, Unique("Clip theme "));
        var passages = new List<int>();
        var offset = 0;
        foreach (var cue in cues)
        {
            var length = (cue.Text ?? "").Trim().Length;
            var result = await WithServiceAsync<CodingService, Storyweave.Features.Accounts.Result<int>>(c => c.CodeSelectionAsync(projectId, storyId, offset, offset + length, [themeId], lead.Id));
            if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors));
            passages.Add(result.Value);
            offset += length + 1;
        }
        return new ClipStory(storyId, ids, mediaId, passages);
    }

    /// <summary>Records a new consent decision for a storyteller (as a lead would), changing only clips.</summary>
    public async Task RecordClipsConsentAsync(int projectId, int storytellerId, TestUser by, bool clips, CreditStyle credit = CreditStyle.Named)
    {
        var result = await WithServiceAsync<ConsentService, Storyweave.Features.Accounts.Result<ConsentRecord>>(s => s.RecordAsync(projectId, storytellerId,
            new ConsentService.ConsentInput(true, true, true, clips, false, CreditStyle.Anonymous, credit, CreditStyle.Anonymous, null, null,
                ConsentMethod.PaperForm, null, null, "changed on paper", null, null), by.Id));
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors));
    }
}
