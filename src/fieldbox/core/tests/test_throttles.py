"""The API's request limit (fieldbox.core.throttles): one count for all web processes, per trusted address."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from django.core.cache import caches
from django.test import RequestFactory

from fieldbox.core.throttles import AnonThrottle, AuthThrottle

NOW = 1_800_000_030.0  # the middle of a minute: every call of a test falls in the same window


def anonymous(remote: str = "203.0.113.9", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/api/v1/device-events", **extra)
    request.auth = None
    return request


def test_concurrent_requests_never_pass_the_limit(db):
    """Sixteen clients at once (each with its own connection to Redis, as separate web processes have): exactly
    the limit gets through."""
    allowed: list[bool] = []
    start = threading.Barrier(16)

    def client() -> None:
        throttle = AuthThrottle("50/m")
        throttle.clock = lambda: NOW
        request = anonymous()
        request.auth = "Anna Bianchi"
        request.api_token = SimpleNamespace(pk=7)  # one client's token
        start.wait()
        for _ in range(10):
            allowed.append(throttle.allow_request(request))
        caches["default"].close()

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 160 and allowed.count(True) == 50


def test_the_window_ends_and_retry_after_says_when(db):
    throttle = AnonThrottle("2/m")
    throttle.clock = lambda: NOW
    assert [throttle.allow_request(anonymous()) for _ in range(3)] == [True, True, False]
    assert throttle.wait() == 30
    throttle.clock = lambda: NOW + 31  # the next minute
    assert throttle.allow_request(anonymous())


def test_a_forged_forwarded_for_does_not_make_a_new_client(db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    throttle = AnonThrottle("2/m")
    throttle.clock = lambda: NOW
    answers = [throttle.allow_request(anonymous(forwarded=f"198.51.100.{i}")) for i in range(3)]
    assert answers == [True, True, False]
    assert throttle.allow_request(anonymous(remote="203.0.113.10"))  # another address has its own count


def test_requests_with_a_token_are_not_counted_as_anonymous(db):
    throttle = AnonThrottle("1/m")
    throttle.clock = lambda: NOW
    request = anonymous()
    request.auth = "token"
    assert all(throttle.allow_request(request) for _ in range(3))


def test_each_token_and_each_person_has_a_count_of_their_own(db):
    """Two people may have the same name: the count is their token's (or, signed in, their own), never the name's."""
    throttle = AuthThrottle("1/m")
    throttle.clock = lambda: NOW

    def with_token(token_pk: int, user_pk: int):
        request = anonymous()
        request.user = SimpleNamespace(pk=user_pk)
        request.auth = "Mario Rossi"  # what ninja would key on: the person's name
        request.api_token = SimpleNamespace(pk=token_pk)
        return request

    assert throttle.allow_request(with_token(1, 10))
    assert not throttle.allow_request(with_token(1, 10))
    assert throttle.allow_request(with_token(2, 11))  # another Mario Rossi
    session = with_token(0, 12)
    del session.api_token
    assert throttle.allow_request(session)
