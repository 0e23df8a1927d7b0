using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <summary>
    /// Empty on SQLite: the indexes of this migration are PostgreSQL's only (search's speaker filter,
    /// <c>Features/Search/README.md</c>). It exists so both providers keep the same migration names.
    /// </summary>
    public partial class PostgresSearchIndexes : Migration
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
