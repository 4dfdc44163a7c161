"""On-site checklists: the provider's items, answers and photos on the job page, and the closing rules."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from fieldbox.accounts.models import Organisation
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.checks import photos
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.choices import CheckType, JobKind, JobStatus
from fieldbox.jobs.models import ChecklistItem, Job, JobPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_BACKEND = "locmem"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "green" if mode == "RGB" else 0).save(out, fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def taken(tenant: Tenant, kind: str = JobKind.INSTALLATION) -> Job:
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    dispatch = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatch, subscription_id=reg.subscription.pk, kind=kind)
    services.job_assign(scope=dispatch, job_id=job.pk, company_id=tenant.company.pk)
    return services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)


def paired(tenant: Tenant) -> tuple[Job, Device]:
    job = taken(tenant)
    box = device(tenant.provider, company=tenant.company)
    assert box.imei
    services.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])
    job.refresh_from_db()
    box.refresh_from_db()
    return job, box


def item(tenant: Tenant, label: str, type_: str = CheckType.CHECK, kind: str = JobKind.REMOVAL, **kw: object):
    return checks.item_save(
        scope=tenant.scope(tenant.provider_admin), label=label, type=type_, kind=kind, required=True, **kw
    )


def items_by_label(tenant: Tenant) -> dict[str, ChecklistItem]:
    return {str(i.label): i for i in ChecklistItem.objects.filter(checklist__organisation=tenant.provider)}


def test_required_items_block_completion_with_the_missing_items_named(tenant):
    fixed = item(tenant, "Box removed from the dashboard")
    led = item(tenant, "LED state before removal", CheckType.CHOICE, options=["off", "red"])
    checks.item_save(
        scope=tenant.scope(tenant.provider_admin), label="Cable ties kept", type="check", kind="removal", required=False
    )
    job = taken(tenant, JobKind.REMOVAL)
    client = signed_in(tenant.installer)

    page = client.post(f"/jobs/{job.pk}/complete/", follow=True).content.decode()
    assert "Complete the required items first: Box removed from the dashboard; LED state before removal." in page
    assert Job.objects.get(pk=job.pk).status == JobStatus.IN_PROGRESS

    client.post(f"/jobs/{job.pk}/checks/", {"item": fixed.pk, "value": "yes"}, HTTP_HX_REQUEST="true")
    line = client.post(f"/jobs/{job.pk}/checks/", {"item": led.pk, "value": "blue"}, HTTP_HX_REQUEST="true")
    assert "Choose one of: off, red." in line.content.decode()
    client.post(f"/jobs/{job.pk}/checks/", {"item": led.pk, "value": "red"}, HTTP_HX_REQUEST="true")
    page = client.post(f"/jobs/{job.pk}/complete/", follow=True).content.decode()
    assert "The job is complete." in page
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    answers = AuditEvent.objects.filter(action="job.check", object_id=str(job.pk))
    assert answers.count() == 2 and {a.actor_id for a in answers} == {tenant.installer.pk}


def test_an_installation_without_checklist_succeeds_on_activation_as_before(tenant):
    job, box = paired(tenant)
    services.job_activate(box, datetime(2026, 11, 22, 10, tzinfo=UTC))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.activated_at


def test_activation_before_the_checks_leaves_the_job_waiting_and_the_last_check_closes_it(tenant):
    job, box = paired(tenant)
    checks.checklist_defaults(tenant.provider)
    services.job_activate(box, datetime(2026, 11, 22, 10, tzinfo=UTC))
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == JobStatus.PAIRED and job.activated_at and box.status == DeviceStatus.ACTIVE
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "the job succeeds as soon as the required items are complete" in page

    found = items_by_label(tenant)
    emergency = found["Emergency button fitted and shown to the owner"]
    assert emergency.checklist.product_id == job.product_id  # the test product has an emergency button
    for label in ("Device fixed", "Emergency button fitted and shown to the owner"):
        client.post(f"/jobs/{job.pk}/checks/", {"item": found[label].pk, "value": "yes"}, HTTP_HX_REQUEST="true")
    client.post(f"/jobs/{job.pk}/checks/", {"item": found["LED state"].pk, "value": "steady green"})
    assert Job.objects.get(pk=job.pk).status == JobStatus.PAIRED
    photo_item = found["Photo of the fitted device"]
    page = client.post(
        f"/jobs/{job.pk}/photos/", {"item": photo_item.pk, "photo": upload(image_bytes())}, follow=True
    ).content.decode()
    assert "Photo saved." in page
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.closed_at


def test_the_last_check_by_htmx_sends_the_browser_to_the_closed_job(tenant):
    fixed = item(tenant, "Device fixed", kind=JobKind.INSTALLATION)
    job, box = paired(tenant)
    services.job_activate(box, datetime(2026, 11, 22, 10, tzinfo=UTC))
    response = signed_in(tenant.installer).post(
        f"/jobs/{job.pk}/checks/", {"item": fixed.pk, "value": "yes"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == f"/jobs/{job.pk}/"
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize("allowed", [False, True])
def test_manual_completion_only_when_the_provider_allows_it(tenant, allowed):
    Organisation.objects.filter(pk=tenant.provider.pk).update(allow_manual_completion=allowed)
    job, _box = paired(tenant)
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert ("Complete the job" in page) is allowed
    if not allowed:
        with pytest.raises(Conflict, match="succeeds when the device reports its activation"):
            checks.job_complete(scope=tenant.scope(tenant.installer), job_id=job.pk)
        assert Job.objects.get(pk=job.pk).status == JobStatus.PAIRED
        return
    client.post(f"/jobs/{job.pk}/complete/")
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert AuditEvent.objects.filter(action="job.complete_manually", object_id=str(job.pk)).exists()


def test_the_provider_admin_turns_manual_completion_on_in_the_settings(tenant):
    client = signed_in(tenant.provider_admin)
    org = tenant.provider
    data = {
        "name": org.name,
        "email": org.email,
        "phone": org.phone,
        "address": org.address,
        "time_zone": org.time_zone,
        "language": org.language,
        "install_deadline_days": 20,
        "installer_change_days": 1,
        "job_visible_after_days": 2,
        "allow_manual_completion": "on",
    }
    url = reverse("accounts:organisation")
    assert "Installers may complete a paired installation without the activation" in client.get(url).content.decode()
    client.post(url, data)
    assert Organisation.objects.get(pk=org.pk).allow_manual_completion is True


def test_an_installation_cannot_be_completed_before_pairing(tenant):
    job = taken(tenant)
    with pytest.raises(Conflict, match="Pair the device first"):
        checks.job_complete(scope=tenant.scope(tenant.installer), job_id=job.pk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not an image at all", "not a JPEG, PNG or WebP image"),
        (image_bytes("GIF"), "not a JPEG, PNG or WebP image"),
        (image_bytes(size=(600, 600), mode="RGB", compress_level=0), "larger than 0 MB"),
        (image_bytes(size=(12000, 12000), mode="1"), "too many pixels"),
    ],
    ids=["not-an-image", "gif", "too-big", "decompression-bomb"],
)
def test_bad_photos_are_refused_and_save_nothing(tenant, settings, tmp_path, data, message):
    settings.JOB_PHOTO_MAX_BYTES = 200_000
    photo_item = item(tenant, "Photo of the box", CheckType.PHOTO)
    job = taken(tenant, JobKind.REMOVAL)
    with pytest.raises(ValidationError) as refused:
        photos.photo_add(
            scope=tenant.scope(tenant.installer), job_id=job.pk, item_id=photo_item.pk, upload=upload(data)
        )
    assert message in refused.value.message_dict["photo"][0]
    assert not JobPhoto.objects.exists() and not list(Path(tmp_path).rglob("*.*"))
    page = signed_in(tenant.installer).post(
        f"/jobs/{job.pk}/photos/", {"item": photo_item.pk, "photo": upload(data)}, follow=True
    )
    assert message in page.content.decode() and not JobPhoto.objects.exists()


def test_a_photo_is_turned_upright_stripped_of_gps_and_time_stamped(tenant):
    photo_item = item(tenant, "Photo of the box", CheckType.PHOTO)
    job = taken(tenant, JobKind.REMOVAL)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the camera was held upright
    exif[0x8825] = {1: "N", 2: (45.0, 28.0, 0.0)}  # GPS
    exif.get_ifd(0x8769)[36867] = "2026:11:20 09:15:00"
    raw = image_bytes("JPEG", size=(40, 30), exif=exif.tobytes())
    saved = photos.photo_add(
        scope=tenant.scope(tenant.installer), job_id=job.pk, item_id=photo_item.pk, upload=upload(raw, "a.jpg")
    )
    assert (saved.width, saved.height) == (30, 40) and saved.content_type == "image/jpeg"
    assert saved.taken_at is not None and saved.taken_at.isoformat() == "2026-11-20T09:15:00+01:00"
    assert saved.uploaded_at and saved.file.name.startswith(f"job-photos/{tenant.provider.pk}/")
    stored_name = saved.file.name.rsplit("/", 1)[-1]
    assert stored_name != "a.jpg" and len(stored_name) > 20  # a random name, never the one sent
    stored = Image.open(saved.file.path)
    assert 0x8825 not in stored.getexif() and 0x0112 not in stored.getexif()
    assert AuditEvent.objects.filter(action="job.photo_add", object_id=str(job.pk), actor=tenant.installer).exists()


def test_the_company_loses_the_photos_when_the_job_ends_and_others_never_see_them(tenant, other_tenant):
    photo_item = item(tenant, "Photo of the box", CheckType.PHOTO)
    job = taken(tenant, JobKind.REMOVAL)
    saved = photos.photo_add(
        scope=tenant.scope(tenant.installer), job_id=job.pk, item_id=photo_item.pk, upload=upload(image_bytes())
    )
    url = f"/jobs/photos/{saved.pk}/"
    installer, provider = signed_in(tenant.installer), signed_in(tenant.dispatcher)
    response = installer.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for user in (other_tenant.installer, other_tenant.company_admin, other_tenant.dispatcher):
        assert signed_in(user).get(url).status_code == 404
        assert signed_in(user).get(f"/api/v1/jobs/{job.pk}/checklist").status_code == 404

    checks.job_complete(scope=tenant.scope(tenant.installer), job_id=job.pk)
    assert installer.get(url).status_code == 404
    assert installer.get(f"/api/v1/job-photos/{saved.pk}").status_code == 404
    assert provider.get(url).status_code == 200
    with pytest.raises(Conflict):
        photos.photo_delete(scope=tenant.scope(tenant.installer), photo_id=saved.pk)


def test_an_installer_deletes_a_photo_before_the_job_ends(tenant):
    photo_item = item(tenant, "Photo of the box", CheckType.PHOTO)
    job = taken(tenant, JobKind.REMOVAL)
    saved = photos.photo_add(
        scope=tenant.scope(tenant.installer), job_id=job.pk, item_id=photo_item.pk, upload=upload(image_bytes())
    )
    page = signed_in(tenant.installer).get(f"/jobs/{job.pk}/").content.decode()
    assert f'action="/jobs/photos/{saved.pk}/delete/" data-confirm="Delete this photo?"' in page
    path = Path(saved.file.path)
    with TestCase.captureOnCommitCallbacks(execute=True):
        signed_in(tenant.installer).post(f"/jobs/photos/{saved.pk}/delete/")
    assert not JobPhoto.objects.exists() and not path.exists()
    assert AuditEvent.objects.filter(action="job.photo_delete", object_id=str(job.pk)).exists()


def test_the_provider_admin_manages_the_checklist(tenant):
    client = signed_in(tenant.provider_admin)
    response = client.post(
        "/jobs/checklists/new/", {"label": "LED state", "type": "choice", "options": "off\n", "kind": "installation"}
    )
    assert "List at least two options, one per line." in response.content.decode()
    assert not ChecklistItem.objects.exists()
    for label in ("Device fixed", "Cables tidy", "Photo of the device"):
        client.post(
            "/jobs/checklists/new/", {"label": label, "type": "check", "kind": "installation", "required": "on"}
        )
    found = items_by_label(tenant)
    client.post(f"/jobs/checklists/{found['Photo of the device'].pk}/move/", {"direction": "up"})
    page = client.get("/jobs/checklists/").content.decode()
    assert page.index("Device fixed") < page.index("Photo of the device") < page.index("Cables tidy")
    client.post(
        f"/jobs/checklists/{found['Cables tidy'].pk}/",
        {"label": "Cables tied", "type": "check", "kind": "installation"},
    )
    client.post(f"/jobs/checklists/{found['Device fixed'].pk}/delete/")
    page = client.get("/jobs/checklists/").content.decode()
    assert "Cables tied" in page and "Device fixed" not in page
    assert signed_in(tenant.dispatcher).get("/jobs/checklists/").status_code == 403
    assert signed_in(tenant.installer).get("/jobs/checklists/").status_code == 403


def test_the_api_answers_uploads_and_completes(tenant, other_tenant):
    fixed = item(tenant, "Box removed")
    photo_item = item(tenant, "Photo of the box", CheckType.PHOTO)
    job = taken(tenant, JobKind.REMOVAL)
    client = signed_in(tenant.installer)
    refused = client.post(f"/api/v1/jobs/{job.pk}/complete")
    assert refused.status_code == 422 and "Box removed; Photo of the box" in refused.content.decode()
    answer = client.put(
        f"/api/v1/jobs/{job.pk}/checklist/{fixed.pk}", {"value": "yes"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["missing"] == ["Photo of the box"]
    sent = client.post(f"/api/v1/jobs/{job.pk}/checklist/{photo_item.pk}/photos", {"photo": upload(image_bytes())})
    assert sent.status_code == 201, sent.content
    assert client.get(sent.json()["url"]).status_code == 200
    other = signed_in(other_tenant.installer)
    assert other.get(sent.json()["url"]).status_code == 404
    assert (
        other.post(
            f"/api/v1/jobs/{job.pk}/checklist/{photo_item.pk}/photos", {"photo": upload(image_bytes())}
        ).status_code
        == 404
    )
    done = client.post(f"/api/v1/jobs/{job.pk}/complete")
    assert done.status_code == 200 and done.json()["status"] == "succeeded"
    admin = signed_in(tenant.provider_admin)
    created = admin.post(
        "/api/v1/checklist-items",
        {"label": "Seal intact", "type": "check", "kind": "maintenance"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["position"] == 0
    assert (
        signed_in(other_tenant.provider_admin).delete(f"/api/v1/checklist-items/{created.json()['id']}").status_code
        == 404
    )
