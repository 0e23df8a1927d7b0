using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchFromNarrowIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Passages_Id_StoryId_StartOffset",
                table: "Passages");

            migrationBuilder.CreateIndex(
                name: "IX_Passages_Id_ProjectId_StoryId_StartOffset_EndOffset",
                table: "Passages",
                columns: new[] { "Id", "ProjectId", "StoryId", "StartOffset", "EndOffset" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Passages_Id_ProjectId_StoryId_StartOffset_EndOffset",
                table: "Passages");

            migrationBuilder.CreateIndex(
                name: "IX_Passages_Id_StoryId_StartOffset",
                table: "Passages",
                columns: new[] { "Id", "StoryId", "StartOffset" });
        }
    }
}
