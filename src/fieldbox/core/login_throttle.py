"""Login throttling: django-axes counting per (account, address) pair, with a second limit per address alone.

django-axes compares the largest count of its lockout parameter sets with one limit
(``AXES_FAILURE_LIMIT``), so it cannot hold 5 failures for a pair and 50 for an address at
the same time. Locking by account or by address alone at 5 made one person's typing lock
out a whole workshop behind one router, and let anyone lock any account from anywhere.
So axes counts the pair (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``) and
this handler adds the address: once the failures from one address, over every account,
reach ``LOGIN_ADDRESS_FAILURE_LIMIT``, every account counts as locked from it, which stops
a guesser spraying many accounts from one address.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address, over every account, within the cool-off time."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        attempt_time__gte=get_cool_off_threshold(request),
    )
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler, whose failure count also reaches the limit when the address reached its own."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        failures = int(super().get_failures(request, credentials))
        limit = int(get_failure_limit(request, credentials))
        if failures < limit and address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return limit
        return failures
