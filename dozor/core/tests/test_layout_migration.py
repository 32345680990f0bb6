"""A database made by the previous layout (apps as top-level packages ``core``, ``visits``, ...)
migrates forward under the one ``dozor`` package with no data migration: app labels and table
names are kept, so no table is renamed and no content type is created anew.

The fixture is that layout's SQLite database right after ``migrate`` at commit 723f198 (schema,
``django_migrations``, content types and permissions), dumped with ``sqlite3.iterdump``.
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "previous_layout.sql.gz"
ROOT = Path(__file__).resolve().parents[3]
# The previous layout installed django.contrib.admin; its table stays behind, unused.
LEFT_BEHIND = {"django_admin_log"}
# Dropped on purpose: the plain-text API tokens of rest_framework.authtoken (accounts 0003_signin).
DROPPED = {"authtoken_token"}


def dozor(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, "-m", "dozor.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def tables(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return {name: " ".join(sql.split()) for name, sql in rows}


def content_types(database: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return set(connection.execute("SELECT app_label, model FROM django_content_type").fetchall())


@pytest.mark.slow
def test_a_previous_layout_database_migrates_forward(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as connection:
        connection.executescript(gzip.decompress(FIXTURE.read_bytes()).decode("utf-8"))
    old_tables = tables(old)
    old_types = content_types(old)

    result = dozor(old, "migrate", "--no-input")
    assert result.returncode == 0, result.stderr
    # Every table of the previous layout is still there under its name (later migrations may
    # add columns) ...
    migrated = tables(old)
    assert set(old_tables) - DROPPED <= set(migrated)
    assert not DROPPED & set(migrated)
    # ... and the result is the schema a new database gets (later migrations included).
    fresh = tmp_path / "fresh.sqlite3"
    assert dozor(fresh, "migrate", "--no-input").returncode == 0
    expected = tables(fresh)
    assert {name: sql for name, sql in migrated.items() if name not in LEFT_BEHIND} == expected
    # Every content type keeps its label: permissions and audit references stay valid.
    types = content_types(old)
    assert old_types <= types
    assert not [label for label, _ in types if label.startswith("dozor")]
    check = dozor(old, "migrate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
