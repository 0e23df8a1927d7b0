using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <summary>
    /// Nothing on PostgreSQL: <c>SearchResultCache</c> keeps a search's ranked matches on SQLite only (its migration of
    /// the same name adds the version table and its triggers there). Present so both providers have the same migrations.
    /// </summary>
    public partial class SearchResultVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
