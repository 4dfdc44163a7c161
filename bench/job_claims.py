"""Benchmark: installers taking jobs at once through ``job_take_next`` against a bare ``SKIP LOCKED`` claim loop.

The issue: 16 installers of one company take jobs at once from 2,000 available: no job is
taken twice, and the rate through the service (``fieldbox.jobs.services.job_take_next``,
which also writes an audit event and emits ``job.status_changed`` per take) is ≥ 0.5x the
rate of a bare loop claiming the same rows with one
``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id`` per
transaction, measured in the same run.

Runs on PostgreSQL only, in a scratch database created for the run (on the server of
``DATABASE_URL``) and dropped afterwards. Each installer is a thread with its own database
connection; all start together and take jobs until none is left. Each measurement is repeated
(best taken, baseline and service alternating); the jobs are put back to available and the
service's audit events and outbox rows deleted between runs. Every run must have taken each
job exactly once. Prints each figure, its baseline and ratio, one summary line, and exits 1
when a figure misses its limit.

    python bench/job_claims.py [--jobs N] [--installers K] [--repeat R] [--profile FILE]
"""

from __future__ import annotations

import argparse
import io
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

import _common  # bench/ is on the path of a benchmark script

NAME = "job_claims"
LIMIT = 0.50  # job_take_next rate / bare SKIP LOCKED claim loop rate
DEFAULT_JOBS = 2_000
DEFAULT_INSTALLERS = 16
START_TIMEOUT = 60  # seconds for every thread to connect before a run starts


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="available jobs to take")
    parser.add_argument("--installers", type=int, default=DEFAULT_INSTALLERS, help="installers taking at once")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept")
    parser.add_argument(
        "--profile", metavar="FILE", help="afterwards, write a cProfile of one installer taking every job to FILE"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.installers < 1 or args.repeat < 1:
        parser.error("--jobs, --installers and --repeat must be positive")
    return args


# --- scratch database (as in bench/outbox.py) ----------------------------------------------------


# --- data ---------------------------------------------------------------------------------------


@dataclass
class World:
    provider: Any
    company: Any
    scopes: list[Any]  # one fieldbox.core.tenancy.Scope per installer


def tables() -> tuple[str, str, str]:
    from fieldbox.core.models import AuditEvent
    from fieldbox.jobs.models import Job
    from fieldbox.messaging.models import OutboxMessage

    return Job._meta.db_table, AuditEvent._meta.db_table, OutboxMessage._meta.db_table


def fill(jobs: int, installers: int) -> World:
    """A provider, a partner company with ``installers`` installers, and ``jobs`` jobs available to it.

    Every job is assigned to the company, visible since yesterday, with a deadline at the end of
    one of the next 20 days (many jobs share a deadline, so the ``id`` tie-break matters too).
    """
    from django.db import transaction
    from django.utils import timezone

    from fieldbox.accounts.choices import OrganisationKind, PartnershipStatus, Role
    from fieldbox.accounts.models import Membership, Organisation, Partnership, User
    from fieldbox.core.tenancy import Scope
    from fieldbox.fleet.models import Customer, Product, Subscription, Vehicle
    from fieldbox.jobs.choices import JobKind, JobStatus
    from fieldbox.jobs.models import Job

    now = timezone.now()
    today = now.astimezone(UTC).replace(hour=23, minute=59, second=59, microsecond=0)
    with transaction.atomic():
        provider = Organisation.objects.create(name="Bench Telematics", kind=OrganisationKind.PROVIDER)
        company = Organisation.objects.create(
            name="Bench Installers", kind=OrganisationKind.INSTALLER, installer_code="BX001"
        )
        Partnership.objects.create(
            provider=provider,
            installer=company,
            invited_email="office@installers.bench.example",
            status=PartnershipStatus.ACCEPTED,
            token_hash="bench-job-claims",
            expires_at=now + timedelta(days=30),
            responded_at=now,
        )
        people = []
        for i in range(installers):
            person = User(email=f"installer{i}@installers.bench.example", first_name="Installer", last_name=str(i))
            person.set_unusable_password()
            people.append(person)
        people = User.objects.bulk_create(people)
        memberships = Membership.objects.bulk_create(
            [Membership(user=person, organisation=company, role=Role.INSTALLER) for person in people]
        )
        product = Product.objects.create(provider=provider, name="Bench Box", code="BB1", serial_prefix="BB")
        customers = Customer.objects.bulk_create(
            [
                Customer(organisation=provider, first_name="Owner", last_name=f"{n:06d}", phone=f"+3933{n:08d}")
                for n in range(jobs)
            ],
            batch_size=1000,
        )
        vehicles = Vehicle.objects.bulk_create(
            [Vehicle(provider=provider, plate=f"BX{n:06d}", make="Fiat", model="Panda") for n in range(jobs)],
            batch_size=1000,
        )
        subscriptions = Subscription.objects.bulk_create(
            [
                Subscription(
                    provider=provider,
                    number=f"SUB-{n:07d}",
                    customer=customers[n],
                    vehicle=vehicles[n],
                    product=product,
                    arrived_on=(now - timedelta(days=5)).date(),
                )
                for n in range(jobs)
            ],
            batch_size=1000,
        )
        Job.objects.bulk_create(
            [
                Job(
                    provider=provider,
                    kind=JobKind.INSTALLATION,
                    status=JobStatus.ASSIGNED,
                    subscription=subscriptions[n],
                    vehicle=vehicles[n],
                    customer=customers[n],
                    product=product,
                    spec={"vehicle_model": "Fiat Panda", "central_lock_type": "CAN"},
                    company=company,
                    assigned_at=now - timedelta(days=3),
                    visible_from=now - timedelta(days=1),
                    deadline_at=today + timedelta(days=(n * 7) % 20),
                    number=f"J{n + 1:07d}",
                )
                for n in range(jobs)
            ],
            batch_size=1000,
        )
    repair_counters()
    for membership in memberships:  # what the scope middleware hands a service: the organisation loaded
        membership.organisation = company
    vacuum()
    return World(
        provider=provider,
        company=company,
        scopes=[Scope(user=m.user, membership=m, memberships=(m,)) for m in memberships],
    )


def reset() -> None:
    """Every job available again, the service's audit events and outbox rows gone, the tables vacuumed."""
    from django.db import connection

    job, audit, outbox = tables()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {job} SET status = 'assigned', installer_id = NULL")
        cursor.execute(f"DELETE FROM {audit} WHERE object_type = 'jobs.job'")
        cursor.execute(f"DELETE FROM {outbox}")
    repair_counters()
    vacuum()


def repair_counters() -> None:
    """The jobs were written (and put back) by hand: their counters set from a COUNT, as the kernel keeps them."""
    from django.core.management import call_command

    call_command("counters", "--repair", stdout=io.StringIO())


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables())}")


# --- the two claim loops (one per installer thread) ---------------------------------------------


def bare_loop(scope: Any) -> list[int]:
    """The baseline: claim the next job and mark it taken in one SKIP LOCKED statement per transaction."""
    from django.db import connection, transaction

    job = tables()[0]
    statement = (
        f"UPDATE {job} SET status = 'in_progress', installer_id = %s WHERE id = (SELECT id FROM {job} "
        "WHERE company_id = %s AND status = 'assigned' AND visible_from <= now() "
        "ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
    )
    params = [scope.user.pk, scope.organisation.pk]
    taken: list[int] = []
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
            row = cursor.fetchone()
        if row is None:
            return taken
        taken.append(row[0])


def service_loop(scope: Any) -> list[int]:
    """The service: ``job_take_next`` until it finds nothing (audit event and event per take, as in production)."""
    from fieldbox.jobs.services import job_take_next

    taken: list[int] = []
    while (job := job_take_next(scope=scope)) is not None:
        taken.append(job.pk)
    return taken


@dataclass
class Run:
    taken: dict[int, list[int]] = field(default_factory=dict)  # installer's user id -> job ids it got
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.taken.values())


def race(loop: Callable[[Any], list[int]], scopes: list[Any]) -> Run:
    """Run ``loop`` for every installer at once, each in its own thread with its own connection.

    Threads connect first and start together; the time runs from the start until the last
    thread finds no job left (connecting and disconnecting are not counted).
    """
    from django.db import connection

    run = Run()
    barrier = threading.Barrier(len(scopes) + 1)
    finished: list[float] = []
    lock = threading.Lock()

    def installer(scope: Any) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=START_TIMEOUT)
            taken = loop(scope)
            ended = time.perf_counter()
            with lock:
                run.taken[scope.user.pk] = taken
                finished.append(ended)
        except threading.BrokenBarrierError:
            pass
        except Exception:
            barrier.abort()
            with lock:
                run.errors.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=installer, args=(scope,), name=f"installer-{i}") for i, scope in enumerate(scopes)
    ]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(timeout=START_TIMEOUT)
    except threading.BrokenBarrierError:
        run.errors.append("the installer threads did not all connect in time")
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    run.seconds = max(finished, default=started) - started
    return run


# --- checks -------------------------------------------------------------------------------------


def check(run: Run, jobs: int, label: str, *, audited: bool) -> tuple[int, list[str]]:
    """Jobs taken twice in ``run``, and every problem found in it and in the database."""
    from django.db import connection

    problems = [f"{label}: an installer failed:\n{error}" for error in run.errors]
    ids = [pk for taken in run.taken.values() for pk in taken]
    twice = len(ids) - len(set(ids))
    if twice:
        problems.append(f"{label}: {twice:,} jobs taken twice")
    if len(set(ids)) != jobs:
        problems.append(f"{label}: {len(set(ids)):,} distinct jobs taken of {jobs:,}")
    job, audit, _outbox = tables()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, status, installer_id FROM {job}")
        rows = cursor.fetchall()
        holder = {pk: installer for pk, status, installer in rows if status == "in_progress"}
        if len(rows) != jobs or len(holder) != jobs or None in holder.values():
            problems.append(
                f"{label}: {len(holder):,} of {len(rows):,} jobs in progress; "
                f"{sum(1 for v in holder.values() if v is None):,} of them without an installer"
            )
        wrong = sum(1 for user, taken in run.taken.items() for pk in taken if holder.get(pk) != user)
        if wrong:
            problems.append(f"{label}: {wrong:,} jobs reported taken by an installer the database does not show")
        if audited:
            cursor.execute(f"SELECT count(*) FROM {audit} WHERE action = 'job.take'")
            (events,) = cursor.fetchone()
            if events != jobs:
                problems.append(f"{label}: {events:,} audit events for {jobs:,} takes")
    return twice, problems


# --- main ---------------------------------------------------------------------------------------


def show(run_number: int, what: str, run: Run) -> str:
    rate = run.count / run.seconds if run.seconds else 0.0
    return f"  run {run_number} {what}: {run.count:,} in {run.seconds:.2f} s = {rate:,.0f} claims/s"


def measure(args: argparse.Namespace) -> bool:
    print(
        f"bench {NAME}: {args.jobs:,} available jobs, {args.installers} installers taking at once, "
        f"best of {args.repeat} runs"
    )
    started = time.perf_counter()
    world = fill(args.jobs, args.installers)
    print(f"  filled in {time.perf_counter() - started:.1f} s")

    best = {"baseline": 0.0, "service": 0.0}
    twice_total = 0
    problems: list[str] = []
    for number in range(1, args.repeat + 1):
        for side, what, loop in (
            ("baseline", "baseline (bare SKIP LOCKED claim loop)", bare_loop),
            ("service", "job_take_next", service_loop),
        ):
            if number > 1 or side == "service":
                reset()
            run = race(loop, world.scopes)
            twice, found = check(run, args.jobs, f"run {number} {side}", audited=side == "service")
            twice_total += twice
            problems += found
            if run.seconds and not run.errors:
                best[side] = max(best[side], run.count / run.seconds)
            print(show(number, what, run), flush=True)

    if args.profile:
        import cProfile

        reset()
        profiler = cProfile.Profile()
        taken = profiler.runcall(service_loop, world.scopes[0])
        profiler.dump_stats(args.profile)
        print(f"  profile of one installer taking {len(taken):,} jobs alone written to {args.profile}")

    for problem in problems:
        print(f"  {problem}")
    ratio = best["service"] / best["baseline"] if best["baseline"] else 0.0
    fast = ratio >= LIMIT
    once = twice_total == 0 and not problems
    runs = 2 * args.repeat
    print(
        f"job_take_next: {best['service']:,.0f} claims/s  baseline (bare SKIP LOCKED claim loop): "
        f"{best['baseline']:,.0f} claims/s  ratio {ratio:.2f} (limit ≥ {LIMIT:.2f})  {'OK' if fast else 'MISSED'}"
    )
    print(
        f"job_take_next: {twice_total:,} jobs taken twice in {runs} runs of {args.installers} installers "
        f"(limit 0){'' if twice_total or not problems else ', but see the problems above'}  "
        f"{'OK' if once else 'MISSED'}"
    )
    return fast and once


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return _common.run(NAME, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
