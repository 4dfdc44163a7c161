"""Many rows at once, for the paths that write thousands (an import's draft lines, an invoice run's lines and
invoices): the same on PostgreSQL and SQLite, quicker on PostgreSQL.

- ``writer(model, columns)``: a function taking one row (values in the order of ``columns``) at a time; binary COPY
  on PostgreSQL (each value sent as its column's type), ``bulk_create`` elsewhere. A constraint refused is Django's
  ``IntegrityError``, as from the ORM;
- ``update_rows(records, fields)``: save ``fields`` of many records of one model, one ``UPDATE … WHERE id = %s``
  per record sent together (psycopg's ``executemany`` pipelines them): unlike ``bulk_update``, no ``CASE`` per field
  and record to build and for the database to read;
- ``checked_now(*models)``: the foreign keys of the rows of ``models`` written so far in the transaction checked
  now rather than at its commit (PostgreSQL defers them): called before taking a lock others wait for, the commit
  that releases it is quick;
- ``cycles_later()``: Python's cycle collector paused for a batch that makes hundreds of thousands of objects.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models


@contextmanager
def writer(model: type[models.Model], columns: Sequence[str]) -> Iterator[Callable[[tuple[Any, ...]], None]]:
    """Write rows of ``model`` (values in the order of ``columns``, its columns' names) as they come."""
    meta = model._meta
    if connection.vendor == "postgresql":
        fields = {f.column: f for f in meta.concrete_fields}
        types = [(fields[c].db_type(connection) or "").split("(")[0] for c in columns]
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {meta.db_table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(types)
            yield copy.write_row
        return
    values: list[tuple[Any, ...]] = []
    yield values.append
    names = {f.column: f.attname for f in meta.concrete_fields}
    model._default_manager.bulk_create(
        [model(**{names[c]: v for c, v in zip(columns, row, strict=True)}) for row in values], batch_size=500
    )


def update_rows(records: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save ``fields`` (names of fields) of ``records``, all of one model, in one round of statements."""
    if not records:
        return
    meta = records[0]._meta
    chosen = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in chosen)  # type: ignore[union-attr]
    pk = str(meta.pk.column) if meta.pk else "id"
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(pk)} = %s"  # noqa: S608 - names only
    rows = [
        [f.get_db_prep_save(getattr(r, f.attname), connection) for f in chosen] + [r.pk]  # type: ignore[union-attr]
        for r in records
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def checked_now(*models: type[models.Model]) -> None:
    """Check now the foreign keys of the rows of ``models`` written so far in the transaction, which PostgreSQL would
    check at its commit, then defer them again as they were (the caller's transaction is otherwise unchanged).
    SQLite checks them as it goes."""
    if connection.vendor != "postgresql" or not models:
        return
    names = _deferred_keys(tuple(model._meta.db_table for model in models))
    if names:
        quoted = ", ".join(connection.ops.quote_name(name) for name in names)
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {quoted} IMMEDIATE")  # checks what is pending
            cursor.execute(f"SET CONSTRAINTS {quoted} DEFERRED")


@functools.cache
def _deferred_keys(tables: tuple[str, ...]) -> tuple[str, ...]:
    """The foreign keys of ``tables`` that are checked at commit (Django declares them so), by name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND c.condeferrable AND c.condeferred AND t.relname = ANY(%s) "
            "AND t.relnamespace = to_regnamespace(current_schema()) ORDER BY c.conname",
            [list(tables)],
        )
        return tuple(name for (name,) in cursor.fetchall())


@contextmanager
def cycles_later() -> Iterator[None]:
    """Pause Python's cycle collector for a batch that makes hundreds of thousands of objects (an invoice run's part:
    rows, lines, documents). Counting them, the collector would scan the whole process again and again, about a
    third of such a batch's time. Objects are still freed as they go by their reference counts; what cycles the batch
    left are collected once the collector is back, as it was before, also when the batch fails."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
