"""A screen's keyset page: newest first, the next page by the last id seen, the other parameters kept."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from fieldbox.core.models import AuditEvent
from fieldbox.core.pagination import request_page

pytestmark = pytest.mark.django_db


def test_pages_follow_the_last_id_and_keep_the_filters_but_not_the_export():
    ids = [AuditEvent.objects.create(action=f"test.{n}", object_type="x", object_id=str(n)).pk for n in range(5)]
    first = request_page(RequestFactory().get("/x/", {"status": "open", "format": "csv"}), AuditEvent.objects, 2)
    assert [e.pk for e in first["items"]] == ids[:-3:-1] and first["is_first"]
    assert first["query"] == "status=open" and first["older"] == ids[-2]
    last = request_page(RequestFactory().get("/x/", {"before": str(ids[1])}), AuditEvent.objects, 2, key="rows")
    assert [e.pk for e in last["rows"]] == [ids[0]] and last["older"] is None and not last["is_first"]
