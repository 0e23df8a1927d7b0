using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Storyweave.Features.Coding;
using Storyweave.Features.Review;
using Storyweave.Features.Stories;
using Storyweave.Features.Workshops;

namespace Storyweave.Testing;

/// <summary>Intents for live workshops: transcripts with passages and key quotes, workshops, join links.</summary>
public sealed partial class TestApp
{
    public sealed record Span(int StoryId, int Id, int StartOffset, int EndOffset, double? StartSeconds, double? EndSeconds, string Text);

    /// <summary>
    /// A story by one storyteller with a two-cue transcript (speaker "Teller"), a coded passage over
    /// the second cue and a review-sheet key quote over the first; the storyteller agreed to analysis.
    /// </summary>
    public async Task<(Span Passage, Span Quote, int StorytellerId)> CreateCodedStoryAsync(int projectId)
    {
        var (storyId, tellers) = await CreateStoryAsync(projectId);
        return await WithDbAsync(async db =>
        {
            var first = Unique("We waited months for a reply ");
            var second = Unique("The support group gave me my confidence back ");
            db.TranscriptCues.Add(new TranscriptCue { StoryId = storyId, Position = 0, StartSeconds = 1.5, EndSeconds = 6.25, Speaker = "Teller", Text = first });
            db.TranscriptCues.Add(new TranscriptCue { StoryId = storyId, Position = 1, StartSeconds = 6.25, EndSeconds = 12.0, Speaker = "Teller", Text = second });
            db.SpeakerLabels.Add(new SpeakerLabel { StoryId = storyId, Label = "Teller", StorytellerId = tellers[0] });
            var passage = new CodedPassage
            {
                ProjectId = projectId,
                StoryId = storyId,
                StartOffset = first.Length + 1,
                EndOffset = first.Length + 1 + second.Length,
                Snippet = second,
                StartSeconds = 6.25,
                EndSeconds = 12.0,
                Speaker = "Teller",
                CreatedAt = DateTime.UtcNow,
            };
            db.Passages.Add(passage);
            db.ReviewSheets.Add(new ReviewSheet { StoryId = storyId, ProjectId = projectId, UpdatedAt = DateTime.UtcNow });
            var quote = new KeyQuote { StoryId = storyId, Position = 0, StartOffset = 0, EndOffset = first.Length, Text = first, StartSeconds = 1.5, EndSeconds = 6.25, Speaker = "Teller" };
            db.KeyQuotes.Add(quote);
            await db.SaveChangesAsync();
            return (new Span(storyId, passage.Id, passage.StartOffset, passage.EndOffset, 6.25, 12.0, second),
                new Span(storyId, quote.Id, 0, first.Length, 1.5, 6.25, first), tellers[0]);
        });
    }

    /// <summary>A new consent record (the newest is in force) in which the storyteller no longer agrees to analysis.</summary>
    public Task WithdrawAnalysisConsentAsync(int projectId, int storytellerId) => WithDbAsync(async db =>
    {
        db.ConsentRecords.Add(new Storyweave.Features.Consent.ConsentRecord
        {
            ProjectId = projectId,
            StorytellerId = storytellerId,
            Recording = true,
            Analysis = false,
            Method = Storyweave.Features.Consent.ConsentMethod.PaperForm,
            GivenAt = DateTime.UtcNow,
            RecordedAt = DateTime.UtcNow,
        });
        return await db.SaveChangesAsync();
    });

    /// <summary>A workshop made through the API by <paramref name="facilitator"/>, with the given cards on it.</summary>
    public static async Task<int> CreateWorkshopAsync(HttpClient facilitator, int projectId, int votes = 3, IReadOnlyList<int>? passageIds = null, IReadOnlyList<int>? quoteIds = null, string title = "Workshop")
    {
        var created = await facilitator.PostAsJsonAsync($"/api/projects/{projectId}/workshops", new { title, kind = "SenseMaking", votesPerParticipant = votes });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<IdDto>())!.Id;
        if (passageIds is not null || quoteIds is not null)
        {
            var added = await facilitator.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{id}/cards", new { passageIds = passageIds ?? [], keyQuoteIds = quoteIds ?? [] });
            added.EnsureSuccessStatusCode();
        }
        return id;
    }

    private sealed record IdDto(int Id);

    public sealed record JoinLinkDto(int ParticipantId, string Secret, string Path);

    public static async Task<JoinLinkDto> CreateJoinLinkAsync(HttpClient facilitator, int projectId, int workshopId, string name)
    {
        var response = await facilitator.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{workshopId}/links", new { displayName = name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JoinLinkDto>())!;
    }

    /// <summary>
    /// Opens a join link as a browser would, gives a name, and returns a client signed in to the
    /// workshop whose requests carry the board page's antiforgery token.
    /// </summary>
    public async Task<HttpClient> JoinAsGuestAsync(string joinPath, string name)
    {
        var client = AnonymousClient();
        var posted = await PostFormAsync(client, joinPath, new() { ["name"] = name });
        if (posted.StatusCode != System.Net.HttpStatusCode.Redirect) throw new InvalidOperationException($"Joining failed: {(int)posted.StatusCode}");
        var board = await client.GetStringAsync(joinPath);
        var token = BoardAntiforgery().Match(board);
        if (!token.Success) throw new InvalidOperationException("The joined page shows no board.");
        client.DefaultRequestHeaders.Add("RequestVerificationToken", System.Net.WebUtility.HtmlDecode(token.Groups[1].Value));
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex BoardAntiforgery();

    /// <summary>
    /// Uploads a short spoken MP3 (espeak-ng + ffmpeg, about 8 seconds; browsers play it as it is)
    /// to the story through the media API and returns its id.
    /// </summary>
    public static async Task<int> UploadRecordingAsync(HttpClient uploader, int projectId, int storyId)
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("speech.wav"), "We waited months for a reply. Nobody called us back. The support group gave me my confidence back, and I started to speak up again, at meetings and at home, with my family and my friends. It took a long time, but now I help other people who are waiting, and that makes me proud.");
        var mp3 = await TestMedia.ConvertAsync(wav, folder.File("speech.mp3"), "-c:a", "libmp3lame");
        using var content = TestMedia.FileContent(mp3, "interview.mp3");
        var response = await uploader.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Upload failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<IdDto>(JsonOptions))!.Id;
    }

    public static string WorkshopOrigin(int workshopId) => $"workshop:{workshopId}";

    public static Task<WorkshopService.BoardDto> BoardAsAsync(HttpClient client, int projectId, int workshopId) =>
        client.GetFromJsonAsync<WorkshopService.BoardDto>($"/api/projects/{projectId}/workshops/{workshopId}/board", JsonOptions)!;

    public static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

}
