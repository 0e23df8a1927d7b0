using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Storyweave.Features.Search;

namespace Storyweave.Tests.Search;

/// <summary>
/// The SearchOnTranscriptRows migration on a database with stories in it: taken back to the schema before it (its
/// Down makes the copied line entries again, as they were), then upgraded as an existing installation is.
/// </summary>
public sealed class SearchMigrationTests
{
    [Fact]
    public async Task Upgrading_a_database_with_stories_moves_search_onto_the_lines_and_old_stories_are_found_at_their_words()
    {
        await using var app = await TestApp.StartAsync();
        var lead = await app.CreateUserAsync(name: "Mo Migrate");
        var projectId = await app.CreateProjectAsync(lead);
        var teller = await app.CreateStorytellerAsync(projectId, lead, "Una Upgrade");
        (string Speaker, string Text)[] lines = [("Reporter", "Where did you grow up?"), ("Una", "By the old ropewalk near the river."), ("Una", "We fished for eels after school.")];
        var storyId = await app.CreateStoryWithTranscriptAsync(projectId, lead, [teller], lines);
        var api = await app.ApiClientAsync(lead);

        // By name, not "the last one": later migrations may follow it (taking the database back undoes them too, and
        // the upgrade applies them again).
        var target = await app.WithDbAsync(db => Task.FromResult(db.Database.GetMigrations().Single(m => m.EndsWith("_SearchOnTranscriptRows", StringComparison.Ordinal))));
        var before = await app.WithDbAsync(db => Task.FromResult(db.Database.GetMigrations().TakeWhile(m => m != target).Last()));

        // The database as it was before: every line copied into SearchEntries, the lines without offsets.
        await app.WithDbAsync(async db => { await db.GetService<IMigrator>().MigrateAsync(before); return true; });
        var copies = await app.WithDbAsync(db => db.SearchEntries.Where(e => e.StoryId == storyId && e.Kind == SearchKind.Cue).OrderBy(e => e.StartOffset).Select(e => e.Text).ToListAsync());
        Assert.Equal(lines.Select(l => l.Text), copies);

        // The upgrade.
        await app.WithDbAsync(async db => { await db.GetService<IMigrator>().MigrateAsync(); return true; });
        Assert.Empty(await app.WithDbAsync(db => db.Database.GetPendingMigrationsAsync()));
        Assert.Equal(0, await app.WithDbAsync(db => db.SearchEntries.CountAsync(e => e.Kind == SearchKind.Cue)));

        var plain = string.Join("\n", lines.Select(l => l.Text));
        foreach (var (word, line) in new[] { ("ropewalk", 1), ("eels", 2), ("grow", 0) })
        {
            var response = await api.GetAsync($"/api/projects/{projectId}/search?q={word}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(1, (int)body["total"]!);
            var hit = body["results"]![0]!;
            Assert.Equal(storyId, (int)hit["storyId"]!);
            Assert.Equal(lines[line].Text, (string)hit["snippet"]!);
            Assert.Equal(plain.IndexOf(lines[line].Text, StringComparison.Ordinal), (int)hit["startOffset"]!);
        }

        // And it keeps working as before: a new line is found, and the index follows an edit.
        await app.SaveTranscriptAsync(projectId, storyId, lead, [.. lines.Take(2), ("Una", "We caught crabs after school.")]);
        var crabs = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/search?q=crabs"))!;
        Assert.Equal(1, (int)crabs["total"]!);
        Assert.Equal(0, (int)(await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/search?q=eels"))!["total"]!);
    }
}
