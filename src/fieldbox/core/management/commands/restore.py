"""``fieldbox restore BACKUP [--media-root DIR]``: restore a backup of ``fieldbox backup`` into the empty
database of DATABASE_URL and an empty media directory, then compare every table's rows with the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fieldbox.core.backups import BackupError, restore_backup


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the checks of the web site are not needed here: a quicker start
    help = "Restore a backup into an empty database and media directory; check every checksum and row count."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", type=Path, help="The backup's folder (written by fieldbox backup).")
        parser.add_argument(
            "--media-root", type=Path, default=None, help="Where to put the files (default: MEDIA_ROOT); empty or new."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = restore_backup(options["backup"], options["media_root"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 1:
            for table, rows in sorted(done.counted.items()):
                self.stdout.write(f"{table}: {rows}")
        for line in done.differences:
            self.stdout.write(line)
        if done.differences:
            raise CommandError(f"Restored, but {len(done.differences)} differences with the backup (above).")
        self.stdout.write(
            f"Restored: {done.tables} tables, {done.rows} rows, every count as in the backup; "
            f"{done.files} files, {done.size} bytes, every checksum as in the backup. "
            "Then run: fieldbox counters and fieldbox stock-check."
        )
