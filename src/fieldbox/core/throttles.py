"""The API's request limits, counted once for all web processes.

django-ninja's throttles keep each client's request times as a list in the cache, read and written back by every
request: two web processes reading the same list at once each add their request to their own copy, and one of the
two is lost, so N processes let through up to N times the limit. Here a request is one atomic ``INCR`` of a counter
per client and time window in the shared cache (Redis in production): however many processes answer, the
``num_requests``-th request of a window is the last one let through.

A window is fixed (the clock's current minute for "60/m"): a client may send its limit at the end of one window and
again at the start of the next. The client is its token (a hash of it) or, without one, its address as
``fieldbox.core.http.client_ip`` trusts it, never the X-Forwarded-For a client writes itself. While Redis is down
the counters cannot be kept and requests go through (as ``RATELIMIT_FAIL_OPEN`` for the forms).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, AuthRateThrottle, SimpleRateThrottle

from fieldbox.core.http import client_ip


class CountedThrottle(SimpleRateThrottle):
    """A ninja throttle whose count is one atomic increment in the shared cache."""

    clock: Callable[[], float] = staticmethod(time.time)

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None:
            return True
        duration = int(self.duration or 1)
        now = self.clock()
        window = int(now // duration)
        self.retry_after = (window + 1) * duration - now
        counter = f"{key}:{window}"
        try:
            cache.add(counter, 0, duration + 1)  # the window's counter, made once, gone after the window
            count = cache.incr(counter)
        except ValueError:  # Redis down (ResilientRedisCache), or the counter evicted between the two calls
            return True
        return count <= int(self.num_requests or 0)

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)


class AnonThrottle(CountedThrottle, AnonRateThrottle):
    """Requests without a token, per client address."""


class AuthThrottle(CountedThrottle, AuthRateThrottle):
    """Requests with a token, per token; with a session, per person; per address without either. (ninja's own key is
    the text of ``request.auth``, a person's name: two people of the same name would share one count.)"""

    def get_cache_key(self, request: HttpRequest) -> str:
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"token-{token.pk}"
        elif getattr(request, "auth", None) is not None:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
