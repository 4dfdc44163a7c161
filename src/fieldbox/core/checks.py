"""Deployment checks: ``fieldbox check --deploy`` names every setting meant for the demo, the tests or development.

Django's own deployment checks know nothing of Fieldbox's switches, so a production install
left in demo mode, with webhooks allowed to private addresses, or sending e-mails and SMS
to files passed ``check --deploy`` in silence. Each warning says what the setting does and
which variable to change (docs/deploy.md lists them all). Messages are for the operator at
the command line and stay in English, like Django's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

DEMO_KEY_PREFIX = "insecure-demo-key-"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
FAKE_EMAIL_BACKENDS = {
    f"django.core.mail.backends.{name}.EmailBackend" for name in ("console", "filebased", "locmem", "dummy")
}
FAKE_SMS_BACKENDS = {"console", "file"}


Rule = tuple[bool, int, str, str]  # (applies, number of the warning fieldbox.W0NN, message, hint)


def _warnings(rules: list[Rule]) -> list[CheckMessage]:
    return [CheckWarning(message, hint=hint, id=f"fieldbox.W{n:03d}") for on, n, message, hint in rules if on]


def _site_url_is_local() -> bool:
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme != "https" or (parts.hostname or "") in LOCAL_HOSTS


@register(Tags.security, deploy=True)
def development_modes(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The switches of the demo, the tests and development, which weaken security when left on."""
    return _warnings(
        [
            (
                settings.DEMO,
                1,
                "The demo mode is on (FIELDBOX_DEMO).",
                "Unset FIELDBOX_DEMO: it is never for production.",
            ),
            (
                settings.TESTING,
                2,
                "The test mode is on (FIELDBOX_TESTING).",
                "Unset FIELDBOX_TESTING: only the tests set it.",
            ),
            (
                str(settings.SECRET_KEY).startswith(DEMO_KEY_PREFIX),
                3,
                "SECRET_KEY is the demo's public key.",
                "Set SECRET_KEY to 50 or more random characters.",
            ),
            (
                settings.WEBHOOK_ALLOW_PRIVATE,
                4,
                "Webhooks may call private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE).",
                "Turn WEBHOOK_ALLOW_PRIVATE off, unless the receivers are on a closed network with private addresses.",
            ),
            (
                _site_url_is_local(),
                5,
                f"SITE_URL is {settings.SITE_URL!r}: the links in e-mails would point there.",
                "Set SITE_URL to the public https address of this site.",
            ),
        ]
    )


@register("fieldbox", deploy=True)
def development_services(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The embedded stand-ins of the demo: SQLite, tasks in the web process, e-mails and SMS not sent."""
    return _warnings(
        [
            (
                "sqlite" in settings.DATABASES["default"]["ENGINE"],
                10,
                "The database is SQLite.",
                "Set DATABASE_URL to a PostgreSQL 15+ database.",
            ),
            (
                not settings.REDIS_URL,
                11,
                "No REDIS_URL: tasks run inside the web process and the cache is a database table.",
                "Set REDIS_URL and run the workers (docs/deploy.md, Workers).",
            ),
            (
                bool(settings.REDIS_URL) and settings.CELERY_TASK_ALWAYS_EAGER,
                12,
                "Tasks run inside the web process (CELERY_TASK_ALWAYS_EAGER).",
                "Unset CELERY_TASK_ALWAYS_EAGER.",
            ),
            (
                settings.EMAIL_BACKEND in FAKE_EMAIL_BACKENDS,
                13,
                f"E-mails are not sent ({settings.EMAIL_BACKEND}).",
                "Unset EMAIL_BACKEND: SMTP is the default.",
            ),
            (
                settings.SMS_BACKEND in FAKE_SMS_BACKENDS,
                14,
                f"SMS are not sent (SMS_BACKEND={settings.SMS_BACKEND}).",
                "Set SMS_BACKEND to twilio or to your gateway's class (docs/deploy.md, SMS through a gateway).",
            ),
        ]
    )
