"""What every benchmark shares: a scratch PostgreSQL database, Django set up on it, data written with COPY, timed
runs and their figures, the run and its verdict."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server of ``server_url``; yield its URL; drop it afterwards."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(server_url)
    name = f"fieldbox_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django not set up yet: nothing to close
            pass
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(name: str, database_url: str, *, test_client: bool = False) -> None:
    """Django on the scratch database, migrated; ``test_client`` lets django.test.Client's host in."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")
    os.environ.setdefault("FIELDBOX_TESTING", "1")
    import django

    # whitenoise warns once per process when collectstatic never ran: irrelevant to what is measured
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(f"bench {name}: needs PostgreSQL, the database is {connection.vendor}")
    if test_client and "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0, interactive=False)


def run(name: str, measure: Callable[[], bool], *, test_client: bool = False) -> int:
    """Run ``measure`` on a scratch database; print the summary line; 0 when it passed."""
    server_url = os.environ.get("DATABASE_URL", "")
    if urlsplit(server_url).scheme not in POSTGRES_SCHEMES:
        print(f"bench {name}: needs PostgreSQL; set DATABASE_URL (or run `make bench B={name}`)", file=sys.stderr)
        print(f"bench {name}: FAIL")
        return 1
    # A terminated run still drops its scratch database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    passed = False
    try:
        with scratch_database(server_url) as url:
            setup_django(name, url, test_client=test_client)
            passed = measure()
    except SystemExit as exc:  # a refusal or SIGTERM: the scratch database is gone, report the failure
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except Exception:
        traceback.print_exc()
    sys.stderr.flush()
    print(f"bench {name}: {'PASS' if passed else 'FAIL'}", flush=True)
    return 0 if passed else 1


# --- data written with COPY ---------------------------------------------------------------------------------------


def table(model: Any) -> str:
    return str(model._meta.db_table)


def columns(model: Any, fields: str) -> str:
    """The columns of the model's ``fields``, named as fields or as their columns (``user`` or ``user_id``),
    separated by spaces or commas."""
    return ", ".join(model._meta.get_field(name).column for name in re.split(r"[\s,]+", fields.strip()))


def copy_lines(model: Any, fields: str, lines: Iterable[str]) -> None:
    """COPY text-format lines (tab-separated, ``\\N`` for NULL, no escapes needed) into ``fields`` of the model's
    table (see ``columns``), 20,000 lines at a time. The columns a line does not give that may not be NULL take
    their field's default (a field added to the model later needs no change here)."""
    from django.db import connection

    named = {model._meta.get_field(name).column for name in re.split(r"[\s,]+", fields.strip())}
    rest = {
        f.column: f.get_default()
        for f in model._meta.concrete_fields
        if f.column not in named and not f.primary_key and not f.null and f.get_default() is not None
    }
    tail = "".join("\t" + copy_text(value) for value in rest.values())
    wanted = ", ".join([columns(model, fields), *rest])
    chunk: list[str] = []
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table(model)} ({wanted}) FROM STDIN") as copy,
    ):
        for line in lines:
            chunk.append(line[:-1] + tail + "\n" if tail else line)
            if len(chunk) >= 20_000:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))


def copy_text(value: Any) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def max_id(model: Any) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table(model)}")
        return int(cursor.fetchone()[0])


def ids_after(model: Any, last: int, count: int) -> int:
    """The first id of the ``count`` rows just written after id ``last`` (0: to an empty table), checked
    consecutive."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id), count(*) FROM {table(model)} WHERE id > %s", [last])
        low, high, n = cursor.fetchone()
    if n != count or high - low + 1 != count:
        raise SystemExit(f"{table(model)} got {n} rows, ids {low}..{high}, expected {count} consecutive")
    return int(low)


@contextmanager
def bare_table(model: Any) -> Iterator[None]:
    """Without its secondary indexes and foreign keys while filled; all of them put back (and checked) after."""
    from django.db import connection

    name = table(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [name],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
            [name],
        )
        indexes = cursor.fetchall()
        for constraint, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {name} DROP CONSTRAINT "{constraint}"')
        for index, _ in indexes:
            cursor.execute(f'DROP INDEX "{index}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for constraint, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {name} ADD CONSTRAINT "{constraint}" {definition}')


class Laps:
    """Says how long each step of the generation took."""

    def __init__(self, say: Callable[[str], Any] = print) -> None:
        self.say, self.last = say, time.perf_counter()

    def __call__(self, label: str) -> None:
        now = time.perf_counter()
        self.say(f"  {label}: {now - self.last:.1f} s")
        self.last = now


# --- processes at once -----------------------------------------------------------------------------------------


def at_once(
    target: Callable[..., None], argses: list[tuple[Any, ...]], timeout: float = 120
) -> tuple[float, list[Any]]:
    """Fork one process per ``argses`` entry running ``target(*args, barrier, results)``, all started together (each
    waits at ``barrier``, then puts its outcome on ``results``); the time they started and their outcomes, in the
    order they came. The children must not share the parent's database connection: it is closed first."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(len(argses) + 1), context.Queue()
    children = [context.Process(target=target, args=(*args, barrier, results)) for args in argses]
    for child in children:
        child.start()
    barrier.wait(timeout)
    started = time.perf_counter()
    outcomes = [results.get(timeout=1800) for _ in children]
    for child in children:
        child.join()
    return started, outcomes


# --- timed runs and their figures ---------------------------------------------------------------------------------


def measure(runs: dict[str, Callable[[], Any]], warmup: int, repeat: int) -> dict[str, list[float]]:
    """Every run ``warmup`` times untimed, then ``repeat`` timed rounds, the runs interleaved in each round, in the
    reverse order every other round (the run after another leaves no more of its garbage to one than the other)."""
    for _ in range(warmup):
        for run in runs.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(repeat):
        for name, run in list(runs.items())[:: 1 if round_ % 2 == 0 else -1]:
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return times


class Cpu:
    """CPU seconds of this process and of its PostgreSQL backend (when the server runs on this machine, read from
    /proc in clock ticks): what the wall time of a run would be on a machine doing nothing else."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.tick = os.sysconf("SC_CLK_TCK")
        self.process = self.backend = 0.0

    def backend_now(self) -> float:
        try:
            fields = self.stat.read_text().rpartition(")")[2].split()
        except OSError:  # another machine: the server's time is not known
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime

    def __enter__(self) -> Cpu:
        self.started = (time.process_time(), self.backend_now())
        return self

    def __exit__(self, *exc: object) -> None:
        self.process = time.process_time() - self.started[0]
        self.backend = self.backend_now() - self.started[1]

    @property
    def total(self) -> float:
        return self.process + self.backend


def measure_cpu(runs: dict[str, Callable[[], Any]], seconds: float = 2.0) -> dict[str, float]:
    """CPU seconds of one run of each (this process and its PostgreSQL backend), each run repeated in a row for at
    least ``seconds`` (the backend's time is counted in clock ticks)."""
    cpu, used = Cpu(), {}
    for name, run in runs.items():
        count, started = 0, time.perf_counter()
        with cpu:
            while count < 3 or time.perf_counter() - started < seconds:
                run()
                count += 1
        used[name] = cpu.total / count
    return used


def figure(label: str, value: float, baseline_label: str, baseline: float, limit: float) -> bool:
    """Print a figure (seconds), its baseline and their ratio against the limit; True when it holds."""
    ratio = value / baseline if baseline else float("inf")
    ok = ratio <= limit
    print(
        f"{label}: {value * 1000:.2f} ms  baseline ({baseline_label}): {baseline * 1000:.2f} ms  "
        f"ratio {ratio:.2f} (limit ≤ {limit:g})  {'OK' if ok else 'MISSED'}"
    )
    return ok


def queries_of(run: Callable[[], Any]) -> list[str]:
    """The SQL one run sends, as sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries]


def explain(queries: list[str]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT among ``queries``, with its planning and execution times."""
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY) " + sql)
            print(f"  -- {sql[:160]}{'…' if len(sql) > 160 else ''}")
            for (line,) in cursor.fetchall():
                print(f"     {line}")


def profile(run: Callable[[], Any]) -> None:
    """cProfile of 20 runs, the 40 functions with the most time of their own and under them; CPU time of this
    process (what other load does not inflate; the database's time is not in it)."""
    import cProfile
    import pstats

    run()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(20):
        run()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats("fieldbox|forms/(boundfield|widgets|renderers)", 40)
    # Time of its own by package (django/template, django/db, psycopg, fieldbox…): where to cut.
    shares: dict[str, float] = {}
    for (path, _line, _name), (_cc, _nc, own, _cum, _callers) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        parts = path.split("site-packages/")[-1].split("/")
        group = "/".join(parts[:2]) if parts[0] in ("django", "fieldbox") else parts[0]
        shares[group] = shares.get(group, 0.0) + own
    total = sum(shares.values())
    for group, own in sorted(shares.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {group:<40} {own / total:6.1%}")
