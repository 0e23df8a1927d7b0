using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
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
                type: "INTEGER",
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
            // Their index is built again from what stays rather than deleting 300,000 rows one by one through
            // the secure-delete trigger.
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"SearchEntries_ad\";");
            migrationBuilder.Sql("DELETE FROM \"SearchEntries\" WHERE \"Kind\" = 'Cue';");
            migrationBuilder.Sql("INSERT INTO \"SearchEntriesFts\"(\"SearchEntriesFts\") VALUES('rebuild');");
            migrationBuilder.Sql("CREATE TRIGGER \"SearchEntries_ad\" AFTER DELETE ON \"SearchEntries\" BEGIN INSERT INTO \"SearchEntriesFts\"(\"SearchEntriesFts\", rowid, \"Text\") VALUES('delete', old.\"Id\", old.\"Text\"); END;");

            // The lines' own index: FTS5 with external content (it keeps the words' index, and reads the text from
            // TranscriptCues for snippets), kept in step by triggers, so any write of a line — a save, a withdrawal,
            // a story deleted — changes the index in the same statement. secure-delete: a deleted line's words are
            // taken out of the index's pages at once, not left behind until a merge.
            migrationBuilder.Sql("CREATE VIRTUAL TABLE \"TranscriptCuesFts\" USING fts5(\"Text\", content='TranscriptCues', content_rowid='Id', tokenize='porter unicode61 remove_diacritics 2');");
            migrationBuilder.Sql("INSERT INTO \"TranscriptCuesFts\"(\"TranscriptCuesFts\", rank) VALUES('secure-delete', 1);");
            migrationBuilder.Sql("CREATE TRIGGER \"TranscriptCues_ai\" AFTER INSERT ON \"TranscriptCues\" BEGIN INSERT INTO \"TranscriptCuesFts\"(rowid, \"Text\") VALUES (new.\"Id\", new.\"Text\"); END;");
            migrationBuilder.Sql("CREATE TRIGGER \"TranscriptCues_ad\" AFTER DELETE ON \"TranscriptCues\" BEGIN INSERT INTO \"TranscriptCuesFts\"(\"TranscriptCuesFts\", rowid, \"Text\") VALUES('delete', old.\"Id\", old.\"Text\"); END;");
            migrationBuilder.Sql("CREATE TRIGGER \"TranscriptCues_au\" AFTER UPDATE OF \"Text\" ON \"TranscriptCues\" BEGIN INSERT INTO \"TranscriptCuesFts\"(\"TranscriptCuesFts\", rowid, \"Text\") VALUES('delete', old.\"Id\", old.\"Text\"); INSERT INTO \"TranscriptCuesFts\"(rowid, \"Text\") VALUES (new.\"Id\", new.\"Text\"); END;");
            migrationBuilder.Sql("INSERT INTO \"TranscriptCuesFts\"(\"TranscriptCuesFts\") VALUES('rebuild');");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"TranscriptCues_au\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"TranscriptCues_ad\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"TranscriptCues_ai\";");
            migrationBuilder.Sql("DROP TABLE IF EXISTS \"TranscriptCuesFts\";");
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
