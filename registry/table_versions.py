"""The triggers that keep ``TableVersion`` (``registry.models.table_versions``) and the tables they watch.

``install(schema_editor, tables)`` is run by the migration of the app that owns the tables (``RunPython``),
``track(*models)`` by its ``AppConfig.ready()``: ``registry.list_counts`` caches only counts whose every
table is tracked, so a table with no trigger can never serve a stale count.

PostgreSQL: a deferred constraint trigger per row sets the table's version from a sequence at the
commit, once per transaction (``xid``; a transaction-local setting makes the calls for the other rows
return at once: about 2 µs a row of a bulk write instead of 16). The row of ``TableVersion`` is locked
only from the commit's start to its end, not for the whole transaction (an import of many rows would
otherwise hold up every other write to the table), and the new version becomes visible together with
the rows that changed. TRUNCATE has a statement trigger of its own. SQLite (development and the tests):
a trigger per row and operation sets a random version; SQLite has one writer at a time.
"""

# One statement a string: the database drivers run a single statement per call.
PG_FUNCTION = [
    "CREATE SEQUENCE IF NOT EXISTS registry_tableversion_seq",
    """CREATE OR REPLACE FUNCTION registry_bump_table_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    done_setting text := 'registry_table_version.' || TG_TABLE_NAME;
    current_xid text := txid_current()::text;
BEGIN
    -- The table's first row of the transaction sets the version; the others (a bulk insert's thousands)
    -- find the transaction-local setting and return at once.
    IF current_setting(done_setting, true) = current_xid THEN
        RETURN NULL;
    END IF;
    INSERT INTO registry_tableversion ("table", version, xid)
    VALUES (TG_TABLE_NAME, nextval('registry_tableversion_seq'), txid_current())
    ON CONFLICT ("table") DO UPDATE SET version = EXCLUDED.version, xid = EXCLUDED.xid
    WHERE registry_tableversion.xid IS DISTINCT FROM EXCLUDED.xid;
    PERFORM set_config(done_setting, current_xid, true);
    RETURN NULL;
END $$""",
]

PG_TRIGGERS = [
    'DROP TRIGGER IF EXISTS registry_table_version ON "{table}"',
    """CREATE CONSTRAINT TRIGGER registry_table_version AFTER INSERT OR UPDATE OR DELETE ON "{table}"
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_bump_table_version()""",
    'DROP TRIGGER IF EXISTS registry_table_version_truncate ON "{table}"',
    """CREATE TRIGGER registry_table_version_truncate AFTER TRUNCATE ON "{table}"
    FOR EACH STATEMENT EXECUTE FUNCTION registry_bump_table_version()""",
    """INSERT INTO registry_tableversion ("table", version) VALUES ('{table}', nextval('registry_tableversion_seq'))
    ON CONFLICT ("table") DO NOTHING""",
]

PG_DROP = [
    'DROP TRIGGER IF EXISTS registry_table_version ON "{table}"',
    'DROP TRIGGER IF EXISTS registry_table_version_truncate ON "{table}"',
    """DELETE FROM registry_tableversion WHERE "table" = '{table}'""",
]

SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS "registry_table_version_{table}_{operation}" AFTER {operation} ON "{table}"
BEGIN
    INSERT OR REPLACE INTO registry_tableversion ("table", version) VALUES ('{table}', random());
END;
"""

SQLITE_SEED = """INSERT OR IGNORE INTO registry_tableversion ("table", version) VALUES ('{table}', random())"""
SQLITE_UNSEED = """DELETE FROM registry_tableversion WHERE "table" = '{table}'"""
SQLITE_DROP = 'DROP TRIGGER IF EXISTS "registry_table_version_{table}_{operation}"'
OPERATIONS = ("INSERT", "UPDATE", "DELETE")

TRACKED: set[str] = set()


def track(*models) -> None:
    """These models' tables have the triggers (their app's migration installed them)."""
    TRACKED.update(model._meta.db_table for model in models)


def _statements(vendor: str, tables, *, drop: bool = False) -> list[str]:
    for table in tables:
        assert table.replace("_", "").isalnum(), table  # names from the migrations only, never from input
    if vendor == "postgresql":
        if drop:
            return [statement.format(table=table) for table in tables for statement in PG_DROP]
        return PG_FUNCTION + [statement.format(table=table) for table in tables for statement in PG_TRIGGERS]
    if vendor == "sqlite":
        statements = [SQLITE_DROP if drop else SQLITE_TRIGGER]
        result = [statement.format(table=table, operation=operation)
                  for table in tables for operation in OPERATIONS for statement in statements]
        result += [(SQLITE_UNSEED if drop else SQLITE_SEED).format(table=table) for table in tables]
        return result
    return []  # another database: nothing tracked there, counts are never cached


def install(schema_editor, tables) -> None:
    for statement in _statements(schema_editor.connection.vendor, tables):
        schema_editor.execute(statement)


def uninstall(schema_editor, tables) -> None:
    for statement in _statements(schema_editor.connection.vendor, tables, drop=True):
        schema_editor.execute(statement)
