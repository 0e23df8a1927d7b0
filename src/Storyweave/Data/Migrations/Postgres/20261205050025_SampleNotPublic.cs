using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SampleNotPublic : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The sample project's made-up stories were once put on the public site by the seed itself
            // (published by nobody). Nothing made up is public unless an administrator publishes it.
            migrationBuilder.Sql(
                "UPDATE \"Stories\" SET \"PublishedAt\" = NULL WHERE \"PublishedByUserId\" IS NULL AND \"PublishedAt\" IS NOT NULL " +
                "AND \"ProjectId\" IN (SELECT \"Id\" FROM \"Projects\" WHERE \"IsSample\")");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing to undo: which stories the seed had published is not kept.
        }
    }
}
