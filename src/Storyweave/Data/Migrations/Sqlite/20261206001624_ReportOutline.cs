using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReportOutline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ReportSections",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ReportId = table.Column<int>(type: "INTEGER", nullable: false),
                    ParentId = table.Column<int>(type: "INTEGER", nullable: true),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Body = table.Column<string>(type: "TEXT", maxLength: 40000, nullable: false),
                    ThemeId = table.Column<int>(type: "INTEGER", nullable: true),
                    Setting = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportSections", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReportSections_ReportSections_ParentId",
                        column: x => x.ParentId,
                        principalTable: "ReportSections",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ReportSections_Reports_ReportId",
                        column: x => x.ReportId,
                        principalTable: "Reports",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ReportSections_Themes_ThemeId",
                        column: x => x.ThemeId,
                        principalTable: "Themes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ReportSections_ParentId",
                table: "ReportSections",
                column: "ParentId");

            migrationBuilder.CreateIndex(
                name: "IX_ReportSections_ReportId_ParentId_Position",
                table: "ReportSections",
                columns: new[] { "ReportId", "ParentId", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_ReportSections_ThemeId",
                table: "ReportSections",
                column: "ThemeId");

            // Every report made before the outline keeps its writing: each fixed text that was filled in becomes a
            // writing section, in the order the files showed them, around sections for what the files generated
            // (who told the stories, the themes table, every main theme and each sub-theme with chosen quotes, value
            // for all). The value-for-all text becomes that section's writing. Only then are the old columns dropped.
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 0, 'Writing', 'Introduction', TRIM("Introduction"), NULL, '' FROM "Reports" WHERE "Kind" = 'Full' AND TRIM("Introduction") <> '';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 1, 'Writing', 'Method', TRIM("Method"), NULL, '' FROM "Reports" WHERE "Kind" = 'Full' AND TRIM("Method") <> '';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 2, 'WhoTookPart', 'Who told the stories', '', NULL, '' FROM "Reports" WHERE "Kind" = 'Full';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 3, 'Figure', 'What we found', '', NULL, 'theme-counts' FROM "Reports" WHERE "Kind" = 'Full';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT r."Id", NULL, 1000 + t."Position", 'Theme', '', '', t."Id", '' FROM "Reports" r JOIN "Themes" t ON t."ProjectId" = r."ProjectId"
                WHERE r."Kind" = 'Full' AND t."ParentId" IS NULL AND t."DeletedAt" IS NULL ORDER BY r."Id", t."Position", t."Id";
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 1000000, 'Writing', 'Challenges', TRIM("Challenges"), NULL, '' FROM "Reports" WHERE "Kind" = 'Full' AND TRIM("Challenges") <> '';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 1000001, 'ValueForAll', 'Value for all', TRIM("ValueForAll"), NULL, '' FROM "Reports" WHERE "Kind" = 'Full';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 1000002, 'Writing', 'Conditions', TRIM("Conditions"), NULL, '' FROM "Reports" WHERE "Kind" = 'Full' AND TRIM("Conditions") <> '';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 1000003, 'Writing', 'Conclusion', TRIM("Conclusion"), NULL, '' FROM "Reports" WHERE "Kind" = 'Full' AND TRIM("Conclusion") <> '';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 0, 'Writing', 'What was the purpose of this research?', TRIM("Purpose"), NULL, '' FROM "Reports" WHERE "Kind" = 'Overview' AND TRIM("Purpose") <> '';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 1, 'Writing', 'What did we do?', TRIM("Method"), NULL, '' FROM "Reports" WHERE "Kind" = 'Overview' AND TRIM("Method") <> '';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 2, 'WhoTookPart', 'Who took part?', '', NULL, 'short' FROM "Reports" WHERE "Kind" = 'Overview';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 3, 'Writing', 'What did we find out?', '', NULL, '' FROM "Reports" WHERE "Kind" = 'Overview';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT r."Id", s."Id", t."Position", 'Theme', '', '', t."Id", '' FROM "Reports" r JOIN "Themes" t ON t."ProjectId" = r."ProjectId"
                JOIN "ReportSections" s ON s."ReportId" = r."Id" AND s."Kind" = 'Writing' AND s."Title" = 'What did we find out?'
                WHERE r."Kind" = 'Overview' AND t."ParentId" IS NULL AND t."DeletedAt" IS NULL ORDER BY r."Id", t."Position", t."Id";
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 4, 'ValueForAll', 'Value for all', TRIM("ValueForAll"), NULL, '' FROM "Reports" WHERE "Kind" = 'Overview';
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT "Id", NULL, 5, 'Writing', 'Conclusion', TRIM("Conclusion"), NULL, '' FROM "Reports" WHERE "Kind" = 'Overview' AND TRIM("Conclusion") <> '';
                """);
            migrationBuilder.Sql(
                """
                WITH RECURSIVE "Tops" ("ThemeId", "TopId") AS (
                    SELECT "Id", "Id" FROM "Themes" WHERE "ParentId" IS NULL
                    UNION ALL
                    SELECT t."Id", a."TopId" FROM "Themes" t JOIN "Tops" a ON t."ParentId" = a."ThemeId")
                INSERT INTO "ReportSections" ("ReportId", "ParentId", "Position", "Kind", "Title", "Body", "ThemeId", "Setting")
                SELECT DISTINCT q."ReportId", s."Id", t."Position", 'Theme', '', '', t."Id", ''
                FROM "ReportQuotes" q JOIN "Tops" a ON a."ThemeId" = q."ThemeId" AND a."TopId" <> q."ThemeId"
                JOIN "Themes" t ON t."Id" = q."ThemeId" AND t."DeletedAt" IS NULL
                JOIN "ReportSections" s ON s."ReportId" = q."ReportId" AND s."Kind" = 'Theme' AND s."ThemeId" = a."TopId";
                """);

            migrationBuilder.DropColumn(
                name: "Challenges",
                table: "Reports");

            migrationBuilder.DropColumn(
                name: "Conclusion",
                table: "Reports");

            migrationBuilder.DropColumn(
                name: "Conditions",
                table: "Reports");

            migrationBuilder.DropColumn(
                name: "Introduction",
                table: "Reports");

            migrationBuilder.DropColumn(
                name: "Method",
                table: "Reports");

            migrationBuilder.DropColumn(
                name: "Purpose",
                table: "Reports");

            migrationBuilder.DropColumn(
                name: "ValueForAll",
                table: "Reports");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ReportSections");

            migrationBuilder.AddColumn<string>(
                name: "Challenges",
                table: "Reports",
                type: "TEXT",
                maxLength: 40000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Conclusion",
                table: "Reports",
                type: "TEXT",
                maxLength: 40000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Conditions",
                table: "Reports",
                type: "TEXT",
                maxLength: 40000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Introduction",
                table: "Reports",
                type: "TEXT",
                maxLength: 40000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Method",
                table: "Reports",
                type: "TEXT",
                maxLength: 40000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Purpose",
                table: "Reports",
                type: "TEXT",
                maxLength: 40000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ValueForAll",
                table: "Reports",
                type: "TEXT",
                maxLength: 40000,
                nullable: false,
                defaultValue: "");
        }
    }
}
