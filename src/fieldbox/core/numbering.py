"""Numbers people read (jobs, removal requests, later tickets, offers, delivery notes and invoices), from one
service: each series (``jobs.job:7``, the jobs of organisation 7) counts up by one with no gap.

A number is taken in the transaction of the record that carries it: the series row stays locked until that
transaction ends, so two records never get the same number, and a transaction that rolls back gives its numbers
back (the next record gets them). A dry run or a discarded upload never takes one.
"""

from __future__ import annotations

from django.db import connection, transaction

from fieldbox.core.models import NumberSeries


def take(series: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers of ``series`` and answer the first (1 for a new series)."""
    if count < 1:
        raise ValueError("take at least one number")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are taken in the transaction of the record that carries them")
    table = NumberSeries._meta.db_table
    sql = (
        f"INSERT INTO {table} (key, last) VALUES (%s, %s) "  # noqa: S608 - the table name is the model's
        f"ON CONFLICT (key) DO UPDATE SET last = {table}.last + excluded.last RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [series, count])
        (last,) = cursor.fetchone()
    return int(last) - count + 1


def last(series: str) -> int:
    """The last number given in ``series`` (0 before the first)."""
    found = NumberSeries.objects.filter(key=series).values_list("last", flat=True).first()
    return int(found or 0)
