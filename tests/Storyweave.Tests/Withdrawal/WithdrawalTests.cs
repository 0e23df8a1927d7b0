using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Review;
using Storyweave.Features.Stories;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Tests.Withdrawal;

public sealed partial class WithdrawalTests(AppFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<AppFixture>
{
    /// <summary>An app of the test's own (one that is stopped, killed and started again), instead of the class's shared one.</summary>
    private TestApp? _own;

    private TestApp App => _own ?? fixture.App;

    private async Task<(int ProjectId, TestApp.TestUser Lead, HttpClient Api)> ProjectAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        return (projectId, lead, await App.ApiClientAsync(lead));
    }

    private static async Task<string> SearchAsync(HttpClient api, int projectId, string words) =>
        await api.GetStringAsync($"/api/projects/{projectId}/search?q={Uri.EscapeDataString(words)}");

    [Fact]
    public async Task Withdrawal_from_use_removes_the_story_from_search_and_the_board_at_once_and_is_recorded_as_on_behalf()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var (passage, quote, tellerId) = await App.CreateCodedStoryAsync(projectId);
        await App.ReindexStoryAsync(projectId, passage.StoryId);
        const string word = "confidence"; // in this project, only this story says it
        Assert.DoesNotContain("\"total\":0,", await SearchAsync(api, projectId, word), StringComparison.Ordinal);
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId, passageIds: [passage.Id], quoteIds: [quote.Id]);
        Assert.All((await TestApp.BoardAsAsync(api, projectId, workshopId)).Cards, c => Assert.True(c.Available));

        var refused = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/withdrawal/from-use", new { uses = new[] { "Analysis" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("Say how the storyteller told you", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var done = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/withdrawal/from-use",
            new { uses = new[] { "Analysis", "Quotes" }, howTold = "Phone call" });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);

        Assert.Contains("\"total\":0,", await SearchAsync(api, projectId, word), StringComparison.Ordinal);
        var board = await TestApp.BoardAsAsync(api, projectId, workshopId);
        Assert.All(board.Cards, c => { Assert.False(c.Available); Assert.Null(c.Text); });
        var storyPage = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories/{passage.StoryId}");
        Assert.DoesNotContain(passage.Text, storyPage, StringComparison.Ordinal);

        var tellerKey = $"{tellerId}";
        var (record, events) = await App.WithDbAsync(async db => (
            await db.ConsentRecords.Where(c => c.StorytellerId == tellerId).OrderByDescending(c => c.Id).FirstAsync(),
            await db.Events.Where(e => e.ProjectId == projectId && e.ObjectId == tellerKey).Select(e => e.Action + " " + e.Detail).ToListAsync()));
        Assert.False(record.Analysis);
        Assert.False(record.Quotes);
        Assert.True(record.Recording); // what was not ticked stays as it was
        Assert.Equal(lead.Id, record.RecordedByUserId);
        Assert.Equal("Phone call", record.PaperFormReference);
        Assert.Contains("on the storyteller's behalf", record.Note, StringComparison.Ordinal);
        Assert.Contains(events, e => e == "storyteller.withdrew-from-use on-behalf uses:Analysis,Quotes");
        Assert.Contains(events, e => e == "consent.recorded withdrawal on-behalf");
    }

    [Fact]
    public async Task Only_leads_may_withdraw_a_storyteller()
    {
        var (projectId, _, _) = await ProjectAsync();
        var (_, tellers) = await App.CreateStoryAsync(projectId);
        foreach (var role in new[] { ProjectRole.CommunityReporter, ProjectRole.Analyst, ProjectRole.Viewer })
        {
            var user = await App.CreateUserAsync();
            await App.AddMemberAsync(projectId, user, role);
            var client = await App.ApiClientAsync(user);
            var fromUse = await client.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellers[0]}/withdrawal/from-use", new { uses = new[] { "Analysis" }, howTold = "x" });
            var entirely = await client.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellers[0]}/withdrawal/entirely", new { confirm = true });
            Assert.Equal(HttpStatusCode.Forbidden, fromUse.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, entirely.StatusCode);
        }
        var outsider = await App.ApiClientAsync(await App.CreateUserAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync($"/api/projects/{projectId}/storytellers/{tellers[0]}/withdrawal")).StatusCode);
        Assert.Null(await App.WithDbAsync(db => db.Storytellers.Where(s => s.Id == tellers[0]).Select(s => s.WithdrawnAt).SingleAsync()));
    }

    [Fact]
    public async Task A_full_withdrawal_without_confirmation_is_refused_and_deletes_nothing()
    {
        var (projectId, _, api) = await ProjectAsync();
        var (storyId, tellers) = await App.CreateStoryAsync(projectId);
        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellers[0]}/withdrawal/entirely", new { confirm = false });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("confirm", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await App.WithDbAsync(db => db.Stories.AnyAsync(s => s.Id == storyId)));
    }

    /// <summary>The canary's world: a withdrawing person (their words hold <see cref="Marker"/>) and a staying one (<see cref="Other"/>).</summary>
    private sealed record Canary(int ProjectId, TestApp.TestUser Lead, HttpClient Api, HttpClient Page, string Marker, string Other,
        int SoloId, int GroupId, int PersonId, int StayingId, int ThemeId, int WorkshopId);

    /// <summary>
    /// A unique marker spoken, transcribed, coded, memoed, quoted, put on a board and tagged in the recording's
    /// bytes, in a story told alone and in the withdrawn person's turns of a group story told with someone who stays.
    /// </summary>
    private async Task<Canary> CanaryAsync()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var page = await App.SignInAsync(lead);
        var marker = "canary" + Guid.NewGuid().ToString("N")[..12] + "7";
        var other = "keeper" + Guid.NewGuid().ToString("N")[..12] + "7";
        var themeId = await App.CreateThemeAsync(projectId, "Waiting");

        // A story they told alone, with timed cues, and one told with someone else.
        var (soloId, soloTellers) = await App.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Withdrawing Person")],
        [
            new TranscriptService.CueInput(0.5, 3.0, "Withdrawing Person", $"My secret word is {marker} and nobody knows it."),
            new TranscriptService.CueInput(3.0, 7.5, "Withdrawing Person", $"I waited months, {marker} again."),
        ]);
        var personId = soloTellers[0];
        var (groupId, groupTellers) = await App.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Staying Person")],
        [
            new TranscriptService.CueInput(0.5, 3.0, "Staying Person", $"I stay, my word is {other}."),
            new TranscriptService.CueInput(3.0, 6.0, "Withdrawing Person", $"In the group I said {marker} too."),
            new TranscriptService.CueInput(6.0, 8.0, "Staying Person", $"And I said {other} at the end."),
        ]);
        var stayingId = groupTellers[0];
        await App.WithDbAsync(async db =>
        {
            db.StoryStorytellers.Add(new StoryStoryteller { StoryId = groupId, StorytellerId = personId });
            var label = await db.SpeakerLabels.SingleOrDefaultAsync(l => l.StoryId == groupId && l.Label == "Withdrawing Person");
            if (label is null) db.SpeakerLabels.Add(new SpeakerLabel { StoryId = groupId, Label = "Withdrawing Person", StorytellerId = personId });
            else label.StorytellerId = personId;
            var person = await db.Storytellers.SingleAsync(s => s.Id == personId);
            (person.Email, person.SelfDescription, person.AccessNeeds) = ($"{marker}@example.org", $"I am {marker}.", $"Large print {marker}");
            db.ReviewSheets.Add(new ReviewSheet { StoryId = soloId, ProjectId = projectId, Ideas = $"Idea {marker}", UpdatedAt = DateTime.UtcNow });
            db.KeyQuotes.Add(new KeyQuote { StoryId = soloId, Position = 0, StartOffset = 0, EndOffset = 10, Text = $"My secret word is {marker}", Speaker = "Withdrawing Person" });
            return await db.SaveChangesAsync();
        });

        // Recordings with the marker in their bytes (a title tag), uploaded through the API.
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("s.wav"), "My secret word is canary. I waited months. In the group I said it too. And I stay.");
        var mp3 = await TestMedia.ConvertAsync(wav, folder.File("s.mp3"), "-c:a", "libmp3lame", "-metadata", $"title={marker}");
        foreach (var storyId in new[] { soloId, groupId })
        {
            using var content = TestMedia.FileContent(mp3, "interview.mp3");
            var uploaded = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", content);
            Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
        }

        // Coded (every turn of each speaker), a memo, on a workshop board.
        foreach (var (storyId, speaker) in new[] { (soloId, "Withdrawing Person"), (groupId, "Withdrawing Person"), (groupId, "Staying Person") })
        {
            var coded = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/passages/by-speaker", new { speaker, themeIds = new[] { themeId } });
            Assert.True(coded.IsSuccessStatusCode, await coded.Content.ReadAsStringAsync());
        }
        var memo = await api.PostAsJsonAsync($"/api/projects/{projectId}/memos", new { targetType = "Story", targetId = soloId, text = $"Memo about {marker}" });
        Assert.True(memo.IsSuccessStatusCode, await memo.Content.ReadAsStringAsync());
        await App.ReindexStoryAsync(projectId, soloId);
        await App.ReindexStoryAsync(projectId, groupId);
        var passageIds = await App.WithDbAsync(db => db.Passages.Where(p => p.ProjectId == projectId).Select(p => p.Id).ToListAsync());
        var quoteIds = await App.WithDbAsync(db => db.KeyQuotes.Where(q => q.StoryId == soloId).Select(q => q.Id).ToListAsync());
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId, passageIds: passageIds, quoteIds: quoteIds);
        return new Canary(projectId, lead, api, page, marker, other, soloId, groupId, personId, stayingId, themeId, workshopId);
    }

    /// <summary>Before: the marker is everywhere the checks look, so the checks can fail.</summary>
    private async Task AssertCanaryIsEverywhereAsync(Canary c)
    {
        Assert.Contains(c.Marker, await SearchAsync(c.Api, c.ProjectId, c.Marker), StringComparison.Ordinal);
        Assert.Contains(c.Marker, await c.Page.GetStringAsync($"/projects/{c.ProjectId}/stories/{c.GroupId}"), StringComparison.Ordinal);
        Assert.Contains((await TestApp.BoardAsAsync(c.Api, c.ProjectId, c.WorkshopId)).Cards, x => x.Text?.Contains(c.Marker, StringComparison.Ordinal) == true);
        Assert.NotEmpty(ScanDataFolder(c.Marker));
        Assert.True(await App.LineIndexHoldsAsync(c.Marker));
    }

    /// <summary>The lead withdraws the person entirely (confirmed), after checking what it will touch.</summary>
    private static async Task<WithdrawalService.Outcome> WithdrawCanaryAsync(Canary c)
    {
        var impact = await c.Api.GetFromJsonAsync<WithdrawalService.Impact>($"/api/projects/{c.ProjectId}/storytellers/{c.PersonId}/withdrawal", TestApp.JsonOptions);
        Assert.Equal((1, 1, 1, 1), (impact!.SoloStories, impact.GroupStories, impact.Recordings, impact.GroupRecordings));
        var response = await c.Api.PostAsJsonAsync($"/api/projects/{c.ProjectId}/storytellers/{c.PersonId}/withdrawal/entirely", new { confirm = true });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var outcome = (await response.Content.ReadFromJsonAsync<WithdrawalService.Outcome>(TestApp.JsonOptions))!;
        Assert.Equal(1, outcome.StoriesDeleted);
        Assert.Equal(1, outcome.RecordingsSilenced);
        return outcome;
    }

    /// <summary>After: nowhere through the API, pages or board, nor in the data folder's bytes; the staying person's words remain.</summary>
    private async Task AssertNoTraceAsync(Canary c, WithdrawalService.Outcome outcome)
    {
        var (projectId, api, page, marker, other) = (c.ProjectId, c.Api, c.Page, c.Marker, c.Other);
        Assert.DoesNotContain(marker, await SearchAsync(api, projectId, marker), StringComparison.Ordinal);
        Assert.False(await App.LineIndexHoldsAsync(marker)); // nor in the lines' full-text index's own pages
        Assert.DoesNotContain(marker, await SearchAsync(api, projectId, "secret"), StringComparison.Ordinal);
        Assert.Contains(other, await SearchAsync(api, projectId, other), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await page.GetAsync($"/projects/{projectId}/stories/{c.SoloId}")).StatusCode);
        var groupPage = await page.GetStringAsync($"/projects/{projectId}/stories/{c.GroupId}");
        Assert.DoesNotContain(marker, groupPage, StringComparison.Ordinal);
        Assert.Contains(other, groupPage, StringComparison.Ordinal);
        foreach (var url in new[] { $"/projects/{projectId}/storytellers", $"/projects/{projectId}/storytellers/{c.PersonId}", $"/projects/{projectId}/search?q=secret", $"/projects/{projectId}/activity" })
            Assert.DoesNotContain(marker, await page.GetStringAsync(url), StringComparison.Ordinal);
        foreach (var url in new[] { $"/api/projects/{projectId}/storytellers", $"/api/projects/{projectId}/stories/{c.GroupId}/passages", $"/api/projects/{projectId}/events?after=0" })
            Assert.DoesNotContain(marker, await api.GetStringAsync(url), StringComparison.Ordinal);
        var board = await TestApp.BoardAsAsync(api, projectId, c.WorkshopId);
        Assert.DoesNotContain(board.Cards, x => x.Text?.Contains(marker, StringComparison.Ordinal) == true);
        Assert.Contains(board.Cards, x => !x.Available);
        Assert.Contains(board.Cards, x => x.Text?.Contains(other, StringComparison.Ordinal) == true);
        var groupPassages = await api.GetStringAsync($"/api/projects/{projectId}/stories/{c.GroupId}/passages");
        Assert.Contains(other, groupPassages, StringComparison.Ordinal);

        // The remaining group passage still points at the other person's words after the turn was removed.
        var (plain, kept) = await App.WithDbAsync(async db => (
            string.Join("\n", await db.TranscriptCues.Where(x => x.StoryId == c.GroupId).OrderBy(x => x.Position).Select(x => x.Text).ToListAsync()),
            await db.Passages.Where(p => p.StoryId == c.GroupId).ToListAsync()));
        Assert.NotEmpty(kept);
        Assert.All(kept, p => Assert.Equal(p.Snippet, plain[p.StartOffset..p.EndOffset]));

        // Every table that declares the person's rows go ([PersonalData]) holds none about them or their story told alone,
        // and the withdrawal's own steps had already removed them all (the closing sweep found nothing left).
        Assert.Empty(outcome.Swept);
        Assert.Empty(await PersonalDataDeclarationTests.RowsLeftAsync(App, c.PersonId, [c.SoloId]));

        // The person is a withdrawn husk; events say so without content.
        var personKey = $"{c.PersonId}";
        var person = await App.WithDbAsync(db => db.Storytellers.SingleAsync(s => s.Id == c.PersonId));
        Assert.Equal(WithdrawalService.WithdrawnName, person.Name);
        Assert.NotNull(person.WithdrawnAt);
        Assert.Null(person.Email);
        Assert.Equal(0, await App.WithDbAsync(db => db.ConsentRecords.CountAsync(x => x.StorytellerId == c.PersonId)));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == projectId && e.Action == "storyteller.withdrawn" && e.ObjectId == personKey && e.Detail!.StartsWith("on-behalf"))));
        Assert.True(await App.WithDbAsync(db => db.ConsentRecords.AnyAsync(x => x.StorytellerId == c.StayingId)));

        // The group recording stays, silenced and without its tags; the solo one is gone.
        var groupMedia = await App.WithDbAsync(db => db.MediaFiles.Where(m => m.StoryId == c.GroupId).ToListAsync());
        Assert.Single(groupMedia);
        Assert.True(File.Exists(Path.Combine(App.DataDir, "media", $"{projectId}", groupMedia[0].StoredName)));

        // Not in the raw bytes of any file in the data folder (database, WAL, SHM, media, report and clip files; ZIPs unpacked).
        Assert.Empty(ScanDataFolder(marker));
        if (TestApp.PostgresServer is null) Assert.NotEmpty(ScanDataFolder(other)); // the scan sees text that should be there (in the SQLite file)
        output.WriteLine($"{outcome.Compaction.Provider}: compaction after the withdrawal took {outcome.Compaction.Milliseconds} ms");
        if (TestApp.PostgresServer is not null)
        {
            Assert.Contains("TranscriptCues", outcome.Compaction.DeadRowsAfter.Keys);
            Assert.All(outcome.Compaction.DeadRowsAfter, t => Assert.True(t.Value == 0, $"{t.Key} has {t.Value} dead rows after VACUUM"));
        }
    }

    /// <summary>
    /// The canary. After a full withdrawal the marker is found nowhere: not through the API or pages, not in any
    /// file of the data folder (database, WAL, media; ZIPs opened). The other storyteller's marker survives and is still found.
    /// </summary>
    [Fact]
    public async Task Canary_a_full_withdrawal_leaves_no_trace_while_the_other_storytellers_words_remain()
    {
        var c = await CanaryAsync();
        await AssertCanaryIsEverywhereAsync(c);
        var outcome = await WithdrawCanaryAsync(c);
        await AssertNoTraceAsync(c, outcome);
    }

    /// <summary>Every file under the data folder whose bytes hold the word (ASCII or UTF-16, any case), opening ZIP/DOCX/XLSX entries.</summary>
    private List<string> ScanDataFolder(string word)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return ScanFolder(App.DataDir, word);
    }

    /// <summary>Every file under <paramref name="root"/> whose bytes hold the word, as <see cref="ScanDataFolder"/>.</summary>
    private static List<string> ScanFolder(string root, string word)
    {
        var hits = new List<string>();
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            // Sockets and pipes (Chromium's profile has one) hold no bytes and cannot be opened for reading.
            if (new FileInfo(path) is { Length: 0 } or { LinkTarget: not null }) continue;
            byte[] bytes;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                bytes = memory.ToArray();
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            if (Holds(bytes, word)) hits.Add(path);
            hits.AddRange(ZipEntriesHolding(bytes, word).Select(entry => $"{path}!{entry}"));
        }
        return hits;
    }

    /// <summary>The entries of a ZIP (DOCX, XLSX, an export) whose bytes hold the word; none when the bytes are not a ZIP.</summary>
    private static List<string> ZipEntriesHolding(byte[] bytes, string word)
    {
        var hits = new List<string>();
        if (bytes.Length <= 4 || bytes[0] != 'P' || bytes[1] != 'K') return hits;
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        foreach (var entry in zip.Entries)
        {
            using var entryStream = entry.Open();
            using var memory = new MemoryStream();
            entryStream.CopyTo(memory);
            if (Holds(memory.ToArray(), word)) hits.Add(entry.FullName);
        }
        return hits;
    }

    private static bool Holds(byte[] bytes, string word)
    {
        var lower = Encoding.ASCII.GetString(bytes).ToLowerInvariant();
        return lower.Contains(word, StringComparison.Ordinal)
            || Encoding.Unicode.GetString(bytes).Contains(word, StringComparison.OrdinalIgnoreCase)
            || (bytes.Length > 1 && Encoding.Unicode.GetString(bytes, 1, bytes.Length - 1).Contains(word, StringComparison.OrdinalIgnoreCase));
    }
}
