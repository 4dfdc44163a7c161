"""When an appointment may be booked, and the quick choices the installer's phone offers for it.

The window is the one rule: from now to the job's deadline (``services.field.appointment_refusal`` refuses what
falls outside it, the date picker is bounded by it, the quick choices are drawn inside it). The quick choices are
today, tomorrow and the next working days, each with its times in slots, so that a booking is two taps: a day,
then a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from fieldbox.core import clock

if TYPE_CHECKING:
    from fieldbox.jobs.models import Job

SLOT_HOURS = tuple(range(8, 19))  # 08:00 to 18:00, one slot an hour
DAYS_OFFERED = 5  # today, tomorrow and working days after, at most


def window(job: Job) -> tuple[datetime, datetime | None]:
    """When the appointment of ``job`` may be: from now to its deadline (without one, any time from now)."""
    return clock.now(), job.deadline_at


def is_late(job: Job) -> bool:
    """The deadline has passed: no appointment can be booked before customer care moves it."""
    earliest, latest = window(job)
    return latest is not None and latest < earliest


@dataclass(frozen=True)
class Slot:
    at: datetime  # in the reader's time zone

    @property
    def label(self) -> str:
        return self.at.strftime("%H:%M")

    @property
    def value(self) -> str:
        return self.at.strftime(clock.DATETIME_LOCAL)


@dataclass(frozen=True)
class Day:
    day: date
    label: str  # "Today", "Tomorrow", "Fri 11"
    full: str  # the date in words, for the screen reader and the line under the label
    slots: tuple[Slot, ...]


def _label(day: date, today: date) -> str:
    if day == today:
        return _("Today")
    if day == today + timedelta(days=1):
        return _("Tomorrow")
    return f"{formats.date_format(day, 'D')} {day.day}"


def _candidates(today: date) -> list[date]:
    """Today, tomorrow, then working days: the days a booking is usually for."""
    days = [today, today + timedelta(days=1)]
    day = days[-1]
    while len(days) < DAYS_OFFERED:
        day += timedelta(days=1)
        if clock.is_working_day(day):
            days.append(day)
    return days


def quick_days(job: Job) -> list[Day]:
    """The days offered for ``job``'s appointment, each with the slots inside its window (a day without one is left
    out); empty when the deadline leaves no slot."""
    earliest, latest = window(job)
    zone = clock.zone()
    today = clock.day_of(earliest, zone)
    offered = []
    for day in _candidates(today):
        times = (datetime.combine(day, time(hour), tzinfo=zone) for hour in SLOT_HOURS)
        slots = tuple(Slot(at) for at in times if at >= earliest and (latest is None or at <= latest))
        if slots:
            offered.append(Day(day, _label(day, today), formats.date_format(day, "DATE_FORMAT"), slots))
    return offered


def picker_bounds(job: Job) -> dict[str, str]:
    """The ``min`` and ``max`` of the date picker, on the reader's clock."""
    earliest, latest = window(job)
    bounds = {"min": clock.local(earliest).strftime(clock.DATETIME_LOCAL)}
    if latest is not None:
        bounds["max"] = clock.local(latest).strftime(clock.DATETIME_LOCAL)
    return bounds
