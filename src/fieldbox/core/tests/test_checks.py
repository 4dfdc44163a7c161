"""``fieldbox check --deploy`` warns about every setting meant for the demo, the tests or development."""

from __future__ import annotations

import secrets
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def production(settings, monkeypatch):
    """The settings of docs/deploy.md: nothing of the demo, the tests or development left."""
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.postgresql")
    settings.DEMO = settings.TESTING = settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.SITE_URL = "https://fieldbox.example.com"
    settings.REDIS_URL = "redis://redis.internal:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EMAIL_BACKEND = SMTP
    settings.SMS_BACKEND = "twilio"
    return settings


def fieldbox_warnings(deploy: bool = True) -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=deploy) if m.id and m.id.startswith("fieldbox.")}


def test_a_production_configuration_passes_in_silence(production):
    assert fieldbox_warnings() == set()


@pytest.mark.parametrize(
    ("setting", "value", "warning"),
    [
        ("DEMO", True, "fieldbox.W001"),
        ("TESTING", True, "fieldbox.W002"),
        ("SECRET_KEY", "insecure-demo-key-" + "x" * 40, "fieldbox.W003"),
        ("WEBHOOK_ALLOW_PRIVATE", True, "fieldbox.W004"),
        ("SITE_URL", "http://127.0.0.1:8000", "fieldbox.W005"),
        ("SITE_URL", "http://fieldbox.example.com", "fieldbox.W005"),
        ("REDIS_URL", "", "fieldbox.W011"),
        ("CELERY_TASK_ALWAYS_EAGER", True, "fieldbox.W012"),
        ("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend", "fieldbox.W013"),
        ("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "fieldbox.W013"),
        ("SMS_BACKEND", "file", "fieldbox.W014"),
        ("SMS_BACKEND", "console", "fieldbox.W014"),
    ],
)
def test_each_development_setting_is_named(production, setting, value, warning):
    setattr(production, setting, value)
    assert fieldbox_warnings() == {warning}


def test_sqlite_is_named(production, monkeypatch):
    monkeypatch.setitem(production.DATABASES["default"], "ENGINE", "django.db.backends.sqlite3")
    assert fieldbox_warnings() == {"fieldbox.W010"}


def test_the_command_prints_them_and_a_plain_check_does_not(production):
    production.DEMO = production.WEBHOOK_ALLOW_PRIVATE = True
    assert fieldbox_warnings(deploy=False) == set()
    out = StringIO()
    call_command("check", "--deploy", "--fail-level", "CRITICAL", stdout=out, stderr=out)  # the tests' async.E001
    printed = out.getvalue()
    assert "fieldbox.W001" in printed and "FIELDBOX_DEMO" in printed
    assert "fieldbox.W004" in printed and "WEBHOOK_ALLOW_PRIVATE" in printed
