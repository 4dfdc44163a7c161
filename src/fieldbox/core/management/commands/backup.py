"""``fieldbox backup [--output DIR_OR_PATH]``: one consistent backup of the database and MEDIA_ROOT (see
``fieldbox.core.backups`` and the "Backups" section of docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fieldbox.core.backups import BackupError, make_backup


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the checks of the web site are not needed here: a quicker start
    help = "Back up the database (pg_dump, or SQLite's backup API) and the media files, with a checked manifest."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="A directory (a new fieldbox-<time> folder is made in it) or the new backup's own path. "
            "Default: $FIELDBOX_VAR_DIR/backups.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path, manifest = make_backup(options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        db, media = manifest["database"], manifest["media"]
        self.stdout.write(
            f"Backup written to {path}: {db['vendor']} {db['server_version']}, {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows, database {db['size']} bytes; "
            f"{len(media)} files, {sum(f['size'] for f in media)} bytes."
        )
