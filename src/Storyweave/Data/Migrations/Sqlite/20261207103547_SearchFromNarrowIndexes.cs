using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <summary>
    /// Search on SQLite reads narrow indexes instead of wide rows (issue #17): the lines' place index gains each line's
    /// length, as an index on the expression <c>length("Text")</c> (outside the EF model, which cannot express one), so
    /// a theme or coder filter's exact line list reads no line row (<c>SearchService.LinePlaceIndex</c>); a new index
    /// holds each line's story and speaker by id, all a match needs without a proximity boost
    /// (<c>SearchService.LineOwnerIndex</c>); the passages' place index gains the project and the passage's end, so a
    /// theme's passages are read from it alone.
    /// </summary>
    public partial class SearchFromNarrowIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TranscriptCues_StoryId_StartOffset",
                table: "TranscriptCues");

            migrationBuilder.Sql("""CREATE INDEX "IX_TranscriptCues_StoryId_StartOffset_Length" ON "TranscriptCues" ("StoryId", "StartOffset", length("Text"));""");

            migrationBuilder.DropIndex(
                name: "IX_Passages_Id_StoryId_StartOffset",
                table: "Passages");

            migrationBuilder.CreateIndex(
                name: "IX_TranscriptCues_Id_StoryId_Speaker",
                table: "TranscriptCues",
                columns: new[] { "Id", "StoryId", "Speaker" });

            migrationBuilder.CreateIndex(
                name: "IX_Passages_Id_ProjectId_StoryId_StartOffset_EndOffset",
                table: "Passages",
                columns: new[] { "Id", "ProjectId", "StoryId", "StartOffset", "EndOffset" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP INDEX "IX_TranscriptCues_StoryId_StartOffset_Length";""");

            migrationBuilder.DropIndex(
                name: "IX_TranscriptCues_Id_StoryId_Speaker",
                table: "TranscriptCues");

            migrationBuilder.DropIndex(
                name: "IX_Passages_Id_ProjectId_StoryId_StartOffset_EndOffset",
                table: "Passages");

            migrationBuilder.CreateIndex(
                name: "IX_TranscriptCues_StoryId_StartOffset",
                table: "TranscriptCues",
                columns: new[] { "StoryId", "StartOffset" });

            migrationBuilder.CreateIndex(
                name: "IX_Passages_Id_StoryId_StartOffset",
                table: "Passages",
                columns: new[] { "Id", "StoryId", "StartOffset" });
        }
    }
}
