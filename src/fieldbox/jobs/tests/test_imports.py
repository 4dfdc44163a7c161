"""Jobs from a spreadsheet: errors by row and column, all-or-nothing, preview then create, the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.core.tests.sheets import xlsx_bytes
from fieldbox.fleet.models import Subscription
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs import services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db

HEADER = ["subscription", "kind", "vehicle_model", "central_lock_type", "notes", "installer_code"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes([header, *rows])


def upload(data: bytes, name: str = "jobs.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def subs(tenant: Tenant, n: int) -> list[str]:
    return [registry(tenant.provider, arrived_on=date(2026, 1, 1)).subscription.number for _ in range(n)]


def errors_of(page: str) -> str:
    return page.split('data-testid="import-errors"')[1].split("</section>")[0]


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_saved(tenant, other_tenant):
    a, b, c = subs(tenant, 3)
    foreign = subs(other_tenant, 1)[0]
    existing = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    open_job = services.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=existing.subscription.pk)
    data = xlsx(
        [
            [a, "Installazione", "Panda", "", "", ""],  # row 2: fine
            [foreign, "installation", "", "", "", ""],  # row 3: another provider's subscription
            [b, "repair", "", "", "", ""],  # row 4: unknown kind
            [a, "removal", "", "", "", ""],  # row 5: same vehicle as row 2
            [existing.subscription.number, "maintenance", "", "", "", ""],  # row 6: has an open job
            [c, "Dépose", "", "", "", "NOPE1"],  # row 7: unknown installer code
        ]
    )
    before = Job.objects.count()
    response = signed_in(tenant.dispatcher).post("/jobs/import/", {"file": upload(data)})
    assert response.status_code == 422
    listed = errors_of(response.content.decode())
    assert f"No subscription of yours has the number {foreign}" in listed
    assert "“repair” is not a kind of job" in listed
    assert "is already on row 2" in listed
    assert f"already has an open job ({open_job.number})" in listed
    assert "has the code NOPE1" in listed
    for row, column in (
        (3, "subscription"),
        (4, "kind"),
        (5, "subscription"),
        (6, "subscription"),
        (7, "installer_code"),
    ):
        assert f'<td data-label="Row">{row}</td><td data-label="Column">{column}</td>' in listed
    assert '<td data-label="Row">2</td>' not in listed
    assert Job.objects.count() == before


def test_a_bad_header_is_refused_naming_the_column(tenant):
    data = xlsx([["POL1", "installation"]], header=["subscrption", "kind"])
    page = signed_in(tenant.dispatcher).post("/jobs/import/", {"file": upload(data)}).content.decode()
    listed = errors_of(page)
    assert "Unknown column “subscrption” in column A" in listed
    assert "The header has no “subscription” column." in listed


def test_preview_then_create_makes_drafts_and_assigned_jobs_with_the_owner_sms(tenant):
    a, b, c = subs(tenant, 3)
    code = tenant.company.installer_code
    data = xlsx(
        [
            [a, "installation", "Panda 1.2", "CAN", "Fuse 7", ""],
            [],
            [b, "MANUTENZIONE", "", "", "", code.lower()],
            [c, "Removal", "", "", "", code],
        ]
    )
    client = signed_in(tenant.dispatcher)
    preview = client.post("/jobs/import/", {"file": upload(data)})
    page = preview.content.decode()
    assert preview.status_code == 200 and "3 jobs are ready" in page and "Create 3 jobs" in page
    assert Job.objects.count() == 0
    kept = page.split('name="file" value="')[1].split('"')[0]
    response = client.post("/jobs/import/confirm/", {"file": kept}, follow=True)
    assert "3 jobs created, 2 assigned." in response.content.decode()
    jobs = {j.subscription.number: j for j in Job.objects.select_related("subscription")}
    assert jobs[a].status == JobStatus.DRAFT and jobs[a].spec == {
        "vehicle_model": "Panda 1.2",
        "central_lock_type": "CAN",
        "notes": "Fuse 7",
    }
    assert jobs[b].status == JobStatus.ASSIGNED and jobs[b].kind == "maintenance" and jobs[b].deadline_at
    assert jobs[c].company == tenant.company and jobs[c].kind == "removal"
    assert OutboxMessage.objects.filter(channel=Channel.SMS).count() == 2
    assert AuditEvent.objects.filter(action="job.create", object_type="jobs.job").count() == 3
    assert AuditEvent.objects.filter(action="job.assign").count() == 2
    again = client.post("/jobs/import/confirm/", {"file": kept}, follow=True)  # the file is gone after use
    assert "no longer available" in again.content.decode() and Job.objects.count() == 3


def test_a_file_checked_then_outdated_creates_nothing(tenant):
    [a] = subs(tenant, 1)
    client = signed_in(tenant.dispatcher)
    page = client.post("/jobs/import/", {"file": upload(xlsx([[a, "installation"]]))}).content.decode()
    kept = page.split('name="file" value="')[1].split('"')[0]
    # meanwhile someone creates a job for the same vehicle
    services.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=Subscription.objects.get(number=a).pk)
    response = client.post("/jobs/import/confirm/", {"file": kept})
    assert response.status_code == 422 and "already has an open job" in response.content.decode()
    assert Job.objects.count() == 1


def test_another_person_cannot_confirm_my_file(tenant):
    [a] = subs(tenant, 1)
    page = signed_in(tenant.dispatcher).post("/jobs/import/", {"file": upload(xlsx([[a, "installation"]]))})
    kept = page.content.decode().split('name="file" value="')[1].split('"')[0]
    response = signed_in(tenant.provider_admin).post("/jobs/import/confirm/", {"file": kept}, follow=True)
    assert "no longer available" in response.content.decode() and Job.objects.count() == 0


def test_oversized_renamed_encrypted_and_blank_files_are_refused(tenant, settings):
    client = signed_in(tenant.dispatcher)

    def refused(data: bytes, name: str) -> str:
        response = client.post("/jobs/import/", {"file": upload(data, name)})
        assert response.status_code == 422
        return errors_of(response.content.decode())

    assert "larger than 5 MB" in refused(b"a" * (6 * 1024 * 1024), "big.csv")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert "not a spreadsheet" in refused(png, "photo.xlsx")
    assert "Upload a spreadsheet" in refused(png, "photo.png")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    assert "protected by a password" in refused(ole, "locked.xlsx")
    assert "every row is blank" in refused(b",,,\n , ,\n\n", "blank.csv")
    settings.JOB_IMPORT_MAX_ROWS = 2
    assert "more than 2 rows" in refused(b"subscription,kind\na,installation\nb,removal\nc,removal\n", "many.csv")
    assert Job.objects.count() == 0


def test_csv_with_semicolons_and_the_template_downloads(tenant):
    [a] = subs(tenant, 1)
    client = signed_in(tenant.dispatcher)
    data = f"subscription;kind;notes\n{a};installazione;=cmd\n".encode()
    page = client.post("/jobs/import/", {"file": upload(data, "jobs.csv")}).content.decode()
    assert "1 job is ready" in page
    template = client.get("/jobs/import/template/?format=csv")
    assert template.content.decode().strip() == ",".join(HEADER)
    xlsx_template = client.get("/jobs/import/template/")
    assert xlsx_template["Content-Type"].startswith("application/vnd.openxmlformats")


def bearer(tenant: Tenant) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=tenant.scope(tenant.dispatcher), name="import", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_import_dry_run_201_and_422(tenant):
    a, b = subs(tenant, 2)
    auth = bearer(tenant)
    good = xlsx([[a, "installation", "", "", "", ""], [b, "removal", "", "", "", tenant.company.installer_code]])
    dry = Client().post("/api/v1/jobs/import?dry_run=true", {"file": upload(good)}, **auth)
    assert dry.status_code == 200 and dry.json() == {"dry_run": True, "count": 2, "jobs": []}
    assert Job.objects.count() == 0
    created = Client().post("/api/v1/jobs/import", {"file": upload(good)}, **auth)
    assert created.status_code == 201
    body = created.json()
    assert body["count"] == 2 and [j["row"] for j in body["jobs"]] == [2, 3]
    assert body["jobs"][1]["company_id"] == tenant.company.pk
    bad = Client().post("/api/v1/jobs/import", {"file": upload(good)}, **auth)
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    errors = bad.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(2, "subscription"), (3, "subscription")}
    assert Job.objects.count() == 2
