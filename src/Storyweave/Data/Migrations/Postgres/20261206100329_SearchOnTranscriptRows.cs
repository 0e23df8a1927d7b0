using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchOnTranscriptRows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "StartOffset",
                table: "TranscriptCues",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // Where each line starts in its story's plain text (lines joined by "\n"): counted here, then taken
            // from the line's old search entry where it has one (those were counted by the app, in C# characters).
            migrationBuilder.Sql("""
                UPDATE "TranscriptCues" SET "StartOffset" = o."Offset" FROM (
                    SELECT "Id", COALESCE(SUM(length("Text") + 1) OVER (PARTITION BY "StoryId" ORDER BY "Position" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS "Offset"
                    FROM "TranscriptCues") AS o
                WHERE "TranscriptCues"."Id" = o."Id";
                """);
            migrationBuilder.Sql("""
                UPDATE "TranscriptCues" SET "StartOffset" = e."StartOffset" FROM "SearchEntries" AS e
                WHERE e."Kind" = 'Cue' AND e."SourceId" = "TranscriptCues"."Id" AND e."StartOffset" IS NOT NULL AND e."StartOffset" <> "TranscriptCues"."StartOffset";
                """);

            // The copied line entries go; the team's texts (review sheets, key quotes, memos) stay in SearchEntries.
            migrationBuilder.Sql("DELETE FROM \"SearchEntries\" WHERE \"Kind\" = 'Cue';");

            // The lines' own index: a stored generated tsvector (the words' lexemes, not the text) with a GIN index,
            // so any write of a line changes it in the same statement. Added last, so the updates above do not compute it twice.
            migrationBuilder.Sql("ALTER TABLE \"TranscriptCues\" ADD COLUMN \"SearchVector\" tsvector GENERATED ALWAYS AS (to_tsvector('english', \"Text\")) STORED;");
            migrationBuilder.Sql("CREATE INDEX \"IX_TranscriptCues_SearchVector\" ON \"TranscriptCues\" USING GIN (\"SearchVector\");");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS \"IX_TranscriptCues_SearchVector\";");
            migrationBuilder.Sql("ALTER TABLE \"TranscriptCues\" DROP COLUMN IF EXISTS \"SearchVector\";");
            // The copied line entries, made again from the lines.
            migrationBuilder.Sql("""
                INSERT INTO "SearchEntries" ("ProjectId", "StoryId", "Kind", "SourceId", "Speaker", "StartSeconds", "StartOffset", "Text")
                SELECT s."ProjectId", c."StoryId", 'Cue', c."Id", c."Speaker", c."StartSeconds", c."StartOffset", c."Text"
                FROM "TranscriptCues" c JOIN "Stories" s ON s."Id" = c."StoryId"
                WHERE c."Text" <> ''
                ORDER BY c."StoryId", c."Position";
                """);

            migrationBuilder.DropColumn(
                name: "StartOffset",
                table: "TranscriptCues");
        }
    }
}
