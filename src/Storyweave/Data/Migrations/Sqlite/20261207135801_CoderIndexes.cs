using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CoderIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_PassageThemes_CoderUserId_ThemeId",
                table: "PassageThemes",
                columns: new[] { "CoderUserId", "ThemeId" });

            migrationBuilder.CreateIndex(
                name: "IX_Passages_CoderUserId_ProjectId",
                table: "Passages",
                columns: new[] { "CoderUserId", "ProjectId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PassageThemes_CoderUserId_ThemeId",
                table: "PassageThemes");

            migrationBuilder.DropIndex(
                name: "IX_Passages_CoderUserId_ProjectId",
                table: "Passages");
        }
    }
}
