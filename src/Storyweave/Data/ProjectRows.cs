using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Storyweave.Data;

/// <summary>
/// Reads tens of thousands of small rows of one project straight from the ADO.NET reader, for pages that count over
/// every passage (findings, the codebook). EF Core's per-row shaping cost 2–3 times the read itself there: at 20,000
/// passages and 41,000 theme links, 24 + 44 ms through EF against 12 + 15 ms read directly (BENCHMARKS.md, "Issue #17,
/// session of 2026-12-07 evening"). The SQL is plain, quoted for both providers, with one parameter, <c>@projectId</c>.
/// Reads only: nothing here writes, and the caller's transaction, if any, is used.
/// </summary>
public static class ProjectRows
{
    /// <summary>Each passage of the project: its id, story and speaker (from the passages' (ProjectId, StoryId, Speaker) index).</summary>
    public const string PassagesSql = """SELECT "Id", "StoryId", "Speaker" FROM "Passages" WHERE "ProjectId" = @projectId""";

    /// <summary>Each link of a passage to a theme of the project (from the links' (ThemeId, PassageId) index); deleted themes' too.</summary>
    public const string ThemeLinksSql = """
        SELECT pt."PassageId", pt."ThemeId" FROM "PassageThemes" pt JOIN "Themes" t ON t."Id" = pt."ThemeId" WHERE t."ProjectId" = @projectId
        """;

    public static async Task<List<T>> ReadAsync<T>(StoryweaveDb db, string sql, int projectId, Func<DbDataReader, T> read, CancellationToken ct)
    {
        var rows = new List<T>();
        await EachAsync(db, sql, projectId, r => rows.Add(read(r)), ct);
        return rows;
    }

    /// <summary>Hands each row to <paramref name="each"/> as it is read, so nothing is held (the project's whole text, for one).</summary>
    public static async Task EachAsync(StoryweaveDb db, string sql, int projectId, Action<DbDataReader> each, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = sql;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@projectId";
            parameter.Value = projectId;
            command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) each(reader);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public static Task<List<(int Id, int StoryId, string Speaker)>> PassagesAsync(StoryweaveDb db, int projectId, CancellationToken ct) =>
        ReadAsync(db, PassagesSql, projectId, r => (r.GetInt32(0), r.GetInt32(1), r.GetString(2)), ct);

    /// <summary>Each passage's story, by the passage's id.</summary>
    public static async Task<Dictionary<int, int>> PassageStoriesAsync(StoryweaveDb db, int projectId, CancellationToken ct) =>
        (await ReadAsync(db, """SELECT "Id", "StoryId" FROM "Passages" WHERE "ProjectId" = @projectId""", projectId, r => (Id: r.GetInt32(0), StoryId: r.GetInt32(1)), ct))
        .ToDictionary(p => p.Id, p => p.StoryId);

    /// <summary>Each transcript line of the project's stories: story, speaker and text (~255,000 lines, 42 MB at 1,000 stories).</summary>
    public static Task EachLineAsync(StoryweaveDb db, int projectId, Action<int, string, string> each, CancellationToken ct) =>
        EachAsync(db, """SELECT c."StoryId", c."Speaker", c."Text" FROM "TranscriptCues" c JOIN "Stories" s ON s."Id" = c."StoryId" WHERE s."ProjectId" = @projectId""",
            projectId, r => each(r.GetInt32(0), r.GetString(1), r.GetString(2)), ct);

    public static Task<List<(int PassageId, int ThemeId)>> ThemeLinksAsync(StoryweaveDb db, int projectId, CancellationToken ct) =>
        ReadAsync(db, ThemeLinksSql, projectId, r => (r.GetInt32(0), r.GetInt32(1)), ct);
}
