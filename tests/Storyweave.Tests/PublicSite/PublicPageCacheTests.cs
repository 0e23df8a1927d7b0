using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.PublicSite;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.PublicSite;

/// <summary>
/// The public pages are kept rendered in the server's memory for anonymous visitors (<see cref="PublicPageCache"/>,
/// issue #17). Whatever takes a story off the site or changes its words must show on the very next request: the
/// page is fetched (so it is cached) before each change and once right after it.
/// </summary>
public sealed class PublicPageCacheTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Setup(int ProjectId, TestApp.TestUser Lead, HttpClient Api, TestApp.PublicStory Story, string Title, string Words, string StoryUrl);

    private async Task<Setup> PublishedStoryAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var title = $"Cached story {tag}";
        var words = $"cachecanary{tag}";
        var story = await App.CreatePublicStoryAsync(projectId, title, [new("Cara Cached")], words, published: true);
        var setup = new Setup(projectId, lead, await App.ApiClientAsync(lead), story, title, words, $"/stories/{projectId}/{story.Id}");

        // Twice each: the second answer is the cached copy.
        var anonymous = App.AnonymousClient();
        for (var i = 0; i < 2; i++)
        {
            Assert.Contains(words, await anonymous.GetStringAsync(setup.StoryUrl), StringComparison.Ordinal);
            Assert.Contains(title, await anonymous.GetStringAsync($"/stories/{projectId}"), StringComparison.Ordinal);
            Assert.Contains(title, await anonymous.GetStringAsync("/stories"), StringComparison.Ordinal);
            Assert.Contains(title, await anonymous.GetStringAsync("/"), StringComparison.Ordinal);
        }
        return setup;
    }

    private async Task AssertGoneAsync(Setup s)
    {
        var anonymous = App.AnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(s.StoryUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{s.ProjectId}")).StatusCode); // nothing else public in it
        Assert.DoesNotContain(s.Title, await anonymous.GetStringAsync("/stories"), StringComparison.Ordinal);
        Assert.DoesNotContain(s.Title, await anonymous.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_full_withdrawal_the_next_request_no_longer_shows_the_story()
    {
        var s = await PublishedStoryAsync();
        var response = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/storytellers/{s.Story.StorytellerIds[0]}/withdrawal/entirely", new { confirm = true });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await AssertGoneAsync(s);
    }

    [Fact]
    public async Task After_consent_to_publish_is_withdrawn_the_next_request_no_longer_shows_the_story()
    {
        var s = await PublishedStoryAsync();
        Assert.True(await App.WithServiceAsync<ConsentService, bool>(async c => (await c.RecordAsync(s.ProjectId, s.Story.StorytellerIds[0],
            new ConsentService.ConsentInput(true, true, true, true, PublishStory: false, CreditStyle.Named, CreditStyle.Named, CreditStyle.Named, null, null,
                ConsentMethod.PaperForm, null, null, "new-form.pdf", null, null), s.Lead.Id)).Succeeded));
        await AssertGoneAsync(s);
    }

    [Fact]
    public async Task After_unpublishing_the_next_request_no_longer_shows_the_story()
    {
        var s = await PublishedStoryAsync();
        var response = await s.Api.PostAsync($"/api/projects/{s.ProjectId}/stories/{s.Story.Id}/unpublish", null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await AssertGoneAsync(s);
    }

    [Fact]
    public async Task After_a_redaction_rule_is_added_or_a_line_corrected_the_next_request_shows_the_new_words()
    {
        var s = await PublishedStoryAsync();
        var added = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/redaction/rules", new { term = s.Words, replacement = "[hidden]" });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        var page = await App.AnonymousClient().GetStringAsync(s.StoryUrl);
        Assert.DoesNotContain(s.Words, page, StringComparison.Ordinal);
        Assert.Contains("[hidden]", page, StringComparison.Ordinal);

        // A bulk update (as a transcript save moves lines), not through tracked entities: seen all the same.
        var corrected = $"corrected{Guid.NewGuid():N}";
        await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == s.Story.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Text, corrected)));
        Assert.Contains(corrected, await App.AnonymousClient().GetStringAsync(s.StoryUrl), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signed_in_people_are_never_served_the_cached_page_and_no_browser_or_proxy_may_store_any()
    {
        var s = await PublishedStoryAsync();
        var anonymous = App.AnonymousClient();
        var lead = await App.SignInAsync(s.Lead);

        // A change behind the app's back (another program writing to the database) is the one thing the cache
        // cannot see: anonymous visitors keep the cached page, which shows that it is cached; the signed-in lead
        // gets the page read for them.
        var retitled = $"Retitled {App.Unique("t")}";
        await using (var connection = App.Options.UsesPostgres ? (DbConnection)new NpgsqlConnection(App.Options.Postgres) : new SqliteConnection($"Data Source={App.Options.SqlitePath}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE \"Stories\" SET \"Title\" = '{retitled}' WHERE \"Id\" = {s.Story.Id}";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        try
        {
            var cached = await anonymous.GetAsync(s.StoryUrl);
            Assert.Contains(s.Title, await cached.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(cached.Headers.CacheControl?.NoStore, "Public pages are never stored by browsers or proxies.");
            var fresh = await lead.GetAsync(s.StoryUrl);
            Assert.Contains(retitled, await fresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(fresh.Headers.CacheControl?.NoStore, "Public pages are never stored by browsers or proxies.");
            // What the lead was shown was not stored for anyone either (the anonymous copy is still the old one).
            Assert.Contains(s.Title, await anonymous.GetStringAsync(s.StoryUrl), StringComparison.Ordinal);
        }
        finally
        {
            App.Services.GetRequiredService<PublicPageCache>().Invalidate();
        }
        Assert.Contains(retitled, await anonymous.GetStringAsync(s.StoryUrl), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_that_accepts_gzip_gets_the_same_page_compressed_and_anything_else_gets_it_plain()
    {
        var s = await PublishedStoryAsync();
        var plain = await App.AnonymousClient().GetStringAsync(s.StoryUrl);

        foreach (var url in new[] { s.StoryUrl, $"/stories/{s.ProjectId}", "/stories", "/" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br, zstd");
            var response = await App.AnonymousClient().SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            Assert.True(response.Headers.CacheControl is { NoStore: true } or { NoCache: true }, url);
            var compressed = await response.Content.ReadAsByteArrayAsync();
            await using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            var html = await reader.ReadToEndAsync();
            Assert.Contains(s.Title, html, StringComparison.Ordinal);
            if (url == s.StoryUrl)
            {
                Assert.Equal(plain, html);
                Assert.True(compressed.Length * 2 < html.Length, $"{compressed.Length} bytes compressed of {html.Length}");
            }
        }

        // Refused gzip (q=0), a search within the story (what a visitor typed) and a signed-in reader: plain.
        using (var refused = new HttpRequestMessage(HttpMethod.Get, s.StoryUrl))
        {
            refused.Headers.AcceptEncoding.ParseAdd("gzip;q=0, br");
            var response = await App.AnonymousClient().SendAsync(refused);
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal(plain, await response.Content.ReadAsStringAsync());
        }
        using (var search = new HttpRequestMessage(HttpMethod.Get, $"{s.StoryUrl}?q={s.Words}"))
        {
            search.Headers.AcceptEncoding.ParseAdd("gzip");
            var response = await App.AnonymousClient().SendAsync(search);
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Contains(s.Words, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var lead = await App.SignInAsync(s.Lead);
        using (var signedIn = new HttpRequestMessage(HttpMethod.Get, s.StoryUrl))
        {
            signedIn.Headers.AcceptEncoding.ParseAdd("gzip");
            var response = await lead.SendAsync(signedIn);
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Contains(s.Title, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Rows_written_in_bulk_past_EF_empty_the_cache_as_EF_writes_do_and_again_when_they_commit()
    {
        // BulkInsert writes on SQLite's own statement handle or a PostgreSQL COPY, which EF's command interceptors never
        // see; the cache must hear of them through the mechanism, not from each caller (the import and coding no longer tell it).
        var s = await PublishedStoryAsync();
        var cache = App.Services.GetRequiredService<PublicPageCache>();
        await App.WithDbAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var before = cache.Generation;
            await BulkInsert.InsertEntitiesAsync(db, new[] { new SpeakerLabel { StoryId = s.Story.Id, Label = "Narrator", IsReporter = true } }, default);
            var written = cache.Generation;
            Assert.True(written > before, "a bulk write of speaker labels (a table public pages read) did not empty the cache");

            // A table no public page reads empties nothing.
            var eventId = (await BulkInsert.AllocateIdsAsync(db, "ProjectEvents", 1, default))[0];
            await BulkInsert.InsertEntitiesAsync(db, new[] { new ProjectEvent { Id = eventId, ProjectId = s.ProjectId, Action = "test.bulk", OccurredAt = DateTime.UtcNow } }, default);
            Assert.Equal(written, cache.Generation);

            await tx.CommitAsync();
            Assert.True(cache.Generation > written, "the commit of a transaction with a bulk write did not empty the cache again");
            return 0;
        });

        // A bulk write that fails part-way (the same label again breaks the key) still empties it: rows may have gone in before the rollback.
        await App.WithDbAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var before = cache.Generation;
            await Assert.ThrowsAnyAsync<DbException>(() =>
                BulkInsert.InsertEntitiesAsync(db, new[] { new SpeakerLabel { StoryId = s.Story.Id, Label = "Narrator", IsReporter = true } }, default));
            Assert.True(cache.Generation > before);
            return 0;
        });
        Assert.True(await App.WithDbAsync(db => db.SpeakerLabels.AnyAsync(l => l.StoryId == s.Story.Id && l.Label == "Narrator")));
    }

    [Theory]
    [InlineData("INSERT INTO \"AccessLog\" (\"Action\") VALUES (@p0) RETURNING \"Id\";", false)]
    [InlineData("SELECT \"s\".\"Id\" FROM \"Stories\" AS \"s\" WHERE \"s\".\"PublishedAt\" IS NOT NULL", false)]
    [InlineData("UPDATE \"ApiTokens\" SET \"LastUsedAt\" = @p0 WHERE \"Id\" = @p1;", false)]
    [InlineData("INSERT INTO \"ProjectEvents\" (\"Action\") VALUES (@p0);\nUPDATE \"Stories\" SET \"PublishedAt\" = NULL WHERE \"Id\" = @p1;", true)]
    [InlineData("DELETE FROM \"ConsentRecords\" WHERE \"Id\" = @p0", true)]
    [InlineData("UPDATE \"TranscriptCues\" AS \"t\" SET \"Position\" = \"t\".\"Position\" + 1", true)]
    [InlineData("INSERT INTO \"SomeTableAddedLater\" (\"X\") VALUES (1)", true)]
    [InlineData("delete from Storytellers where Id = 1", true)]
    [InlineData("INSERT INTO \"AttemptWindows\" (\"Policy\", \"Address\", \"WindowStart\", \"Count\") VALUES (@p0, @p1, @p2, 1)\nON CONFLICT (\"Policy\", \"Address\") DO UPDATE SET \"Count\" = \"AttemptWindows\".\"Count\" + 1 RETURNING \"Count\"", false)]
    [InlineData("INSERT INTO \"Stories\" (\"Id\", \"Title\") VALUES (1, 'a') ON CONFLICT (\"Id\") DO UPDATE SET \"Title\" = excluded.\"Title\"", true)]
    [InlineData("UPDATE \"QdpxImportJobs\" SET \"Progress\" = @p0 WHERE \"Id\" = @p1", false)]
    public void Every_write_to_a_table_a_public_page_may_read_empties_the_cache(string sql, bool empties) =>
        Assert.Equal(empties, PublicPageCache.WritesPublicData(sql));
}
