using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PassagesBySpeaker : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Passages_ProjectId_StoryId",
                table: "Passages");

            migrationBuilder.CreateIndex(
                name: "IX_Passages_ProjectId_StoryId_Speaker",
                table: "Passages",
                columns: new[] { "ProjectId", "StoryId", "Speaker" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Passages_ProjectId_StoryId_Speaker",
                table: "Passages");

            migrationBuilder.CreateIndex(
                name: "IX_Passages_ProjectId_StoryId",
                table: "Passages",
                columns: new[] { "ProjectId", "StoryId" });
        }
    }
}
