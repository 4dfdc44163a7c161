"""Exact totals at any size: how many records of a kind are in each state, per owner, kept as rows.

A table of the transition kernel declares what it counts (``Counted``: a key prefix and the field that names the
owner, e.g. the jobs of each installer company); the kernel adds and takes away in the transaction of every change
of state, creation and deletion, and writes the changes in one statement just before its block ends, so a total
is one indexed read and the counter rows are always locked last, in key order (no deadlock with the records'
locks). A transaction adds its changes to one of ``SHARDS`` rows of each key and state, picked at random: sixteen
installers taking jobs of one company at once would otherwise queue on that company's row, each until the one
before it has committed. ``fieldbox counters`` recomputes them with a COUNT and repairs what differs.
"""

from __future__ import annotations

import random
from collections import Counter as Tally
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q, Sum

from fieldbox.core.models import Counter

SHARDS = 8  # rows per key and state


@dataclass(frozen=True)
class Counted:
    """One total a table keeps: records per ``prefix:<value of path>`` and state, for the records whose fields
    equal ``only_if`` (the same condition is read on an instance and given to a query, so both agree)."""

    prefix: str
    # The owner: a field (or lookup path) of the record, e.g. "company_id"; several make a key of each pair.
    path: str | tuple[str, ...]
    only_if: dict[str, Any] = field(default_factory=dict)

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,) if isinstance(self.path, str) else self.path

    def key(self, *owners: Any) -> str:
        return ":".join([self.prefix, *(str(o) for o in owners)])

    def key_of(self, record: models.Model) -> str | None:
        if any(_read(record, name) != value for name, value in self.only_if.items()):
            return None
        owners = [_read(record, path) for path in self.paths]
        return None if any(o is None for o in owners) else self.key(*owners)

    def actual(self, model: type[models.Model], state_field: str) -> dict[tuple[str, str], int]:
        """What a COUNT finds now, by key and state (the check and repair of the counters)."""
        qs = model._default_manager.filter(**self.only_if)
        for path in self.paths:
            qs = qs.exclude(**{f"{path}__isnull": True})
        rows = qs.values_list(*self.paths, state_field).annotate(n=models.Count("pk")).order_by()
        return {(self.key(*row[:-2]), row[-2]): row[-1] for row in rows}


def _read(record: models.Model, path: str) -> Any:
    value: Any = record
    for part in path.split("__"):
        value = getattr(value, part)
        if value is None:
            return None
    return value


def keys_of(record: models.Model, counted: Iterable[Counted]) -> tuple[str, ...]:
    return tuple(k for k in (c.key_of(record) for c in counted) if k is not None)


def flush(deltas: Tally[tuple[str, str]]) -> None:
    """Write the changes of a block in one statement, in key order."""
    shard = random.randrange(SHARDS)  # noqa: S311 - spreads writers, nothing secret
    changes = sorted((key, status, shard, n) for (key, status), n in deltas.items() if n)
    if not changes:
        return
    table = Counter._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(changes))
    sql = (
        f"INSERT INTO {table} (key, status, shard, n) VALUES {rows} "  # noqa: S608 - the table name is the model's
        f"ON CONFLICT (key, status, shard) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for change in changes for value in change])


def read(keys: Iterable[str], statuses: Iterable[str] | None = None) -> Tally[tuple[str, str]]:
    """The totals of ``keys`` (in ``statuses``, or all), by (key, status), in one query."""
    qs = Counter.objects.filter(key__in=list(keys))
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return _summed(qs)


def read_prefix(
    prefix: str, statuses: Iterable[str] | None = None, *, extra: Iterable[str] = ()
) -> Tally[tuple[str, str]]:
    """The totals of every key that starts with ``prefix`` (e.g. one provider's jobs at each company), and of the
    ``extra`` keys, in one query."""
    qs = Counter.objects.filter(Q(key__startswith=prefix) | Q(key__in=list(extra)))
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return _summed(qs)


def _summed(qs: models.QuerySet[Counter]) -> Tally[tuple[str, str]]:
    rows = qs.order_by().values_list("key", "status").annotate(n=Sum("n"))
    return Tally({(key, status): n for key, status, n in rows})


def total(key: str, statuses: Iterable[str]) -> int:
    """The total of one owner's records in these states: one index read."""
    found = read([key], statuses)
    return sum(found.values())


def repair(model: type[models.Model], state_field: str, counted: Iterable[Counted], *, fix: bool) -> list[str]:
    """Compare the kept totals of ``model`` with a COUNT; with ``fix``, set them right. Answers what differed.

    On PostgreSQL the counter table is locked against writes while counting: a change committed meanwhile would
    otherwise be counted and then added again by its own flush (or lost under the repaired value)."""
    differences = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Counter._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        for spec in counted:
            differences += _compare(spec, spec.actual(model, state_field), fix=fix)
    return differences


def _compare(spec: Counted, actual: dict[tuple[str, str], int], *, fix: bool) -> list[str]:
    kept = _summed(Counter.objects.filter(key__startswith=f"{spec.prefix}:"))
    differences = []
    for key, status in sorted(set(actual) | set(kept)):
        want, have = actual.get((key, status), 0), kept.get((key, status), 0)
        if want == have:
            continue
        differences.append(f"{key} {status}: kept {have}, counted {want}")
        if fix:  # the counted total in one row, the other rows of the key and state gone
            Counter.objects.filter(key=key, status=status).exclude(shard=0).delete()
            Counter.objects.update_or_create(key=key, status=status, shard=0, defaults={"n": want})
    return differences
