"""E-mails of removal requests: one to each remover per request, and one to the requester at each step of a line.

``notify_removers`` is called inside the transaction that confirms a request; ``tell_requester`` (and, for a
cancellation, ``tell_remover_cancelled``) inside the one that moves a line. They only write outbox rows (sent
after commit). The remover's e-mail carries, per vehicle, signed links to accept or refuse (the action page: sign
in, confirm with a POST) and a link to the report form.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from fieldbox.messaging.links import action_url
from fieldbox.messaging.services import send_email
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.models import RemovalLine, RemovalRequest

DATE = "%d/%m/%Y"
# The remover's e-mail lists this many vehicles with their links; a larger request sends it to its list for the rest
# (a mail server refuses a message of thousands of vehicles).
EMAIL_LINES = 200


def vehicle_of(line: RemovalLine) -> dict[str, Any]:
    return {
        "vin": line.vehicle.vin,
        "brand": line.vehicle.make,
        "model": line.vehicle.model,
        "place": line.place,
        "date": line.wished_on.strftime(DATE),
    }


def _remover_line(line: RemovalLine) -> dict[str, Any]:
    return {
        **vehicle_of(line),
        "subscription": line.subscription.number,
        "comment": line.comment,
        "accept_link": action_url("removal.accept", line.pk),
        "refuse_link": action_url("removal.refuse", line.pk),
        "report_link": settings.SITE_URL + reverse("removals:report", kwargs={"pk": line.pk}),
    }


def notify_removers(request: RemovalRequest) -> None:
    """One e-mail per remover listing its vehicles of this request, with signed action links per line."""
    lines = (
        request.lines.filter(status=LineStatus.NOTIFIED)
        .select_related("vehicle", "subscription", "company")
        .order_by("company_id", "row")
    )
    by_company: dict[int, list[RemovalLine]] = defaultdict(list)
    for line in lines:
        by_company[line.company_id].append(line)
    for company_lines in by_company.values():
        company = company_lines[0].company
        if not company.email:
            continue
        send_email(
            "removals.request_received",
            key=f"removal-request:{request.pk}:remover:{company.pk}",
            to=company.email,
            language=company.language,
            organisation=request.provider,
            context={
                "requester": request.provider.name,
                "number": request.number,
                "lines": [_remover_line(line) for line in company_lines[:EMAIL_LINES]],
                "total": len(company_lines),
                "more": max(len(company_lines) - EMAIL_LINES, 0),
                "link": settings.SITE_URL + reverse("removals:manage"),
            },
        )


def tell_requester(line: RemovalLine, action: str) -> None:
    """The requester (and its follow-up address) learns that a line moved (accepted, refused, done, cancelled)."""
    request = line.request
    provider = request.provider
    creator = request.created_by
    recipients: dict[str, str] = {}
    if creator is not None and creator.email:
        recipients[creator.email.lower()] = creator.language
    if request.follow_up_email and request.follow_up_email.lower() not in recipients:
        recipients[request.follow_up_email.lower()] = creator.language if creator else provider.language
    removed = timezone.localtime(line.removed_at, ZoneInfo(provider.time_zone)) if line.removed_at else None
    context = {
        **vehicle_of(line),
        "action": action,
        "remover": line.company.name,
        "reason": line.reason if action in ("refuse", "cancel") else "",
        "removed_at": removed.strftime(f"{DATE} %H:%M") if removed else "",
        "link": settings.SITE_URL + reverse("removals:request_detail", kwargs={"pk": request.pk}),
    }
    for address, language in recipients.items():
        send_email(
            f"removals.line_{action}",
            key=f"removal-line:{line.pk}:{action}:{address}",
            to=address,
            language=language,
            organisation=provider,
            context=context,
        )


def tell_remover_cancelled(line: RemovalLine) -> None:
    """The remover learns that the requester cancelled a removal it was told about: the box stays in."""
    company = line.company
    if not company.email:
        return
    send_email(
        "removals.remover_cancel",
        key=f"removal-line:{line.pk}:cancel:remover",
        to=company.email,
        language=company.language,
        organisation=line.request.provider,
        context={
            **vehicle_of(line),
            "requester": line.request.provider.name,
            "reason": line.reason,
            "link": settings.SITE_URL + reverse("removals:manage"),
        },
    )
