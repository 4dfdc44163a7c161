"""``fieldbox stock-check [--organisation ID] [--repair]``: compare every stock balance with the sum of its moves,
print those that disagree and exit non-zero when any does; ``--repair`` sets them to the sum of the moves (the
moves are the truth: they are append-only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fieldbox.commerce.models import Item, StockLocation
from fieldbox.commerce.services import ledger


class Command(BaseCommand):
    help = "Compare the stock balances with the sum of the stock moves; --repair rebuilds them from the moves."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisation", type=int, default=None, help="Only this organisation (its id).")
        parser.add_argument("--repair", action="store_true", help="Set the balances that disagree to their moves' sum.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = options["organisation"]
        wrong = ledger.disagreements(organisation)
        places = dict(StockLocation.objects.filter(pk__in={w[0] for w in wrong}).values_list("pk", "name"))
        codes = dict(Item.objects.filter(pk__in={w[1] for w in wrong}).values_list("pk", "code"))
        for location_id, item_id, kept, summed in wrong:
            self.stdout.write(
                f"location {location_id} ({places.get(location_id, '?')}), item {item_id} ({codes.get(item_id, '?')}): "
                f"balance {kept:f}, moves {summed:f}"
            )
        if wrong and not options["repair"]:
            raise CommandError(f"{len(wrong)} stock balances disagree with their moves: run again with --repair.")
        if wrong:
            mended = ledger.rebuild(organisation)
            self.stdout.write(f"Stock: {mended} balances rebuilt from the moves.")
            return
        self.stdout.write("Stock: every balance agrees with its moves.")
