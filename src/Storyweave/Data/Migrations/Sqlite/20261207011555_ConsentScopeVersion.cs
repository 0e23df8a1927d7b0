using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <summary>
    /// The number <c>ConsentScopeCache</c> compares before it uses its copy of a project's consent rows: set to a value
    /// never used before by triggers on every table those rows are read from, in the statement that changes them (issue #17).
    /// Outside EF's model; a migration that rebuilds one of these tables must create its triggers again
    /// (<c>ConsentScopeCacheTests</c> fails if one is missing).
    /// </summary>
    public partial class ConsentScopeVersion : Migration
    {
        /// <inheritdoc />
        /// <summary>The tables the consent rows are read from, and the changes to each that change them.</summary>
        internal static readonly (string Table, string Insert, string Update, string Delete)[] Watched =
        [
            ("StoryStorytellers", "INSERT", "UPDATE", "DELETE"),
            ("Storytellers", "INSERT", "UPDATE", "DELETE"),
            ("ConsentRecords", "INSERT", "UPDATE", "DELETE"),
            ("SpeakerLabels", "INSERT", "UPDATE", "DELETE"),
            // A story's other columns (title, status, publication) change often and are not read by the consent rows.
            ("Stories", "INSERT", "UPDATE OF \"ProjectId\"", "DELETE"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE TABLE \"ConsentScopeVersion\" (\"Id\" INTEGER NOT NULL PRIMARY KEY CHECK (\"Id\" = 1), \"Version\" INTEGER NOT NULL);");
            migrationBuilder.Sql("INSERT INTO \"ConsentScopeVersion\" (\"Id\", \"Version\") VALUES (1, random());");
            // random(): a rolled-back change puts the old number back, so the next change must never reuse the number
            // it had (rows read inside that transaction may have been kept under it).
            foreach (var (table, insert, update, delete) in Watched)
                foreach (var (suffix, change) in new[] { ("ai", insert), ("au", update), ("ad", delete) })
                    migrationBuilder.Sql($"CREATE TRIGGER \"{table}_consent_scope_{suffix}\" AFTER {change} ON \"{table}\" " +
                        "BEGIN UPDATE \"ConsentScopeVersion\" SET \"Version\" = random() WHERE \"Id\" = 1; END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _, _, _) in Watched)
                foreach (var suffix in new[] { "ai", "au", "ad" })
                    migrationBuilder.Sql($"DROP TRIGGER IF EXISTS \"{table}_consent_scope_{suffix}\";");
            migrationBuilder.Sql("DROP TABLE \"ConsentScopeVersion\";");
        }
    }
}
