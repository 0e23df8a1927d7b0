using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ThemePageIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PassageThemes_ThemeId",
                table: "PassageThemes");

            migrationBuilder.CreateIndex(
                name: "IX_PassageThemes_ThemeId_PassageId",
                table: "PassageThemes",
                columns: new[] { "ThemeId", "PassageId" });

            migrationBuilder.CreateIndex(
                name: "IX_Passages_Id_StoryId_StartOffset",
                table: "Passages",
                columns: new[] { "Id", "StoryId", "StartOffset" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PassageThemes_ThemeId_PassageId",
                table: "PassageThemes");

            migrationBuilder.DropIndex(
                name: "IX_Passages_Id_StoryId_StartOffset",
                table: "Passages");

            migrationBuilder.CreateIndex(
                name: "IX_PassageThemes_ThemeId",
                table: "PassageThemes",
                column: "ThemeId");
        }
    }
}
