"""Benchmark: the installer's "Installations" page of a big company against raw SQL for the same rows.

The issue: with 1,000,000 jobs over 3,000 installer companies, one of them holding 300,000,
the open-jobs page of that company (the first page, and a page 150,000 rows deep) with its
two counters, served through the whole Django stack (``django.test.Client`` GET of
``/jobs/installations/``: middleware, session, scope, view, template), costs ≤ 10x the raw
SQL for the same rows and counters, measured in the same run (≤ 6x since issue 11); the deep page costs
≤ 1.5x the first; the counters of the 300,000-job company cost ≤ 1.2x those of a 200-job company
(``queries.company_totals``, as the page reads its tabs: exact, from the counters kept by the transition
kernel, less the assigned jobs that do not show yet), and they equal a COUNT. The data is generated in under
2 minutes, the counters then filled by ``fieldbox counters --repair``.

Runs on PostgreSQL only, in a scratch database created for the run (on the server of
``DATABASE_URL``) and dropped afterwards. The data is written with COPY (the jobs table
without its secondary indexes and foreign keys, which are put back afterwards), then
vacuumed and analysed. Each measurement runs a few times to warm up, then is repeated with
all measurements interleaved; the median is kept. Prints each figure, its baseline and
ratio, one summary line, and exits 1 when a figure misses its limit.

    python bench/jobs_list.py [--jobs N] [--companies C] [--repeat R] [--warmup W] [--explain]
"""

from __future__ import annotations

import argparse
import io
import random
import re
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import _common  # bench/ is on the path of a benchmark script
from _common import Laps, bare_table, copy_lines, explain, figure, ids_after, measure, profile, queries_of, table

NAME = "jobs_list"
PAGE_LIMIT = 6.0  # Django page (first or deep) / raw SQL for the same rows and counters
DEEP_LIMIT = 1.5  # deep page / first page, both through Django
COUNTERS_LIMIT = 1.2  # counters of the big company / counters of the small one
GENERATION_LIMIT = 120.0  # seconds to generate the data
DEFAULT_JOBS = 1_000_000
DEFAULT_COMPANIES = 3_000
BIG_SHARE = 0.30  # of the jobs, held by company A (300,000 of 1,000,000)
DEEP_SHARE = 0.15  # depth of the deep page, in rows of A's open list (150,000 of 1,000,000 jobs)
SMALL_JOBS = 200  # held by company B
DRAFT_SHARE = 0.01  # jobs not assigned to any company yet
REGISTRY_MAX = 250_000  # customers and subscriptions (shared between jobs beyond that); a vehicle per job
DEVICES_MAX = 50_000  # devices paired on completed jobs (shared beyond that)
# Status of a job of a company: (status, cumulative probability). Most are open; some paired or done.
STATUS_MIX = (
    ("assigned", 0.38),
    ("in_progress", 0.80),
    ("paired", 0.88),
    ("succeeded", 0.96),
    ("failed", 0.98),
    ("cancelled", 1.00),
)
OPEN = ("assigned", "in_progress")
DONE = ("paired", "succeeded")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="jobs in all (company A holds 30%%)")
    parser.add_argument("--companies", type=int, default=DEFAULT_COMPANIES, help="installer companies")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each measurement (median kept)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each measurement first")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the page's queries")
    parser.add_argument("--profile", action="store_true", help="print where the Django first page spends its time")
    args = parser.parse_args(argv)
    if args.jobs < 5_000 or args.companies < 3 or args.repeat < 1 or args.warmup < 0:
        parser.error("--jobs must be ≥ 5000, --companies ≥ 3, --repeat ≥ 1, --warmup ≥ 0")
    return args


# --- data ---------------------------------------------------------------------------------------


@dataclass
class World:
    """What the measurements need to know about the generated data."""

    provider_id: int
    company_a: int
    company_b: int
    user_a: int
    user_b: int
    jobs: int
    jobs_a: int


class Clock:
    """Timestamps as COPY text, precomputed: index ``k`` is ``k`` steps of ~8.6 minutes before now."""

    STEPS = 10_080  # 60 days

    def __init__(self, now: datetime) -> None:
        self.now = now
        step = timedelta(days=60) / self.STEPS
        self.ago = [(now - k * step).isoformat() for k in range(self.STEPS + 1)]
        self.deadline = [(now - k * step + timedelta(days=20)).isoformat() for k in range(self.STEPS + 1)]


def fill_organisations(now: datetime, companies: int) -> tuple[int, int]:
    """One provider and ``companies`` installer companies (codes BE00001…); returns (provider id, first company id)."""
    from fieldbox.accounts.models import Organisation, Partnership

    names = (
        "name kind installer_code email phone address time_zone language install_deadline_days "
        "installer_change_days job_visible_after_days allow_manual_completion is_active created_at"
    )
    stamp = now.isoformat()
    provider = Organisation.objects.create(name="Bench Telematics", kind="provider", email="ops@bench.example")
    copy_lines(
        Organisation,
        names,
        (
            f"Officina {n:05d}\tinstaller\tBE{n:05d}\tofficina{n}@bench.example\t+39020000{n:05d}\t"
            f"Via Roma {n}, Milano\tEurope/Rome\tit\t20\t1\t2\tf\tt\t{stamp}\n"
            for n in range(1, companies + 1)
        ),
    )
    first = ids_after(Organisation, provider.pk, companies)
    expires = (now + timedelta(days=30)).isoformat()
    copy_lines(
        Partnership,
        "provider installer invited_email status token_hash created_at expires_at responded_at reason",
        (
            f"{provider.pk}\t{first + n}\tofficina{n + 1}@bench.example\taccepted\t{n:064x}\t"
            f"{stamp}\t{expires}\t{stamp}\t\n"
            for n in range(companies)
        ),
    )
    return provider.pk, first


def fill_people(now: datetime, first_company: int, companies: int, crew_a: int) -> tuple[int, list[int]]:
    """An installer in every company (``crew_a`` in company A); returns the first user id and each company's first."""
    from fieldbox.accounts.models import Membership, User

    crews = [crew_a] + [1] * (companies - 1)
    starts = [0]
    for size in crews[:-1]:
        starts.append(starts[-1] + size)
    people = [(c, k) for c, size in enumerate(crews) for k in range(size)]
    stamp = now.isoformat()
    copy_lines(
        User,
        "password is_superuser email first_name last_name language is_active is_staff date_joined",
        (f"!\tf\tinstaller{c}-{k}@bench.example\tMario\tRossi {k}\tit\tt\tf\t{stamp}\n" for c, k in people),
    )
    first_user = ids_after(User, 0, len(people))
    copy_lines(
        Membership,
        "user organisation role created_at feed_generation",
        (
            f"{first_user + n}\t{first_company + c}\t{'installer_admin' if k == 0 else 'installer'}\t{stamp}\t0\n"
            for n, (c, k) in enumerate(people)
        ),
    )
    return first_user, [first_user + s for s in starts]


def fill_registry(
    now: datetime, provider: int, size: int, devices: int, vehicles: int
) -> tuple[int, int, int, int, list[int]]:
    """Customers and subscriptions (``size`` each), ``vehicles`` vehicles (one per job: a vehicle holds one open job at
    a time), products and devices."""
    from fieldbox.fleet.models import Customer, Device, Product, Subscription, Vehicle

    products = [
        Product.objects.create(provider_id=provider, name=name, code=code, serial_prefix="TBA")
        for name, code in (("Box 4G", "B4G"), ("Box 4G + SOS", "B4GS"), ("Box Lite", "BL"), ("CloudBoxx", "CBX"))
    ]
    product_ids = [p.pk for p in products]
    stamp = now.isoformat()
    firsts = ("Giulia", "Marco", "Anna", "Luca", "Sara", "Paolo", "Elena", "Davide")
    lasts = ("Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti")
    with bare_table(Customer):
        copy_lines(
            Customer,
            "organisation kind first_name last_name company_name phone phone_other email language created_at",
            (
                f"{provider}\tperson\t{firsts[n % 8]}\t{lasts[n % 10]} {n}\t\t+39333{n:07d}\t\t"
                f"customer{n}@mail.example\tit\t{stamp}\n"
                if n % 7
                else f"{provider}\tcompany\t\t\tFlotta {n} Srl\t+39021{n:07d}\t\tfleet{n}@mail.example\tit\t{stamp}\n"
                for n in range(size)
            ),
        )
    customer = ids_after(Customer, 0, size)
    kinds = ("car", "car", "car", "van", "truck", "motorbike")
    makes = (("Fiat", "Panda"), ("Volkswagen", "Golf"), ("Renault", "Clio"), ("Iveco", "Daily"))
    with bare_table(Vehicle):
        copy_lines(
            Vehicle,
            "provider plate plate_country vin make model year vehicle_type",
            (
                f"{provider}\t{plate(n)}\tIT\tZFA{n:014d}\t{makes[n % 4][0]}\t{makes[n % 4][1]}\t{2010 + n % 15}\t"
                f"{kinds[n % 6]}\n"
                for n in range(vehicles)
            ),
        )
    vehicle = ids_after(Vehicle, 0, vehicles)
    day = now.date().isoformat()
    with bare_table(Subscription):
        copy_lines(
            Subscription,
            "provider number customer vehicle product agency status arrived_on",
            (
                f"{provider}\tSUB-{n:08d}\t{customer + n}\t{vehicle + n}\t{product_ids[n % 4]}\t\tactive\t{day}\n"
                for n in range(size)
            ),
        )
    subscription = ids_after(Subscription, 0, size)
    with bare_table(Device):
        copy_lines(
            Device,
            "provider product serial imei status vehicle online activated_at created_at status_since",
            (
                f"{provider}\t{product_ids[n % 4]}\tTBA{n:09d}\t35{n:013d}\tactive\t{vehicle + n % size}\tt\t"
                f"{stamp}\t{stamp}\t{stamp}\n"
                for n in range(devices)
            ),
        )
    device = ids_after(Device, 0, devices)
    return customer, vehicle, subscription, device, product_ids


def plate(n: int) -> str:
    """Italian-looking plates, unique for n < 26**4 * 1000: AB123CD."""
    letters = "ABCDEFGHJKLMNPRSTVWXYZ"
    a, n = divmod(n, 1000)
    x = ""
    for _ in range(4):
        a, r = divmod(a, len(letters))
        x += letters[r]
    return f"{x[:2]}{n:03d}{x[2:]}"


def company_of_each_job(jobs: int, companies: int, jobs_a: int, rng: random.Random) -> list[int]:
    """Company index of every job (0 = A, 1 = B, -1 = not assigned yet), A's and B's jobs spread over all ids."""
    drafts = int(jobs * DRAFT_SHARE)
    others = jobs - jobs_a - SMALL_JOBS - drafts
    owners = [0] * jobs_a + [1] * SMALL_JOBS + [-1] * drafts + [2 + n % (companies - 2) for n in range(others)]
    rng.shuffle(owners)
    return owners


def job_lines(world: dict[str, Any], clock: Clock, rng: random.Random) -> Iterator[str]:
    owners: list[int] = world["owners"]
    size = world["registry"]
    products: list[int] = world["products"]
    first_company, first_device, devices = world["first_company"], world["first_device"], world["devices"]
    crew: list[int] = world["crew"]
    crew_a: int = world["crew_a"]
    provider, customer, vehicle, subscription = world["provider"], world["customer"], world["vehicle"], world["sub"]
    steps = Clock.STEPS
    ago, deadline = clock.ago, clock.deadline
    spec = '{"central_lock": "can", "vehicle_model": "as registered"}'
    null = "\\N"
    random_ = rng.random
    paired_count = 0
    for n, owner in enumerate(owners):
        r = n % size
        head = f"{provider}\tinstallation\t"
        registry = f"{subscription + r}\t{vehicle + n}\t{customer + r}\t{products[r % 4]}\t{spec}\t"
        number = f"J{n + 1:07d}"
        if owner < 0:  # not assigned yet
            created = ago[int(random_() * 200)]
            # company, installer, device, created, then assigned … activation alert all NULL, no comment
            tail = f"\t{number}\tf\t{created}\n"
            yield f"{head}draft\t{registry}{null}\t{null}\t{null}\t{created}\t" + f"{null}\t" * 7 + tail
            continue
        draw = random_()
        status = next(s for s, p in STATUS_MIX if draw < p)
        k = int(random_() * steps)  # assigned k steps ago
        assigned = ago[k]
        visible = ago[max(k - 288, 0)]  # two days after assignment, never in the future
        installer = null
        appointment = paired = closed = device = null
        if status != "assigned":
            installer = str(crew[owner] + (int(random_() * crew_a) if owner == 0 else 0))
        if status == "in_progress" and k % 2:
            appointment = ago[max(k - 576, 0)]
        if status in ("paired", "succeeded"):
            paired = ago[max(k - 1 - (n % 1500), 0)]
            device = str(first_device + paired_count % devices)
            paired_count += 1
        if status in ("succeeded", "failed", "cancelled"):
            closed = ago[max(k - 1600, 0)]
        yield (
            f"{head}{status}\t{registry}{first_company + owner}\t{installer}\t{device}\t{ago[min(k + 144, steps)]}\t"
            f"{assigned}\t{visible}\t{deadline[k]}\t{appointment}\t{paired}\t{closed}\t{null}\t\t{number}\tf\t"
            f"{closed if closed != null else assigned}\n"
        )


def generate(jobs: int, companies: int) -> World:
    from django.core.management import call_command
    from django.db import connection, transaction

    from fieldbox.jobs.models import Job

    rng = random.Random(20240611)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now)
    jobs_a = int(jobs * BIG_SHARE)
    registry = min(REGISTRY_MAX, jobs)
    devices = min(DEVICES_MAX, jobs // 10)
    crew_a = 20
    lap = Laps()
    with transaction.atomic():
        with connection.cursor() as cursor:  # checked row by row: no pending trigger events to block ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        provider, first_company = fill_organisations(now, companies)
        _, crew = fill_people(now, first_company, companies, crew_a)
        lap(f"{companies:,} companies with partnerships and installers")
        customer, vehicle, sub, first_device, products = fill_registry(now, provider, registry, devices, jobs)
        lap(f"{registry:,} customers and subscriptions, {jobs:,} vehicles, {devices:,} devices")
        owners = company_of_each_job(jobs, companies, jobs_a, rng)
        world = {
            "owners": owners,
            "registry": registry,
            "products": products,
            "first_company": first_company,
            "first_device": first_device,
            "devices": devices,
            "crew": crew,
            "crew_a": crew_a,
            "provider": provider,
            "customer": customer,
            "vehicle": vehicle,
            "sub": sub,
        }
        names = (
            "provider kind status subscription vehicle customer product spec company installer device created_at "
            "assigned_at visible_from deadline_at appointment_at paired_at closed_at activation_alert_at comment "
            "number in_removal_request changed_at"
        )
        with bare_table(Job):
            copy_lines(Job, names, job_lines(world, clock, rng))
            lap(f"{jobs:,} jobs copied")
        ids_after(Job, 0, jobs)
        lap("their indexes and foreign keys put back")
    call_command("counters", "--repair", stdout=io.StringIO())  # COPY wrote rows without their moves
    lap("counters of every company and status (fieldbox counters --repair)")
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE")
    lap("VACUUM ANALYZE")
    return World(
        provider_id=provider,
        company_a=first_company,
        company_b=first_company + 1,
        user_a=crew[0],
        user_b=crew[1],
        jobs=jobs,
        jobs_a=jobs_a,
    )


# --- what is measured ---------------------------------------------------------------------------


def scope_of(user_id: int) -> Any:
    from fieldbox.accounts.models import User
    from fieldbox.accounts.selectors import scope_for

    scope = scope_for(User.objects.get(pk=user_id), None)
    if scope is None:
        raise SystemExit(f"bench {NAME}: user {user_id} has no organisation")
    return scope


def raw_sql() -> tuple[str, str, str, str]:
    """By hand: the open tab's rows with the joins it shows (subscription, plate and vehicle type, customer, product),
    the WHERE of ``selectors.open_jobs`` for an installer company; the company's counters as the page reads them (its
    counter rows, less its assigned jobs that do not show yet); and an exact COUNT, to check them."""
    from fieldbox.core.models import Counter
    from fieldbox.fleet.models import Customer, Product, Subscription, Vehicle
    from fieldbox.jobs.models import Job

    joined = [("v", Vehicle, "vehicle_id"), ("c", Customer, "customer_id"), ("p", Product, "product_id")]
    joined += [("s", Subscription, "subscription_id")]
    select = ", ".join(["j.*"] + [f"{alias}.*" for alias, *_ in joined])
    joins = " ".join(f"JOIN {table(m)} {alias} ON {alias}.id = j.{fk}" for alias, m, fk in joined)
    page = (
        f"SELECT {select} FROM {table(Job)} j {joins} "
        "WHERE j.company_id = %(company)s AND j.visible_from <= now() AND j.status = ANY(%(statuses)s) "
        "AND NOT j.in_removal_request AND j.id < %(before)s ORDER BY j.id DESC LIMIT %(limit)s"
    )
    kept = f"SELECT status, sum(n) FROM {table(Counter)} WHERE key = %(key)s GROUP BY status"
    hidden = (
        f"SELECT count(*) FROM {table(Job)} WHERE company_id = %(company)s AND status = 'assigned' "
        "AND visible_from > now() AND NOT in_removal_request"
    )
    exact = (
        f"SELECT count(*) FROM {table(Job)} j WHERE j.company_id = %(company)s "
        "AND j.visible_from <= now() AND j.status = ANY(%(statuses)s) AND NOT j.in_removal_request"
    )
    return page, kept, hidden, exact


class Bench:
    def __init__(self, world: World) -> None:
        from django.db import connection
        from django.test import Client

        from fieldbox.accounts.models import User
        from fieldbox.jobs.views.common import PAGE_SIZE

        self.world = world
        self.page_size = PAGE_SIZE
        self.page_sql, self.kept_sql, self.hidden_sql, self.exact_sql = raw_sql()
        self.clients = {}
        for key, user_id in (("A", world.user_a), ("B", world.user_b)):
            client = Client()
            client.force_login(User.objects.get(pk=user_id), backend="django.contrib.auth.backends.ModelBackend")
            self.clients[key] = client
        self.scopes = {"A": scope_of(world.user_a), "B": scope_of(world.user_b)}
        self.cursor = connection.cursor().cursor  # the psycopg cursor of Django's connection: no wrapper
        open_a = self.exact(world.company_a, OPEN)
        self.depth = min(int(world.jobs * DEEP_SHARE), open_a - self.page_size)
        self.before = self.row_at(world.company_a, self.depth - 1)  # the deep page starts at row `depth`

    def exact(self, company: int, statuses: tuple[str, ...]) -> int:
        self.cursor.execute(self.exact_sql, {"company": company, "statuses": list(statuses)})
        return int(self.cursor.fetchone()[0])

    def row_at(self, company: int, offset: int) -> int:
        from fieldbox.jobs.models import Job

        self.cursor.execute(
            f"SELECT id FROM {table(Job)} WHERE company_id = %s AND visible_from <= now() AND status = ANY(%s) "
            "ORDER BY id DESC OFFSET %s LIMIT 1",
            [company, list(OPEN), offset],
        )
        return int(self.cursor.fetchone()[0])

    # -- through Django

    def page(self, before: int | None) -> Any:
        url = "/jobs/installations/" + (f"?before={before}" if before else "")
        return self.clients["A"].get(url)

    def counters(self, key: str) -> tuple[str, str]:
        from fieldbox.jobs import queries

        totals = queries.company_totals(self.scopes[key])
        return str(totals.open), str(totals.completed)

    # -- by hand

    def raw_page(self, before: int | None) -> list[tuple[Any, ...]]:
        self.cursor.execute(
            self.page_sql,
            {
                "company": self.world.company_a,
                "statuses": list(OPEN),
                "before": before or 2**62,
                "limit": self.page_size + 1,
            },
        )
        rows = self.cursor.fetchall()
        self.raw_counters(self.world.company_a)
        return rows

    def raw_counters(self, company: int) -> tuple[str, str]:
        self.cursor.execute(self.kept_sql, {"key": f"jobs.company:{company}"})
        kept = dict(self.cursor.fetchall())
        self.cursor.execute(self.hidden_sql, {"company": company})
        hidden = int(self.cursor.fetchone()[0])
        shown_open = sum(kept.get(s, 0) for s in OPEN) - hidden
        return str(shown_open), str(sum(kept.get(s, 0) for s in DONE))

    # -- checks

    def expected(self, before: int | None) -> tuple[list[int], tuple[str, str]]:
        rows = self.raw_page(before)
        company = self.world.company_a
        return [int(r[0]) for r in rows[: self.page_size]], (
            str(self.exact(company, OPEN)),
            str(self.exact(company, DONE)),
        )

    def check_page(self, before: int | None) -> list[str]:
        """The page answers 200 with the expected jobs, in order, and counters equal to a COUNT."""
        response = self.page(before)
        if response.status_code != 200:
            return [f"GET {'deep' if before else 'first'} page answered {response.status_code}"]
        html = response.content.decode()
        shown = list(dict.fromkeys(int(pk) for pk in re.findall(r'href="/jobs/(\d+)/', html)))
        want, totals = self.expected(before)
        problems = []
        if shown != want:
            problems.append(
                f"{'deep' if before else 'first'} page shows jobs {shown[:3]}… ({len(shown)}), "
                f"expected {want[:3]}… ({len(want)})"
            )
        found = re.findall(r'<span class="total">([^<]*)</span>', html)
        if found != list(totals):
            problems.append(f"counters shown {found}, a COUNT gives {list(totals)}")
        return problems


def plan_times(bench: Bench, label: str, company: int) -> None:
    """Mean planning and execution time of the counters' two statements for one company."""
    for name, sql, params in (
        ("kept", bench.kept_sql, {"key": f"jobs.company:{company}"}),
        ("hidden", bench.hidden_sql, {"company": company}),
    ):
        planning = execution = 0.0
        for _ in range(200):
            bench.cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + sql, params)
            [result] = bench.cursor.fetchone()[0]
            planning += result["Planning Time"]
            execution += result["Execution Time"]
        print(f"  {name} of {label}: planning {planning / 200:.3f} ms, execution {execution / 200:.3f} ms")


def evaluate(world: World, args: argparse.Namespace) -> bool:
    """Check the pages show the expected rows, then time them and their baselines; True when every figure holds."""
    bench = Bench(world)
    print(f"  deep page: {bench.depth:,} rows deep into company A's open jobs (?before={bench.before})")
    problems = bench.check_page(None) + bench.check_page(bench.before)
    counters_a, counters_b = bench.counters("A"), bench.counters("B")
    for company, shown in ((world.company_a, counters_a), (world.company_b, counters_b)):
        exact = (str(bench.exact(company, OPEN)), str(bench.exact(company, DONE)))
        if shown != exact:
            problems.append(f"counters of company {company} {shown} differ from a COUNT {exact}")
    for problem in problems:
        print(f"  wrong: {problem}")
    print(f"  counters (open, completed): company A {counters_a}, company B {counters_b}")
    queries = queries_of(lambda: bench.page(None))
    print(f"  queries per page through Django: {len(queries)}")
    if args.explain:
        explain(queries)
    if args.profile:
        profile(lambda: bench.page(None))
        for label, company in (("A", world.company_a), ("B", world.company_b)):
            plan_times(bench, label, company)
            print(f"  counters of {label} send: {queries_of(lambda label=label: bench.counters(label))}")

    pages = {
        "django first": lambda: bench.page(None),
        "raw first": lambda: bench.raw_page(None),
        "django deep": lambda: bench.page(bench.before),
        "raw deep": lambda: bench.raw_page(bench.before),
    }
    # The counters on their own: right after a page, a call pays for the page's garbage.
    totals = {"counters A": lambda: bench.counters("A"), "counters B": lambda: bench.counters("B")}
    times = measure(pages, args.warmup, args.repeat) | measure(totals, args.warmup, args.repeat * 4)
    med = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"  {name:<15} median {med[name] * 1000:8.2f} ms  best {min(values) * 1000:8.2f} ms")
    raw = "raw SQL, same rows + counters"
    results = [
        figure("first page (Django)", med["django first"], raw, med["raw first"], PAGE_LIMIT),
        figure("deep page (Django)", med["django deep"], raw, med["raw deep"], PAGE_LIMIT),
        figure("deep page (Django)", med["django deep"], "first page (Django)", med["django first"], DEEP_LIMIT),
        figure("counters of A (company_totals)", med["counters A"], "counters of B", med["counters B"], COUNTERS_LIMIT),
    ]
    return not problems and all(results)


def run_bench(args: argparse.Namespace) -> bool:
    companies = min(args.companies, max(3, args.jobs // 100))
    print(
        f"bench {NAME}: {args.jobs:,} jobs over {companies:,} installer companies, company A holds "
        f"{int(args.jobs * BIG_SHARE):,}, company B {SMALL_JOBS}; median of {args.repeat} runs after {args.warmup}"
    )
    started = time.perf_counter()
    world = generate(args.jobs, companies)
    seconds = time.perf_counter() - started
    generated = seconds <= GENERATION_LIMIT
    print(f"data generated in {seconds:.1f} s (limit ≤ {GENERATION_LIMIT:.0f} s)  {'OK' if generated else 'MISSED'}")
    return evaluate(world, args) and generated


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return _common.run(NAME, lambda: run_bench(args), test_client=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
