using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <summary>
    /// The two numbers <c>SearchResultCache</c> compares before it uses a search's kept ranked matches (issue #17, SQLite
    /// only: PostgreSQL keeps nothing and has no such table): <c>Texts</c>, set to a value never used before by triggers on
    /// every table the matches of words are read from (lines, the team's texts, a story's project), and <c>Filters</c>, the
    /// same for the tables a theme, coder or category filter reads (passages and their themes, who told a story and what
    /// they answered). Set in the statement that changes a row, whoever writes it. Outside EF's model; a migration that
    /// rebuilds one of these tables must create its triggers again (<c>SearchResultCacheTests</c> fails if one is missing).
    /// </summary>
    public partial class SearchResultVersion : Migration
    {
        /// <summary>The tables the ranked matches are read from, the changes to each that change them, and which number they raise.</summary>
        internal static readonly (string Table, string Insert, string Update, string Delete, string Column)[] Watched =
        [
            ("TranscriptCues", "INSERT", "UPDATE", "DELETE", "Texts"),
            ("SearchEntries", "INSERT", "UPDATE", "DELETE", "Texts"),
            // A story's other columns (title, status, publication) change often and are not read by the matches (the
            // title is read afresh for the page shown).
            ("Stories", "INSERT", "UPDATE OF \"ProjectId\"", "DELETE", "Texts"),
            ("Passages", "INSERT", "UPDATE", "DELETE", "Filters"),
            ("PassageThemes", "INSERT", "UPDATE", "DELETE", "Filters"),
            ("StoryStorytellers", "INSERT", "UPDATE", "DELETE", "Filters"),
            ("StorytellerAnswers", "INSERT", "UPDATE", "DELETE", "Filters"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE TABLE \"SearchResultVersion\" (\"Id\" INTEGER NOT NULL PRIMARY KEY CHECK (\"Id\" = 1), \"Texts\" INTEGER NOT NULL, \"Filters\" INTEGER NOT NULL);");
            migrationBuilder.Sql("INSERT INTO \"SearchResultVersion\" (\"Id\", \"Texts\", \"Filters\") VALUES (1, random(), random());");
            // random(): a rolled-back change puts the old number back, so the next change must never reuse the number
            // it had (matches read inside that transaction may have been kept under it).
            foreach (var (table, insert, update, delete, column) in Watched)
                foreach (var (suffix, change) in new[] { ("ai", insert), ("au", update), ("ad", delete) })
                    migrationBuilder.Sql($"CREATE TRIGGER \"{table}_search_result_{suffix}\" AFTER {change} ON \"{table}\" " +
                        $"BEGIN UPDATE \"SearchResultVersion\" SET \"{column}\" = random() WHERE \"Id\" = 1; END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _, _, _, _) in Watched)
                foreach (var suffix in new[] { "ai", "au", "ad" })
                    migrationBuilder.Sql($"DROP TRIGGER IF EXISTS \"{table}_search_result_{suffix}\";");
            migrationBuilder.Sql("DROP TABLE \"SearchResultVersion\";");
        }
    }
}
