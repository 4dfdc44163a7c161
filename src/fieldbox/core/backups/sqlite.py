"""The demo's SQLite database: SQLite's online backup API copies a consistent image of it while it is in use,
and restores it the same way. The row counts are taken from the copy, so they describe it exactly."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection

from fieldbox.core.backups.layout import sha256_of

DUMP = "database.sqlite3"
T = TypeVar("T")


def dump(folder: Path, during: Callable[[], T]) -> tuple[dict[str, Any], T]:
    target = folder / DUMP
    with closing(sqlite3.connect(connection.settings_dict["NAME"])) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        tables = count_rows(dst)
        migrations = dict(dst.execute("SELECT app, name FROM django_migrations ORDER BY applied, id").fetchall())
        version = sqlite3.sqlite_version
    result = during()
    size, sha = sha256_of(target)
    database = {"vendor": "sqlite", "server_version": version, "file": DUMP, "size": size, "sha256": sha}
    return {"database": database, "tables": tables, "migrations": migrations}, result


def count_rows(db: sqlite3.Connection, only: list[str] | None = None) -> dict[str, int]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    names = [n for n in names if not n.startswith("sqlite_") and (only is None or n in only)]
    quoted = {n: '"' + n.replace('"', '""') + '"' for n in names}
    return {n: int(db.execute(f"SELECT count(*) FROM {q}").fetchone()[0]) for n, q in quoted.items()}  # noqa: S608


def restore(folder: Path, manifest: dict[str, Any]) -> None:
    connection.close()
    name = connection.settings_dict["NAME"]
    with closing(sqlite3.connect(folder / manifest["database"]["file"])) as src, closing(sqlite3.connect(name)) as dst:
        src.backup(dst)


def count_restored(tables: list[str]) -> dict[str, int]:
    with closing(sqlite3.connect(connection.settings_dict["NAME"])) as db:
        return count_rows(db, tables)
