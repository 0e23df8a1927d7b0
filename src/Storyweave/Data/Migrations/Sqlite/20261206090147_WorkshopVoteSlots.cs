using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WorkshopVoteSlots : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WorkshopVotes_WorkshopId_ParticipantId",
                table: "WorkshopVotes");

            migrationBuilder.DropIndex(
                name: "IX_WorkshopParticipants_WorkshopId",
                table: "WorkshopParticipants");

            migrationBuilder.AddColumn<int>(
                name: "Slot",
                table: "WorkshopVotes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            // Before the unique indexes: a member added twice to one workshop (possible while the app counted on one
            // process) becomes one participant, keeping the first row; then each participant's votes are numbered.
            foreach (var (table, column) in new[] { ("WorkshopVotes", "ParticipantId"), ("WorkshopCards", "CreatedByParticipantId"), ("WorkshopClusters", "CreatedByParticipantId") })
                migrationBuilder.Sql($"""
                    UPDATE "{table}" SET "{column}" = (SELECT MIN(k."Id") FROM "WorkshopParticipants" d JOIN "WorkshopParticipants" k
                        ON k."WorkshopId" = d."WorkshopId" AND k."UserId" = d."UserId" WHERE d."Id" = "{table}"."{column}")
                    WHERE "{column}" IN (SELECT d."Id" FROM "WorkshopParticipants" d WHERE d."UserId" IS NOT NULL AND EXISTS
                        (SELECT 1 FROM "WorkshopParticipants" k WHERE k."WorkshopId" = d."WorkshopId" AND k."UserId" = d."UserId" AND k."Id" < d."Id"))
                    """);
            migrationBuilder.Sql("""
                DELETE FROM "WorkshopParticipants" WHERE "UserId" IS NOT NULL AND EXISTS (SELECT 1 FROM "WorkshopParticipants" k
                    WHERE k."WorkshopId" = "WorkshopParticipants"."WorkshopId" AND k."UserId" = "WorkshopParticipants"."UserId" AND k."Id" < "WorkshopParticipants"."Id")
                """);
            migrationBuilder.Sql("""
                UPDATE "WorkshopVotes" SET "Slot" = (SELECT COUNT(*) FROM "WorkshopVotes" o WHERE o."WorkshopId" = "WorkshopVotes"."WorkshopId"
                    AND o."ParticipantId" = "WorkshopVotes"."ParticipantId" AND o."Id" <= "WorkshopVotes"."Id")
                """);

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopVotes_WorkshopId_ParticipantId_Slot",
                table: "WorkshopVotes",
                columns: new[] { "WorkshopId", "ParticipantId", "Slot" },
                unique: true);

            migrationBuilder.AddCheckConstraint(
                name: "CK_WorkshopVotes_Slot",
                table: "WorkshopVotes",
                sql: "\"Slot\" >= 1");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopParticipants_WorkshopId_UserId",
                table: "WorkshopParticipants",
                columns: new[] { "WorkshopId", "UserId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WorkshopVotes_WorkshopId_ParticipantId_Slot",
                table: "WorkshopVotes");

            migrationBuilder.DropCheckConstraint(
                name: "CK_WorkshopVotes_Slot",
                table: "WorkshopVotes");

            migrationBuilder.DropIndex(
                name: "IX_WorkshopParticipants_WorkshopId_UserId",
                table: "WorkshopParticipants");

            migrationBuilder.DropColumn(
                name: "Slot",
                table: "WorkshopVotes");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopVotes_WorkshopId_ParticipantId",
                table: "WorkshopVotes",
                columns: new[] { "WorkshopId", "ParticipantId" });

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopParticipants_WorkshopId",
                table: "WorkshopParticipants",
                column: "WorkshopId");
        }
    }
}
