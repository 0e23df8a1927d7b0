using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storyweave.Data.Migrations.Postgres
{
    /// <summary>
    /// The number <c>ConsentScopeCache</c> compares before it uses its copy of a project's consent rows: set to a value
    /// never used before by triggers on every table those rows are read from, in the statement that changes them (issue #17).
    /// Outside EF's model; a migration that rebuilds one of these tables must create its triggers again
    /// (<c>ConsentScopeCacheTests</c> fails if one is missing).
    /// </summary>
    public partial class ConsentScopeVersion : Migration
    {
        /// <inheritdoc />
        /// <summary>The tables the consent rows are read from, and the changes to each that change them.</summary>
        internal static readonly (string Table, string Changes)[] Watched =
        [
            ("StoryStorytellers", "INSERT OR UPDATE OR DELETE"),
            ("Storytellers", "INSERT OR UPDATE OR DELETE"),
            ("ConsentRecords", "INSERT OR UPDATE OR DELETE"),
            ("SpeakerLabels", "INSERT OR UPDATE OR DELETE"),
            // A story's other columns (title, status, publication) change often and are not read by the consent rows.
            ("Stories", "INSERT OR UPDATE OF \"ProjectId\" OR DELETE"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The number is raised once per transaction, as it commits (a deferred trigger), so writers of these tables
            // hold the one row's lock only while they commit, not for the whole transaction. A sequence never goes back.
            // Until then the transaction itself is marked (a setting local to it), and ConsentScopeCache neither uses
            // nor keeps a copy for a transaction that has changed these rows.
            migrationBuilder.Sql("CREATE SEQUENCE \"ConsentScopeVersionSeq\";");
            migrationBuilder.Sql("CREATE TABLE \"ConsentScopeVersion\" (\"Id\" integer NOT NULL PRIMARY KEY CHECK (\"Id\" = 1), \"Version\" bigint NOT NULL);");
            migrationBuilder.Sql("INSERT INTO \"ConsentScopeVersion\" (\"Id\", \"Version\") VALUES (1, nextval('\"ConsentScopeVersionSeq\"'));");
            migrationBuilder.Sql("""
                CREATE FUNCTION consent_scope_written() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM set_config('storyweave.consent_scope_written', 'on', true);
                    RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION consent_scope_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF current_setting('storyweave.consent_scope_raised', true) IS DISTINCT FROM 'on' THEN
                        PERFORM set_config('storyweave.consent_scope_raised', 'on', true);
                        UPDATE "ConsentScopeVersion" SET "Version" = nextval('"ConsentScopeVersionSeq"') WHERE "Id" = 1;
                    END IF;
                    RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION consent_scope_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM set_config('storyweave.consent_scope_written', 'on', true);
                    UPDATE "ConsentScopeVersion" SET "Version" = nextval('"ConsentScopeVersionSeq"') WHERE "Id" = 1;
                    RETURN NULL;
                END $$;
                """);
            foreach (var (table, changes) in Watched)
            {
                migrationBuilder.Sql($"CREATE TRIGGER \"{table}_consent_scope\" AFTER {changes} ON \"{table}\" FOR EACH STATEMENT EXECUTE FUNCTION consent_scope_written();");
                migrationBuilder.Sql($"CREATE CONSTRAINT TRIGGER \"{table}_consent_scope_commit\" AFTER {changes} ON \"{table}\" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION consent_scope_commit();");
                migrationBuilder.Sql($"CREATE TRIGGER \"{table}_consent_scope_truncate\" AFTER TRUNCATE ON \"{table}\" FOR EACH STATEMENT EXECUTE FUNCTION consent_scope_truncated();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _) in Watched)
                foreach (var suffix in new[] { "", "_commit", "_truncate" })
                    migrationBuilder.Sql($"DROP TRIGGER IF EXISTS \"{table}_consent_scope{suffix}\" ON \"{table}\";");
            migrationBuilder.Sql("DROP FUNCTION consent_scope_written();");
            migrationBuilder.Sql("DROP FUNCTION consent_scope_commit();");
            migrationBuilder.Sql("DROP FUNCTION consent_scope_truncated();");
            migrationBuilder.Sql("DROP TABLE \"ConsentScopeVersion\";");
            migrationBuilder.Sql("DROP SEQUENCE \"ConsentScopeVersionSeq\";");
        }
    }
}
