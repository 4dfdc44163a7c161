"""Benchmark: mail reaching a service desk of 1,000,000 tickets, against bare parsing plus a COPY; the desk's list.

The issue: 10,000 messages (new requests, replies by the number in the subject and by In-Reply-To/References,
auto-replies, bounces, attachments up to 5 MB) taken through ``services.mail_ingest(mailbox=…, raw=…)`` — what IMAP
polling calls for each message — by an organisation that already holds 1,000,000 tickets, at ≥ 0.3x the rate of a
bare ``email.message_from_bytes(raw, policy=policy.default)`` walking every part plus a COPY of the raw messages
into a plain table, measured in the same run; the queries of each kind of message the same at 1,000 tickets and at
the end; peak memory of the process under 500 MB. The ticket list of the desk (``selectors.desk_list`` paged as the
desk page pages it), and the search when there is one, filtered by team and status — first page and a page 100,000
rows deep — cost ≤ 10x a hand-written SELECT of the same rows and columns.

Runs on PostgreSQL only, in a scratch database created for the run and dropped afterwards. The desk is written with
COPY: first 1,000 tickets (the queries of each kind of message are counted there), then the rest. The messages are
written once to a spool file; the baseline and the ingestion read them from it, chunk by chunk, alternating (the
baseline twice per chunk, the better kept: the ingestion cannot run twice). Attachments are stored in a temporary
MEDIA_ROOT, removed afterwards.

    python bench/mail_ingest.py [--tickets N] [--messages M] [--repeat R] [--profile FILE] [--explain]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import _common  # bench/ is on the path of a benchmark script
import _mail_ingest_data as data

NAME = "mail_ingest"
RATE_LIMIT = 0.30  # ingestion rate / (bare parse + COPY) rate
LIST_LIMIT = 10.0  # the list (or search) / raw SQL for the same rows
MEMORY_LIMIT_MB = 500
START_TICKETS = 1_000  # the desk when the queries are first counted
DEEP = 100_000  # rows deep of the deep page
CHUNK = 1_000  # messages per alternation of baseline and ingestion
SAMPLES, SAMPLE_WARMUP = 5, 2  # messages of each kind whose queries are counted (after some untimed)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets the desk holds")
    parser.add_argument("--messages", type=int, default=10_000, help="messages ingested")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each list measurement (median kept)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each list measurement first")
    parser.add_argument("--profile", metavar="FILE", help="cProfile of the ingestion (its first chunk) to FILE")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE of the lists' statements")
    parser.add_argument("--queries", action="store_true", help="print the statements of each kind of message")
    args = parser.parse_args(argv)
    if args.tickets < 20_000 or args.messages < 100:
        parser.error("--tickets must be ≥ 20,000, --messages ≥ 100")
    return args


def say(line: str) -> None:
    print(line, flush=True)


# --- the messages of each kind whose queries are counted -------------------------------------------------------------


SAMPLE_KINDS = (
    "new-known",
    "new-unknown",
    "reply-subject",
    "reply-references",
    "reply-reopens",
    "reply-opens-new",
    "auto-reply",
    "bounce",
    "attachment",
    "duplicate",
)


def db_targets(world: data.World, statuses: tuple[str, ...], closed_reply: str, count: int) -> list[data.Target]:
    """Tickets of the desk in ``statuses``, of a team whose reply to a closed ticket does ``closed_reply``, picked at
    random, with what their customer's mail client knows of them."""
    from django.db import connection

    teams = {team_id: i for i, (team_id, _name, _reply) in enumerate(world.teams)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, t.number, t.subject, c.email, c.name, t.team_id FROM service_ticket t "
            "JOIN service_contact c ON c.id = t.contact_id JOIN service_team tm ON tm.id = t.team_id "
            "WHERE t.organisation_id = %s AND t.status = ANY(%s) AND tm.closed_reply = %s "
            "ORDER BY random() LIMIT %s",
            [world.org, list(statuses), closed_reply, count],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT ticket_id, message_id FROM service_ticketmessage WHERE ticket_id = ANY(%s) AND message_id <> '' "
            "ORDER BY created_at, id",
            [[r[0] for r in rows]],
        )
        refs: dict[int, list[str]] = defaultdict(list)
        for ticket_id, message_id in cursor.fetchall():
            refs[ticket_id].append(message_id)
    return [
        data.Target(pk, number, subject, email, name, teams[team], tuple(refs[pk]), True)
        for pk, number, subject, email, name, team in rows
    ]


def sample_messages(world: data.World, rng: random.Random) -> dict[str, list[bytes]]:
    """``SAMPLE_WARMUP + SAMPLES`` messages of each kind, answering tickets the desk holds now."""
    writer = data.Writer(world, rng)
    n = SAMPLE_WARMUP + SAMPLES
    open_, waiting = db_targets(world, ("open",), "reopen", n), db_targets(world, ("waiting",), "reopen", n)
    closed_reopen, closed_new = db_targets(world, ("closed",), "reopen", n), db_targets(world, ("closed",), "new", n)
    anyone = db_targets(world, ("open", "waiting", "resolved", "closed"), "reopen", 2 * n)
    if min(len(open_), len(waiting), len(closed_reopen), len(closed_new)) < n:
        raise SystemExit(f"bench {NAME}: the desk lacks tickets to answer in some status")
    kinds: dict[str, list[Any]] = {
        "new-known": [writer.new_request(known=True) for _ in range(n)],
        "new-unknown": [writer.new_request(known=False) for _ in range(n)],
        "reply-subject": [writer.reply(t, by_subject=True) for t in open_],
        "reply-references": [writer.reply(t, by_subject=False) for t in waiting],
        "reply-reopens": [writer.reply(t, by_subject=False) for t in closed_reopen],
        "reply-opens-new": [writer.reply(t, by_subject=False) for t in closed_new],
        "auto-reply": [writer.auto_reply(t) for t in anyone[:n]],
        "bounce": [writer.bounce(t) for t in anyone[n:]],
    }
    attached = []
    for _ in range(n):
        message = writer.new_request(known=True)
        message.add_attachment(
            b"\xff\xd8\xff\xe0" + rng.randbytes(200_000), maintype="image", subtype="jpeg", filename="foto.jpg"
        )
        message.add_attachment(
            b"%PDF-1.5\n" + rng.randbytes(50_000), maintype="application", subtype="pdf", filename="preventivo.pdf"
        )
        attached.append(message)
    kinds["attachment"] = attached
    raws = {kind: [m if isinstance(m, bytes) else writer.raw(m) for m in messages] for kind, messages in kinds.items()}
    raws["duplicate"] = raws["new-known"]  # the same messages again (IMAP read them twice)
    return raws


@dataclass
class Counted:
    queries: list[int]
    seconds: list[float]
    outcomes: set[str]
    statements: list[str]  # of the last message


def count_queries(world: data.World, raws: dict[str, list[bytes]], rng: random.Random) -> dict[str, Counted]:
    """Each message through ``mail_ingest``: the queries it sent and its time (the first ones untimed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fieldbox.service import services
    from fieldbox.service.models import Mailbox

    mailboxes = {m.address: m for m in Mailbox.objects.filter(organisation_id=world.org)}
    writer = data.Writer(world, rng)
    for i, (_pk, address) in enumerate(world.mailboxes):  # what a mailbox reads once (its organisation's addresses)
        warm = data.Target(0, "", "Warm-up", f"warm{i}@cliente.example", "", i, (f"warm{i}@desk.example",), True)
        services.mail_ingest(mailbox=mailboxes[address], raw=writer.raw(writer.auto_reply(warm)))
    found: dict[str, Counted] = {}
    for kind in SAMPLE_KINDS:
        counted = Counted([], [], set(), [])
        for i, raw in enumerate(raws[kind]):
            to = message_from_bytes(raw, policy=policy.default)["To"].addresses[0].addr_spec
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                received = services.mail_ingest(mailbox=mailboxes[to], raw=raw)
            elapsed = time.perf_counter() - started
            if i >= SAMPLE_WARMUP:
                counted.queries.append(len(captured))
                counted.seconds.append(elapsed)
                counted.outcomes.add(f"{received.outcome}{'/duplicate' if received.duplicate else ''}")
                counted.statements = [q["sql"] for q in captured.captured_queries]
        found[kind] = counted
    return found


# --- ingestion against its baseline --------------------------------------------------------------------------------


@dataclass
class Outcome:
    outcome: str
    reason: str
    ticket_id: int
    duplicate: bool


def baseline(spool: Path, items: list[data.Item]) -> float:
    """Bare parsing of each message (every part walked) and a COPY of the raw messages into a plain table."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_raw (raw) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["bytea"])
            for raw in data.read_spool(spool, items):
                message = message_from_bytes(raw, policy=policy.default)
                for part in message.walk():
                    part.get_content_type()
                copy.write_row((raw,))
        elapsed = time.perf_counter() - started
        cursor.execute("TRUNCATE bench_raw")
    return elapsed


def ingest(spool: Path, items: list[data.Item], mailboxes: list[Any]) -> tuple[float, list[Outcome]]:
    """Each message through ``services.mail_ingest``, as IMAP polling hands it over."""
    from fieldbox.service import services

    outcomes = []
    started = time.perf_counter()
    for item, raw in zip(items, data.read_spool(spool, items), strict=True):
        received = services.mail_ingest(mailbox=mailboxes[item.mailbox], raw=raw)
        outcomes.append(
            Outcome(received.outcome, received.reason, received.ticket.pk if received.ticket else 0, received.duplicate)
        )
    return time.perf_counter() - started, outcomes


def wrong_outcomes(items: list[data.Item], outcomes: list[Outcome]) -> list[str]:
    """What did not become what it should: a new ticket, a reply on the right ticket, or kept without a ticket."""
    wrong = []
    for i, (item, got) in enumerate(zip(items, outcomes, strict=True)):
        want_ticket = outcomes[item.follows].ticket_id if item.follows >= 0 else item.ticket_id
        if got.duplicate or got.outcome != item.outcome:
            wrong.append(
                f"message {i} ({item.kind}) became {got.outcome}{'/duplicate' if got.duplicate else ''} "
                f"{got.reason}, expected {item.outcome}"
            )
        elif item.outcome == "reply" and got.ticket_id != want_ticket:
            wrong.append(f"message {i} ({item.kind}) joined ticket {got.ticket_id}, expected {want_ticket}")
        elif item.outcome == "ticket" and (not got.ticket_id or got.ticket_id == item.ticket_id):
            wrong.append(f"message {i} ({item.kind}) opened no new ticket ({got.ticket_id})")
    return wrong


def run_ingestion(world: data.World, spool: Path, items: list[data.Item], args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from fieldbox.service.models import Attachment, Mailbox

    by_id = {m.pk: m for m in Mailbox.objects.filter(organisation_id=world.org)}
    mailboxes = [by_id[pk] for pk, _address in world.mailboxes]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, raw bytea NOT NULL)")
    attachments_before = Attachment.objects.count()
    cpu = _common.Cpu()
    wall = {"baseline": 0.0, "ingestion": 0.0}
    used = {"baseline": 0.0, "ingestion": 0.0, "ingestion process": 0.0}
    outcomes: list[Outcome] = []
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        with cpu:
            first = baseline(spool, chunk)
        first_cpu = cpu.total
        with cpu:
            if args.profile and start == 0:
                import cProfile

                profiler = cProfile.Profile(time.process_time)  # CPU: what another load does not inflate
                elapsed, got = profiler.runcall(ingest, spool, chunk, mailboxes)
                profiler.dump_stats(args.profile)
            else:
                elapsed, got = ingest(spool, chunk, mailboxes)
        ingest_cpu = (cpu.process, cpu.backend)
        with cpu:
            second = baseline(spool, chunk)
        outcomes += got
        wall["baseline"] += min(first, second)
        wall["ingestion"] += elapsed
        used["baseline"] += min(first_cpu, cpu.total)
        used["ingestion"] += sum(ingest_cpu)
        used["ingestion process"] += ingest_cpu[0]
        say(
            f"  messages {start + 1:,}-{start + len(chunk):,}: baseline {min(first, second):.2f} s "
            f"(runs {first:.2f}, {second:.2f}; CPU {min(first_cpu, cpu.total):.2f}), ingestion {elapsed:.2f} s "
            f"(CPU {ingest_cpu[0]:.2f} here + {ingest_cpu[1]:.2f} PostgreSQL)"
        )
    wrong = wrong_outcomes(items, outcomes)
    kept = Attachment.objects.count() - attachments_before
    return {
        "baseline": wall["baseline"],
        "ingestion": wall["ingestion"],
        "cpu": used,
        "wrong": wrong,
        "attachments": (kept, sum(item.files for item in items)),
        "outcomes": outcomes,
    }


# --- the list and the search against raw SQL -----------------------------------------------------------------------


RAW_LIST = (
    "SELECT t.*, tm.*, c.*, u.* FROM service_ticket t JOIN service_team tm ON tm.id = t.team_id "
    "LEFT JOIN service_contact c ON c.id = t.contact_id LEFT JOIN accounts_user u ON u.id = t.assignee_id "
    "WHERE t.organisation_id = %(org)s AND t.team_id = %(team)s AND t.status = ANY(%(statuses)s) "
    "AND t.id < %(before)s ORDER BY t.id DESC LIMIT %(limit)s"
)


RAW_SEARCH = (
    "SELECT t.id, t.number, t.subject, t.created_at, t.status, t.kind, t.channel, t.priority, t.team_id, "
    "t.customer_id, t.assignee_id, t.equipment_id, tm.id, tm.name, c.id, c.kind, c.company_name, c.first_name, "
    "c.last_name, u.id, u.first_name, u.last_name, u.email, e.id, e.serial, "
    "(SELECT count(*) FROM service_workorder i WHERE i.ticket_id = t.id) "
    "FROM service_ticket t JOIN service_team tm ON tm.id = t.team_id "
    "LEFT JOIN fleet_customer c ON c.id = t.customer_id LEFT JOIN accounts_user u ON u.id = t.assignee_id "
    "LEFT JOIN service_equipment e ON e.id = t.equipment_id "
    "WHERE t.organisation_id = %(org)s AND t.team_id = %(team)s AND t.status = ANY(%(statuses)s) "
    "AND t.id < %(before)s ORDER BY t.id DESC LIMIT %(limit)s"
)


class Lists:
    """The desk's list as the desk page reads it, the call search as its page reads it, and the same rows by hand."""

    def __init__(self, world: data.World) -> None:
        from django.db import connection

        from fieldbox.accounts.models import User
        from fieldbox.accounts.selectors import scope_for
        from fieldbox.service.views.tickets import PAGE_SIZE

        self.world = world
        self.page_size = PAGE_SIZE
        scope = scope_for(User.objects.get(pk=world.user), world.org)
        assert scope is not None
        self.scope = scope
        self.team = world.teams[0][0]
        self.cursor = connection.cursor().cursor  # the psycopg cursor of Django's connection: no wrapper

    def statuses(self, tab: str) -> list[str]:
        from fieldbox.service.selectors import TABS

        return [str(s) for s in TABS[tab]]

    def depth_cursor(self, tab: str, depth: int) -> int:
        """The ``before`` of the page that starts ``depth`` rows deep into the tab of the team."""
        self.cursor.execute(
            "SELECT id FROM service_ticket WHERE organisation_id = %s AND team_id = %s AND status = ANY(%s) "
            "ORDER BY id DESC OFFSET %s LIMIT 1",
            [self.world.org, self.team, self.statuses(tab), depth - 1],
        )
        row = self.cursor.fetchone()
        if row is None:
            raise SystemExit(f"bench {NAME}: the {tab} tab of the team holds fewer than {depth:,} tickets")
        return int(row[0])

    def desk(self, tab: str, before: int | None) -> list[int]:
        from fieldbox.core.pagination import keyset_page
        from fieldbox.service import selectors

        rows, _older = keyset_page(
            selectors.desk_list(self.scope, tab=tab, team=self.team, text=""), before, self.page_size
        )
        return [t.pk for t in rows]

    def search(self, tab: str, before: int | None) -> list[int]:
        """The call search filtered by the team and the tab's statuses, one page as its page reads it."""
        from fieldbox.service import search

        found = search.call_search(self.scope, {"team": self.team, "status": self.statuses(tab)})
        return [t.pk for t in search.call_page(self.scope, found, before=before, limit=self.page_size).calls]

    def raw(self, tab: str, before: int | None, sql: str = RAW_LIST) -> list[int]:
        self.cursor.execute(
            sql,
            {
                "org": self.world.org,
                "team": self.team,
                "statuses": self.statuses(tab),
                "before": before or 2**62,
                "limit": self.page_size + 1,
            },
        )
        return [int(r[0]) for r in self.cursor.fetchall()[: self.page_size]]


def explain(run: Callable[[], Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            say(f"  -- {query['sql'][:200]}")
            for (line,) in cursor.fetchall():
                say(f"     {line}")


def run_lists(world: data.World, args: argparse.Namespace) -> list[bool]:
    lists = Lists(world)
    deep = min(DEEP, world.tickets // 10)  # 100,000 of the 1,000,000 (a smaller desk: quicker runs)
    cases = [("ended", None, "first page"), ("ended", lists.depth_cursor("ended", deep), f"{deep:,} deep")]
    cases.append(("open", None, "first page"))
    sides: dict[str, tuple[Callable[[str, int | None], list[int]], str]] = {
        "desk list": (lists.desk, RAW_LIST),
        "call search": (lists.search, RAW_SEARCH),
    }
    runs: dict[str, Callable[[], Any]] = {}
    problems = []
    for side, (read, sql) in sides.items():
        for tab, before, label in cases:
            name = f"{side}, {tab} tab, {label}"
            if read(tab, before) != lists.raw(tab, before, sql):
                problems.append(f"{name}: other tickets than the raw SQL")
            runs[f"{name}|django"] = lambda read=read, tab=tab, before=before: read(tab, before)
            runs[f"{name}|raw"] = lambda sql=sql, tab=tab, before=before: lists.raw(tab, before, sql)
            if args.explain:
                say(f"  EXPLAIN of the {name}:")
                explain(lambda read=read, tab=tab, before=before: read(tab, before))
    medians = {name: statistics.median(t) for name, t in _common.measure(runs, args.warmup, args.repeat).items()}
    for problem in problems:
        say(f"  wrong: {problem}")
    results = [not problems]
    for side in sides:
        for tab, _before, label in cases:
            name = f"{side}, {tab} tab, {label}"
            results.append(
                figure(
                    f"{name} (team {world.teams[0][1]!r})",
                    medians[f"{name}|django"],
                    "raw SQL, same rows and columns",
                    medians[f"{name}|raw"],
                    LIST_LIMIT,
                )
            )
    return results


def figure(label: str, value: float, baseline_label: str, baseline_value: float, limit: float) -> bool:
    ratio = value / baseline_value if baseline_value else float("inf")
    ok = ratio <= limit
    say(
        f"{label}: {value * 1000:.2f} ms  baseline ({baseline_label}): {baseline_value * 1000:.2f} ms  "
        f"ratio {ratio:.2f} (limit ≤ {limit:g})  {'OK' if ok else 'MISSED'}"
    )
    return ok


# --- the run -------------------------------------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def compare_queries(start: dict[str, Counted], end: dict[str, Counted], tickets_end: int) -> bool:
    ok = True
    say(f"queries per message, at {START_TICKETS:,} tickets → at {tickets_end:,} tickets (time per message):")
    for kind in SAMPLE_KINDS:
        a, b = start[kind], end[kind]
        same = max(b.queries) <= max(a.queries) and min(b.queries) <= min(a.queries)
        ok &= same
        say(
            f"  {kind:<17} {_span(a.queries):>7} → {_span(b.queries):<7} "
            f"({statistics.median(a.seconds) * 1000:6.1f} ms → {statistics.median(b.seconds) * 1000:6.1f} ms)  "
            f"{'/'.join(sorted(b.outcomes)):<16} {'OK' if same else 'GREW'}"
        )
    return ok


def _span(values: list[int]) -> str:
    return str(min(values)) if min(values) == max(values) else f"{min(values)}-{max(values)}"


def tickets_now(world: data.World) -> int:
    from fieldbox.service.models import Ticket

    return Ticket.objects.filter(organisation_id=world.org).count()


def run_bench(args: argparse.Namespace, work: Path) -> bool:
    say(f"bench {NAME}: {args.messages:,} messages into a desk of {args.tickets:,} tickets")
    started = time.perf_counter()
    world = data.make_world(args.tickets)
    data.create_desk(world)
    say(f"  desk drawn: {time.perf_counter() - started:.1f} s")
    data.fill(world, 0, START_TICKETS, bare=False, say=say)
    rng = random.Random(5)
    at_start = count_queries(world, sample_messages(world, rng), rng)
    data.fill(world, START_TICKETS, args.tickets, bare=True, say=say)
    say(f"desk of {args.tickets:,} tickets written in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    spool = work / "spool.eml"
    items = data.write_corpus(world, args.messages, spool)
    kinds = defaultdict(int)
    for item in items:
        kinds[item.kind] += 1
    say(
        f"{len(items):,} messages written in {time.perf_counter() - started:.1f} s, "
        f"{spool.stat().st_size / 1e6:.0f} MB: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items()))
    )
    memory_before = peak_mb()
    result = run_ingestion(world, spool, items, args)
    memory = peak_mb()
    spool.unlink()

    at_end = count_queries(world, sample_messages(world, rng), rng)
    rate, base_rate = len(items) / result["ingestion"], len(items) / result["baseline"]
    ratio = rate / base_rate
    checks = []
    checks.append(ratio >= RATE_LIMIT)
    say(
        f"ingestion: {rate:.0f} msg/s ({result['ingestion']:.1f} s)  baseline (email parse walking every part + "
        f"COPY of the raw messages): {base_rate:.0f} msg/s ({result['baseline']:.1f} s)  ratio {ratio:.3f} "
        f"(limit ≥ {RATE_LIMIT:.2f})  {'OK' if checks[-1] else 'MISSED'}"
    )
    used = result["cpu"]
    say(
        f"  CPU time (this process + its PostgreSQL backend): ingestion {used['ingestion']:.1f} s "
        f"({used['ingestion process']:.1f} s here), baseline {used['baseline']:.1f} s: on an idle machine the ratio "
        f"would be about {used['baseline'] / used['ingestion'] if used['ingestion'] else 0:.2f}"
    )
    for line in result["wrong"][:10]:
        say(f"  wrong: {line}")
    kept, expected = result["attachments"]
    checks.append(not result["wrong"] and kept == expected)
    say(
        f"outcomes: {len(items) - len(result['wrong']):,} of {len(items):,} as expected, "
        f"{kept:,} attachments kept (expected {expected:,})  {'OK' if checks[-1] else 'WRONG'}"
    )
    checks.append(compare_queries(at_start, at_end, tickets_now(world)))
    if args.queries:
        for kind in SAMPLE_KINDS:
            say(f"  statements of a message {kind}:")
            for sql in at_end[kind].statements:
                say(f"    {sql[:220]}")
    checks.append(memory < MEMORY_LIMIT_MB)
    say(
        f"peak memory (max RSS of the process): {memory:.0f} MB, {memory_before:.0f} MB before the ingestion "
        f"(limit < {MEMORY_LIMIT_MB} MB)  {'OK' if checks[-1] else 'MISSED'}"
    )
    checks += run_lists(world, args)
    return all(checks)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="fieldbox-mail-ingest-"))
    os.environ["MEDIA_ROOT"] = str(work / "media")  # the attachments the ingestion keeps, removed afterwards
    try:
        return _common.run(NAME, lambda: run_bench(args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
