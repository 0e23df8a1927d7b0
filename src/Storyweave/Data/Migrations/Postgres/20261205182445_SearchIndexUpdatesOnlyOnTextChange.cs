using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchIndexUpdatesOnlyOnTextChange : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Nothing to change here: the SQLite set narrows its full-text update trigger to changes of the
            // text; PostgreSQL's generated tsvector needs no trigger. Kept so both sets have the same steps.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
