"""The books of ``bench/invoice_run.py``: one Italian service organisation with its fiscal data, 1,000 business
customers (valid VAT numbers, a head-office address, a price list of their own for one in five), 2,000 active
contracts (two per customer: a yearly fee and a quarterly one, so five fee periods due by December), and 20,000
verified work orders (twenty per customer) with their hours and materials: per work order a material left
(``service.Material`` and its ``commerce.Billable``), a verification and its two verified lines, the time (covered
by the contract for two work orders in five) and the part. The work orders, materials, billables, verifications
and their lines are written with COPY."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import _common

SEED = 20261204
ITEMS = 200
OWN_LIST_EVERY = 5  # one customer in five has a price list of its own
COVERED_EVERY = (0, 1)  # of every five work orders of a customer, these positions are covered by its contract


@dataclass
class Books:
    organisation: Any
    user_id: int
    customers: list[int]
    work_orders: int
    period_end: date
    history_until: int = 0  # the invoices up to this id are last year's (``invoice_run.history``), kept throughout


def vat_number(n: int) -> str:
    """A valid Italian VAT number: seven digits of the company, a province office, the Luhn check digit."""
    from stdnum import luhn

    base = f"{1_000_000 + n:07d}001"
    return base + luhn.calc_check_digit(base)


def organisation_and_people() -> tuple[Any, int]:
    from fieldbox.accounts.choices import OrganisationKind, Role
    from fieldbox.accounts.models import Membership, Organisation, User
    from fieldbox.commerce.models.invoicing import InvoicingSettings

    org = Organisation.objects.create(
        name="Bench Assistenza",
        kind=OrganisationKind.INSTALLER,
        installer_code="BI001",
        language="it",
        time_zone="Europe/Rome",
    )
    admin = User(email="admin@invoices.bench.example")
    admin.set_unusable_password()
    admin.save()
    Membership.objects.create(user=admin, organisation=org, role=Role.INSTALLER_ADMIN)
    InvoicingSettings.objects.create(
        organisation=org,
        legal_name="Bench Assistenza S.r.l.",
        country="IT",
        vat_number=vat_number(0),
        fiscal_code=vat_number(0),
        tax_regime="RF01",
        street="Via Roma 1",
        postcode="20121",
        town="Milano",
        province="MI",
        iban="IT60X0542811101000000123456",
        bank="Banca Bench",
    )
    return org, admin.pk


def catalogue(org: Any, customers: list[Any]) -> tuple[list[str], int]:
    """Items with prices on the default list and on the customers' own lists; an hourly rate and a call-out fee on
    each list; the type of work. Answers the item codes and the type of work."""
    from fieldbox.commerce.models import CustomerTerms, Item, LabourRate, Price, PriceList
    from fieldbox.service.models import WorkType

    work_type = WorkType.objects.create(organisation=org, name="Manutenzione")
    items = Item.objects.bulk_create(
        [Item(organisation=org, code=f"R{n:04d}", description=f"Ricambio {n:04d}", unit="pc") for n in range(ITEMS)]
    )
    since = date(2026, 1, 1)
    default = PriceList.objects.create(organisation=org, name="Listino base", is_default=True)
    own = [c for n, c in enumerate(customers) if n % OWN_LIST_EVERY == 0]
    lists = [
        default,
        *PriceList.objects.bulk_create([PriceList(organisation=org, name=f"Listino {c.company_name}") for c in own]),
    ]
    CustomerTerms.objects.bulk_create(
        [
            CustomerTerms(organisation=org, customer=c, payment="bank_transfer", price_list=pl)
            for c, pl in zip(own, lists[1:], strict=True)
        ]
    )
    rng = random.Random(SEED)
    LabourRate.objects.bulk_create(
        [
            LabourRate(
                price_list=pl,
                hourly_rate=Decimal(rng.choice((42, 45, 48, 50))),
                call_out_fee=Decimal(30),
                valid_from=since,
            )
            for pl in lists
        ]
    )
    Price.objects.bulk_create(
        [
            Price(price_list=pl, item=item, price=Decimal(rng.randint(500, 25_000)) / 100, valid_from=since)
            for pl in lists
            for item in items
        ],
        batch_size=5_000,
    )
    return [i.code for i in items], work_type.pk


def customers_of(org: Any, count: int) -> list[Any]:
    from fieldbox.fleet.models import Customer, CustomerAddress

    made = Customer.objects.bulk_create(
        [
            Customer(
                organisation=org,
                kind="company",
                company_name=f"Cliente {n:04d} S.p.A.",
                vat_number=vat_number(n + 1),
                sdi_code="0000000",
                pec=f"cliente{n:04d}@pec.bench.example",
                email=f"amministrazione{n:04d}@bench.example",
                payment_terms=("30df", "60fm", "immediate")[n % 3],
                language="it",
            )
            for n in range(count)
        ]
    )
    CustomerAddress.objects.bulk_create(
        [
            CustomerAddress(
                customer=c,
                kind="head_office",
                name="Sede",
                street=f"Via Milano {n + 1}",
                postcode="20100",
                city="Milano",
            )
            for n, c in enumerate(made)
        ]
    )
    return made


def contracts_of(org: Any, customers: list[Any], year: int) -> dict[int, int]:
    """Two active contracts per customer over the year; answers each customer's first contract (the one its
    covered work falls under)."""
    from fieldbox.service.models.contracts import Contract

    rows = []
    for n, c in enumerate(customers):
        for k, (fee, period) in enumerate(((Decimal("600.00"), "year"), (Decimal("150.00"), "quarter"))):
            rows.append(
                Contract(
                    organisation=org,
                    customer=c,
                    number=f"C{2 * n + k + 1:07d}",
                    status="active",
                    starts_on=date(year, 1, 1),
                    ends_on=date(year, 12, 31),
                    notice_by=date(year, 12, 1),
                    fee=fee,
                    fee_period=period,
                )
            )
    made = Contract.objects.bulk_create(rows, batch_size=2_000)
    return {c.customer_id: c.pk for c in made[::2]}


def work(
    org: Any,
    user_id: int,
    customers: list[int],
    per_customer: int,
    codes: list[str],
    work_type: int,
    contracts: dict[int, int],
    period_end: date,
) -> int:
    """The verified work orders, their materials left, billables, verifications and verified lines (COPY)."""
    from fieldbox.commerce.models import Billable
    from fieldbox.service.models import Material, WorkOrder
    from fieldbox.service.models.verification import Verification, VerifiedLine

    rng = random.Random(SEED + 1)
    count = len(customers) * per_customer
    first_day = datetime(period_end.year, period_end.month, 1, 8, tzinfo=UTC) - timedelta(days=60)
    plan = []  # (customer, covered, when, code, quantity, minutes)
    for n in range(count):
        customer = customers[n // per_customer]
        when = first_day + timedelta(minutes=rng.randint(0, 55 * 24 * 60))
        plan.append(
            (
                customer,
                n % 5 in COVERED_EVERY,
                when,
                rng.choice(codes),
                rng.randint(1, 3),
                rng.choice((30, 45, 60, 90, 120, 180)),
            )
        )
    text = _common.copy_text

    last = _common.max_id(WorkOrder)
    _common.copy_lines(
        WorkOrder,
        "organisation number status customer work_type description outcome technician created_at changed_at closed_at",
        (
            f"{org.pk}\tWO-B{n + 1:06d}\tverified\t{c}\t{work_type}\tManutenzione programmata\tFatto\t{user_id}\t"
            f"{text(when)}\t{text(when)}\t{text(when)}\n"
            for n, (c, _cov, when, *_rest) in enumerate(plan)
        ),
    )
    orders = _common.ids_after(WorkOrder, last, count)
    last = _common.max_id(Material)
    _common.copy_lines(
        Material,
        "organisation work_order use code description quantity unit billable created_by created_at",
        (
            f"{org.pk}\t{orders + n}\tleft\t{code}\tRicambio {code}\t{q}\tpc\tt\t{user_id}\t{text(when)}\n"
            for n, (_c, _cov, when, code, q, _m) in enumerate(plan)
        ),
    )
    materials = _common.ids_after(Material, last, count)
    _common.copy_lines(
        Billable,
        "organisation customer work_order material code description quantity unit created_at",
        (
            f"{org.pk}\t{c}\t{orders + n}\t{materials + n}\t{code}\tRicambio {code}\t{q}\tpc\t{text(when)}\n"
            for n, (c, _cov, when, code, q, _m) in enumerate(plan)
        ),
    )
    last = _common.max_id(Verification)
    _common.copy_lines(
        Verification,
        "organisation work_order customer contract verified_by verified_at note",
        (
            f"{org.pk}\t{orders + n}\t{c}\t{contracts[c] if cov else chr(92) + 'N'}\t{user_id}\t"
            f"{text(when + timedelta(days=1))}\t\n"
            for n, (c, cov, when, *_rest) in enumerate(plan)
        ),
    )
    verifications = _common.ids_after(Verification, last, count)
    _common.copy_lines(
        VerifiedLine,
        "organisation verification kind description work_type item_code day quantity unit minutes covered "
        "billable dropped reason recorded source_kind",
        (
            line
            for n, (_c, cov, when, code, q, minutes) in enumerate(plan)
            for line in (
                f"{org.pk}\t{verifications + n}\tlabour\tOre di lavoro\t{work_type}\t\t{when.date()}\t1\th\t"
                f"{minutes}\t{text(cov)}\tt\tf\t\t{{}}\ttime\n",
                f"{org.pk}\t{verifications + n}\tpart\tRicambio {code}\t\\N\t{code}\t{when.date()}\t{q}\tpc\t"
                f"\\N\tf\tt\tf\t\t{{}}\tmaterial\n",
            )
        ),
    )
    # the part lines point at the material they bill (its billable is marked billed with them)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_common.table(VerifiedLine)} l SET source_id = v.work_order_id - %s + %s "
            f"FROM {_common.table(Verification)} v WHERE v.id = l.verification_id AND l.kind = 'part' "
            "AND v.id >= %s",
            [orders, materials, verifications],
        )
        cursor.execute("ANALYZE")
    return count


def fill(customers: int, per_customer: int, period_end: date) -> Books:
    laps = _common.Laps()
    org, user_id = organisation_and_people()
    made = customers_of(org, customers)
    codes, work_type = catalogue(org, made)
    contracts = contracts_of(org, made, period_end.year)
    laps(f"{customers:,} customers, {2 * customers:,} contracts, price lists")
    ids = [c.pk for c in made]
    count = work(org, user_id, ids, per_customer, codes, work_type, contracts, period_end)
    laps(f"{count:,} verified work orders with their hours and materials")
    return Books(organisation=org, user_id=user_id, customers=ids, work_orders=count, period_end=period_end)
