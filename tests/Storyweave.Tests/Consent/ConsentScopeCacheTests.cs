using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Storyweave.Features.Consent;

namespace Storyweave.Tests.Consent;

/// <summary>
/// A project's consent rows are kept between requests (<see cref="ConsentScopeCache"/>, issue #17). Whatever changes
/// them — the app, another process, a transaction that rolls back — the next search must decide from the rows as they are.
/// </summary>
public sealed partial class ConsentScopeCacheTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private ConsentScopeCache Cache => App.Services.GetRequiredService<ConsentScopeCache>();

    private sealed record Setup(int ProjectId, HttpClient Api, int StoryId, int StorytellerId, string Word);

    private async Task<Setup> StoryAsync(bool analysis = true)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var word = "scopecanary" + Guid.NewGuid().ToString("N")[..8];
        var (storyId, tellers) = await App.CreateCodingStoryAsync(projectId, lead, [new("Robin Row", analysis)],
            [new(0, 5, "Robin", $"I found the {word} in the garden.")]);
        return new Setup(projectId, await App.ApiClientAsync(lead), storyId, tellers[0], word);
    }

    private static async Task<int> FoundAsync(Setup s)
    {
        var response = await s.Api.GetAsync($"/api/projects/{s.ProjectId}/search?q={s.Word}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["total"]!;
    }

    private async Task ExecuteOutsideTheAppAsync(string sql)
    {
        await using var connection = App.Options.UsesPostgres ? (DbConnection)new NpgsqlConnection(App.Options.Postgres) : new SqliteConnection($"Data Source={App.Options.SqlitePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task A_withdrawal_written_by_another_process_is_seen_by_the_next_search()
    {
        var s = await StoryAsync();
        Assert.Equal(1, await FoundAsync(s));
        var reads = Cache.Reads;
        Assert.Equal(1, await FoundAsync(s));
        Assert.Equal(reads, Cache.Reads); // the second search decided from the kept rows

        // Not through the app (the command line, a restore, a hand-written statement): no interceptor sees it.
        var now = App.Options.UsesPostgres ? "now()" : "'2026-12-07 01:00:00'";
        await ExecuteOutsideTheAppAsync($"UPDATE \"Storytellers\" SET \"WithdrawnAt\" = {now} WHERE \"Id\" = {s.StorytellerId}");
        Assert.Equal(0, await FoundAsync(s));
    }

    [Fact]
    public async Task A_consent_change_written_by_another_process_and_a_speaker_linked_in_the_app_are_seen_by_the_next_search()
    {
        var s = await StoryAsync(analysis: false);
        Assert.Equal(0, await FoundAsync(s));
        Assert.Equal(0, await FoundAsync(s));
        var yes = App.Options.UsesPostgres ? "true" : "1";
        await ExecuteOutsideTheAppAsync($"UPDATE \"ConsentRecords\" SET \"Analysis\" = {yes} WHERE \"StorytellerId\" = {s.StorytellerId}");
        Assert.Equal(1, await FoundAsync(s));
        Assert.Equal(1, await FoundAsync(s));

        // The line's speaker is now said to be another story's storyteller, who did not agree: the turn is hidden.
        var other = await StoryAsync(analysis: false);
        await App.WithDbAsync(async db =>
        {
            var label = await db.SpeakerLabels.SingleOrDefaultAsync(l => l.StoryId == s.StoryId && l.Label == "Robin");
            if (label is null) db.SpeakerLabels.Add(new Features.Stories.SpeakerLabel { StoryId = s.StoryId, Label = "Robin", StorytellerId = other.StorytellerId });
            else label.StorytellerId = other.StorytellerId;
            return await db.SaveChangesAsync();
        });
        Assert.Equal(0, await FoundAsync(s));
    }

    [Fact]
    public async Task Stories_read_a_few_at_a_time_are_kept_together_and_never_taken_for_the_whole_project()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (first, firstTellers) = await App.CreateCodingStoryAsync(projectId, lead, [new("Ash Few", true)], [new(0, 5, "Ash", "A line of the first story.")]);
        var (second, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Bo Few", true)], [new(0, 5, "Bo", "A line of the second story.")]);

        async Task<List<int>> VisibleAsync(IReadOnlyCollection<int>? storyIds)
        {
            using var scope = App.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<Storyweave.Data.StoryweaveDb>();
            var policy = scope.ServiceProvider.GetRequiredService<ConsentPolicy>();
            var loaded = storyIds is null ? await AnalysisScope.LoadAsync(db, policy, projectId) : await AnalysisScope.LoadForStoriesAsync(db, policy, projectId, storyIds);
            return [.. loaded.VisibleStoryIds.Order()];
        }

        // One story, then the other: each read by itself (the project's other rows are not read), then kept together.
        Assert.Equal([first], await VisibleAsync([first]));
        Assert.Equal([second], await VisibleAsync([second]));
        var reads = Cache.Reads;
        Assert.Equal([first, second], await VisibleAsync([first, second]));
        Assert.Equal([first], await VisibleAsync([first]));
        Assert.Equal(reads, Cache.Reads);

        // The whole project is never answered from rows kept a few stories at a time: a story none of those loads asked
        // about is there too.
        var (third, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Cy Few", true)], [new(0, 5, "Cy", "A line of the third story.")]);
        Assert.Equal([first], await VisibleAsync([first]));
        Assert.Equal([first, second, third], await VisibleAsync(null));

        // A withdrawal written by another process is seen by the next one-story load, and by the whole project's.
        var now = App.Options.UsesPostgres ? "now()" : "'2026-12-07 05:00:00'";
        await ExecuteOutsideTheAppAsync($"UPDATE \"Storytellers\" SET \"WithdrawnAt\" = {now} WHERE \"Id\" = {firstTellers[0]}");
        Assert.Empty(await VisibleAsync([first]));
        Assert.Equal([second], await VisibleAsync([second]));
        Assert.Equal([second, third], await VisibleAsync(null));
    }

    [Fact]
    public async Task Rows_read_inside_a_transaction_see_its_changes_and_are_never_served_after_it_rolls_back()
    {
        var s = await StoryAsync(analysis: false);
        Assert.Equal(0, await FoundAsync(s)); // kept: nobody agreed
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Storyweave.Data.StoryweaveDb>();
            var policy = scope.ServiceProvider.GetRequiredService<ConsentPolicy>();
            await using var tx = await db.Database.BeginTransactionAsync();
            var record = await db.ConsentRecords.AsNoTracking().Where(c => c.StorytellerId == s.StorytellerId).OrderByDescending(c => c.Id).FirstAsync();
            record.Id = 0;
            record.Analysis = true;
            db.ConsentRecords.Add(record);
            await db.SaveChangesAsync();
            var inside = await AnalysisScope.LoadForStoriesAsync(db, policy, s.ProjectId, [s.StoryId]);
            Assert.True(inside.IsStoryVisible(s.StoryId), "a load inside the transaction did not see its own new consent record");
            await tx.RollbackAsync();
        }
        Assert.Equal(0, await FoundAsync(s));
        Assert.Equal(0, await FoundAsync(s));
    }

    [Fact]
    public async Task Every_table_the_consent_rows_are_read_from_carries_the_triggers_that_retire_the_copy()
    {
        // The tables come from the statements themselves, so a table added to them later is checked too; a migration
        // that rebuilds one of them (SQLite drops a rebuilt table's triggers) fails here.
        var tables = await App.WithDbAsync(db => Task.FromResult(
            TableName().Matches(ConsentPolicy.StoryPeopleQuery(db, ConsentScopeCache.LinkQuery(db, 1)).ToQueryString() + ConsentScopeCache.LabelQuery(db, 1).ToQueryString())
                .Select(m => m.Groups[1].Value).ToHashSet()));
        Assert.Superset(new HashSet<string> { "StoryStorytellers", "Stories", "Storytellers", "ConsentRecords", "SpeakerLabels" }, tables);

        var triggers = await App.WithDbAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = App.Options.UsesPostgres
                ? "SELECT c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
                : "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'";
            var list = new List<(string Table, string Sql)>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) list.Add((reader.GetString(0), reader.GetString(1)));
            return list;
        });
        foreach (var table in tables)
            foreach (var change in new[] { "INSERT", "UPDATE", "DELETE" })
                Assert.True(triggers.Any(t => t.Table == table && t.Sql.Contains(change, StringComparison.Ordinal)
                    && (App.Options.UsesPostgres ? t.Sql.Contains("consent_scope_commit", StringComparison.Ordinal) : t.Sql.Contains("ConsentScopeVersion", StringComparison.Ordinal))),
                    $"{table} has no trigger that raises ConsentScopeVersion on {change}");
    }

    [GeneratedRegex("""(?:FROM|JOIN)\s+"(\w+)"\s""")]
    private static partial Regex TableName();
}
