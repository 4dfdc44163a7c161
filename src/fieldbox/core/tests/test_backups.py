"""``fieldbox backup`` and ``fieldbox restore``, the real commands in subprocesses, on PostgreSQL: a backup of the
loaded demo, restored into another database and media directory, gives back every table's rows and every file's
bytes; a damaged backup and a database that is not empty are refused, and nothing changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.postgres
FIELDBOX = str(Path(sys.executable).with_name("fieldbox"))


def database_url(name: str, password: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def admin(sql: str) -> None:
    db = connection.settings_dict
    with psycopg.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"]
    ) as conn:
        conn.autocommit = True
        conn.execute(sql)


def counts(name: str) -> dict[str, int]:
    """Every table of the current schema with its rows."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=name, user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"]
    ) as conn:
        tables = [
            r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def fieldbox(*args: str, database: str, media: Path, password: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url(database, password), "MEDIA_ROOT": str(media)}
    env["FIELDBOX_TESTING"] = "1"
    return subprocess.Popen([FIELDBOX, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def backup_while_writing(process: subprocess.Popen[str], database: str) -> tuple[int, str, list[str], int]:
    """Wait for the backup while adding rows to a table of the database, and read the command line of every
    pg_dump seen running meanwhile (what ``ps`` shows)."""
    seen, written = [], 0
    db = connection.settings_dict
    with psycopg.connect(
        dbname=database, user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"]
    ) as conn:
        conn.autocommit = True
        while process.poll() is None:
            conn.execute(
                "INSERT INTO core_counter (key, status, shard, n) VALUES ('backup-test', %s, 0, 1)", [str(written)]
            )
            written += 1
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if "pg_dump" in line:
                    seen.append(line)
            time.sleep(0.02)
    code, said = finish(process)
    return code, said, seen, written


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


@pytest.mark.django_db(transaction=True)  # the subprocesses read what the demo committed
def test_a_backup_of_the_demo_restores_into_an_empty_database_with_every_row_and_file(
    tmp_path: Path, settings: Any
) -> None:
    started = time.monotonic()
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    call_command("demo", stdout=StringIO())
    loaded = time.monotonic()
    (media / "notes" / "à côté").mkdir(parents=True)
    (media / "notes" / "à côté" / "relevé.txt").write_text("Relevé du 4 décembre\n")
    (media / "big.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # more than one chunk
    (media / "empty.txt").write_bytes(b"")
    source = connection.settings_dict["NAME"]
    password = connection.settings_dict["PASSWORD"] or "not-the-real-password-Zq81"
    restored, other = f"{source}_restored", f"{source}_other"
    for name in (restored, other):
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{name}"')
    try:
        before = counts(source)
        code, said, seen, written = backup_while_writing(
            fieldbox("backup", "--output", str(tmp_path / "nightly"), database=source, media=media, password=password),
            source,
        )
        assert code == 0, said
        backed_up = time.monotonic()
        backup = tmp_path / "nightly"
        manifest = json.loads((backup / "manifest.json").read_text())
        assert password not in said and password not in json.dumps(manifest)
        assert not any(password in line for line in seen), "the password is not on pg_dump's command line"
        assert not list(tmp_path.glob(".nightly*")), "no temporary folder is left behind"
        # Rows were added while the backup ran: the manifest counts what the dump holds, not what came after.
        assert written > 0 and counts(source)["core_counter"] == before["core_counter"] + written
        assert before["core_counter"] <= manifest["tables"]["core_counter"] <= before["core_counter"] + written
        assert {t: n for t, n in manifest["tables"].items() if t != "core_counter"} == {
            t: n for t, n in before.items() if t != "core_counter"
        }
        before = counts(source)

        damaged = tmp_path / "damaged"
        subprocess.run(["cp", "-r", str(backup), str(damaged)], check=True)
        with (damaged / "database.dump").open("r+b") as f:
            f.seek(4000)
            byte = f.read(1)
            f.seek(4000)
            f.write(bytes([byte[0] ^ 1]))

        running = [
            fieldbox(
                "restore",
                str(backup),
                "--media-root",
                str(tmp_path / "restored-media"),
                database=restored,
                media=media,
                password=password,
            ),
            fieldbox(
                "restore",
                str(damaged),
                "--media-root",
                str(tmp_path / "other-media"),
                database=other,
                media=media,
                password=password,
            ),
            fieldbox(
                "restore",
                str(backup),
                "--media-root",
                str(tmp_path / "again-media"),
                database=source,
                media=media,
                password=password,
            ),
        ]
        (good, good_said), (bad, bad_said), (full, full_said) = [finish(p) for p in running]
        assert good == 0, good_said
        assert "Restored: " in good_said and "every count as in the backup" in good_said
        assert counts(restored) == manifest["tables"]
        assert files(tmp_path / "restored-media") == files(media)
        assert len(files(media)) >= 4

        assert bad != 0 and "The backup is damaged" in bad_said and "database.dump: checksum differs" in bad_said
        assert counts(other) == {}
        assert not (tmp_path / "other-media").exists()
        assert full != 0 and "is not empty" in full_said
        assert counts(source) == before
        assert not (tmp_path / "again-media").exists()
        took = f"demo {loaded - started:.1f} s, backup {backed_up - loaded:.1f} s"
        print(f"{took}, restores {time.monotonic() - backed_up:.1f} s; {written} rows written during the backup")
    finally:
        for name in (restored, other):
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install(tmp_path: Path, monkeypatch: Any) -> None:
    from fieldbox.core.backups.layout import BackupError
    from fieldbox.core.backups.postgres import tool

    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.14'\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"version 13, too old for a PostgreSQL 99 server.*postgresql-client-99"):
        tool("pg_dump", 99, "a PostgreSQL 99 server")
    assert tool("pg_dump", 12, "a PostgreSQL 12 server") == (str(old), 13)


def test_the_demo_sqlite_database_is_backed_up_and_restored_with_its_files(tmp_path: Path) -> None:
    """The demo's SQLite: SQLite's online backup API, the same layout and the same checks (a small database made
    here, the commands need no migrated schema)."""
    import sqlite3

    demo = tmp_path / "demo.sqlite3"
    with sqlite3.connect(demo) as db:
        db.execute("CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)")
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('jobs', '0001_initial', '2026-01-01')")
        db.execute("CREATE TABLE jobs_job (id integer primary key, plate text)")
        db.executemany("INSERT INTO jobs_job (plate) VALUES (?)", [(f"AB{i:03}CD",) for i in range(250)])
    media = tmp_path / "media"
    (media / "job-photos").mkdir(parents=True)
    (media / "job-photos" / "1.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(5000))
    env = {**os.environ, "FIELDBOX_DEMO": "1", "FIELDBOX_TESTING": "", "REDIS_URL": "", "MEDIA_ROOT": str(media)}
    run = {"env": env, "capture_output": True, "text": True, "timeout": 120}
    made = subprocess.run(
        [FIELDBOX, "backup", "--output", str(tmp_path / "b")],
        **run | {"env": env | {"DATABASE_URL": f"sqlite:///{demo}"}},
    )
    assert made.returncode == 0, made.stderr
    assert "sqlite" in made.stdout and "2 tables, 251 rows" in made.stdout and "1 files" in made.stdout

    target = tmp_path / "restored.sqlite3"
    back = subprocess.run(
        [FIELDBOX, "restore", str(tmp_path / "b"), "--media-root", str(tmp_path / "m2")],
        **run | {"env": env | {"DATABASE_URL": f"sqlite:///{target}"}},
    )
    assert back.returncode == 0, back.stdout + back.stderr
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT count(*), max(plate) FROM jobs_job").fetchone() == (250, "AB249CD")
    assert files(tmp_path / "m2") == files(media)


@pytest.mark.parametrize(
    ("database", "media", "refused"),
    [
        ("../../etc/passwd", [], "database file outside its folder"),
        ("/etc/passwd", [], "database file outside its folder"),
        ("database.dump", [{"path": "../outside.txt", "size": 1, "sha256": "0"}], "outside its media folder"),
    ],
)
def test_a_backup_naming_files_outside_itself_is_refused_before_anything_is_read(
    tmp_path: Path, database: str, media: list[dict[str, Any]], refused: str
) -> None:
    from fieldbox.core.backups.layout import FORMAT, BackupError, read_manifest

    manifest = {"format": FORMAT, "database": {"file": database, "size": 1, "sha256": "0"}, "media": media}
    data = json.dumps(manifest).encode()
    (tmp_path / "manifest.json").write_bytes(data)
    (tmp_path / "manifest.json.sha256").write_text(f"{hashlib_of(data)}  manifest.json\n")
    with pytest.raises(BackupError, match=refused):
        read_manifest(tmp_path)


def test_a_symbolic_link_in_a_backup_is_refused(tmp_path: Path) -> None:
    from fieldbox.core.backups.layout import damaged_parts

    (tmp_path / "database.dump").write_bytes(b"x")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "photo.jpg").symlink_to("/etc/hostname")
    manifest = {
        "database": {"file": "database.dump", "size": 1, "sha256": hashlib_of(b"x")},
        "media": [{"path": "photo.jpg", "size": 1, "sha256": "0"}],
    }
    assert damaged_parts(tmp_path, manifest) == ["media/photo.jpg: a symbolic link"]


def hashlib_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
