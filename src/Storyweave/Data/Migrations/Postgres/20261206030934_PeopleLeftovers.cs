using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
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
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "InlineImagePng",
                table: "OutboxMessages",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SignUpsPerHour",
                table: "CallOuts",
                type: "integer",
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
