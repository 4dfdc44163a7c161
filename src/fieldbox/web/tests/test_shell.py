import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client

from fieldbox.accounts import demo
from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import Membership, Organisation, Partnership, User
from fieldbox.accounts.tests.fixtures import signed_in


def test_healthz_answers_while_the_process_runs(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_and_broker(db, settings):
    assert Client().get("/readyz").json() == {"status": "ok"}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = Client().get("/readyz")
    # Still serving (messages wait in the outbox), but the broker is named for the operator.
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "reasons": ["broker: ConnectionError"]}


def test_readyz_reports_a_dead_database(db, monkeypatch):
    from django.db.utils import OperationalError

    class DeadConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("fieldbox.web.views.connection", DeadConnection())
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["reasons"] == ["database: OperationalError"]


def test_demo_data_is_complete_and_a_second_run_keeps_it(db):
    call_command("demo")
    first = (Organisation.objects.count(), User.objects.count(), Partnership.objects.count())
    call_command("demo")
    assert (Organisation.objects.count(), User.objects.count(), Partnership.objects.count()) == first
    codes = dict(Organisation.objects.filter(installer_code__isnull=False).values_list("name", "installer_code"))
    assert codes == {"Officina Rossi": "AA001", "Tramosa": "EK004", "Walon Lauterbourg": "JJ020"}
    assert set(Partnership.objects.values_list("status", flat=True)) == set(PartnershipStatus.values)
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values), "every role has a demo login"
    for email in (
        "admin@iot.example",
        "dispatch@iot.example",
        "care@iot.example",
        "admin@traqueur.example",
        "admin@rossi.example",
        "mario@rossi.example",
        "luca@tramosa.example",
    ):
        assert User.objects.get(email=email).check_password(demo.PASSWORD)
    User.objects.filter(email="mario@rossi.example").update(first_name="Changed")
    call_command("demo", reset=True)
    assert User.objects.get(email="mario@rossi.example").first_name == "Mario"


def test_demo_installer_signs_in_and_sees_their_company(db):
    call_command("demo")
    client = Client()
    client.post("/accounts/login/", {"username": "mario@rossi.example", "password": demo.PASSWORD})
    assert "Officina Rossi" in client.get("/").content.decode()


def test_menu_follows_the_role(tenant):
    admin_page = signed_in(tenant.company_admin).get("/").content.decode()
    installer_page = signed_in(tenant.installer).get("/").content.decode()
    assert "/organisation/audit/" in admin_page and "/organisation/audit/" not in installer_page


def test_static_assets_come_from_installed_packages(db):
    page = Client().get("/accounts/login/").content.decode()
    assert "/static/htmx.org/htmx.min.js" in page and "https://" not in page.split("<body")[0]


def _fieldbox(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldbox", *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.mark.postgres  # production runs on PostgreSQL: SQLite is warned about
def test_deploy_check_is_clean_with_production_settings(tmp_path):
    import os

    drop = ("FIELDBOX_TESTING", "FIELDBOX_DEMO", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "SECRET_KEY": "a-production-secret-" + "k7#Qz" * 12,
            "ALLOWED_HOSTS": "fieldbox.example.com",
            "SITE_URL": "https://fieldbox.example.com",
            "FIELDBOX_VAR_DIR": str(tmp_path),
            "SMS_BACKEND": "twilio",
        }
    )
    result = _fieldbox("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    missing = _fieldbox("check", env={k: v for k, v in env.items() if k != "SECRET_KEY"})
    assert missing.returncode != 0 and "SECRET_KEY must be set" in missing.stderr


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
