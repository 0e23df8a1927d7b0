using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchIndexUpdatesOnlyOnTextChange : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Moving a line's entry (its StartOffset, after an earlier line grew or shrank) must not
            // rewrite its full-text index entry: only a change of the text itself does. With secure-delete
            // on, every needless rewrite costs page writes; a one-line edit moved thousands of entries.
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"SearchEntries_au\";");
            migrationBuilder.Sql("CREATE TRIGGER \"SearchEntries_au\" AFTER UPDATE OF \"Text\" ON \"SearchEntries\" BEGIN INSERT INTO \"SearchEntriesFts\"(\"SearchEntriesFts\", rowid, \"Text\") VALUES('delete', old.\"Id\", old.\"Text\"); INSERT INTO \"SearchEntriesFts\"(rowid, \"Text\") VALUES (new.\"Id\", new.\"Text\"); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"SearchEntries_au\";");
            migrationBuilder.Sql("CREATE TRIGGER \"SearchEntries_au\" AFTER UPDATE ON \"SearchEntries\" BEGIN INSERT INTO \"SearchEntriesFts\"(\"SearchEntriesFts\", rowid, \"Text\") VALUES('delete', old.\"Id\", old.\"Text\"); INSERT INTO \"SearchEntriesFts\"(rowid, \"Text\") VALUES (new.\"Id\", new.\"Text\"); END;");
        }
    }
}
