using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class HoldTeamTextAfterWithdrawal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "HeldForReview",
                table: "WorkshopCards",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "HeldForReview",
                table: "Themes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "HeldForReview",
                table: "ReviewSheets",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "HeldForReview",
                table: "Memos",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "HeldForReview",
                table: "WorkshopCards");

            migrationBuilder.DropColumn(
                name: "HeldForReview",
                table: "Themes");

            migrationBuilder.DropColumn(
                name: "HeldForReview",
                table: "ReviewSheets");

            migrationBuilder.DropColumn(
                name: "HeldForReview",
                table: "Memos");
        }
    }
}
