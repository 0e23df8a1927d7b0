using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SenseMaking : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CodebookChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    UndoJson = table.Column<string>(type: "TEXT", nullable: false),
                    ActorUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UndoneAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UndoneByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CodebookChanges", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CodebookChanges_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Memos",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    TargetType = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    TargetId = table.Column<int>(type: "INTEGER", nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: false),
                    AuthorUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Memos", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Memos_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Passages",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    StoryId = table.Column<int>(type: "INTEGER", nullable: false),
                    StartOffset = table.Column<int>(type: "INTEGER", nullable: false),
                    EndOffset = table.Column<int>(type: "INTEGER", nullable: false),
                    Snippet = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: false),
                    StartSeconds = table.Column<double>(type: "REAL", nullable: true),
                    EndSeconds = table.Column<double>(type: "REAL", nullable: true),
                    Speaker = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CoderUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Passages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Passages_Stories_StoryId",
                        column: x => x.StoryId,
                        principalTable: "Stories",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReviewSheets",
                columns: table => new
                {
                    StoryId = table.Column<int>(type: "INTEGER", nullable: false),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    Ideas = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    ChangesForIndividuals = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    ChangesForOrganisations = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    ChangesForSociety = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    Experience = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    IsComplete = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpdatedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReviewSheets", x => x.StoryId);
                    table.ForeignKey(
                        name: "FK_ReviewSheets_Stories_StoryId",
                        column: x => x.StoryId,
                        principalTable: "Stories",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SearchEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    StoryId = table.Column<int>(type: "INTEGER", nullable: true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    SourceId = table.Column<long>(type: "INTEGER", nullable: false),
                    Speaker = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    StartSeconds = table.Column<double>(type: "REAL", nullable: true),
                    StartOffset = table.Column<int>(type: "INTEGER", nullable: true),
                    Text = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SearchEntries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SearchEntries_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_SearchEntries_Stories_StoryId",
                        column: x => x.StoryId,
                        principalTable: "Stories",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Themes",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    ParentId = table.Column<int>(type: "INTEGER", nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Color = table.Column<string>(type: "TEXT", maxLength: 7, nullable: false),
                    ShortLabel = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DeletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    MergedIntoId = table.Column<int>(type: "INTEGER", nullable: true),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Themes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Themes_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Themes_Themes_ParentId",
                        column: x => x.ParentId,
                        principalTable: "Themes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Workshops",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    VotesPerParticipant = table.Column<int>(type: "INTEGER", nullable: false),
                    IsLocked = table.Column<bool>(type: "INTEGER", nullable: false),
                    VotesRevealed = table.Column<bool>(type: "INTEGER", nullable: false),
                    TimerEndsAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FacilitatorUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ConvertedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Workshops", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Workshops_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "KeyQuotes",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StoryId = table.Column<int>(type: "INTEGER", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    StartOffset = table.Column<int>(type: "INTEGER", nullable: false),
                    EndOffset = table.Column<int>(type: "INTEGER", nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    StartSeconds = table.Column<double>(type: "REAL", nullable: true),
                    EndSeconds = table.Column<double>(type: "REAL", nullable: true),
                    Speaker = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KeyQuotes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_KeyQuotes_ReviewSheets_StoryId",
                        column: x => x.StoryId,
                        principalTable: "ReviewSheets",
                        principalColumn: "StoryId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "PassageThemes",
                columns: table => new
                {
                    PassageId = table.Column<int>(type: "INTEGER", nullable: false),
                    ThemeId = table.Column<int>(type: "INTEGER", nullable: false),
                    CoderUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    CodedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PassageThemes", x => new { x.PassageId, x.ThemeId });
                    table.ForeignKey(
                        name: "FK_PassageThemes_Passages_PassageId",
                        column: x => x.PassageId,
                        principalTable: "Passages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_PassageThemes_Themes_ThemeId",
                        column: x => x.ThemeId,
                        principalTable: "Themes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ReviewSheetThemes",
                columns: table => new
                {
                    StoryId = table.Column<int>(type: "INTEGER", nullable: false),
                    ThemeId = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReviewSheetThemes", x => new { x.StoryId, x.ThemeId });
                    table.ForeignKey(
                        name: "FK_ReviewSheetThemes_ReviewSheets_StoryId",
                        column: x => x.StoryId,
                        principalTable: "ReviewSheets",
                        principalColumn: "StoryId",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ReviewSheetThemes_Themes_ThemeId",
                        column: x => x.ThemeId,
                        principalTable: "Themes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "WorkshopCards",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    WorkshopId = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    PassageId = table.Column<int>(type: "INTEGER", nullable: true),
                    KeyQuoteId = table.Column<int>(type: "INTEGER", nullable: true),
                    NoteText = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    ClusterId = table.Column<int>(type: "INTEGER", nullable: true),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedByParticipantId = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkshopCards", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WorkshopCards_Workshops_WorkshopId",
                        column: x => x.WorkshopId,
                        principalTable: "Workshops",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "WorkshopClusters",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    WorkshopId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    MergedIntoId = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedByParticipantId = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkshopClusters", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WorkshopClusters_Workshops_WorkshopId",
                        column: x => x.WorkshopId,
                        principalTable: "Workshops",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "WorkshopParticipants",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    WorkshopId = table.Column<int>(type: "INTEGER", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    JoinTokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    IsFacilitator = table.Column<bool>(type: "INTEGER", nullable: false),
                    InvitedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    JoinedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkshopParticipants", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WorkshopParticipants_Workshops_WorkshopId",
                        column: x => x.WorkshopId,
                        principalTable: "Workshops",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "WorkshopVotes",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    WorkshopId = table.Column<int>(type: "INTEGER", nullable: false),
                    ParticipantId = table.Column<int>(type: "INTEGER", nullable: false),
                    CardId = table.Column<int>(type: "INTEGER", nullable: true),
                    ClusterId = table.Column<int>(type: "INTEGER", nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkshopVotes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WorkshopVotes_Workshops_WorkshopId",
                        column: x => x.WorkshopId,
                        principalTable: "Workshops",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CodebookChanges_ProjectId_Id",
                table: "CodebookChanges",
                columns: new[] { "ProjectId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_KeyQuotes_StoryId",
                table: "KeyQuotes",
                column: "StoryId");

            migrationBuilder.CreateIndex(
                name: "IX_Memos_ProjectId_TargetType_TargetId",
                table: "Memos",
                columns: new[] { "ProjectId", "TargetType", "TargetId" });

            migrationBuilder.CreateIndex(
                name: "IX_Passages_ProjectId_StoryId",
                table: "Passages",
                columns: new[] { "ProjectId", "StoryId" });

            migrationBuilder.CreateIndex(
                name: "IX_Passages_StoryId",
                table: "Passages",
                column: "StoryId");

            migrationBuilder.CreateIndex(
                name: "IX_PassageThemes_ThemeId",
                table: "PassageThemes",
                column: "ThemeId");

            migrationBuilder.CreateIndex(
                name: "IX_ReviewSheets_ProjectId",
                table: "ReviewSheets",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_ReviewSheetThemes_ThemeId",
                table: "ReviewSheetThemes",
                column: "ThemeId");

            migrationBuilder.CreateIndex(
                name: "IX_SearchEntries_ProjectId_Kind_SourceId",
                table: "SearchEntries",
                columns: new[] { "ProjectId", "Kind", "SourceId" });

            migrationBuilder.CreateIndex(
                name: "IX_SearchEntries_StoryId",
                table: "SearchEntries",
                column: "StoryId");

            migrationBuilder.CreateIndex(
                name: "IX_Themes_ParentId",
                table: "Themes",
                column: "ParentId");

            migrationBuilder.CreateIndex(
                name: "IX_Themes_ProjectId_ParentId_Position",
                table: "Themes",
                columns: new[] { "ProjectId", "ParentId", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopCards_WorkshopId_ClusterId",
                table: "WorkshopCards",
                columns: new[] { "WorkshopId", "ClusterId" });

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopClusters_WorkshopId",
                table: "WorkshopClusters",
                column: "WorkshopId");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopParticipants_JoinTokenHash",
                table: "WorkshopParticipants",
                column: "JoinTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopParticipants_WorkshopId",
                table: "WorkshopParticipants",
                column: "WorkshopId");

            migrationBuilder.CreateIndex(
                name: "IX_Workshops_ProjectId",
                table: "Workshops",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopVotes_WorkshopId_ParticipantId",
                table: "WorkshopVotes",
                columns: new[] { "WorkshopId", "ParticipantId" });

            // Full-text search: an FTS5 index over SearchEntries.Text, kept in step by triggers, with
            // secure-delete on so deleted text does not linger in the index's pages.
            migrationBuilder.Sql("CREATE VIRTUAL TABLE \"SearchEntriesFts\" USING fts5(\"Text\", content='SearchEntries', content_rowid='Id', tokenize='porter unicode61 remove_diacritics 2');");
            migrationBuilder.Sql("INSERT INTO \"SearchEntriesFts\"(\"SearchEntriesFts\", rank) VALUES('secure-delete', 1);");
            migrationBuilder.Sql("CREATE TRIGGER \"SearchEntries_ai\" AFTER INSERT ON \"SearchEntries\" BEGIN INSERT INTO \"SearchEntriesFts\"(rowid, \"Text\") VALUES (new.\"Id\", new.\"Text\"); END;");
            migrationBuilder.Sql("CREATE TRIGGER \"SearchEntries_ad\" AFTER DELETE ON \"SearchEntries\" BEGIN INSERT INTO \"SearchEntriesFts\"(\"SearchEntriesFts\", rowid, \"Text\") VALUES('delete', old.\"Id\", old.\"Text\"); END;");
            migrationBuilder.Sql("CREATE TRIGGER \"SearchEntries_au\" AFTER UPDATE ON \"SearchEntries\" BEGIN INSERT INTO \"SearchEntriesFts\"(\"SearchEntriesFts\", rowid, \"Text\") VALUES('delete', old.\"Id\", old.\"Text\"); INSERT INTO \"SearchEntriesFts\"(rowid, \"Text\") VALUES (new.\"Id\", new.\"Text\"); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"SearchEntries_au\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"SearchEntries_ad\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"SearchEntries_ai\";");
            migrationBuilder.Sql("DROP TABLE IF EXISTS \"SearchEntriesFts\";");

            migrationBuilder.DropTable(
                name: "CodebookChanges");

            migrationBuilder.DropTable(
                name: "KeyQuotes");

            migrationBuilder.DropTable(
                name: "Memos");

            migrationBuilder.DropTable(
                name: "PassageThemes");

            migrationBuilder.DropTable(
                name: "ReviewSheetThemes");

            migrationBuilder.DropTable(
                name: "SearchEntries");

            migrationBuilder.DropTable(
                name: "WorkshopCards");

            migrationBuilder.DropTable(
                name: "WorkshopClusters");

            migrationBuilder.DropTable(
                name: "WorkshopParticipants");

            migrationBuilder.DropTable(
                name: "WorkshopVotes");

            migrationBuilder.DropTable(
                name: "Passages");

            migrationBuilder.DropTable(
                name: "ReviewSheets");

            migrationBuilder.DropTable(
                name: "Themes");

            migrationBuilder.DropTable(
                name: "Workshops");
        }
    }
}
