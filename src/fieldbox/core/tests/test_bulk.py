"""Many rows at once: the writer (COPY on PostgreSQL, bulk_create elsewhere) keeps every row and refuses a
duplicate with Django's IntegrityError, writing nothing; update_rows saves the chosen fields of many records."""

from __future__ import annotations

import gc

import pytest
from django.db import IntegrityError, transaction

from fieldbox.core import bulk
from fieldbox.core.models import NumberSeries

pytestmark = pytest.mark.django_db


def test_the_writer_keeps_every_row_and_refuses_a_duplicate_as_django_does():
    with bulk.writer(NumberSeries, ("key", "last")) as write:
        for n in range(1, 501):
            write((f"bench:{n}", n))
    assert NumberSeries.objects.filter(key__startswith="bench:").count() == 500
    assert NumberSeries.objects.get(key="bench:42").last == 42
    with pytest.raises(IntegrityError), transaction.atomic():
        write_both(("other:1", 1), ("bench:7", 7))
    assert not NumberSeries.objects.filter(key="other:1").exists()  # the refused batch wrote nothing


def test_update_rows_saves_the_chosen_fields_of_each_record():
    rows = [NumberSeries.objects.create(key=f"upd:{n}", last=0) for n in range(3)]
    for n, row in enumerate(rows):
        row.last, row.key = n * 10, "not saved"
    bulk.update_rows(rows, ["last"])
    assert list(NumberSeries.objects.filter(key__startswith="upd:").order_by("key").values_list("last", flat=True)) == [
        0,
        10,
        20,
    ]


def write_both(*rows: tuple[str, int]) -> None:
    with bulk.writer(NumberSeries, ("key", "last")) as write:
        for row in rows:
            write(row)


def test_cycles_later_pauses_the_collector_and_puts_it_back_also_after_a_failure():
    assert gc.isenabled()
    with bulk.cycles_later():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), bulk.cycles_later():
        _ = 1 / 0
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk.cycles_later():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
