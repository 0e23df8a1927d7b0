using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PeopleLeftovers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "InlineImageId",
                table: "OutboxMessages",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "InlineImagePng",
                table: "OutboxMessages",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SignUpsPerHour",
                table: "CallOuts",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "InlineImageId",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "InlineImagePng",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "SignUpsPerHour",
                table: "CallOuts");
        }
    }
}
