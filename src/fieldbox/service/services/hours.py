"""Hours (SYS "consuntivazione ore", Appsistance "rendiconto ore"): time entries per person, from a start to an
end, on a work order, a call or something else. The rules every entry follows, whoever writes it (the person,
an admin correcting it, a signed work report), are here and only here: it ends after it starts, lasts at most a
day, and never overlaps another entry of the same person (on PostgreSQL an exclusion constraint says the same,
``timeentry_not_overlapping``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.core import clock
from fieldbox.service.choices import TimeKind
from fieldbox.service.models import TimeEntry

MAX_LENGTH = timedelta(hours=24)


def overlapping(user_id: int, starts_at: datetime, ends_at: datetime, *, exclude: int | None = None) -> list[TimeEntry]:
    """The person's entries that overlap the time (other than ``exclude``)."""
    found = TimeEntry.objects.filter(user_id=user_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude:
        found = found.exclude(pk=exclude)
    return list(found.order_by("starts_at")[:5])


def _refuse_overlap(user_id: int, starts_at: datetime, ends_at: datetime, exclude: int | None) -> None:
    found = overlapping(user_id, starts_at, ends_at, exclude=exclude)
    if found:
        times = ", ".join(
            f"{timezone.localtime(e.starts_at):%d/%m %H:%M}-{timezone.localtime(e.ends_at):%H:%M}" for e in found
        )
        raise ValidationError(
            {"starts_at": _("These hours overlap hours already entered: %(times)s.") % {"times": times}}
        )


def clean_times(starts_at: datetime | None, ends_at: datetime | None) -> tuple[datetime, datetime]:
    """A start and an end, with a time zone, the end after the start, at most a day apart."""
    if starts_at is None or ends_at is None or timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": _("Give the start and the end.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    if ends_at - starts_at > MAX_LENGTH:
        raise ValidationError({"ends_at": _("One entry lasts at most a day: split longer work by day.")})
    return starts_at, ends_at


def record_entry(
    *,
    organisation: Organisation,
    user_id: int,
    starts_at: datetime,
    ends_at: datetime,
    kind: str = TimeKind.WORK,
    actor: Any = None,
    entry: TimeEntry | None = None,
    **fields: Any,
) -> TimeEntry:
    """Write one time entry (a new one, or ``entry`` changed) after the rules above; the caller checked who may
    and audits. ``fields``: work_order_id, ticket_id, report_id, billable, note."""
    starts_at, ends_at = clean_times(starts_at, ends_at)
    if kind not in TimeKind.values:
        raise ValidationError({"kind": _("Choose what the time was spent on.")})
    _refuse_overlap(user_id, starts_at, ends_at, entry.pk if entry else None)
    day = clock.day_of(starts_at, organisation.time_zone)
    values = {
        "organisation_id": organisation.pk,
        "user_id": user_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "day": day,
        "minutes": round((ends_at - starts_at).total_seconds() / 60),
        "kind": kind,
        **fields,
    }
    row = entry or TimeEntry(created_by=actor)
    for name, value in values.items():
        setattr(row, name, value)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        if "timeentry_not_overlapping" not in str(error):
            raise
        raise ValidationError({"starts_at": _("These hours overlap hours entered meanwhile. Look again.")}) from None
    return row
