"""The stock ledger: the one way stock moves (receipts, transfers, consumption in the field, deliveries, opening
stock, corrections). Every other service that moves stock calls ``post``.

``post`` writes the moves (append-only rows) and, in the same statement per call, adds each move's quantity to
the balance of its target and takes it from the balance of its source: one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` over the (location, item) pairs in a fixed order, so that two posts touching the same pairs lock
them in the same order (no deadlock) and the second waits for the first. The balances it returns are checked
afterwards: a warehouse or a van below zero, where the organisation forbids it, refuses the whole post (the
transaction rolls back, so two technicians taking the last unit at once cannot both succeed).

Measured choice (bench/stock): one upsert statement and one multi-row insert per post, whatever its size; the
balances are kept for every location (a supplier's goes below zero as goods come from it) so that
``fieldbox stock-check`` compares every balance with the sum of its moves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.commerce.choices import COUNTED_LOCATIONS, MoveKind
from fieldbox.commerce.models import CommerceSettings, Item, SerialNumber, StockBalance, StockLocation, StockMove


@dataclass(frozen=True)
class Line:
    """One move to post: ``quantity`` (> 0) of ``item_id`` from ``source_id`` to ``target_id``."""

    item_id: int
    quantity: Decimal
    source_id: int
    target_id: int
    unit_cost: Decimal | None = None
    serial: str = ""
    note: str = ""
    reverses_id: int | None = None


def negative_allowed(organisation_id: int) -> bool:
    found = CommerceSettings.objects.filter(organisation_id=organisation_id).values_list("negative_stock", flat=True)
    return bool(found.first())


def post(
    *,
    organisation_id: int,
    kind: MoveKind | str,
    lines: list[Line],
    user_id: int | None,
    document: str = "",
    document_id: int | None = None,
) -> list[StockMove]:
    """Write ``lines`` as stock moves and keep the balances in step, in the caller's transaction (or a new one).
    Raises ``ValidationError`` (nothing written) when a counted location would go below zero where forbidden,
    or a serial number is not where the move takes it from."""
    if not lines:
        return []
    for line in lines:
        if line.quantity <= 0:
            raise ValidationError({"quantity": _("The quantity must be more than zero.")})
        if line.source_id == line.target_id:
            raise ValidationError({"target": _("Stock moves from one place to another: choose another location.")})
    with transaction.atomic():
        now = timezone.now()
        moves = StockMove.objects.bulk_create(
            [
                StockMove(
                    organisation_id=organisation_id,
                    item_id=line.item_id,
                    quantity=line.quantity,
                    source_id=line.source_id,
                    target_id=line.target_id,
                    kind=kind,
                    unit_cost=line.unit_cost,
                    serial=line.serial,
                    note=line.note,
                    reverses_id=line.reverses_id,
                    document=document,
                    document_id=document_id,
                    created_by_id=user_id,
                    created_at=now,
                )
                for line in lines
            ]
        )
        balances = _apply(organisation_id, lines)
        _refuse_negative(organisation_id, balances)
        _follow_serials(organisation_id, lines)
    return moves


def _apply(organisation_id: int, lines: list[Line]) -> dict[tuple[int, int], Decimal]:
    """Add every line's quantity to its target and take it from its source, in one statement; answers the new
    balance of each (location, item) pair it touched."""
    delta: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in lines:
        delta[(line.source_id, line.item_id)] -= line.quantity
        delta[(line.target_id, line.item_id)] += line.quantity
    pairs = sorted(delta)  # the same order in every post: rows are locked in it
    table = StockBalance._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s)"] * len(pairs))
    params: list[object] = []
    for location_id, item_id in pairs:
        params += [organisation_id, location_id, item_id, delta[(location_id, item_id)]]
    sql = (
        f"INSERT INTO {table} (organisation_id, location_id, item_id, quantity) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (location_id, item_id) DO UPDATE SET quantity = {table}.quantity + excluded.quantity "
        "RETURNING location_id, item_id, quantity"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(int(loc), int(item)): Decimal(str(qty)) for loc, item, qty in cursor.fetchall()}


def _refuse_negative(organisation_id: int, balances: dict[tuple[int, int], Decimal]) -> None:
    below = [pair for pair, quantity in balances.items() if quantity < 0]
    if not below or negative_allowed(organisation_id):
        return
    counted = dict(
        StockLocation.objects.filter(pk__in={loc for loc, _item in below}, kind__in=COUNTED_LOCATIONS).values_list(
            "pk", "name"
        )
    )
    short = [(loc, item) for loc, item in below if loc in counted]
    if not short:
        return
    codes = dict(Item.objects.filter(pk__in={item for _loc, item in short}).values_list("pk", "code"))
    loc, item = short[0]
    left = balances[(loc, item)]
    raise ValidationError(
        {
            "quantity": _(
                "Not enough %(item)s at %(location)s: this would leave %(left)s, and stock may not go below zero."
            )
            % {"item": codes.get(item, item), "location": counted[loc], "left": left.normalize()}
        }
    )


def _follow_serials(organisation_id: int, lines: list[Line]) -> None:
    """Keep where each unit tracked by serial number is: it must be at the move's source (or unknown yet)."""
    serial_lines = [line for line in lines if line.serial]
    if not serial_lines:
        return
    known = {
        (s.item_id, s.serial): s
        for s in SerialNumber.objects.select_for_update().filter(
            organisation_id=organisation_id,
            item_id__in={line.item_id for line in serial_lines},
            serial__in={line.serial for line in serial_lines},
        )
    }
    for line in serial_lines:
        found = known.get((line.item_id, line.serial))
        if found is None:
            known[(line.item_id, line.serial)] = SerialNumber.objects.create(
                organisation_id=organisation_id, item_id=line.item_id, serial=line.serial, location_id=line.target_id
            )
            continue
        if found.location_id != line.source_id:
            raise ValidationError({"serial": _("Serial number %(serial)s is not there.") % {"serial": line.serial}})
        found.location_id = line.target_id
        found.save(update_fields=["location"])


def reverse(*, organisation_id: int, move_id: int, user_id: int | None, note: str) -> StockMove:
    """The correction of a move: the same quantity back from its target to its source, pointing to it. A move is
    corrected once; a correction is not corrected (post the move again instead)."""
    with transaction.atomic():
        move = StockMove.objects.select_for_update().get(organisation_id=organisation_id, pk=move_id)
        if move.reverses_id is not None:
            raise ValidationError({"move": _("This move is itself a correction: post the move again instead.")})
        if StockMove.objects.filter(reverses_id=move.pk).exists():
            raise ValidationError({"move": _("This move was already corrected.")})
        if not note.strip():
            raise ValidationError({"note": _("Say why the move is corrected.")})
        line = Line(
            item_id=move.item_id,
            quantity=move.quantity,
            source_id=move.target_id,
            target_id=move.source_id,
            unit_cost=move.unit_cost,
            serial=move.serial,
            note=note.strip()[:255],
            reverses_id=move.pk,
        )
        (correction,) = post(
            organisation_id=organisation_id,
            kind=MoveKind.REVERSAL,
            lines=[line],
            user_id=user_id,
            document=move.document,
            document_id=move.document_id,
        )
    return correction


def disagreements(organisation_id: int | None = None) -> list[tuple[int, int, Decimal, Decimal]]:
    """Every (location, item) whose kept balance differs from the sum of its moves: (location, item, kept,
    summed). Empty when the ledger and the balances agree (``fieldbox stock-check``)."""
    balance = StockBalance._meta.db_table
    move = StockMove._meta.db_table
    where = "WHERE organisation_id = %s" if organisation_id is not None else ""
    params = [organisation_id, organisation_id] if organisation_id is not None else []
    sql = f"""
        WITH flows AS (
            SELECT target_id AS location_id, item_id, quantity FROM {move} {where}
            UNION ALL
            SELECT source_id, item_id, -quantity FROM {move} {where}
        ), summed AS (
            SELECT location_id, item_id, SUM(quantity) AS quantity FROM flows GROUP BY location_id, item_id
        )
        SELECT COALESCE(b.location_id, s.location_id), COALESCE(b.item_id, s.item_id),
               COALESCE(b.quantity, 0), COALESCE(s.quantity, 0)
        FROM (SELECT * FROM {balance} {where}) b
        FULL OUTER JOIN summed s ON s.location_id = b.location_id AND s.item_id = b.item_id
        WHERE COALESCE(b.quantity, 0) <> COALESCE(s.quantity, 0)
    """  # noqa: S608 - table names are the models'
    if organisation_id is not None:
        params.append(organisation_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(a), int(b), Decimal(str(c)), Decimal(str(d))) for a, b, c, d in cursor.fetchall()]


def rebuild(organisation_id: int | None = None) -> int:
    """Set every balance to the sum of its moves (after a restore, or when the check found a disagreement);
    answers how many balances changed."""
    wrong = disagreements(organisation_id)
    with transaction.atomic():
        for location_id, item_id, _kept, summed in wrong:
            org = StockLocation.objects.filter(pk=location_id).values_list("organisation_id", flat=True).get()
            StockBalance.objects.update_or_create(
                location_id=location_id, item_id=item_id, defaults={"quantity": summed, "organisation_id": org}
            )
    return len(wrong)
