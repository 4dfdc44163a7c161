"""Files and photos on work orders, calls, work reports and equipment: checked by their content (the one check of
``core.files``, and for pictures the photos' check of ``core.images``), stored under a random name, served only
through scoped views as downloads; a signed work report never takes a new file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import Tenant, scope_of, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.choices import ReportStatus
from fieldbox.service.models import Equipment, Team, Ticket, WorkFile, WorkOrder, WorkReport
from fieldbox.service.services.files import file_add, file_remove
from fieldbox.service.services.work_orders import work_order_create

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return Path(tmp_path)


def stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def picture(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "green" if mode == "RGB" else 0).save(out, fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")  # the browser's guess is not used


@dataclass
class Shop:
    tenant: Tenant
    office: User
    marco: User
    luca: User
    order: WorkOrder

    @property
    def org(self):
        return self.tenant.company

    def scope(self, user: User | None = None):
        return scope_of(user or self.marco, self.org)


def shop_of(tenant: Tenant, suffix: str = "") -> Shop:
    org = tenant.company
    office = member(org, Role.OFFICE, email=f"ufficio{suffix}@rossi.example")
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    order = work_order_create(
        scope=scope_of(office, org), customer_id=customer.pk, site_id=site.pk, description="Manutenzione caldaia"
    )
    return Shop(
        tenant=tenant,
        office=office,
        marco=member(org, Role.TECHNICIAN, email=f"marco{suffix}@rossi.example", first_name="Marco"),
        luca=member(org, Role.TECHNICIAN, email=f"luca{suffix}@rossi.example", first_name="Luca"),
        order=order,
    )


@pytest.fixture
def shop(tenant) -> Shop:
    return shop_of(tenant)


def box(client, kind: str, pk: int) -> str:
    response = client.get(f"/desk/files/{kind}/{pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_photo_from_the_phone_is_kept_upright_without_exif_under_a_random_name_and_downloaded(shop, media):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the camera was held upright
    exif[0x8825] = {1: "N", 2: (45.0, 28.0, 0.0)}  # where it was taken
    raw = picture("JPEG", size=(40, 30), exif=exif.tobytes())
    client = signed_in(shop.marco)
    page = f"/desk/work-orders/{shop.order.pk}/"
    response = client.post(
        f"/desk/files/work_order/{shop.order.pk}/",
        {"photo": upload(raw, "IMG_0001.JPG"), "file": upload(PDF, "schema impianto.pdf"), "next": page},
    )
    assert response.status_code == 302 and response["Location"] == f"{page}#files-work_order-{shop.order.pk}"
    photo, pdf = WorkFile.objects.get(name="IMG_0001.JPG"), WorkFile.objects.get(name="schema impianto.pdf")
    assert photo.work_order == shop.order == pdf.work_order and photo.uploaded_by == shop.marco
    assert photo.content_type == "image/jpeg" and pdf.content_type == "application/pdf"
    assert "IMG_0001" not in photo.file.name and photo.file.name.startswith(f"work-files/{shop.org.pk}/")
    kept = Image.open(photo.file.path)
    assert kept.size == (30, 40) and 0x8825 not in kept.getexif() and 0x0112 not in kept.getexif()
    assert len(stored(media)) == 2
    assert AuditEvent.objects.filter(action="work_file.add", object_id=str(shop.order.pk), actor=shop.marco).exists()

    listed = box(client, "work_order", shop.order.pk)
    assert "IMG_0001.JPG" in listed and "schema impianto.pdf" in listed and f"/desk/files/{photo.pk}/" in listed
    assert 'capture="environment"' in listed and 'enctype="multipart/form-data"' in listed
    download = signed_in(shop.office).get(f"/desk/files/{pdf.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="schema impianto.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"%PDF-1.4 a document called a photo", "does not match its type"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"not really a picture" * 10, "not a JPEG, PNG or WebP image"),
        ("bomb.png", picture(size=(12000, 12000), mode="1"), "too many pixels"),
        ("animation.gif", picture("GIF"), "not a JPEG, PNG or WebP image"),
        ("big.pdf", PDF + b"0" * 200_000, "larger than"),
        ("tool.exe", b"MZ\x90\x00", "not kept"),
        ("empty.pdf", b"", "empty"),
    ],
    ids=["fake-image", "broken-image", "decompression-bomb", "gif", "oversize", "type", "empty"],
)
def test_bad_files_are_refused_by_name_and_nothing_is_stored(shop, media, settings, name, data, message):
    settings.SERVICE_ATTACHMENT_MAX_BYTES = 200_000
    with pytest.raises(ValidationError) as refused:
        file_add(scope=shop.scope(), owner="work_order", owner_id=shop.order.pk, upload=upload(data, name))
    assert name in refused.value.message_dict["file"][0] and message in refused.value.message_dict["file"][0]
    # With a good file in the same request: neither is kept.
    client = signed_in(shop.marco)
    response = client.post(
        f"/desk/files/work_order/{shop.order.pk}/", {"file": [upload(PDF, "good.pdf"), upload(data, name)]}
    )
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert response.status_code == 302 and len(said) == 1 and name in said[0] and message in said[0]
    assert not WorkFile.objects.exists() and stored(media) == []
    assert not AuditEvent.objects.filter(action="work_file.add").exists()


def test_htmx_answers_the_box_itself_with_its_errors(shop):
    client = signed_in(shop.marco)
    url = f"/desk/files/work_order/{shop.order.pk}/"
    refused = client.post(url, {"file": upload(b"GIF89a-nope", "x.png")}, HTTP_HX_REQUEST="true")
    body = refused.content.decode()
    assert refused.status_code == 200 and 'data-testid="file-errors"' in body and "x.png" in body
    assert "<html" not in body
    page = f"/desk/work-orders/{shop.order.pk}/"
    sent = {"photo": upload(picture(), "a.png"), "next": page}
    added = client.post(url, sent, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="file"' in added and "a.png" in added and 'data-testid="file-errors"' not in added
    assert f'name="next" value="{page}"' in added  # the forms still go back to the page the box is on


def test_every_owner_takes_files(shop, tenant):
    equipment = Equipment.objects.create(
        organisation=shop.org, customer=shop.order.customer, name="Caldaia", serial="CLD-1"
    )
    team = Team.objects.create(organisation=shop.org, name="Assistenza")
    ticket = Ticket.objects.create(
        organisation=shop.org, number="T0000001", subject="Perdita", team=team, customer=shop.order.customer
    )
    report = WorkReport.objects.create(organisation=shop.org, work_order=shop.order)
    for kind, owner in (("ticket", ticket), ("equipment", equipment), ("report", report)):
        saved = file_add(
            scope=shop.scope(shop.office), owner=kind, owner_id=owner.pk, upload=upload(PDF, f"{kind}.pdf")
        )
        assert getattr(saved, kind) == owner
        assert f"{kind}.pdf" in box(signed_in(shop.marco), kind, owner.pk)
    with pytest.raises(ValidationError, match="Files are kept on"):
        file_add(scope=shop.scope(), owner="customer", owner_id=1, upload=upload(PDF))


def test_another_organisation_gets_404_on_everything(shop, other_tenant, media):
    saved = file_add(scope=shop.scope(), owner="work_order", owner_id=shop.order.pk, upload=upload(PDF, "ours.pdf"))
    theirs = shop_of(other_tenant, "-other")
    stranger = signed_in(theirs.office)
    assert stranger.get(f"/desk/files/{saved.pk}/").status_code == 404
    assert stranger.get(f"/desk/files/work_order/{shop.order.pk}/").status_code == 404
    assert stranger.post(f"/desk/files/{saved.pk}/remove/").status_code == 404
    sent = stranger.post(f"/desk/files/work_order/{shop.order.pk}/", {"file": upload(PDF, "intruder.pdf")})
    assert sent.status_code == 404
    assert stranger.get(f"/api/v1/work-files/{saved.pk}").status_code == 404
    assert stranger.get(f"/api/v1/work-orders/{shop.order.pk}/files").status_code == 404
    assert stranger.delete(f"/api/v1/work-files/{saved.pk}").status_code == 404
    with pytest.raises(WorkOrder.DoesNotExist):
        file_add(scope=theirs.scope(), owner="work_order", owner_id=shop.order.pk, upload=upload(PDF))
    assert box(stranger, "work_order", theirs.order.pk).count('data-testid="file"') == 0
    assert list(WorkFile.objects.values_list("name", flat=True)) == ["ours.pdf"] and len(stored(media)) == 1


def test_portal_contacts_and_other_roles_see_no_files(shop):
    saved = file_add(scope=shop.scope(), owner="work_order", owner_id=shop.order.pk, upload=upload(PDF))
    contact = member(shop.org, Role.PORTAL_CONTACT, email="anna@cliente.example")
    assert signed_in(contact).get(f"/desk/files/{saved.pk}/").status_code in (403, 404)
    assert signed_in(contact).get(f"/api/v1/work-files/{saved.pk}").status_code in (403, 404)


def test_a_signed_report_refuses_new_files_and_keeps_its_own(shop, media):
    report = WorkReport.objects.create(organisation=shop.org, work_order=shop.order)
    kept = file_add(scope=shop.scope(), owner="report", owner_id=report.pk, upload=upload(picture(), "before.png"))
    WorkReport.objects.filter(pk=report.pk).update(status=ReportStatus.SIGNED)
    with pytest.raises(ValidationError, match="signed"):
        file_add(scope=shop.scope(), owner="report", owner_id=report.pk, upload=upload(PDF, "after.pdf"))
    with pytest.raises(ValidationError, match="signed"):
        file_remove(scope=shop.scope(shop.office), file_id=kept.pk)
    client = signed_in(shop.marco)
    body = box(client, "report", report.pk)
    assert 'data-testid="files-frozen"' in body and 'data-testid="file-form"' not in body and "before.png" in body
    assert f"/desk/files/{kept.pk}/remove/" not in body
    page = client.post(f"/desk/files/report/{report.pk}/", {"file": upload(PDF, "after.pdf")})
    assert "signed" in str(next(iter(get_messages(page.wsgi_request))))
    api = client.post(f"/api/v1/work-reports/{report.pk}/files", {"file": upload(PDF, "after.pdf")})
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "file"
    assert list(WorkFile.objects.values_list("name", flat=True)) == ["before.png"] and len(stored(media)) == 1


def test_who_removes_a_file(shop, media, django_capture_on_commit_callbacks):
    mine = file_add(scope=shop.scope(), owner="work_order", owner_id=shop.order.pk, upload=upload(PDF, "mine.pdf"))
    with pytest.raises(PermissionDenied):
        file_remove(scope=shop.scope(shop.luca), file_id=mine.pk)  # a colleague's
    body = box(signed_in(shop.luca), "work_order", shop.order.pk)
    assert f"/desk/files/{mine.pk}/remove/" not in body
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(shop.marco).post(f"/desk/files/{mine.pk}/remove/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == f"/desk/files/work_order/{shop.order.pk}/"
    assert not WorkFile.objects.exists() and stored(media) == []
    assert AuditEvent.objects.filter(action="work_file.remove", object_id=str(shop.order.pk)).exists()
    other = file_add(scope=shop.scope(), owner="work_order", owner_id=shop.order.pk, upload=upload(PDF))
    with django_capture_on_commit_callbacks(execute=True):
        file_remove(scope=shop.scope(shop.office), file_id=other.pk)  # the office cleans up
    assert not WorkFile.objects.exists() and stored(media) == []


def test_the_api_lists_uploads_downloads_and_deletes(shop, media, django_capture_on_commit_callbacks):
    client = signed_in(shop.marco)
    url = f"/api/v1/work-orders/{shop.order.pk}/files"
    sent = client.post(url, {"file": [upload(PDF, "a.pdf"), upload(picture("WEBP"), "b.webp")]})
    assert sent.status_code == 201 and [f["name"] for f in sent.json()] == ["a.pdf", "b.webp"]
    listed = client.get(url).json()
    assert {f["name"] for f in listed} == {"a.pdf", "b.webp"} and all(f["url"].startswith("/api/v1/") for f in listed)
    pdf = next(f for f in listed if f["name"] == "a.pdf")
    got = client.get(pdf["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"].startswith("attachment;") and got["X-Content-Type-Options"] == "nosniff"
    bomb = client.post(url, {"file": upload(picture(size=(12000, 12000), mode="1"), "bomb.png")})
    assert bomb.status_code == 422 and "too many pixels" in bomb.json()["errors"][0]["message"]
    assert client.post(url, {}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(pdf["url"]).status_code == 204
    assert client.get(pdf["url"]).status_code == 404 and len(stored(media)) == 1
    assert client.get(f"/api/v1/equipment/{shop.order.pk + 1000}/files").status_code == 404
