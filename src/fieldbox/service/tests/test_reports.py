"""The digital work report: written while the work is carried out, signed by the technician and the customer, then
frozen (its content hashed), its hours become a time entry, its work order is done and its PDF goes to the customer
through the outbox; a signed report is never edited: a correction is a new version pointing to it."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.core.errors import Conflict
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.choices import MaterialUse, ReportStatus, TimeKind, WorkOrderStatus
from fieldbox.service.models import Contact, Material, TimeEntry, WorkOrder, WorkReport
from fieldbox.service.services.reports import (
    ExpenseLine,
    MaterialLine,
    content_hash,
    pdf_of,
    report_correct,
    report_draft,
    report_send,
    report_sign,
    report_update,
)
from fieldbox.service.services.work_orders import (
    work_order_answer,
    work_order_create,
    work_order_move,
    work_order_plan,
)

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=ROME)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 7, hour, minute, tzinfo=ROME)


def drawing(width: int = 600, height: int = 200) -> str:
    """A signature as signature_pad gives it: a PNG data URL, a black stroke on a transparent background."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 150), (120, 40), (220, 160), (400, 60)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@dataclass
class Work:
    marco: User
    office: User
    order: WorkOrder

    def scope(self, user: User | None = None):
        return scope_of(user or self.marco, self.order.organisation)

    def refresh(self) -> WorkOrder:
        self.order.refresh_from_db()
        return self.order


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def work(tenant) -> Work:
    """A work order planned for Marco this morning, sent, accepted and started."""
    org = tenant.company
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name="Condominio Aurora", email="amministrazione@aurora.example"
    )
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    office = member(org, Role.OFFICE, email="ufficio@rossi.example")
    marco = member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi")
    desk = scope_of(office, org)
    order = work_order_create(scope=desk, customer_id=customer.pk, site_id=site.pk, description="Manutenzione caldaia")
    work_order_plan(scope=desk, work_order_id=order.pk, starts_at=at(9), minutes=120, technician_id=marco.pk)
    work_order_move(scope=desk, work_order_id=order.pk, action="send")
    mine = scope_of(marco, org)
    work_order_answer(scope=mine, work_order_id=order.pk, accept=True)
    work_order_move(scope=mine, work_order_id=order.pk, action="start")
    order.refresh_from_db()
    return Work(marco=marco, office=office, order=order)


def written(work: Work) -> WorkReport:
    report = report_draft(scope=work.scope(), work_order_id=work.order.pk)
    return report_update(
        scope=work.scope(),
        report_id=report.pk,
        arrived_at=at(9, 5),
        left_at=at(11, 20),
        work_done="Sostituita la valvola di sicurezza, pulito il bruciatore.",
        observations="Tutto bene.",
        travel_minutes=35,
        travel_km="18.4",
        materials=[
            MaterialLine("Valvola di sicurezza 3 bar", "1", "pc", "VS-3"),
            MaterialLine("Guarnizioni", "4", "pc", use=MaterialUse.LEFT),
        ],
        expenses=[ExpenseLine("toll", "3.105", "A14"), ExpenseLine("parking", 2)],
    )


def sign(work: Work, report: WorkReport, **changes):
    values = {
        "technician_name": "Marco Bianchi",
        "technician_signature": drawing(),
        "customer_name": "Anna Verdi",
        "customer_signature": drawing(500, 180),
    }
    values.update(changes)
    with time_machine.travel(NOW, tick=False):
        return report_sign(scope=work.scope(), report_id=report.pk, **values)


def test_signing_freezes_the_report_with_its_hash_writes_the_hours_finishes_the_work_and_mails_the_pdf(work):
    report = written(work)
    assert report.status == ReportStatus.DRAFT
    assert [str(e.amount) for e in report.expenses.order_by("pk")] == ["3.11", "2.00"]  # rounded once, half up

    signed = sign(work, report)
    report = WorkReport.objects.get(pk=report.pk)
    assert report.status == ReportStatus.SIGNED and signed.sent_to == "amministrazione@aurora.example"
    assert report.content_hash == content_hash(report.content) and len(report.content_hash) == 64
    content = report.content
    assert content["work_order"]["number"] == work.order.number and content["customer_name"] == "Anna Verdi"
    assert [m["description"] for m in content["materials"]] == ["Valvola di sicurezza 3 bar", "Guarnizioni"]
    assert content["expenses_total"] == "5.11" and content["minutes"] == 135 and content["travel_km"] == "18.4"
    assert report.technician_signature.name.startswith(f"work-reports/{work.order.organisation_id}/")
    assert pdf_of(report).startswith(b"%PDF")

    assert work.refresh().status == WorkOrderStatus.DONE
    entry = TimeEntry.objects.get(report=report)
    assert (entry.user, entry.kind, entry.work_order_id) == (work.marco, TimeKind.WORK, work.order.pk)
    assert (entry.starts_at, entry.ends_at, entry.minutes) == (at(9, 5), at(11, 20), 135)

    mail = OutboxMessage.objects.get(kind="service.work_report")
    assert mail.recipient == "amministrazione@aurora.example" and mail.language == "it"
    assert [a["name"] for a in mail.data["attachments"]] == [f"work-report-{work.order.number}-v1.pdf"]
    assert mail.data["attachments"][0]["mimetype"] == "application/pdf"


def test_a_signed_report_cannot_be_signed_or_changed_again(work):
    report = written(work)
    sign(work, report)
    frozen = WorkReport.objects.get(pk=report.pk)
    with pytest.raises(Conflict) as refused:
        sign(work, report)
    assert "already signed" in refused.value.message
    with pytest.raises(Conflict):
        report_update(scope=work.scope(), report_id=report.pk, work_done="Altro")
    again = WorkReport.objects.get(pk=report.pk)
    assert (again.content_hash, again.work_done, again.signed_at) == (
        frozen.content_hash,
        frozen.work_done,
        frozen.signed_at,
    )
    assert OutboxMessage.objects.filter(kind="service.work_report").count() == 1
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer_name": "  "}, "customer_name"),
        ({"technician_name": ""}, "technician_name"),
        ({"customer_signature": ""}, "customer_signature"),
        (
            {"customer_signature": "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode()},
            "customer_signature",
        ),
        ({"technician_signature": "data:text/html;base64,PGgxPg=="}, "technician_signature"),
        ({"technician_signature": drawing().replace("base64,", "base64,!!")}, "technician_signature"),
    ],
)
def test_a_signature_without_a_name_or_that_is_not_a_png_is_refused_and_nothing_changes(work, changes, field):
    report = written(work)
    with pytest.raises(ValidationError) as refused:
        sign(work, report, **changes)
    assert field in refused.value.message_dict
    _nothing_signed(work, report)


def _blank() -> str:
    out = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _bomb() -> str:
    """A tiny file that decodes to 100 million pixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000), 1).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 100_000
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_a_blank_signature_or_a_decompression_bomb_is_refused_and_nothing_changes(work):
    report = written(work)
    with pytest.raises(ValidationError) as refused:
        sign(work, report, customer_signature=_blank())
    assert "missing" in str(refused.value.message_dict["customer_signature"])
    with pytest.raises(ValidationError) as refused:
        sign(work, report, technician_signature=_bomb())
    assert "too large" in str(refused.value.message_dict["technician_signature"])
    _nothing_signed(work, report)


def _nothing_signed(work: Work, report: WorkReport) -> None:
    again = WorkReport.objects.get(pk=report.pk)
    assert again.status == ReportStatus.DRAFT and not again.content_hash and not again.technician_signature
    assert work.refresh().status == WorkOrderStatus.IN_PROGRESS
    assert not TimeEntry.objects.exists() and not OutboxMessage.objects.filter(kind="service.work_report").exists()


def test_signing_needs_the_times_and_the_work_done(work):
    report = report_draft(scope=work.scope(), work_order_id=work.order.pk)
    with pytest.raises(ValidationError) as refused:
        sign(work, report)
    assert set(refused.value.message_dict) == {"arrived_at", "left_at", "work_done"}
    with pytest.raises(ValidationError) as refused:
        report_update(scope=work.scope(), report_id=report.pk, arrived_at=at(12), left_at=at(11))
    assert "left_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        report_update(scope=work.scope(), report_id=report.pk, expenses=[ExpenseLine("toll", "-1")])
    assert "Line 1" in str(refused.value.message_dict["expenses"])
    with pytest.raises(ValidationError) as refused:
        report_update(scope=work.scope(), report_id=report.pk, materials=[MaterialLine("Tubo", "0")])
    assert "Line 1" in str(refused.value.message_dict["materials"])
    assert WorkReport.objects.get(pk=report.pk).arrived_at is None
    assert not Material.objects.filter(work_order=work.order).exists()


def test_hours_that_overlap_other_hours_refuse_the_signing(work):
    report = written(work)
    from fieldbox.service.services.hours import record_entry

    record_entry(organisation=work.order.organisation, user_id=work.marco.pk, starts_at=at(8), ends_at=at(10))
    with pytest.raises(ValidationError) as refused:
        sign(work, report)
    assert "overlap" in str(refused.value.message_dict["arrived_at"])
    assert WorkReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_opening_the_report_twice_gives_the_same_draft_and_only_on_accepted_or_started_work(work, tenant):
    first = report_draft(scope=work.scope(), work_order_id=work.order.pk)
    assert report_draft(scope=work.scope(), work_order_id=work.order.pk).pk == first.pk
    luca = member(tenant.company, Role.TECHNICIAN, email="luca@rossi.example")
    with pytest.raises(ValidationError):  # not on this work order
        report_update(scope=scope_of(luca, tenant.company), report_id=first.pk, work_done="x")
    desk = work.scope(work.office)
    other = work_order_create(scope=desk, customer_id=work.order.customer_id, description="Collaudo")
    with pytest.raises(Conflict):  # still to plan
        report_draft(scope=desk, work_order_id=other.pk)


def test_a_correction_is_version_2_pointing_to_1_which_is_corrected_only_once_2_is_signed(work):
    report = written(work)
    sign(work, report)
    with pytest.raises(Conflict):  # a signed report is never opened as a draft again
        report_draft(scope=work.scope(), work_order_id=work.order.pk)
    correction = report_correct(scope=work.scope(), report_id=report.pk)
    assert (correction.version, correction.replaces_id, correction.status) == (2, report.pk, ReportStatus.DRAFT)
    assert correction.work_done == report.work_done and correction.expenses.count() == 2
    assert report_correct(scope=work.scope(), report_id=report.pk).pk == correction.pk  # asked twice, one draft
    assert WorkReport.objects.get(pk=report.pk).status == ReportStatus.SIGNED  # in force until 2 is signed

    report_update(scope=work.scope(), report_id=correction.pk, left_at=at(11, 50), expenses=[])
    sign(work, correction)
    assert WorkReport.objects.get(pk=report.pk).status == ReportStatus.CORRECTED
    signed = WorkReport.objects.get(pk=correction.pk)
    assert signed.status == ReportStatus.SIGNED and signed.content["replaces"] == 1
    assert signed.content_hash != WorkReport.objects.get(pk=report.pk).content_hash
    entry = TimeEntry.objects.get()  # the hours moved with the correction, not doubled
    assert (entry.report_id, entry.minutes) == (correction.pk, 165)
    with pytest.raises(Conflict):  # the replaced version is history
        report_correct(scope=work.scope(), report_id=report.pk)
    with pytest.raises(Conflict):
        report_send(scope=work.scope(), report_id=report.pk)


def test_sending_again_goes_through_the_outbox_to_the_default_contact_or_a_typed_address(work):
    report = written(work)
    Customer.objects.filter(pk=work.order.customer_id).update(email="")
    Contact.objects.create(
        organisation=work.order.organisation,
        customer_id=work.order.customer_id,
        name="Anna Verdi",
        email="anna@aurora.example",
        is_default=True,
    )
    assert sign(work, report).sent_to == "anna@aurora.example"
    assert report_send(scope=work.scope(), report_id=report.pk) == "anna@aurora.example"
    assert report_send(scope=work.scope(), report_id=report.pk, to="capo@aurora.example") == "capo@aurora.example"
    mails = list(OutboxMessage.objects.filter(kind="service.work_report").order_by("pk"))
    assert [m.recipient for m in mails] == ["anna@aurora.example"] * 2 + ["capo@aurora.example"]
    assert all(m.data["attachments"][0]["name"] == f"work-report-{work.order.number}-v1.pdf" for m in mails)
    with pytest.raises(ValidationError):
        report_send(scope=work.scope(), report_id=report.pk, to="not an address")


def test_without_an_address_the_report_is_signed_and_sending_says_what_is_missing(work):
    Customer.objects.filter(pk=work.order.customer_id).update(email="")
    report = written(work)
    assert sign(work, report).sent_to == ""
    with pytest.raises(Conflict) as refused:
        report_send(scope=work.scope(), report_id=report.pk)
    assert "no e-mail address" in refused.value.message
    assert not OutboxMessage.objects.filter(kind="service.work_report").exists()


def test_another_organisation_sees_nothing(work, other_tenant):
    report = written(work)
    stranger = member(other_tenant.company, Role.TECHNICIAN, email="x@other.example")
    outside = scope_of(stranger, other_tenant.company)
    for call in (
        lambda: report_draft(scope=outside, work_order_id=work.order.pk),
        lambda: report_update(scope=outside, report_id=report.pk, work_done="x"),
        lambda: report_correct(scope=outside, report_id=report.pk),
        lambda: report_send(scope=outside, report_id=report.pk),
        lambda: report_sign(
            scope=outside,
            report_id=report.pk,
            technician_name="X",
            technician_signature=drawing(),
            customer_name="Y",
            customer_signature=drawing(),
        ),
    ):
        with pytest.raises((WorkOrder.DoesNotExist, WorkReport.DoesNotExist)):
            call()
    assert WorkReport.objects.get(pk=report.pk).work_done.startswith("Sostituita")


def test_quantities_and_amounts_are_decimals(work):
    report = written(work)
    used = Material.objects.get(work_order=work.order, use=MaterialUse.USED)
    assert used.quantity == Decimal("1.00") and used.code == "VS-3"
    assert report.travel_km == Decimal("18.4")


# ---- The phone's pages ---------------------------------------------------------------------------------------


def test_the_phone_walks_from_my_day_to_the_signed_report(work, other_tenant):
    from fieldbox.accounts.tests.fixtures import signed_in

    phone = signed_in(work.marco)
    order = work.order
    with time_machine.travel(at(10), tick=False):
        day = phone.get("/field/").content.decode()
    assert order.number in day and 'data-testid="next-action"' in day and "Write the report" in day

    page = phone.get(f"/field/work-orders/{order.pk}/").content.decode()
    assert 'data-step="report"' in page and 'data-hook="clock-in"' in page and 'data-hook="checklist"' in page
    opened = phone.post(f"/field/work-orders/{order.pk}/report/")
    report = WorkReport.objects.get(work_order=order)
    assert opened.status_code == 302 and opened["Location"] == f"/field/reports/{report.pk}/"
    form = {
        "arrived_at": "2026-12-07T09:05",
        "left_at": "2026-12-07T11:20",
        "work_done": "Sostituita la valvola.",
        "observations": "",
        "travel_minutes": "30",
        "travel_km": "12.5",
        "materials-TOTAL_FORMS": "2",
        "materials-INITIAL_FORMS": "0",
        "materials-0-description": "Valvola 3 bar",
        "materials-0-quantity": "1",
        "materials-0-unit": "pc",
        "materials-0-code": "",
        "materials-0-use": "used",
        "materials-1-description": "",
        "materials-1-use": "used",
        "expenses-TOTAL_FORMS": "1",
        "expenses-INITIAL_FORMS": "0",
        "expenses-0-kind": "parking",
        "expenses-0-amount": "2.5",
        "expenses-0-description": "",
        "go": "sign",
    }
    bad = phone.post(f"/field/reports/{report.pk}/", {**form, "expenses-0-kind": "", "go": "sign"})
    assert bad.status_code == 422 and "Line 1" in bad.content.decode()
    saved = phone.post(f"/field/reports/{report.pk}/", form)
    assert saved.status_code == 302 and saved["Location"] == f"/field/reports/{report.pk}/sign/"
    sign_page = phone.get(saved["Location"]).content.decode()
    assert "signature_pad/signature_pad.umd.min.js" in sign_page and "Valvola 3 bar" in sign_page

    names = {"technician_name": "Marco Bianchi", "customer_name": "", "technician_signature": drawing()}
    refused = phone.post(f"/field/reports/{report.pk}/sign/", {**names, "customer_signature": drawing()})
    assert refused.status_code == 422 and "Type the signer" in refused.content.decode()
    assert WorkReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    done = phone.post(
        f"/field/reports/{report.pk}/sign/",
        {**names, "customer_name": "Anna Verdi", "customer_signature": drawing()},
        follow=True,
    ).content.decode()
    assert "on its way to amministrazione@aurora.example" in done and 'data-testid="pdf"' in done
    pdf = phone.get(f"/field/reports/{report.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    again = phone.post(f"/field/reports/{report.pk}/send/", {"to": ""}, follow=True).content.decode()
    assert "on its way to" in again
    assert OutboxMessage.objects.filter(kind="service.work_report").count() == 2
    twice = phone.post(f"/field/reports/{report.pk}/sign/", follow=True).content.decode()
    assert "already signed" in twice

    corrected = phone.post(f"/field/reports/{report.pk}/correct/")
    correction = WorkReport.objects.get(replaces=report)
    assert corrected["Location"] == f"/field/reports/{correction.pk}/" and correction.version == 2
    page = phone.get(f"/field/work-orders/{order.pk}/").content.decode()
    assert 'data-step="sign"' in page  # the done work order's correction waits for its signatures

    stranger = signed_in(member(other_tenant.company, Role.TECHNICIAN, email="x@other.example"))
    for url in (f"/field/work-orders/{order.pk}/", f"/field/reports/{report.pk}/", f"/field/reports/{report.pk}/pdf/"):
        assert stranger.get(url).status_code == 404
    assert stranger.post(f"/field/reports/{report.pk}/send/").status_code == 404


def test_the_api_reads_changes_signs_corrects_and_sends(work, other_tenant):
    from fieldbox.accounts.tests.fixtures import signed_in

    api = signed_in(work.marco)
    order = work.order
    opened = api.post(f"/api/v1/work-orders/{order.pk}/report")
    assert opened.status_code == 200, opened.content
    rid = opened.json()["id"]
    body = {
        "arrived_at": "2026-12-07T09:00:00+01:00",
        "left_at": "2026-12-07T10:30:00+01:00",
        "work_done": "Collaudo",
        "materials": [{"description": "Fusibile", "quantity": "2", "use": "left"}],
        "expenses": [{"kind": "toll", "amount": 4.2}],
    }
    changed = api.patch(f"/api/v1/work-reports/{rid}", body, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["materials"][0]["use"] == "left" and changed.json()["expenses"][0]["amount"] == "4.20"
    unsigned = {
        "technician_name": "Marco",
        "technician_signature": drawing(),
        "customer_name": "",
        "customer_signature": drawing(),
    }
    refused = api.post(f"/api/v1/work-reports/{rid}/sign", unsigned, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "customer_name"
    signed = api.post(
        f"/api/v1/work-reports/{rid}/sign", {**unsigned, "customer_name": "Anna"}, content_type="application/json"
    )
    assert (
        signed.status_code == 200 and signed.json()["status"] == "signed" and len(signed.json()["content_hash"]) == 64
    )
    assert (
        api.post(
            f"/api/v1/work-reports/{rid}/sign", {**unsigned, "customer_name": "Anna"}, content_type="application/json"
        ).status_code
        == 409
    )
    assert api.get(f"/api/v1/work-reports/{rid}/pdf").content.startswith(b"%PDF")
    assert api.post(f"/api/v1/work-reports/{rid}/send", {}, content_type="application/json").status_code == 202
    correction = api.post(f"/api/v1/work-reports/{rid}/correct")
    assert (
        correction.status_code == 201 and correction.json()["replaces_id"] == rid and correction.json()["version"] == 2
    )

    stranger = signed_in(member(other_tenant.company, Role.TECHNICIAN, email="x@other.example"))
    assert stranger.get(f"/api/v1/work-reports/{rid}").status_code == 404
    assert stranger.get(f"/api/v1/work-reports/{rid}/pdf").status_code == 404
    assert stranger.post(f"/api/v1/work-orders/{order.pk}/report").status_code == 404
