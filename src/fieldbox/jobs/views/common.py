"""What the job screens share: the keyset page of a list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.jobs.models import Job

PAGE_SIZE = 50


def page(request: AuthedRequest, qs: QuerySet[Job]) -> dict[str, Any]:
    """One keyset page (newest first) with what the pager links need."""
    return request_page(request, qs, PAGE_SIZE, key="jobs")
