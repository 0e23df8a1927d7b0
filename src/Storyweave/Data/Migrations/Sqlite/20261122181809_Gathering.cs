using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Gathering : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Storytellers_ProjectId",
                table: "Storytellers");

            migrationBuilder.AddColumn<string>(
                name: "AccessNeeds",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 2000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ContactNotes",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 1000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ContactPreference",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 30,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "CopiedFromStorytellerId",
                table: "Storytellers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CopyNote",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 1000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Email",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EnteredByUserId",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 450,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EntryMethod",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 30,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "LastSignedUpAt",
                table: "Storytellers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "NormalizedEmail",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Phone",
                table: "Storytellers",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SignUpCount",
                table: "Storytellers",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "CopiedFromStoryId",
                table: "Stories",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CopyNote",
                table: "Stories",
                type: "TEXT",
                maxLength: 1000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "SessionId",
                table: "Stories",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Summary",
                table: "Stories",
                type: "TEXT",
                maxLength: 4000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "TranscriptFormat",
                table: "Stories",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "TranscriptUpdatedAt",
                table: "Stories",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TranscriptUpdatedByUserId",
                table: "Stories",
                type: "TEXT",
                maxLength: 450,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "TranscriptVersion",
                table: "Stories",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "CallOuts",
                columns: table => new
                {
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    IsPublished = table.Column<bool>(type: "INTEGER", nullable: false),
                    OpensOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    ClosesOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    Introduction = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    WhatTakingPartInvolves = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    ThanksOffered = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    SelfDescriptionQuestion = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    ConsentFormText = table.Column<string>(type: "TEXT", maxLength: 16000, nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CallOuts", x => x.ProjectId);
                    table.ForeignKey(
                        name: "FK_CallOuts_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ConsentRecords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    StorytellerId = table.Column<int>(type: "INTEGER", nullable: false),
                    Recording = table.Column<bool>(type: "INTEGER", nullable: false),
                    Analysis = table.Column<bool>(type: "INTEGER", nullable: false),
                    Quotes = table.Column<bool>(type: "INTEGER", nullable: false),
                    Clips = table.Column<bool>(type: "INTEGER", nullable: false),
                    PublishStory = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreditInReports = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    CreditInClips = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    CreditOnPublicSite = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Pseudonym = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    EmbargoUntil = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    Method = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    VerbalMediaId = table.Column<int>(type: "INTEGER", nullable: true),
                    VerbalAtSeconds = table.Column<double>(type: "REAL", nullable: true),
                    PaperFormReference = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    GivenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    TakenByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    RecordedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RecordedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConsentRecords", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ConsentRecords_Storytellers_StorytellerId",
                        column: x => x.StorytellerId,
                        principalTable: "Storytellers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "FacetChoices",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FacetChoices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_FacetChoices_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MediaFiles",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    StoryId = table.Column<int>(type: "INTEGER", nullable: true),
                    OriginalFileName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    StoredName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    HasVideo = table.Column<bool>(type: "INTEGER", nullable: false),
                    Container = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    AudioCodec = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    VideoCodec = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    DurationSeconds = table.Column<double>(type: "REAL", nullable: false),
                    Width = table.Column<int>(type: "INTEGER", nullable: true),
                    Height = table.Column<int>(type: "INTEGER", nullable: true),
                    OriginalIsWebPlayable = table.Column<bool>(type: "INTEGER", nullable: false),
                    RenditionStoredName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    RenditionStatus = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    RenditionProgress = table.Column<double>(type: "REAL", nullable: false),
                    RenditionError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    UploadedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    UploadedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MediaFiles", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MediaFiles_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_MediaFiles_Stories_StoryId",
                        column: x => x.StoryId,
                        principalTable: "Stories",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "Sessions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    Date = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ReporterUserId = table.Column<string>(type: "TEXT", nullable: true),
                    ConversationStarterUsed = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Notes = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Sessions_AspNetUsers_ReporterUserId",
                        column: x => x.ReporterUserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_Sessions_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SpeakerLabels",
                columns: table => new
                {
                    StoryId = table.Column<int>(type: "INTEGER", nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    StorytellerId = table.Column<int>(type: "INTEGER", nullable: true),
                    IsReporter = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SpeakerLabels", x => new { x.StoryId, x.Label });
                    table.ForeignKey(
                        name: "FK_SpeakerLabels_Stories_StoryId",
                        column: x => x.StoryId,
                        principalTable: "Stories",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_SpeakerLabels_Storytellers_StorytellerId",
                        column: x => x.StorytellerId,
                        principalTable: "Storytellers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "StorytellerFacets",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StorytellerId = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    AddedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    AddedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StorytellerFacets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_StorytellerFacets_Storytellers_StorytellerId",
                        column: x => x.StorytellerId,
                        principalTable: "Storytellers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CategoryQuestions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    HelpText = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CategoryQuestions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CategoryQuestions_CallOuts_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "CallOuts",
                        principalColumn: "ProjectId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CategoryOptions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    QuestionId = table.Column<int>(type: "INTEGER", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CategoryOptions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CategoryOptions_CategoryQuestions_QuestionId",
                        column: x => x.QuestionId,
                        principalTable: "CategoryQuestions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "StorytellerAnswers",
                columns: table => new
                {
                    StorytellerId = table.Column<int>(type: "INTEGER", nullable: false),
                    OptionId = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StorytellerAnswers", x => new { x.StorytellerId, x.OptionId });
                    table.ForeignKey(
                        name: "FK_StorytellerAnswers_CategoryOptions_OptionId",
                        column: x => x.OptionId,
                        principalTable: "CategoryOptions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_StorytellerAnswers_Storytellers_StorytellerId",
                        column: x => x.StorytellerId,
                        principalTable: "Storytellers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Storytellers_ProjectId_NormalizedEmail",
                table: "Storytellers",
                columns: new[] { "ProjectId", "NormalizedEmail" });

            migrationBuilder.CreateIndex(
                name: "IX_Stories_SessionId",
                table: "Stories",
                column: "SessionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CategoryOptions_QuestionId",
                table: "CategoryOptions",
                column: "QuestionId");

            migrationBuilder.CreateIndex(
                name: "IX_CategoryQuestions_ProjectId",
                table: "CategoryQuestions",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_ConsentRecords_ProjectId",
                table: "ConsentRecords",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_ConsentRecords_StorytellerId_Id",
                table: "ConsentRecords",
                columns: new[] { "StorytellerId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_FacetChoices_ProjectId_Kind_Value",
                table: "FacetChoices",
                columns: new[] { "ProjectId", "Kind", "Value" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MediaFiles_ProjectId",
                table: "MediaFiles",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_MediaFiles_StoryId",
                table: "MediaFiles",
                column: "StoryId");

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_ProjectId",
                table: "Sessions",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_ReporterUserId",
                table: "Sessions",
                column: "ReporterUserId");

            migrationBuilder.CreateIndex(
                name: "IX_SpeakerLabels_StorytellerId",
                table: "SpeakerLabels",
                column: "StorytellerId");

            migrationBuilder.CreateIndex(
                name: "IX_StorytellerAnswers_OptionId",
                table: "StorytellerAnswers",
                column: "OptionId");

            migrationBuilder.CreateIndex(
                name: "IX_StorytellerFacets_StorytellerId",
                table: "StorytellerFacets",
                column: "StorytellerId");

            migrationBuilder.AddForeignKey(
                name: "FK_Stories_Sessions_SessionId",
                table: "Stories",
                column: "SessionId",
                principalTable: "Sessions",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Stories_Sessions_SessionId",
                table: "Stories");

            migrationBuilder.DropTable(
                name: "ConsentRecords");

            migrationBuilder.DropTable(
                name: "FacetChoices");

            migrationBuilder.DropTable(
                name: "MediaFiles");

            migrationBuilder.DropTable(
                name: "Sessions");

            migrationBuilder.DropTable(
                name: "SpeakerLabels");

            migrationBuilder.DropTable(
                name: "StorytellerAnswers");

            migrationBuilder.DropTable(
                name: "StorytellerFacets");

            migrationBuilder.DropTable(
                name: "CategoryOptions");

            migrationBuilder.DropTable(
                name: "CategoryQuestions");

            migrationBuilder.DropTable(
                name: "CallOuts");

            migrationBuilder.DropIndex(
                name: "IX_Storytellers_ProjectId_NormalizedEmail",
                table: "Storytellers");

            migrationBuilder.DropIndex(
                name: "IX_Stories_SessionId",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "AccessNeeds",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "ContactNotes",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "ContactPreference",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "CopiedFromStorytellerId",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "CopyNote",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "Email",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "EnteredByUserId",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "EntryMethod",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "LastSignedUpAt",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "NormalizedEmail",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "Phone",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "SignUpCount",
                table: "Storytellers");

            migrationBuilder.DropColumn(
                name: "CopiedFromStoryId",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "CopyNote",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "SessionId",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "Summary",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "TranscriptFormat",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "TranscriptUpdatedAt",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "TranscriptUpdatedByUserId",
                table: "Stories");

            migrationBuilder.DropColumn(
                name: "TranscriptVersion",
                table: "Stories");

            migrationBuilder.CreateIndex(
                name: "IX_Storytellers_ProjectId",
                table: "Storytellers",
                column: "ProjectId");
        }
    }
}
