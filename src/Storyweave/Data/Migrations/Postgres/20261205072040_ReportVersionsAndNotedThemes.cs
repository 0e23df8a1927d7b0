using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReportVersionsAndNotedThemes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ReportFiles_ReportId",
                table: "ReportFiles");

            migrationBuilder.AddColumn<int>(
                name: "ContentVersion",
                table: "Reports",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ContentVersion",
                table: "ReportFiles",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "SupersededAt",
                table: "ReportFiles",
                type: "timestamp with time zone",
                nullable: true);

            // Before this change "Make the file" added a row each time: an older file with a newer, downloadable one of the
            // same format becomes an earlier version. A published one is left as it is (the lead chose that file).
            migrationBuilder.Sql(
                """
                UPDATE "ReportFiles" SET "SupersededAt" = COALESCE("CompletedAt", "CreatedAt")
                WHERE "Status" <> 'Queued' AND "Status" <> 'Running' AND "PublishedAt" IS NULL
                  AND EXISTS (SELECT 1 FROM "ReportFiles" AS newer WHERE newer."ReportId" = "ReportFiles"."ReportId" AND newer."Format" = "ReportFiles"."Format"
                              AND newer."Id" > "ReportFiles"."Id" AND newer."Status" = 'Ready' AND newer."OutOfDateAt" IS NULL);
                """);

            migrationBuilder.CreateTable(
                name: "ReviewSheetNotedThemes",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    StoryId = table.Column<int>(type: "integer", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    Text = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ThemeId = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LinkedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LinkedByUserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReviewSheetNotedThemes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReviewSheetNotedThemes_ReviewSheets_StoryId",
                        column: x => x.StoryId,
                        principalTable: "ReviewSheets",
                        principalColumn: "StoryId",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ReviewSheetNotedThemes_Themes_ThemeId",
                        column: x => x.ThemeId,
                        principalTable: "Themes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ReportFiles_ReportId_Format",
                table: "ReportFiles",
                columns: new[] { "ReportId", "Format" });

            migrationBuilder.CreateIndex(
                name: "IX_ReviewSheetNotedThemes_StoryId",
                table: "ReviewSheetNotedThemes",
                column: "StoryId");

            migrationBuilder.CreateIndex(
                name: "IX_ReviewSheetNotedThemes_ThemeId",
                table: "ReviewSheetNotedThemes",
                column: "ThemeId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ReviewSheetNotedThemes");

            migrationBuilder.DropIndex(
                name: "IX_ReportFiles_ReportId_Format",
                table: "ReportFiles");

            migrationBuilder.DropColumn(
                name: "ContentVersion",
                table: "Reports");

            migrationBuilder.DropColumn(
                name: "ContentVersion",
                table: "ReportFiles");

            migrationBuilder.DropColumn(
                name: "SupersededAt",
                table: "ReportFiles");

            migrationBuilder.CreateIndex(
                name: "IX_ReportFiles_ReportId",
                table: "ReportFiles",
                column: "ReportId");
        }
    }
}
