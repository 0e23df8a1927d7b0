using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Search;

namespace Storyweave.Tests.Search;

/// <summary>
/// PostgreSQL searches the newest texts first and stops there when they hold enough matches
/// (<see cref="SearchService.Tuning"/>, here shrunk to 4 texts and 2 matches so a small story shows it).
/// SQLite ranks the newest matches by its own window and is unaffected by these settings.
/// </summary>
public sealed class SearchWindowTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(configureBuilder: b => b.Services.AddSingleton(new SearchService.Tuning(PostgresNewestTexts: 4, PostgresEnoughMatches: 2)));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task<JsonObject> SearchAsync(HttpClient api, int projectId, string query)
    {
        var response = await api.GetAsync($"/api/projects/{projectId}/search?q={Uri.EscapeDataString(query)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task The_newest_matches_are_shown_with_more_than_and_a_word_only_in_older_texts_is_still_found()
    {
        var lead = await _app.CreateUserAsync(name: "Lee Lead");
        var projectId = await _app.CreateProjectAsync(lead);
        var api = await _app.ApiClientAsync(lead);
        var teller = await _app.CreateStorytellerAsync(projectId, lead, "Rowan Hale");
        await _app.CreateStoryWithTranscriptAsync(projectId, lead, [teller],
            ("Rowan", "One: the harbour and the old lighthouse."),
            ("Rowan", "Two: the harbour at dawn."),
            ("Rowan", "Three: the harbour in the rain."),
            ("Rowan", "Four: the harbour wall."),
            ("Rowan", "Five: the harbour cafe."),
            ("Rowan", "Six: the harbour lights."),
            ("Rowan", "Seven: home again."),
            ("Rowan", "Eight: home for good."));

        var harbour = await SearchAsync(api, projectId, "harbour");
        var snippets = ((JsonArray)harbour["results"]!).Select(r => (string)r!["snippet"]!).ToList();
        if (TestApp.PostgresServer is not null)
        {
            // The 4 newest texts (Five to Eight) hold 2 matches: enough, so older texts are not read.
            Assert.Equal(2, (int)harbour["total"]!);
            Assert.True((bool)harbour["totalIsCapped"]!);
            Assert.All(snippets, s => Assert.Matches("^(Five|Six):", s));
        }
        else
        {
            Assert.Equal(6, (int)harbour["total"]!);
            Assert.False((bool)harbour["totalIsCapped"]!);
        }

        // Only in the oldest text: too few matches among the newest, so everything is searched.
        var lighthouse = await SearchAsync(api, projectId, "lighthouse");
        Assert.Equal(1, (int)lighthouse["total"]!);
        Assert.False((bool)lighthouse["totalIsCapped"]!);
        Assert.StartsWith("One:", (string)((JsonArray)lighthouse["results"]!)[0]!["snippet"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_speaker_filter_lists_that_speakers_newest_matches_newest_window_first_and_older_ones_when_too_few()
    {
        // On PostgreSQL the speaker filter is read from an index on (speaker, id) with the words' index (migration
        // PostgresSearchIndexes): the same lines in the same order as reading every match, newest window first.
        var lead = await _app.CreateUserAsync(name: "Lee Lead");
        var projectId = await _app.CreateProjectAsync(lead);
        var api = await _app.ApiClientAsync(lead);
        var teller = await _app.CreateStorytellerAsync(projectId, lead, "Rowan Hale");
        await _app.CreateStoryWithTranscriptAsync(projectId, lead, [teller],
            ("Bo", "One: the harbour and the old lighthouse."),
            ("Rowan", "Two: the harbour at dawn."),
            ("Bo", "Three: the harbour in the rain."),
            ("Rowan", "Four: the harbour wall."),
            ("Bo", "Five: the harbour cafe."),
            ("Rowan", "Six: the harbour lights."),
            ("Bo", "Seven: the harbour again."),
            ("Rowan", "Eight: home for good."));

        var response = await api.GetAsync($"/api/projects/{projectId}/search?q=harbour&speaker=Bo");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bo = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var snippets = ((JsonArray)bo["results"]!).Select(r => (string)r!["snippet"]!).ToList();
        Assert.All((JsonArray)bo["results"]!, r => Assert.Equal("Bo", (string)r!["speaker"]!));
        if (TestApp.PostgresServer is not null)
        {
            // The 4 newest texts (Five to Eight) hold Bo's Five and Seven: enough, so older texts are not read.
            Assert.Equal(2, (int)bo["total"]!);
            Assert.True((bool)bo["totalIsCapped"]!);
            Assert.Equal("Five: Seven:", string.Join(' ', snippets.Select(s => s[..s.IndexOf(' ', StringComparison.Ordinal)]).Order(StringComparer.Ordinal)));
        }
        else
        {
            Assert.Equal(4, (int)bo["total"]!);
        }

        // Bo said "lighthouse" only in the oldest text: too few among the newest, so everything is searched; Rowan never said it.
        response = await api.GetAsync($"/api/projects/{projectId}/search?q=lighthouse&speaker=Bo");
        var lighthouse = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, (int)lighthouse["total"]!);
        Assert.StartsWith("One:", (string)((JsonArray)lighthouse["results"]!)[0]!["snippet"]!, StringComparison.Ordinal);
        response = await api.GetAsync($"/api/projects/{projectId}/search?q=lighthouse&speaker=Rowan");
        Assert.Equal(0, (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["total"]!);
    }

    [Fact]
    public async Task A_broken_database_is_not_blamed_on_the_words_searched_for()
    {
        // "Search could not understand those words" is for the engine refusing the words only. A database missing what
        // search reads (here broken by hand: an index SQLite is told to use, PostgreSQL's word column) is a fault to log
        // and fix, not the person's words, so it must not be answered with that message.
        var lead = await _app.CreateUserAsync(name: "Lee Lead");
        var projectId = await _app.CreateProjectAsync(lead);
        var api = await _app.ApiClientAsync(lead);
        var teller = await _app.CreateStorytellerAsync(projectId, lead, "Rowan Hale");
        await _app.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Rowan", "The harbour at dawn."));
        Assert.Equal(1, (int)(await SearchAsync(api, projectId, "harbour"))["total"]!);

        await _app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(TestApp.PostgresServer is not null
            ? "ALTER TABLE \"TranscriptCues\" RENAME COLUMN \"SearchVector\" TO \"SearchVectorGone\""
            : $"DROP INDEX \"{SearchService.LineOwnerIndex}\""));
        var response = await api.GetAsync($"/api/projects/{projectId}/search?q=lighthouse");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("could not understand", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
