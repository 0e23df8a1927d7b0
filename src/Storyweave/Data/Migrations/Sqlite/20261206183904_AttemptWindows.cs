using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AttemptWindows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AttemptWindows",
                columns: table => new
                {
                    Policy = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    WindowStart = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AttemptWindows", x => new { x.Policy, x.Address });
                });

            migrationBuilder.CreateIndex(
                name: "IX_AttemptWindows_Policy_WindowStart",
                table: "AttemptWindows",
                columns: new[] { "Policy", "WindowStart" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AttemptWindows");
        }
    }
}
