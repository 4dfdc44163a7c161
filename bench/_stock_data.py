"""The warehouse of ``bench/stock.py``: one organisation with 20,000 items, 300 locations (warehouses, vans,
customers', suppliers') and 1,000,000 past stock moves (receipts into the warehouses, transfers to the vans,
consumptions at the customers'), written with COPY; the balances are then the sum of the moves (one INSERT …
SELECT … GROUP BY), so that they agree with them by construction. No warehouse or van is ever below zero: a move
is written only when its source holds enough (followed in memory while the moves are made)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import _common

SEED = 20261203
WAREHOUSES = 10
SUPPLIERS = 10
CUSTOMERS = 30
VAN_ITEMS = 300  # the items a van usually carries


@dataclass
class Warehouse:
    organisation: Any
    user_id: int
    items: list[int]
    warehouses: list[int]
    vans: list[int]
    customers: list[int]
    suppliers: list[int]
    van_items: dict[int, list[int]] = field(default_factory=dict)
    counted: set[int] = field(default_factory=set)  # warehouses and vans: never below zero


def organisation_and_people() -> tuple[Any, int]:
    from fieldbox.accounts.choices import OrganisationKind, Role
    from fieldbox.accounts.models import Membership, Organisation, User

    org = Organisation.objects.create(name="Bench Impianti", kind=OrganisationKind.INSTALLER, installer_code="BS001")
    office = User(email="office@stock.bench.example")
    office.set_unusable_password()
    office.save()
    Membership.objects.create(user=office, organisation=org, role=Role.OFFICE)
    return org, office.pk


def locations(org: Any, vans: int) -> dict[str, list[int]]:
    from fieldbox.commerce.choices import LocationKind
    from fieldbox.commerce.models import StockLocation, Supplier
    from fieldbox.fleet.models import Customer

    suppliers = Supplier.objects.bulk_create(
        [Supplier(organisation=org, name=f"Fornitore {n:02d}") for n in range(SUPPLIERS)]
    )
    customers = Customer.objects.bulk_create(
        [Customer(organisation=org, kind="company", company_name=f"Cliente {n:02d}") for n in range(CUSTOMERS)]
    )
    rows = [
        *(
            StockLocation(organisation=org, kind=LocationKind.WAREHOUSE, name=f"Magazzino {n:02d}")
            for n in range(WAREHOUSES)
        ),
        *(StockLocation(organisation=org, kind=LocationKind.VAN, name=f"Furgone {n:03d}") for n in range(vans)),
        *(
            StockLocation(organisation=org, kind=LocationKind.CUSTOMER, name=c.company_name, customer=c)
            for c in customers
        ),
        *(StockLocation(organisation=org, kind=LocationKind.SUPPLIER, name=s.name, supplier=s) for s in suppliers),
    ]
    made = StockLocation.objects.bulk_create(rows)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for loc in made:
        by_kind[loc.kind].append(loc.pk)
    return by_kind


def items(org: Any, count: int) -> list[int]:
    from fieldbox.commerce.models import Item

    last = _common.max_id(Item)
    lines = (
        f"{org.pk}\tR{n:06d}\tRicambio {n:06d}\t{Decimal(random.randint(50, 50_000)) / 100}\t"
        f"{Decimal(random.choice((2, 5, 10)))}\t800{n:010d}\n"
        for n in range(count)
    )
    _common.copy_lines(Item, "organisation code description last_cost reorder_level barcode", lines)
    first = _common.ids_after(Item, last, count)
    return list(range(first, first + count))


def fill(item_count: int, location_count: int, move_count: int, say: Any = print) -> Warehouse:
    from django.db import transaction

    random.seed(SEED)
    laps = _common.Laps(say)
    vans = location_count - WAREHOUSES - SUPPLIERS - CUSTOMERS
    with transaction.atomic():
        org, user_id = organisation_and_people()
        places = locations(org, vans)
        stock = Warehouse(
            organisation=org,
            user_id=user_id,
            items=items(org, item_count),
            warehouses=places["warehouse"],
            vans=places["van"],
            customers=places["customer"],
            suppliers=places["supplier"],
        )
    stock.counted = set(stock.warehouses) | set(stock.vans)
    for van in stock.vans:
        stock.van_items[van] = random.sample(stock.items, VAN_ITEMS)
    laps(f"{item_count:,} items, {location_count} locations")
    write_moves(stock, move_count)
    laps(f"{move_count:,} past moves (COPY)")
    write_balances(stock)
    laps("balances from the moves")
    analyse()
    laps("VACUUM ANALYZE")
    return stock


def past_moves(stock: Warehouse, count: int) -> Iterator[str]:
    """``count`` moves over the past year, oldest first: receipts, transfers to vans, consumptions."""
    held: dict[tuple[int, int], int] = defaultdict(int)
    org = stock.organisation.pk
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / count
    made = 0
    while made < count:
        roll = random.random()
        if roll < 0.3:
            item, source, target = (
                random.choice(stock.items),
                random.choice(stock.suppliers),
                random.choice(stock.warehouses),
            )
            quantity, kind = random.randint(10, 50), "receipt"
        elif roll < 0.7:
            target = random.choice(stock.vans)
            item, source = random.choice(stock.van_items[target]), random.choice(stock.warehouses)
            quantity, kind = random.randint(1, 5), "transfer"
        else:
            source = random.choice(stock.vans)
            item, target = random.choice(stock.van_items[source]), random.choice(stock.customers)
            quantity, kind = random.randint(1, 3), "consumption"
        if source in stock.counted and held[(source, item)] < quantity:
            continue
        held[(source, item)] -= quantity
        held[(target, item)] += quantity
        at = (start + step * made).isoformat()
        yield f"{org}\t{item}\t{quantity}\t{source}\t{target}\t{kind}\t\t\t\\N\t\t{stock.user_id}\t{at}\n"
        made += 1


def write_moves(stock: Warehouse, count: int) -> None:
    from fieldbox.commerce.models import StockMove

    fields = "organisation item quantity source target kind serial document document_id note created_by created_at"
    with _common.bare_table(StockMove):
        _common.copy_lines(StockMove, fields, past_moves(stock, count))


def write_balances(stock: Warehouse) -> None:
    from django.db import connection

    from fieldbox.commerce.models import StockBalance, StockMove

    balance, move = StockBalance._meta.db_table, StockMove._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {balance} (organisation_id, location_id, item_id, quantity) "
            f"SELECT %s, location_id, item_id, SUM(q) FROM ("
            f"SELECT target_id AS location_id, item_id, quantity AS q FROM {move} UNION ALL "
            f"SELECT source_id, item_id, -quantity FROM {move}) flows GROUP BY location_id, item_id",
            [stock.organisation.pk],
        )


def analyse() -> None:
    from django.db import connection

    from fieldbox.commerce.models import Item, StockBalance, StockLocation, StockMove

    with connection.cursor() as cursor:
        names = ", ".join(m._meta.db_table for m in (Item, StockBalance, StockLocation, StockMove))
        cursor.execute(f"VACUUM ANALYZE {names}")
