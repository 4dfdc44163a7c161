"""``fieldbox backup`` and ``fieldbox restore``: one consistent copy of the database and of MEDIA_ROOT, with a
manifest that lets a restore check every byte before it touches anything and every table's rows after.

``layout`` says what a backup is on disk; ``postgres`` and ``sqlite`` dump and restore each kind of database.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

import fieldbox
from fieldbox.core.backups import layout, postgres, sqlite
from fieldbox.core.backups.layout import MEDIA, BackupError

__all__ = ["BackupError", "Restored", "make_backup", "restore_backup"]


def engine() -> Any:
    if connection.vendor == "postgresql":
        return postgres
    if connection.vendor == "sqlite":
        return sqlite
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def destination(output: Path | None, now: datetime) -> Path:
    """The backup's final path: a new folder named after the time inside an existing directory, or the path
    given when nothing is there yet."""
    output = output or Path(settings.VAR_DIR) / "backups"
    if output.is_dir() or output == Path(settings.VAR_DIR) / "backups":
        output.mkdir(parents=True, exist_ok=True)
        return output / f"fieldbox-{now:%Y%m%dT%H%M%SZ}"
    if output.exists():
        raise BackupError(f"{output} already exists and is not a directory: name a new path or a directory.")
    if not output.parent.is_dir():
        raise BackupError(f"{output.parent} does not exist.")
    return output


def make_backup(output: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Write a backup; its path and manifest. Nothing is left under the final name unless it is complete."""
    now = datetime.now(UTC).replace(microsecond=0)
    final = destination(output, now)
    if final.exists():
        raise BackupError(f"{final} already exists.")
    work = final.with_name(f".{final.name}.partial-{os.getpid()}")
    work.mkdir()
    try:
        facts, media = engine().dump(work, lambda: layout.copy_media(Path(settings.MEDIA_ROOT), work / MEDIA))
        manifest = {"format": layout.FORMAT, "fieldbox_version": fieldbox.__version__, "created_at": now.isoformat()}
        manifest |= facts | {"media": media}
        layout.write_manifest(work, manifest)
        layout.sync_tree(work)
        work.rename(final)
        layout.sync_folder(final.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final, manifest


@dataclass
class Restored:
    tables: int = 0
    rows: int = 0
    files: int = 0
    size: int = 0
    differences: list[str] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=dict)  # every table's rows after the restore


def restore_backup(folder: Path, media_root: Path | None = None) -> Restored:
    """Restore the backup in ``folder`` into the configured, empty database and an empty ``media_root``; every
    check that can refuse runs before anything is written."""
    manifest = layout.read_manifest(folder)
    media_root = media_root or Path(settings.MEDIA_ROOT)
    refuse_unless_ready(folder, manifest, media_root)
    kind = engine()
    done = Restored(files=len(manifest["media"]), size=sum(f["size"] for f in manifest["media"]))
    # The files first, beside the media root: a disk too full for them stops the restore before the database.
    staged, wrong = stage_media(folder / MEDIA, manifest["media"], media_root)
    try:
        kind.restore(folder, manifest)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    place_media(staged, media_root)
    done.differences += wrong
    done.counted = counted = kind.count_restored(list(manifest["tables"]))
    for table, rows in sorted(manifest["tables"].items()):
        if counted.get(table) != rows:
            done.differences.append(f"table {table}: {rows} rows in the backup, {counted.get(table, 'no table')} now")
    done.tables, done.rows = len(manifest["tables"]), sum(manifest["tables"].values())
    return done


def refuse_unless_ready(folder: Path, manifest: dict[str, Any], media_root: Path) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"The backup is of a {vendor} database; DATABASE_URL names a {connection.vendor} one.")
    damaged = layout.damaged_parts(folder, manifest)
    if damaged:
        raise BackupError("The backup is damaged, nothing restored:\n  " + "\n  ".join(damaged))
    ours = set(manifest["tables"]) | set(connection.introspection.django_table_names())
    present = sorted(ours & set(connection.introspection.table_names()))
    if present:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty ({len(present)} tables of Fieldbox, "
            f"e.g. {', '.join(present[:3])}): restore into a new, empty database. Nothing restored."
        )
    if media_root.exists() and (not media_root.is_dir() or any(media_root.iterdir())):
        raise BackupError(f"The media directory {media_root} is not empty: name an empty or new one with --media-root.")


def stage_media(source: Path, files: list[dict[str, Any]], media_root: Path) -> tuple[Path, list[str]]:
    """Copy the files into a temporary folder beside ``media_root``; the folder and the files whose copy differs."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    work = media_root.with_name(f".{media_root.name}.restoring-{os.getpid()}")
    wrong = []
    try:
        for f in files:
            if layout.copy_file(source / f["path"], work / f["path"]) != (f["size"], f["sha256"]):
                wrong.append(f"file {f['path']}: its copy differs from the backup")
        work.mkdir(exist_ok=True)
        layout.sync_tree(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return work, wrong


def place_media(staged: Path, media_root: Path) -> None:
    """Move the staged files into place as the media root."""
    if media_root.exists():
        media_root.rmdir()  # empty: checked before anything was restored
    staged.rename(media_root)
    layout.sync_folder(media_root.parent)
