using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Data;
using Storyweave.Features.Search;
using Storyweave.Features.Stories;

namespace Storyweave.Testing;

/// <summary>Intent methods for search: stories with transcripts saved through the real TranscriptService.</summary>
public sealed partial class TestApp
{
    /// <summary>
    /// A story told by the given storytellers, with a transcript of (speaker, text) lines saved by
    /// <see cref="TranscriptService"/> (so speaker labels are matched and the search index is built).
    /// Line i starts at i × 10 seconds. Returns the story id.
    /// </summary>
    public async Task<int> CreateStoryWithTranscriptAsync(int projectId, TestUser by, IReadOnlyList<int> storytellerIds, params (string Speaker, string Text)[] lines)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var story = new Story { ProjectId = projectId, Title = Unique("Story "), CreatedAt = DateTime.UtcNow };
        db.Stories.Add(story);
        await db.SaveChangesAsync();
        foreach (var id in storytellerIds) db.StoryStorytellers.Add(new StoryStoryteller { StoryId = story.Id, StorytellerId = id });
        await db.SaveChangesAsync();
        await SaveTranscriptAsync(projectId, story.Id, by, lines);
        return story.Id;
    }

    /// <summary>Replaces a story's transcript through <see cref="TranscriptService.SaveAsync"/>, as the editor does.</summary>
    public async Task SaveTranscriptAsync(int projectId, int storyId, TestUser by, params (string Speaker, string Text)[] lines)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        var version = db.Stories.Where(s => s.Id == storyId).Select(s => s.TranscriptVersion).Single();
        var cues = lines.Select((l, i) => new TranscriptService.CueInput(i * 10, i * 10 + 9, l.Speaker, l.Text)).ToList();
        var outcome = await scope.ServiceProvider.GetRequiredService<TranscriptService>().SaveAsync(projectId, storyId, cues, version, "typed", by.Id);
        if (!outcome.Saved) throw new InvalidOperationException("Transcript not saved: " + string.Join("; ", outcome.Errors));
    }

    /// <summary>Rebuilds one story's search entries (after writing review sheets, quotes or memos straight to the database).</summary>
    public async Task ReindexStoryAsync(int projectId, int storyId)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SearchIndex>().ReindexStoryAsync(projectId, storyId);
        await scope.ServiceProvider.GetRequiredService<StoryweaveDb>().SaveChangesAsync();
    }

    private static readonly string[] LineIndexTables = ["TranscriptCuesFts_data", "TranscriptCuesFts_idx", "TranscriptCuesFts_docsize", "TranscriptCuesFts_config"];

    /// <summary>
    /// Whether the transcript lines' full-text index still holds <paramref name="word"/> (at least 10 letters or digits,
    /// in lower case) anywhere in its own storage. SQLite: the bytes of the FTS5 table's shadow tables (its segments and
    /// their index; the text itself lives only in TranscriptCues), so a deleted line's words must have been taken out
    /// of the pages, not just marked deleted; the last 8 characters are looked for, as a segment stores each word after
    /// the letters it shares with the one before (so end the word with a letter the porter stemmer keeps, not "y" or "s").
    /// PostgreSQL: any line's generated tsvector.
    /// </summary>
    public Task<bool> LineIndexHoldsAsync(string word) => WithDbAsync(async db =>
    {
        if (db.Database.IsNpgsql())
            return await db.Database.SqlQueryRaw<bool>("""SELECT EXISTS (SELECT 1 FROM "TranscriptCues" WHERE "SearchVector" @@ plainto_tsquery('english', {0})) AS "Value" """, word).SingleAsync();
        var needle = System.Text.Encoding.UTF8.GetBytes(word[^8..]);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            foreach (var table in LineIndexTables)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\"";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        var bytes = reader.GetValue(i) switch { byte[] b => b, string t => System.Text.Encoding.UTF8.GetBytes(t), _ => [] };
                        if (bytes.AsSpan().IndexOf(needle) >= 0) return true;
                    }
            }
            return false;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    });
}
