"""The clock: what "now", "today", "the start of a day" and "the end of a day" mean, defined once.

Times are stored in UTC and read in a time zone: an organisation's (``tz`` is its name, e.g. ``"Europe/Rome"``)
or, when none is given, the current one (the organisation of the request, set by the scope middleware). Tests
move the clock with time-machine, which every function here follows because each reads ``timezone.now()``.

A day runs from its start (00:00:00) to its end (23:59:59): a deadline "on the 12th" is the end of the 12th, a
filter "until the 12th" stops before the start of the 13th (``day_after``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.utils import timezone

END_OF_DAY = time(23, 59, 59)
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"  # the value of an <input type="datetime-local">, on the reader's clock


def zone(tz: str | tzinfo | None = None) -> tzinfo:
    """The time zone named ``tz`` (an organisation's), or the current one."""
    if tz is None:
        return timezone.get_current_timezone()
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def now() -> datetime:
    return timezone.now()


def local(at: datetime, tz: str | tzinfo | None = None) -> datetime:
    """``at`` on the clock of ``tz``."""
    return timezone.localtime(at, zone(tz))


def today(tz: str | tzinfo | None = None) -> date:
    """Today's date on the clock of ``tz``."""
    return local(now(), tz).date()


def day_of(at: datetime, tz: str | tzinfo | None = None) -> date:
    """The date ``at`` falls on, on the clock of ``tz``."""
    return local(at, tz).date()


def start_of_day(day: date, tz: str | tzinfo | None = None) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone(tz))


def end_of_day(day: date, tz: str | tzinfo | None = None) -> datetime:
    """The last second of ``day``: deadlines and change windows end here."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone(tz))


def day_after(day: date, tz: str | tzinfo | None = None) -> datetime:
    """The start of the next day: the exclusive upper bound of a filter "until ``day``"."""
    return start_of_day(day + timedelta(days=1), tz)


def is_working_day(day: date) -> bool:
    """Monday to Friday: the days offered after tomorrow for an appointment."""
    return day.weekday() < 5


def days_between(earlier: datetime, later: datetime, tz: str | tzinfo | None = None) -> int:
    """Calendar days from ``earlier`` to ``later`` on the clock of ``tz`` (not 24-hour periods)."""
    return (day_of(later, tz) - day_of(earlier, tz)).days
