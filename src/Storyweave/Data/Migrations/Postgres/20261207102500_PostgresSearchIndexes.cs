using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <summary>
    /// Search's speaker filter on PostgreSQL (issue #17, <c>Features/Search/README.md</c>): lines by speaker and id, so
    /// the planner can combine "said by this speaker, in the newest lines" with the words' GIN index before any row is
    /// read. Outside the EF model (like the GIN index itself): created here with provider SQL, so the model and SQLite
    /// are unchanged.
    /// </summary>
    public partial class PostgresSearchIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""CREATE INDEX "IX_TranscriptCues_Speaker_Id" ON "TranscriptCues" ("Speaker", "Id");""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP INDEX "IX_TranscriptCues_Speaker_Id";""");
        }
    }
}
