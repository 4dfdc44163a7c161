"""Check the counters of records by state against a COUNT, and repair them (``--repair``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fieldbox.core import counters
from fieldbox.core.transitions import TABLES


class Command(BaseCommand):
    help = "Compare the kept totals of every transition table with a COUNT; --repair sets them right."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--repair", action="store_true", help="Write the counted totals where they differ.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = []
        for _name, table in sorted(TABLES.items()):
            if table.counted:
                found += counters.repair(table.model, table.field, table.counted, fix=options["repair"])
        for line in found:
            self.stdout.write(line)
        if found and not options["repair"]:
            raise CommandError(f"{len(found)} counters differ from a COUNT: run again with --repair.")
        verb = "repaired" if found else "all exact"
        self.stdout.write(f"Counters: {verb} ({len(found)} differed).")
