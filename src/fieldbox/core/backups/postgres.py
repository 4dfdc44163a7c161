"""PostgreSQL: pg_dump in its custom format inside an exported snapshot, and pg_restore.

The row counts of the manifest are taken in the transaction whose snapshot pg_dump uses (``pg_export_snapshot()``
in a REPEATABLE READ transaction, ``pg_dump --snapshot``): they describe exactly the rows in the dump, without a
second pass over a restored copy. The password goes to the client programs in their environment (PGPASSWORD),
never on their command line, which ``ps`` shows to every user of the host.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection, transaction

from fieldbox.core.backups.layout import BackupError, sha256_of

DUMP = "database.dump"
T = TypeVar("T")
# Connection settings that Django's OPTIONS may carry and libpq also reads from the environment.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def client_env() -> dict[str, str]:
    """The environment of pg_dump and pg_restore: this process's, plus the database's connection settings."""
    db = connection.settings_dict
    env = dict(os.environ)
    pairs = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER")}
    pairs |= {"PGPASSWORD": db.get("PASSWORD"), "PGDATABASE": db.get("NAME")}
    pairs |= {var: (db.get("OPTIONS") or {}).get(key) for key, var in LIBPQ_OPTIONS.items()}
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    return env


def server_version() -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        text = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW server_version_num")
        return text, int(cursor.fetchone()[0]) // 10000


def tool(name: str, at_least: int, why: str) -> tuple[str, int]:
    """The path and major version of a PostgreSQL client program of major ``at_least`` or newer: first the one
    of that very major (/usr/lib/postgresql/<major>/bin, Debian's layout), then the one on PATH."""
    for path in (f"/usr/lib/postgresql/{at_least}/bin/{name}", shutil.which(name)):
        if path and Path(path).is_file():
            version = [path, "--version"]
            out = subprocess.run(version, capture_output=True, text=True, check=True).stdout  # noqa: S603 - our path
            found = re.search(r"(\d+)(?:\.\d+)?", out)
            major = int(found.group(1)) if found else 0
            if major >= at_least:
                return path, major
            raise BackupError(
                f"{path} is version {major}, too old for {why}: install the PostgreSQL {at_least} client programs "
                f"(Debian: apt-get install postgresql-client-{at_least})."
            )
    raise BackupError(f"{name} not found: install the PostgreSQL {at_least} client programs.")


def dump(folder: Path, during: Callable[[], T]) -> tuple[dict[str, Any], T]:
    """Dump the database into ``folder`` and count its rows, both in one snapshot; ``during`` runs while
    pg_dump works, after the snapshot is taken (the media are copied then)."""
    version, major = server_version()
    pg_dump, dump_major = tool("pg_dump", major, f"a PostgreSQL {major} server")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        command = [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={folder / DUMP}"]
        pipe = subprocess.PIPE
        process = subprocess.Popen(command, env=client_env(), stdout=pipe, stderr=pipe)  # noqa: S603 - no shell
        try:
            tables = count_rows(cursor, table_names(cursor))
            migrations = last_migrations(cursor)
            result = during()
        finally:
            _, err = process.communicate()
        if process.returncode:
            raise BackupError(f"pg_dump failed (exit {process.returncode}): {err.decode(errors='replace').strip()}")
    size, sha = sha256_of(folder / DUMP)
    database = {"vendor": "postgresql", "server_version": version, "server_major": major, "tool_major": dump_major}
    database |= {"file": DUMP, "size": size, "sha256": sha}
    return {"database": database, "tables": tables, "migrations": migrations}, result


def table_names(cursor: Any) -> list[str]:
    """The tables of the current schema (the one Django uses), partitioned ones included."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def count_rows(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a quoted table
        counts[table] = int(cursor.fetchone()[0])
    return counts


def last_migrations(cursor: Any) -> dict[str, str]:
    cursor.execute("SELECT DISTINCT ON (app) app, name FROM django_migrations ORDER BY app, applied DESC, id DESC")
    return dict(cursor.fetchall())


def restore(folder: Path, manifest: dict[str, Any]) -> None:
    """pg_restore the dump into the (empty) database, in one transaction: all of it or nothing."""
    source = manifest["database"]
    version, major = server_version()
    if major < source["server_major"]:
        raise BackupError(
            f"The backup comes from PostgreSQL {source['server_version']}; this server is {version}: "
            f"restore into PostgreSQL {source['server_major']} or newer."
        )
    wanted = max(major, source["tool_major"])
    pg_restore, _ = tool("pg_restore", wanted, f"a dump made by pg_dump {source['tool_major']}")
    connection.close()  # pg_restore works alone in the database
    command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password"]
    command += [f"--dbname={connection.settings_dict['NAME']}", str(folder / source["file"])]
    done = subprocess.run(command, env=client_env(), capture_output=True, text=True)  # noqa: S603 - no shell
    if done.returncode:
        raise BackupError(f"pg_restore failed (exit {done.returncode}), nothing restored: {done.stderr.strip()}")


def count_restored(tables: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        present = set(table_names(cursor))
        return count_rows(cursor, [t for t in tables if t in present])
