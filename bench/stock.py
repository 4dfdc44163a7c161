"""Benchmark: the stock ledger under load, the stock list of a location, and delivery-note numbers under concurrency.

The issue: with 20,000 items, 300 locations and 1,000,000 past stock moves, (a) 16 workers issuing 20,000 moves at
once (consumptions from vans, transfers to vans, receipts) through ``fieldbox.commerce.services.ledger.post`` run at
≥ 0.5 times a bare INSERT-and-UPDATE loop doing the same moves on the same tables in the same run, and afterwards no
balance disagrees with the sum of its moves (``ledger.disagreements``) and none of a warehouse or a van is below
zero (the organisation forbids it); (b) the stock list of one location (``selectors_stock.stock_page``), first page
and a deep page, at most 10 times the raw SQL of the same rows; (c) 8 processes creating 2,000 delivery notes at
once, each numbered by ``commerce.numbering.take`` in its transaction, 10% of the transactions rolled back on
purpose: the numbers kept have no gap and no duplicate.

The workers are processes (forked after Django is set up), each with its own connection, started together.
Baseline and ledger runs alternate (best of ``--repeat``); between runs the moves of the run are deleted and the
balances they touched put back. Prints each figure, its baseline and ratio, one summary line, and exits 1 when a
figure misses its limit.

    python bench/stock.py [--items N] [--locations L] [--moves M] [--workers K] [--burst B] [--repeat R]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import traceback
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import _common  # bench/ is on the path of a benchmark script
import _stock_data

NAME = "stock"
MOVE_LIMIT = 0.50  # ledger.post throughput / bare INSERT-and-UPDATE loop throughput: at least
LIST_LIMIT = 10.0  # stock list through the selector / raw SQL: at most
PAGE = 50
START_TIMEOUT = 120


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--locations", type=int, default=300)
    parser.add_argument("--moves", type=int, default=1_000_000, help="past stock moves")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--burst", type=int, default=20_000, help="moves issued at once by the workers")
    parser.add_argument("--notes", type=int, default=2_000, help="delivery notes kept by the numbering race")
    parser.add_argument("--note-workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--list-repeat", type=int, default=15)
    args = parser.parse_args(argv)
    if args.locations < 60 or args.items < 1_000 or args.moves < 10_000:
        parser.error("at least 60 locations, 1,000 items and 10,000 moves")
    return args


# --- (a) moves at once ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    kind: str
    item: int
    source: int
    target: int
    quantity: Decimal


def plan(stock: _stock_data.Warehouse, count: int) -> list[Planned]:
    """The burst: 20% receipts into a warehouse, 40% transfers from a warehouse that holds the item to a van, 40%
    consumptions from a van of an item it holds (as people do; some still find the shelf emptied meanwhile)."""
    from fieldbox.commerce.models import StockBalance

    rng = random.Random(7)
    held: dict[int, list[int]] = {}  # location -> items it holds
    where: dict[int, list[int]] = {}  # item -> warehouses holding it
    rows = StockBalance.objects.filter(location_id__in=stock.counted, quantity__gt=0).values_list(
        "location_id", "item_id"
    )
    warehouses = set(stock.warehouses)
    for location, item in rows.iterator(chunk_size=10_000):
        held.setdefault(location, []).append(item)
        if location in warehouses:
            where.setdefault(item, []).append(location)
    moves: list[Planned] = []
    while len(moves) < count:
        roll = rng.random()
        if roll < 0.2:
            item, source, target = rng.choice(stock.items), rng.choice(stock.suppliers), rng.choice(stock.warehouses)
            moves.append(Planned("receipt", item, source, target, Decimal(rng.randint(5, 20))))
        elif roll < 0.6:
            target = rng.choice(stock.vans)
            item = rng.choice(stock.van_items[target])
            if item in where:
                moves.append(Planned("transfer", item, rng.choice(where[item]), target, Decimal(rng.randint(1, 3))))
        else:
            source = rng.choice(stock.vans)
            if held.get(source):
                item = rng.choice(held[source])
                moves.append(Planned("consumption", item, source, rng.choice(stock.customers), Decimal(1)))
    return moves


def bare_worker(org: int, user: int, counted: frozenset[int], moves: list[Planned]) -> tuple[int, int]:
    """The baseline: per move one transaction with an INSERT of the move and an UPDATE of each balance (in the
    ledger's order), rolled back when a warehouse or a van would go below zero."""
    from django.db import connection, transaction

    from fieldbox.commerce.models import StockBalance, StockMove

    move, balance = StockMove._meta.db_table, StockBalance._meta.db_table
    insert = (
        f"INSERT INTO {move} (organisation_id, item_id, quantity, source_id, target_id, kind, serial, document, "
        "note, created_by_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, '', '', '', %s, now())"
    )
    update = f"UPDATE {balance} SET quantity = quantity + %s WHERE location_id = %s AND item_id = %s RETURNING quantity"
    done = refused = 0
    with connection.cursor() as cursor:
        for m in moves:
            try:
                with transaction.atomic():
                    cursor.execute(insert, [org, m.item, m.quantity, m.source, m.target, m.kind, user])
                    for place, delta in sorted(((m.source, -m.quantity), (m.target, m.quantity))):
                        cursor.execute(update, [delta, place, m.item])
                        (left,) = cursor.fetchone()
                        if left < 0 and place in counted:
                            raise ValueError("below zero")
                done += 1
            except ValueError:
                refused += 1
    return done, refused


def ledger_worker(org: int, user: int, counted: frozenset[int], moves: list[Planned]) -> tuple[int, int]:
    """The service: one ``ledger.post`` per move (a refusal is a ValidationError)."""
    from django.core.exceptions import ValidationError

    from fieldbox.commerce.services import ledger

    done = refused = 0
    for m in moves:
        line = ledger.Line(item_id=m.item, quantity=m.quantity, source_id=m.source, target_id=m.target)
        try:
            ledger.post(organisation_id=org, kind=m.kind, lines=[line], user_id=user)
            done += 1
        except ValidationError:
            refused += 1
    return done, refused


WORKERS = {"bare": bare_worker, "ledger": ledger_worker}


def _child(side: str, args: tuple[Any, ...], barrier: Any, results: Any) -> None:
    from django.db import connection

    try:
        connection.ensure_connection()
        barrier.wait(START_TIMEOUT)
        done, refused = WORKERS[side](*args)
        results.put(("ok", done, refused, time.perf_counter()))
    except Exception:
        results.put(("error", traceback.format_exc(), 0, 0.0))
    finally:
        connection.close()


def race(side: str, stock: _stock_data.Warehouse, moves: list[Planned], workers: int) -> tuple[float, int, int]:
    """All workers at once (processes, each its own connection); seconds from the start to the last one done."""
    counted = frozenset(stock.counted)
    argses = [(side, (stock.organisation.pk, stock.user_id, counted, moves[n::workers])) for n in range(workers)]
    started, outcomes = _common.at_once(_child, argses, START_TIMEOUT)
    errors = [o[1] for o in outcomes if o[0] == "error"]
    if errors:
        raise SystemExit(f"bench {NAME}: a {side} worker failed:\n{errors[0]}")
    ended = max(o[3] for o in outcomes)
    return ended - started, sum(o[1] for o in outcomes), sum(o[2] for o in outcomes)


def snapshot(moves: list[Planned]) -> tuple[int, list[tuple[int, int, Decimal]]]:
    """The last move's id and the balances the burst touches, to put back after a run."""
    from fieldbox.commerce.models import StockBalance, StockMove

    pairs = {(m.source, m.item) for m in moves} | {(m.target, m.item) for m in moves}
    kept = {
        (loc, item): q
        for loc, item, q in StockBalance.objects.filter(
            location_id__in={p[0] for p in pairs}, item_id__in={p[1] for p in pairs}
        ).values_list("location_id", "item_id", "quantity")
    }
    return _common.max_id(StockMove), [(loc, item, kept.get((loc, item), Decimal(0))) for loc, item in sorted(pairs)]


def ensure_balances(org: int, pairs: list[tuple[int, int, Decimal]]) -> None:
    """A balance row for every pair the burst touches (the bare loop only UPDATEs), zero where there was none."""
    from django.db import connection

    from fieldbox.commerce.models import StockBalance

    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {StockBalance._meta.db_table} (organisation_id, location_id, item_id, quantity) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (location_id, item_id) DO NOTHING",
            [(org, loc, item, q) for loc, item, q in pairs],
        )


def restore(last_move: int, pairs: list[tuple[int, int, Decimal]]) -> None:
    from django.db import connection

    from fieldbox.commerce.models import StockBalance, StockMove

    balance = StockBalance._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StockMove._meta.db_table} WHERE id > %s", [last_move])
        cursor.executemany(
            f"UPDATE {balance} SET quantity = %s WHERE location_id = %s AND item_id = %s",
            [(q, loc, item) for loc, item, q in pairs],
        )
    _stock_data.analyse()


def negative_counted(org: int) -> int:
    from fieldbox.commerce.choices import COUNTED_LOCATIONS
    from fieldbox.commerce.models import StockBalance

    return StockBalance.objects.filter(
        organisation_id=org, location__kind__in=COUNTED_LOCATIONS, quantity__lt=0
    ).count()


def measure_moves(stock: _stock_data.Warehouse, args: argparse.Namespace) -> bool:
    from fieldbox.commerce.services import ledger

    moves = plan(stock, args.burst)
    last_move, pairs = snapshot(moves)
    ensure_balances(stock.organisation.pk, pairs)
    best = {"bare": 0.0, "ledger": 0.0}
    problems: list[str] = []
    for number in range(1, args.repeat + 1):
        for side in ("bare", "ledger") if number % 2 else ("ledger", "bare"):
            seconds, done, refused = race(side, stock, moves, args.workers)
            rate = (done + refused) / seconds
            best[side] = max(best[side], rate)
            print(
                f"  run {number} {side}: {done:,} moved, {refused:,} refused in {seconds:.2f} s = {rate:,.0f} moves/s"
            )
            if side == "ledger":
                wrong, below = ledger.disagreements(stock.organisation.pk), negative_counted(stock.organisation.pk)
                print(f"  run {number} ledger: {len(wrong)} balances disagree with their moves, {below} below zero")
                if wrong or below:
                    problems.append(f"run {number}: {len(wrong)} disagreements, {below} negative balances")
            restore(last_move, pairs)
    ratio = best["ledger"] / best["bare"] if best["bare"] else 0.0
    fast = ratio >= MOVE_LIMIT
    print(
        f"ledger.post: {best['ledger']:,.0f} moves/s  baseline (bare INSERT-and-UPDATE loop): {best['bare']:,.0f} "
        f"moves/s  ratio {ratio:.2f} (limit ≥ {MOVE_LIMIT:.2f})  {'OK' if fast else 'MISSED'}"
    )
    sound = not problems
    for problem in problems:
        print(f"  {problem}")
    print(
        f"ledger.post: 0 disagreeing and 0 negative balances after every run (limit 0)  {'OK' if sound else 'MISSED'}"
    )
    return fast and sound


# --- (b) the stock list of a location -------------------------------------------------------------------------


def raw_page(location_id: int, organisation_id: int, after: str | None) -> list[tuple[Any, ...]]:
    from django.db import connection

    from fieldbox.commerce.models import Item, StockBalance

    where = "AND i.code > %s" if after else ""
    sql = (
        f"SELECT b.item_id, i.code, i.description, i.unit, i.barcode, i.last_cost, i.reorder_level, b.quantity "
        f"FROM {StockBalance._meta.db_table} b JOIN {Item._meta.db_table} i ON i.id = b.item_id "
        f"WHERE b.location_id = %s AND i.organisation_id = %s AND b.quantity <> 0 {where} "
        f"ORDER BY i.code LIMIT {PAGE + 1}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [location_id, organisation_id, after] if after else [location_id, organisation_id])
        return cursor.fetchall()


def measure_list(stock: _stock_data.Warehouse, args: argparse.Namespace) -> bool:
    from fieldbox.commerce import selectors_stock as reads
    from fieldbox.commerce.models import StockBalance, StockLocation

    location = StockLocation.objects.get(pk=stock.warehouses[0])
    codes = list(
        StockBalance.objects.filter(location=location)
        .exclude(quantity=0)
        .order_by("item__code")
        .values_list("item__code", flat=True)
    )
    deep = codes[len(codes) * 3 // 4]
    print(f"  the stock of {location.name}: {len(codes):,} items; the deep page starts after {deep}")
    ok = True
    for label, after in (("first page", None), ("deep page", deep)):
        ours, _next = reads.stock_page(location, reads.StockFilters(), after, PAGE)
        raw = raw_page(location.pk, location.organisation_id, after)
        if [r["item_id"] for r in ours] != [r[0] for r in raw[:PAGE]]:
            print(f"  {label}: the selector's rows are not the raw SQL's")
            ok = False
        times = _common.measure(
            {
                "selector": lambda after=after: reads.stock_page(location, reads.StockFilters(), after, PAGE),
                "raw": lambda after=after: raw_page(location.pk, location.organisation_id, after),
            },
            args.warmup,
            args.list_repeat,
        )
        ok &= _common.figure(
            f"stock list, {label} (selectors_stock.stock_page)",
            statistics.median(times["selector"]),
            "raw SQL",
            statistics.median(times["raw"]),
            LIST_LIMIT,
        )
    return ok


# --- (c) delivery-note numbers --------------------------------------------------------------------------------


class RolledBack(Exception):
    pass


def note_worker(org: int, customer: int, user: int, keep: int, seed: int) -> tuple[int, int]:
    """Create ``keep`` delivery notes, each numbered in its transaction; one transaction in ten rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from fieldbox.commerce import numbering
    from fieldbox.commerce.choices import DeliveryNoteStatus, DocumentKind
    from fieldbox.commerce.models import DeliveryNote

    rng = random.Random(seed)
    kept = rolled_back = 0
    day = timezone.localdate()
    while kept < keep:
        try:
            with transaction.atomic():
                number = numbering.take(org, DocumentKind.DELIVERY_NOTE, day)
                DeliveryNote.objects.create(
                    organisation_id=org,
                    number=number,
                    status=DeliveryNoteStatus.ISSUED,
                    customer_id=customer,
                    issued_on=day,
                    issued_at=timezone.now(),
                    created_by_id=user,
                )
                if rng.random() < 0.1:
                    raise RolledBack
            kept += 1
        except RolledBack:
            rolled_back += 1
    return kept, rolled_back


def _note_child(args: tuple[Any, ...], barrier: Any, results: Any) -> None:
    from django.db import connection

    try:
        connection.ensure_connection()
        barrier.wait(START_TIMEOUT)
        results.put(("ok", *note_worker(*args)))
    except Exception:
        results.put(("error", traceback.format_exc(), 0))
    finally:
        connection.close()


def measure_notes(stock: _stock_data.Warehouse, args: argparse.Namespace) -> bool:

    from fieldbox.commerce.models import DeliveryNote
    from fieldbox.fleet.models import Customer

    customer = Customer.objects.filter(organisation=stock.organisation).values_list("pk", flat=True).first()
    workers, total = args.note_workers, args.notes
    shares = [total // workers + (1 if n < total % workers else 0) for n in range(workers)]
    argses = [((stock.organisation.pk, customer, stock.user_id, share, n),) for n, share in enumerate(shares)]
    started, outcomes = _common.at_once(_note_child, argses, START_TIMEOUT)
    seconds = time.perf_counter() - started
    errors = [o[1] for o in outcomes if o[0] == "error"]
    if errors:
        print(f"  a delivery-note worker failed:\n{errors[0]}")
        return False
    rolled_back = sum(o[2] for o in outcomes)
    numbers = [int(n.rsplit("/", 1)[1]) for n in DeliveryNote.objects.values_list("number", flat=True)]
    duplicates = len(numbers) - len(set(numbers))
    gaps = len(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
    ok = len(numbers) == total and duplicates == 0 and gaps == 0
    print(
        f"  {workers} processes: {len(numbers):,} delivery notes kept, {rolled_back:,} transactions rolled back "
        f"({rolled_back / (len(numbers) + rolled_back):.0%}), in {seconds:.2f} s"
    )
    print(
        f"delivery-note numbers: {duplicates} duplicates, {gaps} gaps in 1..{max(numbers, default=0):,} "
        f"(limit 0 and 0)  {'OK' if ok else 'MISSED'}"
    )
    return ok


# --- main -----------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> bool:
    print(
        f"bench {NAME}: {args.items:,} items, {args.locations} locations, {args.moves:,} past moves; "
        f"{args.workers} workers issuing {args.burst:,} moves at once; {args.note_workers} processes numbering "
        f"{args.notes:,} delivery notes"
    )
    started = time.perf_counter()
    stock = _stock_data.fill(args.items, args.locations, args.moves)
    print(f"  filled in {time.perf_counter() - started:.1f} s")
    results = [measure_list(stock, args), measure_moves(stock, args), measure_notes(stock, args)]
    return all(results)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return _common.run(NAME, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
