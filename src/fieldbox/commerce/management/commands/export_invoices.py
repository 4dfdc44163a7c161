"""``fieldbox export-invoices --year YYYY --out DIR [--organisation ID]``: write every issued invoice and credit
note of that year as its FatturaPA XML file (by its file name) with its PDF beside it, one folder per organisation
(all organisations when none is named), and print how many it wrote. Exits non-zero when a stored XML no longer
validates against the schema (it is written all the same: it is the document as issued)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import invoice_export


class Command(BaseCommand):
    help = "Write the year's issued invoices and credit notes (FatturaPA XML and PDF), one folder per organisation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True, help="The year of the invoices' dates.")
        parser.add_argument("--out", type=Path, required=True, help="The directory to write to (made if missing).")
        parser.add_argument("--organisation", type=int, default=None, help="Only this organisation (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 1970 <= year <= 9999:
            raise CommandError(f"--year {year}: give a year such as 2026.")
        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out {out}: this is a file, not a directory.")
        if options["organisation"] is not None:
            organisations = list(Organisation.objects.filter(pk=options["organisation"]))
            if not organisations:
                raise CommandError(f"--organisation {options['organisation']}: no organisation has this id.")
        else:
            organisations = list(invoice_export.organisations_of_year(year))
        out.mkdir(parents=True, exist_ok=True)
        tally = invoice_export.write_year(out, year, organisations)
        self.stdout.write(
            f"Invoices {year}: {tally.documents} invoices and credit notes written to {out} "
            f"({tally.xml} XML files, {tally.pdf} PDFs, {len(organisations)} organisations)."
        )
        if tally.invalid:
            for found in tally.invalid:
                self.stderr.write(f"Not valid against the FatturaPA schema: {found}")
            raise CommandError(f"{len(tally.invalid)} XML files do not validate against the schema.")
