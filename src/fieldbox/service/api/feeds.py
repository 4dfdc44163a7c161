"""/api/v1: the calendar feed addresses of the work in the field (a technician's own; a planner's, every
technician's and resource's), and new addresses that cut off the old ones (``service.feeds``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from fieldbox.core.http import scope_of
from fieldbox.core.problems import errors_of
from fieldbox.service import feeds

router = Router(tags=["calendars"])


class FeedOut(Schema):
    id: int
    name: str
    url: str = Field(description="The iCalendar address, to subscribe to from a calendar application")


class WorkFeedsOut(Schema):
    people: list[FeedOut] = Field(description="My own first; a planner gets every technician's")
    resources: list[FeedOut]


def _feeds(request: HttpRequest) -> dict[str, Any]:
    scope = scope_of(request)
    scope.require_role(*feeds.FEED_TAKERS)
    return {
        "people": [{"id": u.pk, "name": str(u), "url": url} for u, url in feeds.person_feeds(scope)],
        "resources": [{"id": r.pk, "name": r.name, "url": url} for r, url in feeds.resource_feeds(scope)],
    }


@router.get(
    "/work-calendar-feeds",
    response={200: WorkFeedsOut, **errors_of(403)},
    summary="Calendar feed addresses of technicians and resources",
)
def work_feeds(request: HttpRequest) -> Any:
    return _feeds(request)


@router.post(
    "/work-calendar-feeds/renew",
    response={200: WorkFeedsOut, **errors_of(403)},
    summary="New feed addresses: every address given out so far stops working",
)
def work_feeds_renew(request: HttpRequest) -> Any:
    feeds.feed_renew(scope=scope_of(request))
    return _feeds(request)
