using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class GuardOnByDefaultQuoteNotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Note",
                table: "ReportQuotes",
                type: "TEXT",
                maxLength: 500,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "SmallNumberThresholdChosenAt",
                table: "Projects",
                type: "TEXT",
                nullable: true);

            // The small-numbers guard is now on (5) by default. Before this, 0 (off) was the default and
            // nothing recorded whether a lead chose it, so the event log answers "did a lead ever choose?":
            // a project with a findings.threshold-changed event keeps its setting, 0 included, and is marked
            // as chosen at that event's time; a project with none (still on the old default of 0) gets 5.
            // A lead who saved 0 while it was already 0 left no event (nothing changed) and gets 5: they
            // can set 0 again, and from now on that choice is kept (SmallNumberThresholdChosenAt).
            migrationBuilder.Sql(
                """
                UPDATE "Projects" SET "SmallNumberThresholdChosenAt" =
                    (SELECT MAX(e."OccurredAt") FROM "ProjectEvents" e
                     WHERE e."ProjectId" = "Projects"."Id" AND e."Action" = 'findings.threshold-changed')
                WHERE "SmallNumberThresholdChosenAt" IS NULL;
                """);
            migrationBuilder.Sql(
                """
                UPDATE "Projects" SET "SmallNumberThreshold" = 5
                WHERE "SmallNumberThresholdChosenAt" IS NULL AND "SmallNumberThreshold" = 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Note",
                table: "ReportQuotes");

            migrationBuilder.DropColumn(
                name: "SmallNumberThresholdChosenAt",
                table: "Projects");
        }
    }
}
