"""Benchmark: draining the outbox against a bare ``SKIP LOCKED`` batch loop over the same table.

The issue: with a no-op sender, ``outbox.drain`` empties 100,000 pending messages at
≥ 0.3x the rate of a bare loop that claims and marks the same rows with one
``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` per batch, measured in the same run.

Runs on PostgreSQL only, in a scratch database created for the run (on the server of
``DATABASE_URL``) and dropped afterwards. Each measurement is repeated (best taken); the
rows are put back to pending and the table vacuumed between runs, so both loops start from
the same state. Prints each figure, its baseline and ratio, one summary line, and exits 1
when the ratio misses its limit (or the drain left messages unsent).

    python bench/outbox.py [--messages N] [--repeat R] [--batch-size B]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import _common  # bench/ is on the path of a benchmark script

NAME = "outbox"
LIMIT = 0.30  # drain rate / bare SKIP LOCKED loop rate
DEFAULT_MESSAGES = 100_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, help="pending messages to drain")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept")
    parser.add_argument("--batch-size", type=int, default=None, help="default: settings.OUTBOX_BATCH_SIZE")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the (last) drain run to FILE")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.repeat < 1 or (args.batch_size is not None and args.batch_size < 1):
        parser.error("--messages, --repeat and --batch-size must be positive")
    return args


# --- data ---------------------------------------------------------------------------------------


def table() -> str:
    from fieldbox.messaging.models import OutboxMessage

    return OutboxMessage._meta.db_table


def fill(count: int) -> None:
    """``count`` pending e-mails, due in the past (one millisecond apart), written with COPY."""
    from django.db import connection, transaction

    base = datetime.now(UTC) - timedelta(hours=1)
    columns = (
        "idempotency_key, channel, kind, recipient, sender, language, subject, body, html, data, status, "
        "attempts, next_attempt_at, created_at, provider_message_id, last_error"
    )
    body = (
        "Hello,\n\nwork order WO-{n} for device SN-{n:07d} is planned on {day}.\n"
        "Open it here: https://fieldbox.example/app/orders/{n}/\n\n-- Fieldbox"
    )
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table()} ({columns}) FROM STDIN") as copy,
    ):
        for n in range(count):
            due = base + timedelta(milliseconds=n)
            copy.write_row(
                (
                    f"bench:order-planned:{n}",
                    "email",
                    "order_planned",
                    f"technician{n % 500}@example.com",
                    "",
                    "en",
                    f"Work order WO-{n} planned",
                    body.format(n=n, day=due.date().isoformat()),
                    "",
                    f'{{"order": {n}}}',
                    "pending",
                    0,
                    due,
                    due,
                    "",
                    "",
                )
            )
    vacuum()


def reset() -> None:
    """Every row back to pending, due when it was written; the table and its indexes rewritten (VACUUM FULL).

    Claiming moves ``next_attempt_at``, an indexed column, so every run leaves the indexes
    bloated; rewriting them gives each run the same starting state.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table()} SET status = 'pending', attempts = 0, next_attempt_at = created_at, "
            "sent_at = NULL, provider_message_id = '', response_status = NULL, last_error = ''"
        )
    vacuum()


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute(f"VACUUM (FULL, ANALYZE) {table()}")


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, count(*) FROM {table()} GROUP BY status")
        return dict(cursor.fetchall())


# --- the two loops ------------------------------------------------------------------------------


def bare_loop(batch_size: int) -> int:
    """The baseline: claim and mark a batch sent in one SKIP LOCKED statement per transaction."""
    from django.db import connection, transaction

    t = table()
    statement = (
        f"UPDATE {t} SET status = 'sent', sent_at = now() WHERE id IN (SELECT id FROM {t} "
        "WHERE status = 'pending' AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED)"
    )
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [batch_size])
            rows = cursor.rowcount
        if not rows:
            return done
        done += rows


def noop(messages: Any) -> list[Any]:
    from fieldbox.messaging.channels import Result

    return [Result(m.pk, True, provider_message_id="") for m in messages]


def drain(batch_size: int) -> int:
    from fieldbox.messaging import outbox

    stats = outbox.drain(senders={"email": noop, "sms": noop, "webhook": noop}, batch_size=batch_size)
    if stats.retried or stats.failed:
        raise SystemExit(f"bench {NAME}: the no-op drain retried {stats.retried} and failed {stats.failed}")
    return stats.sent


def timed(run: Callable[..., int], *args: Any) -> tuple[int, float]:
    started = time.perf_counter()
    done = run(*args)
    return done, time.perf_counter() - started


# --- main ---------------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> bool:
    from django.conf import settings

    batch_size = args.batch_size or settings.OUTBOX_BATCH_SIZE
    print(f"bench {NAME}: {args.messages:,} pending messages, batch size {batch_size}, best of {args.repeat} runs")
    started = time.perf_counter()
    fill(args.messages)
    print(f"  filled in {time.perf_counter() - started:.1f} s")

    best = {"baseline": 0.0, "drain": 0.0}
    ok = True
    for run in range(1, args.repeat + 1):
        if run > 1:
            reset()
        done, seconds = timed(bare_loop, batch_size)
        if done != args.messages:
            print(f"  baseline run {run}: marked {done:,} of {args.messages:,} messages")
            ok = False
        best["baseline"] = max(best["baseline"], done / seconds)
        print(
            f"  run {run} baseline (bare SKIP LOCKED loop): {done:,} in {seconds:.2f} s = {done / seconds:,.0f} msg/s"
        )

        reset()
        if args.profile and run == args.repeat:
            import cProfile

            profiler = cProfile.Profile()
            done, seconds = timed(profiler.runcall, drain, batch_size)
            profiler.dump_stats(args.profile)
        else:
            done, seconds = timed(drain, batch_size)
        status = counts()
        if done != args.messages or status.get("sent", 0) != args.messages:
            print(f"  drain run {run}: sent {done:,} of {args.messages:,} messages; statuses now {status}")
            ok = False
        best["drain"] = max(best["drain"], done / seconds)
        print(f"  run {run} outbox drain: {done:,} in {seconds:.2f} s = {done / seconds:,.0f} msg/s")

    ratio = best["drain"] / best["baseline"] if best["baseline"] else 0.0
    passed = ratio >= LIMIT
    print(
        f"outbox drain: {best['drain']:,.0f} msg/s  baseline (bare SKIP LOCKED loop): {best['baseline']:,.0f} msg/s  "
        f"ratio {ratio:.2f} (limit ≥ {LIMIT:.2f})  {'OK' if passed else 'MISSED'}"
    )
    if not ok:
        print("outbox drain: not every message was sent (see above)")
    return ok and passed


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return _common.run(NAME, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
