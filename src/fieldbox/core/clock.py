"""The clock: what "now", "today", "the start of a day" and "the end of a day" mean, defined once.

Times are stored in UTC and read in a time zone: an organisation's (``tz`` is its name, e.g. ``"Europe/Rome"``)
or, when none is given, the current one (the organisation of the request, set by the scope middleware). Tests
move the clock with time-machine, which every function here follows because each reads ``timezone.now()``.

A day runs from its start (00:00:00) to its end (23:59:59): a deadline "on the 12th" is the end of the 12th, a
filter "until the 12th" stops before the start of the 13th (``day_after``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
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


WORKING_WEEKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday to Friday
# The country whose public holidays an organisation keeps, by its time zone; any other zone keeps Italy's.
COUNTRY_BY_ZONE: dict[str, str] = {
    "Europe/Rome": "IT",
    "Europe/San_Marino": "SM",
    "Europe/Vatican": "VA",
    "Europe/Paris": "FR",
    "Europe/Monaco": "MC",
    "Europe/Zurich": "CH",
    "Europe/Berlin": "DE",
    "Europe/Vienna": "AT",
    "Europe/Madrid": "ES",
    "Europe/Lisbon": "PT",
    "Europe/Brussels": "BE",
    "Europe/Amsterdam": "NL",
    "Europe/Luxembourg": "LU",
    "Europe/London": "GB",
    "Europe/Dublin": "IE",
    "Europe/Ljubljana": "SI",
    "Europe/Malta": "MT",
}
DEFAULT_COUNTRY = "IT"


def country_of(tz: str | tzinfo | None = None) -> str:
    """The country whose public holidays an organisation on the clock ``tz`` keeps (the current clock's if None)."""
    return COUNTRY_BY_ZONE.get(str(zone(tz)), DEFAULT_COUNTRY)


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_working_day(day: date, tz: str | tzinfo | None = None, *, country: str | None = None) -> bool:
    """Monday to Friday except the public holidays of the organisation's country (which its clock ``tz`` names,
    or ``country`` itself): the one rule of a working day, for appointments, service levels and field work."""
    if day.weekday() not in WORKING_WEEKDAYS:
        return False
    return day not in _holidays(country or country_of(tz), day.year)


def days_between(earlier: datetime, later: datetime, tz: str | tzinfo | None = None) -> int:
    """Calendar days from ``earlier`` to ``later`` on the clock of ``tz`` (not 24-hour periods)."""
    return (day_of(later, tz) - day_of(earlier, tz)).days
