"""/api/v1 for the installer's calendar feeds: their addresses, and a new address that cuts off the old ones."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from fieldbox.accounts.choices import INSTALLER_ROLES, Role
from fieldbox.core.http import scope_of
from fieldbox.core.problems import errors_of
from fieldbox.jobs import calendar

router = Router(tags=["appointments"])


class FeedsOut(Schema):
    mine: str = Field(description="The iCalendar address of my appointments, to subscribe to from a calendar.")
    company: str | None = Field(None, description="The whole company's appointments (installer company admins).")


def _feeds(request: HttpRequest) -> dict[str, Any]:
    membership = scope_of(request).membership
    company = calendar.feed_url(membership, company=True) if membership.role == Role.INSTALLER_ADMIN else None
    return {"mine": calendar.feed_url(membership), "company": company}


@router.get(
    "/calendar-feeds",
    response={200: FeedsOut, **errors_of(403)},
    summary="My calendar feed addresses (installers)",
)
def feeds(request: HttpRequest) -> Any:
    scope_of(request).require_role(*INSTALLER_ROLES)
    return _feeds(request)


@router.post(
    "/calendar-feeds/renew",
    response={200: FeedsOut, **errors_of(403)},
    summary="New feed addresses: the ones given out so far stop working",
)
def renew(request: HttpRequest) -> Any:
    calendar.feed_renew(scope=scope_of(request))
    return _feeds(request)
