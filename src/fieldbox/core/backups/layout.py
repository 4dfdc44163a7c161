"""What a backup is on disk, and the checks every part of it goes through.

A backup is one directory::

    manifest.json          format, versions, time, migrations, row counts, every file's size and SHA-256
    manifest.json.sha256   the manifest's own SHA-256 (``sha256sum -c`` reads it)
    database.dump          pg_dump --format=custom (PostgreSQL), or database.sqlite3 (the demo's SQLite)
    media/...              a copy of MEDIA_ROOT

It is written under a hidden temporary name beside its final one and renamed when complete: a directory with the
final name is a whole backup, whatever happened while it was written.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
CHUNK = 1 << 20  # files are copied and hashed a megabyte at a time, never whole in memory


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why to the operator."""


def sha256_of(path: Path) -> tuple[int, str]:
    """The size and SHA-256 of a file, read a chunk at a time."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def copy_file(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to ``target`` a chunk at a time; the size and SHA-256 of the bytes copied."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def sync_tree(folder: Path) -> None:
    """Every file and folder under ``folder`` on the disk (fsync), so that a rename afterwards never makes a
    complete-looking backup or media folder of bytes still in memory when the power goes."""
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            with (Path(parent) / name).open("rb") as f:
                os.fsync(f.fileno())
        sync_folder(Path(parent))


def sync_folder(folder: Path) -> None:
    """The folder's entries (a file made or renamed in it) on the disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_media(root: Path, into: Path) -> list[dict[str, Any]]:
    """Copy every regular file under ``root`` into ``into``; one entry (path, size, sha256) per file copied.

    A file deleted while the walk runs is left out; symbolic links are not followed."""
    files: list[dict[str, Any]] = []
    if not root.is_dir():
        return files
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            source = Path(folder) / name
            if source.is_symlink() or not source.is_file():
                continue
            relative = source.relative_to(root).as_posix()
            try:
                size, sha = copy_file(source, into / relative)
            except FileNotFoundError:
                continue
            files.append({"path": relative, "size": size, "sha256": sha})
    return files


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    with (folder / MANIFEST).open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    (folder / f"{MANIFEST}.sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}\n")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in ``folder``, once its own checksum agrees."""
    path, sums = folder / MANIFEST, folder / f"{MANIFEST}.sha256"
    if not path.is_file() or not sums.is_file():
        raise BackupError(f"{folder} is not a Fieldbox backup: {MANIFEST} or {MANIFEST}.sha256 is missing.")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sums.read_text().split()[0]:
        raise BackupError(f"The backup is damaged: {MANIFEST} does not match its checksum.")
    manifest: dict[str, Any] = json.loads(data)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not one this Fieldbox reads ({FORMAT}).")
    for f in manifest["media"]:
        if Path(f["path"]).is_absolute() or ".." in Path(f["path"]).parts:
            raise BackupError(f"The backup names a file outside its media folder: {f['path']!r}.")
    name = str(manifest["database"]["file"])
    if Path(name).name != name or name in ("", ".", ".."):
        raise BackupError(f"The backup names a database file outside its folder: {name!r}.")
    return manifest


def damaged_parts(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Every part of the backup whose size or SHA-256 differs from the manifest, missing, or not listed in it."""
    wanted = {MEDIA + "/" + f["path"]: (f["size"], f["sha256"]) for f in manifest["media"]}
    database = manifest["database"]
    wanted[database["file"]] = (database["size"], database["sha256"])
    wrong = []
    for relative, (size, sha) in sorted(wanted.items()):
        path = folder / relative
        if path.is_symlink():  # a backup holds copies; a link could point anywhere on the host
            wrong.append(f"{relative}: a symbolic link")
        elif not path.is_file():
            wrong.append(f"{relative}: missing")
        elif sha256_of(path) != (size, sha):
            wrong.append(f"{relative}: checksum differs")
    media = folder / MEDIA
    present = {MEDIA + "/" + p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file() or p.is_symlink()}
    wrong += [f"{relative}: not in the manifest" for relative in sorted(present - wanted.keys())]
    return wrong
