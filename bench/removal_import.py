"""Benchmark: a 50,000-row removal request checked against a fleet of 1,000,000 vehicles, against a bare read + COPY.

The issue: importing a 50,000-row .xlsx (5% of rows in error) end to end — parse, check, save of the valid rows
as the draft lines of the summary, row report — through ``fieldbox.removals.services.requests.request_upload``
costs ≤ 3x a bare python-calamine read of the same file plus a COPY of its rows into a plain table, measured in
the same run; the number of queries (as Django counts them: the COPY is one more) is the same for 5,000 and
50,000 rows; the peak memory of the process stays under 500 MB. The fleet (1,000,000 vehicles with their
subscriptions, one provider, a few accepted partners) is written with COPY in under 2 minutes.

Runs on PostgreSQL only, in a scratch database created for the run and dropped afterwards. Each side runs
``--repeat`` times (alternating) and the best run is kept; the draft is discarded after each service run.

    python bench/removal_import.py [--vehicles N] [--rows R] [--repeat K]
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import time
from datetime import date, timedelta
from typing import Any

import _common  # bench/ is on the path of a benchmark script

NAME = "removal_import"
RATIO_LIMIT = 3.0
MEMORY_LIMIT_MB = 500
GENERATION_LIMIT = 120.0
ERROR_SHARE = 0.05
PARTNERS = ("EK004", "JJ020", "JK020", "LA000", "KT075")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=1_000_000, help="vehicles (and subscriptions) in the fleet")
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the file")
    parser.add_argument("--profile", action="store_true", help="print where one import spends its time")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (best kept)")
    args = parser.parse_args(argv)
    if args.rows < 5_000 or args.vehicles < 2 * args.rows or args.repeat < 1:
        parser.error("--rows must be ≥ 5000, --vehicles ≥ twice the rows, --repeat ≥ 1")
    return args


def vin(n: int) -> str:
    return f"WBA{n:014d}"  # 17 characters, a European maker: no check digit


def make_fleet(vehicles: int) -> tuple[Any, int]:
    """One provider with its partners, ``vehicles`` vehicles each with an active subscription (COPY)."""
    from django.db import connection

    from fieldbox.accounts.choices import OrganisationKind, PartnershipStatus, Role
    from fieldbox.accounts.models import Membership, Organisation, User
    from fieldbox.accounts.tests.factories import partnership
    from fieldbox.fleet.models import Customer, Product, Subscription, Vehicle

    provider = Organisation.objects.create(
        name="Bench Rentals", kind=OrganisationKind.PROVIDER, time_zone="Europe/Paris"
    )
    for i, code in enumerate(PARTNERS):
        company = Organisation.objects.create(
            name=f"Remover {i}", kind=OrganisationKind.INSTALLER, installer_code=code, email=f"r{i}@bench.example"
        )
        partnership(provider, company, PartnershipStatus.ACCEPTED)
    user = User.objects.create_user("requester@bench.example", "x")
    Membership.objects.create(user=user, organisation=provider, role=Role.DISPATCHER)
    product = Product.objects.create(provider=provider, name="Box", code="BOX")
    customer = Customer.objects.create(organisation=provider, last_name="Fleet")
    with connection.cursor() as cursor:
        columns = "provider_id, plate, plate_country, vin, make, model, vehicle_type"
        with cursor.cursor.copy(f"COPY {Vehicle._meta.db_table} ({columns}) FROM STDIN") as copy:
            for n in range(vehicles):
                copy.write_row((provider.pk, f"B{n:08d}", "FR", vin(n), "BMW", "SERIE 1", "car"))
        cursor.execute(f"SELECT min(id) FROM {Vehicle._meta.db_table}")
        first = cursor.fetchone()[0]
        columns = "provider_id, number, customer_id, vehicle_id, product_id, agency, status, arrived_on"
        with cursor.cursor.copy(f"COPY {Subscription._meta.db_table} ({columns}) FROM STDIN") as copy:
            for n in range(vehicles):
                copy.write_row(
                    (provider.pk, f"S{n:08d}", customer.pk, first + n, product.pk, "", "active", "2026-01-01")
                )
    # As autovacuum leaves a table in production: statistics, and a visibility map for index-only scans.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Vehicle._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Subscription._meta.db_table}")
    from fieldbox.accounts.selectors import scope_for

    return scope_for(user, provider.pk), provider.pk


def write_file(rows: int, vehicles: int, seed: int) -> tuple[bytes, int]:
    """An .xlsx of ``rows`` rows (write-only mode), 5% in error; answers the file and its rows in error."""
    from openpyxl import Workbook

    from fieldbox.removals.imports import HEADER

    pick = random.Random(seed)
    chosen = pick.sample(range(vehicles), rows)
    later, past = date.today() + timedelta(days=30), date(2020, 1, 1)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Déposes")
    sheet.append(list(HEADER))
    bad = 0
    for i, n in enumerate(chosen):
        row: list[object] = [vin(n), f"S{n:08d}", PARTNERS[i % len(PARTNERS)], f"Parc {i % 97}", later, "A faire ASAP"]
        if pick.random() < ERROR_SHARE:
            bad += 1
            kind = pick.randrange(5)
            if kind == 0:
                row[0] = vin(vehicles + i)  # unknown VIN
            elif kind == 1:
                row[1] = f"S{(n + 1) % vehicles:08d}"  # another vehicle's subscription
            elif kind == 2:
                row[2] = "ZZ999"  # not a partner
            elif kind == 3:
                row[4] = past
            else:
                row[0], row[1] = vin(chosen[i - 1]), f"S{chosen[i - 1]:08d}"  # the vehicle of the row before
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), bad


def baseline(data: bytes) -> float:
    """A bare python-calamine read of the file and a COPY of its rows into a plain table."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY bench_plain (a, b, c, d, e, f) FROM STDIN") as copy:
            for row in rows[1:]:
                copy.write_row([str(v) for v in row[:6]])
        elapsed = time.perf_counter() - started
        cursor.execute("TRUNCATE bench_plain")
    return elapsed


def service(scope: Any, data: bytes) -> tuple[float, int, int]:
    """The import function end to end; answers its time, lines saved and rows in error; the draft is discarded."""
    from fieldbox.removals.services import requests

    started = time.perf_counter()
    draft = requests.request_upload(scope=scope, stream=io.BytesIO(data), file_name="bench.xlsx", size=len(data))
    report = [f"{e['row']} {e['column']}: {e['message']}" for e in draft.errors]
    elapsed = time.perf_counter() - started
    lines = requests.draft_lines(draft).count()
    requests.request_discard(scope=scope, request_id=draft.pk)
    del report
    return elapsed, lines, draft.error_count


def queries(scope: Any, data: bytes) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fieldbox.removals.services import requests

    with CaptureQueriesContext(connection) as captured:
        draft = requests.request_upload(scope=scope, stream=io.BytesIO(data), file_name="q.xlsx", size=len(data))
    requests.request_discard(scope=scope, request_id=draft.pk)
    return len(captured)


def profile(scope: Any, data: bytes) -> None:
    """One import under cProfile (its 30 costliest functions), and its slowest statements."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        profiler.enable()
        service(scope, data)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats("fieldbox|calamine|psycopg", 30)
    for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:6]:
        print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}")
    # The fleet look-up's plan, on a draft kept for it.
    from fieldbox.removals import imports
    from fieldbox.removals.services import requests

    draft = requests.request_upload(scope=scope, stream=io.BytesIO(data), file_name="plan.xlsx", size=len(data))
    params = imports.lookup_params(scope.organisation.pk, draft.pk, 0, 10**9)
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + imports.LOOKUP_SQL_PG, params)
        for (line,) in cursor.fetchall():
            print(f"     {line}")
        cursor.execute("RESET jit")
    requests.request_discard(scope=scope, request_id=draft.pk)


def measure(args: argparse.Namespace) -> bool:
    from django.conf import settings
    from django.db import connection

    settings.REMOVAL_IMPORT_BACKGROUND_ROWS = 10**9  # the import function itself, not the queue
    settings.REMOVAL_IMPORT_MAX_ROWS = max(settings.REMOVAL_IMPORT_MAX_ROWS, args.rows)
    started = time.perf_counter()
    scope, _provider = make_fleet(args.vehicles)
    generation = time.perf_counter() - started
    print(f"fleet of {args.vehicles:,} vehicles and subscriptions written in {generation:.1f} s", flush=True)
    data, bad = write_file(args.rows, args.vehicles, seed=1)
    small, _ = write_file(5_000, args.vehicles, seed=2)
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB, {bad:,} rows written in error", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_plain (a text, b text, c text, d text, e text, f text)")
    base_runs, service_runs = [], []
    for _ in range(args.repeat):
        base_runs.append(baseline(data))
        elapsed, lines, in_error = service(scope, data)
        service_runs.append(elapsed)
        print(
            f"  run: baseline {base_runs[-1]:.2f} s, import {elapsed:.2f} s"
            f" ({lines:,} lines, {in_error:,} rows in error)"
        )
    if args.profile:
        profile(scope, data)
    base, best = min(base_runs), min(service_runs)
    ratio = best / base
    q_small, q_big = queries(scope, small), queries(scope, data)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    checks = {
        f"import {best:.2f} s / baseline {base:.2f} s = {ratio:.2f} (limit ≤ {RATIO_LIMIT})": ratio <= RATIO_LIMIT,
        f"queries: {q_small} for 5,000 rows, {q_big} for {args.rows:,} rows (must be equal)": q_small == q_big,
        f"peak memory {peak_mb:.0f} MB (limit {MEMORY_LIMIT_MB} MB)": peak_mb <= MEMORY_LIMIT_MB,
        f"rows in error found {in_error:,} (written {bad:,})": in_error >= 0.9 * bad,
        f"fleet generation {generation:.1f} s (limit {GENERATION_LIMIT:.0f} s)": generation <= GENERATION_LIMIT,
    }
    for label, ok in checks.items():
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    return all(checks.values())


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    sys.exit(_common.run(NAME, lambda: measure(arguments)))
