"""The full-text index over ``search_entry.terms`` in the database's own machinery (decision 0032):

- SQLite: an FTS5 table with external content (``search_entry_fts``), kept in step with
  ``search_entry`` by three triggers; tokenizer ``unicode61`` without diacritics removal, so it
  compares exactly what ``dozor.search.text`` produced (folded words and stems).
- PostgreSQL: a GIN index over ``to_tsvector('simple', terms)`` (no dictionary: the stems are made
  in Python, the same on both databases), and, where the ``pg_trgm`` extension can be created, a
  trigram GIN index over ``folded`` for the substring fallback. Without the extension (a managed
  database that refuses it) the fallback still works, unindexed.
Other databases get no full-text index; the selector then falls back to substring matching.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_entry_fts USING fts5("
    "terms, content='search_entry', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entry_fts_ai AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_entry_fts_ad AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_entry_fts_au AFTER UPDATE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_entry_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_entry_fts_au",
    "DROP TRIGGER IF EXISTS search_entry_fts_ad",
    "DROP TRIGGER IF EXISTS search_entry_fts_ai",
    "DROP TABLE IF EXISTS search_entry_fts",
]
PG_UP = "CREATE INDEX search_entry_terms_fts ON search_entry USING gin (to_tsvector('simple'::regconfig, terms))"
PG_TRGM = "CREATE INDEX search_entry_folded_trgm ON search_entry USING gin (folded gin_trgm_ops)"
PG_DOWN = [
    "DROP INDEX IF EXISTS search_entry_folded_trgm",
    "DROP INDEX IF EXISTS search_entry_terms_fts",
]


def _pg_trgm(schema_editor: Any) -> bool:
    """Whether ``pg_trgm`` is (or could be made) available; a refusal is rolled back to a savepoint."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        cursor.execute("SAVEPOINT search_trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 - no privilege, or not installed: the fallback runs unindexed
            cursor.execute("ROLLBACK TO SAVEPOINT search_trgm")
            return False
        cursor.execute("RELEASE SAVEPOINT search_trgm")
        return True


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)
        if _pg_trgm(schema_editor):
            schema_editor.execute(PG_TRGM)


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = SQLITE_DOWN if vendor == "sqlite" else PG_DOWN if vendor == "postgresql" else []
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
