"""Benchmark: an invoice run from draft to issued, against raw SQL; its queries; eight runs at once.

The issue: with 1,000 customers, 2,000 contracts and 20,000 verified work orders with their hours and materials,
(a) an invoice run over all customers, from draft (``invoice_run_create``) to issued (``invoice_run_issue``), its
PDFs deferred to workers, takes at most 5 times a raw SQL aggregation of the same amounts plus a COPY of the same
invoice lines, in the same run; every XML it writes is valid against the FatturaPA schema and every invoice's
taxable amount is the raw aggregation's; (b) its queries do not grow with the number of work orders (the same run
over 40 customers with half of their work and with all of it sends as many); (c) 8 processes each run and issue
the invoices of different customers at once: the invoice numbers (and the XML files' progressives) have no gap and
no duplicate.

Ours and the baseline alternate (best of ``--repeat``); between runs the invoices are deleted and what they billed
is free again. Prints each figure, its baseline and ratio, one summary line; exits 1 when a figure misses its limit.

    python bench/invoice_run.py [--customers N] [--per-customer W] [--repeat R] [--workers K]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import _common  # bench/ is on the path of a benchmark script
import _invoice_data

NAME = "invoice_run"
LIMIT = 5.0  # the run from draft to issued / (raw SQL aggregation + COPY of the lines): at most
START_TIMEOUT = 120
RUN_TIMEOUT = 600
POLL = 0.05
SAMPLE_PDFS = 3


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--per-customer", type=int, default=20, help="verified work orders per customer")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=8, help="invoice runs at once in (c)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 2,
        help="processes of the worker that takes the parts (default: one per processor, as Celery's own default)",
    )
    parser.add_argument("--worker-log", default="", help="keep the worker's log in this file")
    parser.add_argument("--profile", action="store_true", help="print where a run spends its time, then stop")
    args = parser.parse_args(argv)
    if args.customers < 80 or args.per_customer < 2:
        parser.error("at least 80 customers and 2 work orders each")
    return args


def scope_of(books: _invoice_data.Books) -> Any:
    from fieldbox.accounts.models import User
    from fieldbox.accounts.selectors import scope_for

    return scope_for(User.objects.get(pk=books.user_id), books.organisation.pk)


# --- the baseline: raw SQL and COPY -------------------------------------------------------------------------------

LINES_SQL = """
WITH lists AS (
    SELECT c.id AS customer_id, coalesce(t.price_list_id, d.id) AS list_id
    FROM {customer} c
    CROSS JOIN (SELECT id FROM {price_list} WHERE organisation_id = %(org)s AND is_default AND active) d
    LEFT JOIN {terms} t ON t.customer_id = c.id AND t.price_list_id IS NOT NULL
    WHERE c.organisation_id = %(org)s AND (%(all)s OR c.id = ANY(%(customers)s))
)
SELECT v.customer_id, 'verified_line', l.id, l.description,
       CASE WHEN l.kind = 'labour' THEN round(l.minutes / 60.0, 3) ELSE l.quantity END,
       CASE WHEN l.kind = 'labour' THEN coalesce(r.hourly_rate, 0) ELSE coalesce(p.price, 0) END,
       v.work_order_id
FROM {line} l
JOIN {verification} v ON v.id = l.verification_id
JOIN lists ON lists.customer_id = v.customer_id
LEFT JOIN {rate} r ON l.kind = 'labour' AND r.price_list_id = lists.list_id AND r.work_type_id IS NULL
     AND r.valid_from <= l.day AND (r.valid_to IS NULL OR r.valid_to >= l.day)
LEFT JOIN {item} i ON l.kind = 'part' AND i.organisation_id = %(org)s AND i.code = l.item_code
LEFT JOIN {price} p ON p.price_list_id = lists.list_id AND p.item_id = i.id
     AND p.valid_from <= l.day AND (p.valid_to IS NULL OR p.valid_to >= l.day)
WHERE l.organisation_id = %(org)s AND l.billable AND NOT l.covered AND NOT l.dropped
UNION ALL
SELECT c.customer_id, 'contract_fee', c.id * 10000 + g.n - 1, c.number, 1, c.fee, NULL
FROM {contract} c
JOIN lists ON lists.customer_id = c.customer_id
CROSS JOIN LATERAL generate_series(
    c.starts_on, least(c.ends_on, %(end)s),
    CASE c.fee_period WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months'
         WHEN 'half_year' THEN interval '6 months' ELSE interval '1 year' END
) WITH ORDINALITY AS g(starts, n)
WHERE c.organisation_id = %(org)s AND c.fee > 0 AND c.starts_on <= %(end)s
"""


def _sql(text: str) -> str:
    from fieldbox.commerce.models import CustomerTerms, Item, LabourRate, Price, PriceList
    from fieldbox.fleet.models import Customer
    from fieldbox.service.models.contracts import Contract
    from fieldbox.service.models.verification import Verification, VerifiedLine

    t = _common.table
    return text.format(
        customer=t(Customer),
        price_list=t(PriceList),
        terms=t(CustomerTerms),
        line=t(VerifiedLine),
        verification=t(Verification),
        rate=t(LabourRate),
        item=t(Item),
        price=t(Price),
        contract=t(Contract),
    )


def _params(books: _invoice_data.Books, customers: list[int] | None = None) -> dict[str, Any]:
    return {
        "org": books.organisation.pk,
        "end": books.period_end,
        "all": customers is None,
        "customers": customers or [],
    }


def raw_totals(books: _invoice_data.Books, customers: list[int] | None = None) -> dict[int, Decimal]:
    """The raw SQL aggregation: each customer's taxable amount."""
    from django.db import connection

    sql = (
        f"SELECT customer_id, sum(round(q * price, 2)) FROM ({_sql(LINES_SQL)}) x(customer_id, kind, source_id, "
        "description, q, price, work_order_id) GROUP BY customer_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(books, customers))
        return dict(cursor.fetchall())


def baseline(books: _invoice_data.Books) -> tuple[float, int]:
    """The lines read and priced by SQL, the totals aggregated by SQL, the lines written with one COPY into a table
    shaped like the invoice lines (its indexes too); seconds and the number of lines."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(_sql(LINES_SQL), _params(books))
        lines = cursor.fetchall()
    raw_totals(books)
    org = books.organisation.pk
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY bench_invoice_lines (organisation_id, invoice_id, position, description, quantity, unit, unit_price, "
            "discount, vat, amount, source_kind, source_id, reference, work_order_id) FROM STDIN"
        ) as copy,
    ):
        for n, (customer, kind, source, description, q, price, order) in enumerate(lines):
            copy.write_row(
                (org, customer, n, description, q, "h", price, 0, "22", round(q * price, 2), kind, source, "", order)
            )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_invoice_lines")
    return seconds, len(lines)


def make_copy_table() -> None:
    from django.db import connection

    from fieldbox.commerce.models.invoicing import InvoiceLine

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_invoice_lines (LIKE {_common.table(InvoiceLine)} INCLUDING ALL)")


# --- ours -----------------------------------------------------------------------------------------------------


class Counted:
    """How many queries the connection sends meanwhile (a wrapper that only counts)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def invoice_run(books: _invoice_data.Books, customers: list[int] | None = None) -> tuple[float, int, Any]:
    """Ours: a run from draft to issued, by the workers when it is large; seconds, the queries of this process (all
    of them when the run is small enough to be worked here), the run."""
    from django.db import connection

    from fieldbox.commerce.services import invoicing

    scope = scope_of(books)
    counted = Counted()
    busy = machine_busy()
    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        run = invoicing.invoice_run_create(scope=scope, period_end=books.period_end, customer_ids=customers)
        run = settled(run, "draft")
        collected = time.perf_counter() - started
        run, _refused = invoicing.invoice_run_issue(scope=scope, run_id=run.pk)
        run = settled(run, "issued")
        seconds = time.perf_counter() - started
    run.phases = (
        f"collected in {collected:.2f} s, issued in {seconds - collected:.2f} s; the machine's processors busy "
        f"{machine_busy() - busy:.2f} s of {os.cpu_count() * seconds:.2f} s"
    )
    return seconds, counted.count, run


def machine_busy() -> float:
    """Seconds the machine's processors have been busy since it started (every process: ours, the workers', the
    database's), from /proc/stat; 0 where there is none."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def settled(run: Any, wanted: str) -> Any:
    """The run once the workers are done with it (read every few milliseconds), which must be ``wanted``."""
    from fieldbox.commerce.models.invoicing import InvoiceRun

    deadline = time.monotonic() + RUN_TIMEOUT
    while run.working:
        if time.monotonic() > deadline:
            raise SystemExit(f"bench {NAME}: the workers did not finish run {run.pk} in {RUN_TIMEOUT} s")
        time.sleep(POLL)
        run = InvoiceRun.objects.get(pk=run.pk)
    if run.status != wanted:
        raise SystemExit(f"bench {NAME}: run {run.pk} is {run.status}, not {wanted}; refused: {run.refused}")
    return run


@contextmanager
def workers(concurrency: int, keep_log: str = "") -> Iterator[None]:
    """``fieldbox worker`` on the scratch database and the broker, taking the runs' parts (its queue of documents
    left alone: the PDFs are counted, then dropped); stopped afterwards."""
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-worker-", suffix=".log")  # noqa: SIM115 - closed below
    command = [sys.executable, "-m", "fieldbox", "worker", f"--concurrency={concurrency}", "--queues=celery"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "ready." not in Path(log.name).read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench {NAME}: the worker did not start:\n{Path(log.name).read_text()[-2000:]}")
            time.sleep(0.1)
        print(f"  a worker with {concurrency} processes takes the runs' parts")
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        if keep_log:
            Path(keep_log).write_text(Path(log.name).read_text())
        log.close()


def check_invoices(books: _invoice_data.Books, customers: list[int] | None = None) -> list[str]:
    """Every issued invoice's XML valid, its taxable amount the raw aggregation's, its PDF not made yet."""
    from fieldbox.commerce import fatturapa
    from fieldbox.commerce.models.invoicing import Invoice

    expected = raw_totals(books, customers)
    invoices = Invoice.objects.filter(organisation=books.organisation, pk__gt=books.history_until)
    problems: list[str] = []
    seen = 0
    for pk, customer, status, taxable, xml, pdf in invoices.values_list(
        "pk", "customer_id", "status", "taxable", "xml", "pdf"
    ).iterator(chunk_size=200):
        seen += 1
        if status != "issued":
            problems.append(f"invoice {pk} is {status}")
        if expected.get(customer) != taxable:
            problems.append(f"invoice {pk}: taxable {taxable}, raw SQL {expected.get(customer)}")
        invalid = fatturapa.validate(xml.encode("utf-8"))
        if invalid:
            problems.append(f"invoice {pk}: XML invalid: {invalid[0]}")
        if pdf:
            problems.append(f"invoice {pk}: its PDF was made while issuing")
    if seen != len(expected):
        problems.append(f"{seen} invoices for {len(expected)} customers with something to bill")
    return problems


def numbers_problems(books: _invoice_data.Books) -> tuple[int, int, int, int]:
    """Duplicates and gaps of the invoice numbers and of the XML files' progressives."""
    from fieldbox.commerce.models.invoicing import Invoice

    invoices = Invoice.objects.filter(organisation=books.organisation, pk__gt=books.history_until)
    rows = list(invoices.values_list("progressive", "xml_name"))
    numbers = [n for n, _name in rows]
    files = [int(name.rsplit("_", 1)[1].removesuffix(".xml")) for _n, name in rows]

    def holes(values: list[int]) -> tuple[int, int]:
        return len(values) - len(set(values)), len(set(range(1, max(values, default=0) + 1)) - set(values))

    return (*holes(numbers), *holes(files))


DOCUMENTS = "documents"  # the queue of the PDF tasks (``CELERY_TASK_ROUTES``)


def queued_pdf_tasks() -> Iterator[str]:
    """The PDF tasks waiting in the broker (their queue in Redis), as sent."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for raw in client.lrange(DOCUMENTS, 0, -1):
        if b"make_invoice_pdfs" in raw:
            yield raw.decode("utf-8")


def drop_pdf_tasks() -> int:
    """Take this run's PDF tasks out of the broker (the scratch database goes with the run)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return sum(int(client.lrem(DOCUMENTS, 0, raw)) for raw in list(queued_pdf_tasks()))


def reset(books: _invoice_data.Books) -> None:
    """Forget the invoices issued since the history: what they billed is free again, the numbers start over."""
    from django.db import connection

    from fieldbox.commerce.models import Billable
    from fieldbox.commerce.models.invoicing import Invoice, InvoiceDue, InvoiceLine, InvoiceRun
    from fieldbox.core.models import NumberSeries

    org, since = books.organisation.pk, books.history_until
    t = _common.table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t(InvoiceDue)} WHERE invoice_id > %s", [since])
        cursor.execute(f"DELETE FROM {t(InvoiceLine)} WHERE organisation_id = %s AND invoice_id > %s", [org, since])
        cursor.execute(f"DELETE FROM {t(Invoice)} WHERE organisation_id = %s AND id > %s", [org, since])
        cursor.execute(
            f"DELETE FROM {t(InvoiceRun)} r WHERE organisation_id = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {t(Invoice)} i WHERE i.run_id = r.id)",
            [org],
        )
        cursor.execute(f"DELETE FROM {t(NumberSeries)} WHERE key LIKE 'commerce.%%'")
        cursor.execute(f"UPDATE {t(Billable)} SET billed_at = NULL WHERE organisation_id = %s", [org])
        for model in (InvoiceDue, InvoiceLine, Invoice, InvoiceRun, Billable):
            cursor.execute(f"VACUUM ANALYZE {t(model)}")
    drop_pdf_tasks()


def history(books: _invoice_data.Books) -> None:
    """Last year's invoicing, as an organisation running for a year has it: one full run, issued, then turned
    into last year's (dated a year back, numbered apart, its lines no longer holding their sources, which are free
    for this year's runs). The tables then hold a year of invoices, as the planner will see them in use; it is
    also the warm-up of the workers."""
    from django.db import connection

    from fieldbox.commerce.models.invoicing import Invoice, InvoiceLine

    started = time.perf_counter()
    invoice_run(books)
    org = books.organisation.pk
    t = _common.table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {t(InvoiceLine)} SET source_id = NULL WHERE organisation_id = %s", [org])
        cursor.execute(
            f"UPDATE {t(Invoice)} SET number = 'PREV-' || id, issued_on = issued_on - interval '1 year', "
            "xml_name = 'PREV-' || xml_name WHERE organisation_id = %s",
            [org],
        )
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {t(Invoice)}")
        books.history_until = cursor.fetchone()[0]
    reset(books)
    print(f"  last year's invoices: {books.history_until:,}, made and kept in {time.perf_counter() - started:.1f} s")


# --- (a) the run against the baseline --------------------------------------------------------------------------


def measure_run(books: _invoice_data.Books, args: argparse.Namespace) -> bool:
    from fieldbox.commerce.models.invoicing import Invoice, InvoiceLine

    make_copy_table()
    best = {"ours": float("inf"), "baseline": float("inf")}
    problems: list[str] = []
    lines = queries = 0
    for number in range(1, args.repeat + 1):
        for side in ("baseline", "ours") if number % 2 else ("ours", "baseline"):
            if side == "baseline":
                seconds, raw_lines = baseline(books)
                print(f"  run {number} baseline: {raw_lines:,} lines priced, totalled and copied in {seconds:.2f} s")
            else:
                seconds, queries, run = invoice_run(books)
                invoices = Invoice.objects.filter(organisation=books.organisation, pk__gt=books.history_until).count()
                lines = InvoiceLine.objects.filter(invoice_id__gt=books.history_until).count()
                tasks = len(list(queued_pdf_tasks()))
                print(
                    f"  run {number} ours: {invoices:,} invoices with {lines:,} lines issued in {seconds:.2f} s "
                    f"({run.phases}), {queries:,} queries here, {tasks} PDF tasks queued for the workers"
                )
                found = check_invoices(books)
                problems += [f"run {number}: {p}" for p in found[:5]]
                if number == 1:
                    sample_pdfs(books)
                reset(books)
            best[side] = min(best[side], seconds)
    ok = _common.figure(
        f"invoice run, {books.work_orders:,} work orders, draft to issued (invoice_run_create + invoice_run_issue)",
        best["ours"],
        "raw SQL aggregation + COPY of the lines",
        best["baseline"],
        LIMIT,
    )
    sound = not problems
    for problem in problems[:10]:
        print(f"  {problem}")
    print(
        f"every invoice issued with a valid XML, its taxable amount the raw SQL's, its PDF left to the workers "
        f"(limit: all)  {'OK' if sound else 'MISSED'}"
    )
    return ok and sound and lines > 0


def sample_pdfs(books: _invoice_data.Books) -> None:
    """What the workers do afterwards, for a few invoices: the time a PDF takes (why issuing does not wait)."""
    from fieldbox.commerce.models.invoicing import Invoice
    from fieldbox.commerce.services import invoicing_documents

    issued = Invoice.objects.filter(organisation=books.organisation, pk__gt=books.history_until)
    ids = list(issued.values_list("pk", flat=True)[:SAMPLE_PDFS])
    started = time.perf_counter()
    made = invoicing_documents.make_pdfs(ids)
    each = (time.perf_counter() - started) / max(made, 1)
    total = issued.count()
    print(f"  a worker makes a PDF in {each:.2f} s: {total:,} of them would add {each * total:,.0f} s to the run")
    from django.core.files.storage import default_storage

    for name in Invoice.objects.filter(pk__in=ids).values_list("pdf", flat=True):
        if name:
            default_storage.delete(name)


# --- (b) queries against work orders ---------------------------------------------------------------------------


def measure_queries(books: _invoice_data.Books) -> bool:
    from django.db import connection

    from fieldbox.service.models.verification import Verification, VerifiedLine

    chosen = books.customers[:40]
    t = _common.table
    invoice_run(books, chosen)  # a first run fills what is read once and cached (who listens to the webhooks)
    reset(books)
    counts = []
    for half in (True, False):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {t(VerifiedLine)} l SET dropped = %s FROM {t(Verification)} v WHERE v.id = l.verification_id "
                "AND v.customer_id = ANY(%s) AND v.work_order_id %% 2 = 0",
                [half, chosen],
            )
        orders = Verification.objects.filter(customer_id__in=chosen).count() // (2 if half else 1)
        _seconds, queries, _run = invoice_run(books, chosen)
        counts.append((orders, queries))
        reset(books)
    (few, q_few), (many, q_many) = counts
    ok = q_few == q_many
    print(
        f"queries of a run over {len(chosen)} customers: {q_few} with {few:,} work orders, {q_many} with {many:,} "
        f"(limit: the same)  {'OK' if ok else 'MISSED'}"
    )
    return ok


# --- (c) eight runs at once ------------------------------------------------------------------------------------


def _run_child(books: _invoice_data.Books, customers: list[int], barrier: Any, results: Any) -> None:
    from django.db import connection

    try:
        connection.ensure_connection()
        barrier.wait(START_TIMEOUT)
        _seconds, _queries, run = invoice_run(books, customers)
        results.put(("ok", run.invoices.count(), time.perf_counter()))
    except BaseException:
        results.put(("error", traceback.format_exc(), 0.0))
    finally:
        connection.close()


def measure_concurrent(books: _invoice_data.Books, args: argparse.Namespace) -> bool:
    workers = args.workers
    groups = [books.customers[n::workers] for n in range(workers)]
    started, outcomes = _common.at_once(_run_child, [(books, group) for group in groups], START_TIMEOUT)
    errors = [o[1] for o in outcomes if o[0] == "error"]
    if errors:
        print(f"  an invoice run failed:\n{errors[0]}")
        return False
    seconds = max(o[2] for o in outcomes) - started
    issued = sum(o[1] for o in outcomes)
    dup, gaps, file_dup, file_gaps = numbers_problems(books)
    found = check_invoices(books)
    print(f"  {workers} runs of {len(groups[0])} customers each: {issued:,} invoices issued at once in {seconds:.2f} s")
    ok = dup == gaps == file_dup == file_gaps == 0 and not found and issued == len(books.customers)
    for problem in found[:5]:
        print(f"  {problem}")
    print(
        f"invoice numbers: {dup} duplicates, {gaps} gaps; XML files: {file_dup} duplicates, {file_gaps} gaps "
        f"(limit 0)  {'OK' if ok else 'MISSED'}"
    )
    reset(books)
    return ok


def profile(books: _invoice_data.Books) -> None:
    import cProfile
    import pstats

    from fieldbox.commerce.services import invoicing_documents

    invoicing_documents.make_pdfs_later = lambda ids: None  # tasks run here (eager): not the PDFs, left out
    history(books)
    profiler = cProfile.Profile()
    profiler.enable()
    seconds, queries, _run = invoice_run(books)
    profiler.disable()
    print(f"  one run: {seconds:.2f} s, {queries:,} queries")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats("fieldbox", 45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# --- main -----------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> bool:
    from fieldbox.core import clock

    print(
        f"bench {NAME}: {args.customers:,} customers, {2 * args.customers:,} contracts, "
        f"{args.customers * args.per_customer:,} verified work orders; {args.workers} runs at once"
    )
    started = time.perf_counter()
    today = clock.today("Europe/Rome")
    books = _invoice_data.fill(args.customers, args.per_customer, today)
    print(f"  filled in {time.perf_counter() - started:.1f} s")
    if args.profile:
        profile(books)
        return False
    drop_pdf_tasks()
    with workers(args.concurrency, args.worker_log):
        history(books)
        results = [measure_queries(books), measure_run(books, args), measure_concurrent(books, args)]
    return all(results)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        print(f"bench {NAME}: needs Redis for the workers' queue; set REDIS_URL (or run `make bench B={NAME}`)")
        return 1
    # The runs' parts and the PDFs are queued for workers, not made in the run (with --profile the parts are worked
    # here, one after the other, so the profile sees them).
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1" if args.profile else "0"
    for name in ("fontTools", "weasyprint"):  # the sample PDFs' layout steps and font subsetting
        logging.getLogger(name).setLevel(logging.ERROR)
    return _common.run(NAME, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
