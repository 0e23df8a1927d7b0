using Storyweave.Features.Codebook;
using Storyweave.Features.Consent;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Testing;

/// <summary>Intent methods for sense-making: themes (written straight to the database, as the codebook UI lives elsewhere) and stories ready to code.</summary>
public sealed partial class TestApp
{
    public sealed record Teller(string Name, bool Analysis = true);

    public async Task<int> CreateThemeAsync(int projectId, string name, string color = "#1f5c4a")
    {
        return await WithDbAsync(async db =>
        {
            var theme = new Theme { ProjectId = projectId, Name = name, Color = color, CreatedAt = DateTime.UtcNow };
            db.Themes.Add(theme);
            await db.SaveChangesAsync();
            return theme.Id;
        });
    }

    /// <summary>
    /// A story told by the given storytellers (each with a consent record agreeing, or not, to analysis)
    /// with a saved transcript; speaker labels that equal a storyteller's name are linked to them, and
    /// "Reporter" to the reporter. Returns the story id and the storyteller ids in order.
    /// </summary>
    public async Task<(int StoryId, List<int> StorytellerIds)> CreateCodingStoryAsync(int projectId, TestUser by, IReadOnlyList<Teller> tellers, IReadOnlyList<TranscriptService.CueInput> cues)
    {
        var (storyId, ids) = await WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var people = tellers.Select(t => new Storyteller { ProjectId = projectId, Name = t.Name, CreatedAt = now }).ToList();
            db.Storytellers.AddRange(people);
            var story = new Story { ProjectId = projectId, Title = Unique("Story "), CreatedAt = now };
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
                    Analysis = teller.Analysis,
                    Method = ConsentMethod.PaperForm,
                    GivenAt = now,
                    RecordedAt = now,
                });
            }
            await db.SaveChangesAsync();
            return (story.Id, people.Select(p => p.Id).ToList());
        });
        var saved = await WithServiceAsync<TranscriptService, bool>(async t => (await t.SaveAsync(projectId, storyId, cues, null, "typed", by.Id)).Saved);
        if (!saved) throw new InvalidOperationException("The test transcript was not saved.");
        return (storyId, ids);
    }
}
