using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Search;

namespace Storyweave.Tests.Search;

/// <summary>
/// A search's ranked matches are kept between requests on SQLite (<see cref="SearchResultCache"/>, issue #17). Whatever
/// changes the rows they come from — the app, another process, a transaction that rolls back — the next search must
/// answer from the rows as they are. PostgreSQL keeps nothing.
/// </summary>
public sealed partial class SearchResultCacheTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private SearchResultCache Cache => App.Services.GetRequiredService<SearchResultCache>();

    private sealed record Setup(int ProjectId, HttpClient Api, int StoryId, string Word, TestApp.TestUser Lead);

    private async Task<Setup> StoryAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var word = "keptcanary" + Guid.NewGuid().ToString("N")[..8];
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Robin Row")],
            [new(0, 5, "Robin", $"I found the {word} in the garden.")]);
        return new Setup(projectId, await App.ApiClientAsync(lead), storyId, word, lead);
    }

    private static async Task<(int Total, List<string> Snippets)> SearchAsync(Setup s, string words, string filters = "")
    {
        var response = await s.Api.GetAsync($"/api/projects/{s.ProjectId}/search?q={Uri.EscapeDataString(words)}{filters}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return ((int)json["total"]!, [.. json["results"]!.AsArray().Select(r => (string)r!["snippet"]!)]);
    }

    /// <summary>Searches twice and checks (SQLite) that the second answer came from the kept matches.</summary>
    private async Task<(int Total, List<string> Snippets)> SearchTwiceAsync(Setup s, string words, string filters = "")
    {
        var first = await SearchAsync(s, words, filters);
        var runs = Cache.Runs;
        var second = await SearchAsync(s, words, filters);
        Assert.Equal(first.Total, second.Total);
        Assert.Equal(first.Snippets, second.Snippets);
        Assert.Equal(runs, Cache.Runs); // SQLite: kept; PostgreSQL: nothing goes through the cache at all
        return second;
    }

    private async Task ExecuteOutsideTheAppAsync(string sql)
    {
        await using var connection = App.Options.UsesPostgres ? (DbConnection)new NpgsqlConnection(App.Options.Postgres) : new SqliteConnection($"Data Source={App.Options.SqlitePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(await command.ExecuteNonQueryAsync() > 0, sql);
    }

    [Fact]
    public async Task A_line_changed_or_deleted_by_another_process_is_never_answered_from_kept_matches()
    {
        var s = await StoryAsync();
        Assert.Equal(1, (await SearchTwiceAsync(s, s.Word)).Total);
        Assert.Equal(1, (await SearchTwiceAsync(s, "garden")).Total);

        // Not through the app (the command line, a restore, a hand-written statement): no interceptor sees it.
        await ExecuteOutsideTheAppAsync($"UPDATE \"TranscriptCues\" SET \"Text\" = 'I found nothing in the garden.' WHERE \"StoryId\" = {s.StoryId}");
        Assert.Equal(0, (await SearchAsync(s, s.Word)).Total);
        Assert.Equal(["I found nothing in the garden."], (await SearchTwiceAsync(s, "garden")).Snippets);

        // A withdrawal deletes the person's lines: the words must be gone from the next search, kept or not.
        await ExecuteOutsideTheAppAsync($"DELETE FROM \"TranscriptCues\" WHERE \"StoryId\" = {s.StoryId}");
        var after = await SearchAsync(s, "garden");
        Assert.Equal(0, after.Total);
        Assert.Empty(after.Snippets);
    }

    [Fact]
    public async Task A_theme_filter_sees_a_passage_uncoded_by_another_process_and_coding_keeps_searches_without_a_filter()
    {
        var s = await StoryAsync();
        var themeId = await App.CreateThemeAsync(s.ProjectId, "Green spaces");
        await App.WithDbAsync(async db =>
        {
            db.Passages.Add(new CodedPassage
            {
                ProjectId = s.ProjectId,
                StoryId = s.StoryId,
                StartOffset = 0,
                EndOffset = 10,
                Snippet = "I found th",
                Speaker = "Robin",
                CoderUserId = s.Lead.Id,
                CreatedAt = DateTime.UtcNow,
                Themes = [new PassageTheme { ThemeId = themeId, CoderUserId = s.Lead.Id, CodedAt = DateTime.UtcNow }],
            });
            return await db.SaveChangesAsync();
        });
        Assert.Equal(1, (await SearchTwiceAsync(s, s.Word, $"&themeId={themeId}")).Total);
        Assert.Equal(1, (await SearchTwiceAsync(s, s.Word)).Total);

        await ExecuteOutsideTheAppAsync($"DELETE FROM \"PassageThemes\" WHERE \"ThemeId\" = {themeId}");
        Assert.Equal(0, (await SearchAsync(s, s.Word, $"&themeId={themeId}")).Total);

        // Coding changes nothing a search without a theme, coder or category filter reads: its matches stay kept.
        var runs = Cache.Runs;
        Assert.Equal(1, (await SearchAsync(s, s.Word)).Total);
        Assert.Equal(runs, Cache.Runs);
    }

    /// <summary>
    /// A theme filter's lines are kept (SQLite) so new words with the same theme skip turning its passages into lines; the
    /// kept list must follow coding, uncoding and a merge through the app, and lines moved or deleted by another process.
    /// </summary>
    [Fact]
    public async Task A_theme_filters_kept_lines_serve_new_words_and_follow_coding_uncoding_a_merge_and_lines_changed_by_another_process()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var word = "linecanary" + Guid.NewGuid().ToString("N")[..8];
        string[] texts = [$"The {word} sat in the garden.", $"A {word} flew over the river.", $"The {word} sang by the school."];
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Robin Row")],
            [.. texts.Select((t, i) => new Storyweave.Features.Stories.TranscriptService.CueInput(i * 5, i * 5 + 4, "Robin", t))]);
        var s = new Setup(projectId, await App.ApiClientAsync(lead), storyId, word, lead);
        int[] offsets = [0, texts[0].Length + 1, texts[0].Length + texts[1].Length + 2];
        var themeA = await App.CreateThemeAsync(projectId, "Birds");
        var themeB = await App.CreateThemeAsync(projectId, "Water");
        async Task<int> CodeAsync(int line, int theme)
        {
            var response = await s.Api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/passages", new { startOffset = offsets[line] + 4, endOffset = offsets[line] + 12, themeIds = new[] { theme } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!;
        }
        var filter = $"&themeId={themeA}";
        var sqlite = !App.Options.UsesPostgres;

        var first = await CodeAsync(0, themeA);
        Assert.Equal([texts[0]], (await SearchAsync(s, word, filter)).Snippets);
        // New words, same theme, nothing changed: the kept lines answer (no new read of the theme's passages).
        var builds = Cache.LineBuilds;
        Assert.Equal(1, (await SearchAsync(s, "garden", filter)).Total);
        Assert.Equal(0, (await SearchAsync(s, "river", filter)).Total);
        Assert.Equal(builds, Cache.LineBuilds);

        await CodeAsync(2, themeA);
        Assert.Equal(2, (await SearchAsync(s, word, filter)).Total);
        Assert.Equal(1, (await SearchAsync(s, "school", filter)).Total);

        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{projectId}/passages/{first}/themes/{themeA}")).StatusCode);
        Assert.Equal([texts[2]], (await SearchAsync(s, word, filter)).Snippets);
        Assert.Equal(0, (await SearchAsync(s, "garden", filter)).Total);

        await CodeAsync(1, themeB);
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{themeB}/merge", new { intoThemeId = themeA })).StatusCode);
        Assert.Equal(2, (await SearchAsync(s, word, filter)).Total);
        Assert.Equal(1, (await SearchAsync(s, "river", filter)).Total);

        // Another process moves every line away from the passages' offsets: no line is covered any more.
        await ExecuteOutsideTheAppAsync($"UPDATE \"TranscriptCues\" SET \"StartOffset\" = \"StartOffset\" + 1000 WHERE \"StoryId\" = {storyId}");
        Assert.Equal(0, (await SearchAsync(s, word, filter)).Total);
        await ExecuteOutsideTheAppAsync($"UPDATE \"TranscriptCues\" SET \"StartOffset\" = \"StartOffset\" - 1000 WHERE \"StoryId\" = {storyId}");
        Assert.Equal(2, (await SearchAsync(s, word, filter)).Total);
        // And deletes them (as a withdrawal does).
        await ExecuteOutsideTheAppAsync($"DELETE FROM \"TranscriptCues\" WHERE \"StoryId\" = {storyId}");
        Assert.Equal(0, (await SearchAsync(s, word, filter)).Total);
        if (sqlite) Assert.True(Cache.LineBuilds > builds);
        else Assert.Equal(0, Cache.LineBuilds);
    }

    [Fact]
    public async Task Matches_read_inside_a_transaction_see_its_changes_and_are_never_served_after_it_rolls_back()
    {
        var s = await StoryAsync();
        Assert.Equal(1, (await SearchTwiceAsync(s, s.Word)).Total);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Storyweave.Data.StoryweaveDb>();
            var search = scope.ServiceProvider.GetRequiredService<SearchService>();
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.Database.ExecuteSqlAsync($"UPDATE \"TranscriptCues\" SET \"Text\" = 'Nothing here now.' WHERE \"StoryId\" = {s.StoryId}");
            var inside = await search.SearchAsync(s.ProjectId, s.Word, new SearchService.Filters(), 1);
            Assert.Equal(0, inside.Total);
            Assert.Equal(0, (await search.SearchAsync(s.ProjectId, s.Word, new SearchService.Filters(), 1)).Total);
            await tx.RollbackAsync();
        }
        Assert.Equal(1, (await SearchAsync(s, s.Word)).Total);
        Assert.Equal(1, (await SearchTwiceAsync(s, s.Word)).Total);
    }

    [Fact]
    public async Task Every_table_the_ranked_matches_are_read_from_carries_the_triggers_that_retire_them()
    {
        if (App.Options.UsesPostgres)
        {
            // Nothing is kept on PostgreSQL: searches never go through the cache, and there are no numbers to read.
            var s = await StoryAsync();
            Assert.Equal(1, (await SearchAsync(s, s.Word)).Total);
            Assert.Equal(1, (await SearchAsync(s, s.Word)).Total);
            Assert.Equal(0, Cache.Runs);
            Assert.Equal(0, await App.WithDbAsync(db => db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM information_schema.tables WHERE table_name = 'SearchResultVersion'").SingleAsync()));
            return;
        }
        // The tables come from the statement itself (every filter on), so a table added to it later is checked too; a
        // migration that rebuilds one of them (SQLite drops a rebuilt table's triggers) fails here.
        var every = new SearchService.Filters(1, 1, "Reporter", "someone");
        var sql = SearchService.SqliteCandidatesSql(SearchQuery.Parse("two words"), every)
            + SearchService.SqliteFilterLinesSql(every with { CoderId = null }) + SearchService.SqliteFilterLinesSql(every with { ThemeId = null });
        var named = CteName().Matches(sql).Select(m => m.Groups[1].Value).ToHashSet();
        var tables = TableName().Matches(sql).Select(m => m.Groups[1].Value)
            .Where(t => !named.Contains(t) && !t.EndsWith("Fts", StringComparison.Ordinal)).ToHashSet();
        Assert.Superset(new HashSet<string> { "TranscriptCues", "SearchEntries", "Stories", "Passages", "PassageThemes", "StoryStorytellers", "StorytellerAnswers" }, tables);

        var triggers = await App.WithDbAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'";
            var list = new List<(string Table, string Sql)>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) list.Add((reader.GetString(0), reader.GetString(1)));
            return list;
        });
        foreach (var table in tables)
            foreach (var change in new[] { "INSERT", "UPDATE", "DELETE" })
                Assert.True(triggers.Any(t => t.Table == table && t.Sql.Contains($"AFTER {change}", StringComparison.Ordinal) && t.Sql.Contains("SearchResultVersion", StringComparison.Ordinal)),
                    $"{table} has no trigger that raises SearchResultVersion on {change}");
    }

    [GeneratedRegex("""(?:FROM|JOIN)\s+"(\w+)"\s""")]
    private static partial Regex TableName();

    [GeneratedRegex("""
        "(\w+)" AS MATERIALIZED
        """)]
    private static partial Regex CteName();
}
