"""Checklists on work orders (one mechanism with the jobs' checklists): a type of work names its checklists, the work
order's runs start with the work and keep their questions as they were, answers are checked, finishing and signing
wait for the required questions, and the signed report keeps the answers."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from PIL import Image

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs.checks.services import question_save
from fieldbox.jobs.choices import ChecklistKind, CheckType
from fieldbox.jobs.models import Answer, Checklist, Question
from fieldbox.service.choices import ReportStatus, WorkOrderStatus
from fieldbox.service.models import WorkOrder, WorkOrderRun, WorkType
from fieldbox.service.services import checklists
from fieldbox.service.services.reports import report_draft, report_sign, report_update
from fieldbox.service.services.work_orders import (
    work_order_answer,
    work_order_create,
    work_order_move,
    work_order_plan,
)
from fieldbox.service.tests.test_reports import at, drawing
from fieldbox.service.tests.test_work_order_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@dataclass
class Setup:
    admin: User
    office: User
    marco: User
    work_type: WorkType
    checklist: Checklist
    order: WorkOrder

    def scope(self, user: User | None = None):
        return scope_of(user or self.marco, self.order.organisation)


def _question(admin_scope, label: str, kind: str, **fields) -> Question:
    return question_save(
        scope=admin_scope, kind=ChecklistKind.WORK_ORDER, checklist="Caldaia", label=label, type=kind, **fields
    )


@pytest.fixture
def setup(tenant) -> Setup:
    """A type of work with a checklist (a required yes/no, a pressure from 1 to 3 bar, an optional note), and a work
    order of that type planned for Marco, sent and accepted (not started yet)."""
    org = tenant.company
    admin = tenant.company_admin
    admin_scope = scope_of(admin, org)
    _question(admin_scope, "Valvola controllata", CheckType.CHECK, required=True)
    _question(admin_scope, "Pressione", CheckType.NUMBER, required=True, unit="bar", min_value="1", max_value="3")
    _question(admin_scope, "Note", CheckType.TEXT, required=False)
    checklist = Checklist.objects.get(organisation=org, kind=ChecklistKind.WORK_ORDER, name="Caldaia")
    office = member(org, Role.OFFICE, email="ufficio@rossi.example")
    marco = member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi")
    desk = scope_of(office, org)
    work_type = WorkType.objects.create(organisation=org, name="Manutenzione caldaia", minutes=120)
    checklists.work_type_checklists_set(scope=desk, work_type_id=work_type.pk, checklist_ids=[checklist.pk])
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name="Condominio Aurora", email="amministrazione@aurora.example"
    )
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    order = work_order_create(
        scope=desk, customer_id=customer.pk, site_id=site.pk, description="Manutenzione", work_type_id=work_type.pk
    )
    work_order_plan(scope=desk, work_order_id=order.pk, starts_at=at(9), minutes=120, technician_id=marco.pk)
    work_order_move(scope=desk, work_order_id=order.pk, action="send")
    work_order_answer(scope=scope_of(marco, org), work_order_id=order.pk, accept=True)
    order.refresh_from_db()
    return Setup(admin, office, marco, work_type, checklist, order)


def started(s: Setup) -> int:
    """Start the work; the id of its one run."""
    work_order_move(scope=s.scope(), work_order_id=s.order.pk, action="start")
    return WorkOrderRun.objects.get(work_order=s.order).run_id


def keys(s: Setup) -> dict[str, str]:
    return {line.item.label: line.item.key for line in checklists.lines_of(s.order)}


def answer(s: Setup, run_id: int, label: str, value):
    return checklists.checklist_answer(
        scope=s.scope(), work_order_id=s.order.pk, run_id=run_id, key=keys(s)[label], value=value
    )


def test_starting_the_work_order_snapshots_its_types_checklists(setup):
    assert not WorkOrderRun.objects.filter(work_order=setup.order).exists()
    run_id = started(setup)
    labels = [line.item.label for line in checklists.lines_of(setup.order)]
    assert labels == ["Valvola controllata", "Pressione", "Note"]
    assert checklists.missing_required(setup.order) == ["Valvola controllata", "Pressione"]
    # Starting again (a hold and a new start) never makes a second run of the same checklist.
    checklists.checklist_runs_start(setup.order)
    assert list(WorkOrderRun.objects.filter(work_order=setup.order).values_list("run_id", flat=True)) == [run_id]


def test_editing_the_checklist_afterwards_does_not_change_the_run(setup):
    started(setup)
    admin_scope = scope_of(setup.admin, setup.order.organisation)
    pressure = Question.objects.get(checklist=setup.checklist, label="Pressione")
    question_save(
        scope=admin_scope,
        question_id=pressure.pk,
        kind=ChecklistKind.WORK_ORDER,
        checklist="Caldaia",
        label="Pressione impianto",
        type=CheckType.NUMBER,
        required=True,
        unit="bar",
        min_value="0",
        max_value="10",
    )
    _question(admin_scope, "Fumi analizzati", CheckType.CHECK, required=True)
    lines = checklists.lines_of(setup.order)
    assert [line.item.label for line in lines] == ["Valvola controllata", "Pressione", "Note"]
    assert lines[1].item.max == "3"


def test_a_number_out_of_bounds_is_refused_and_nothing_changes(setup):
    run_id = started(setup)
    answer(setup, run_id, "Pressione", "2,5")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        answer(setup, run_id, "Pressione", "7")
    assert "value" in refused.value.message_dict
    assert "1" in refused.value.message_dict["value"][0] and "3" in refused.value.message_dict["value"][0]
    assert Answer.objects.get(run_id=run_id, key=keys(setup)["Pressione"]).value == "2.5"
    assert AuditEvent.objects.count() == events


def test_answers_only_while_carried_out_and_by_its_people(setup, tenant):
    org = setup.order.organisation
    run_id = started(setup)
    luca = member(org, Role.TECHNICIAN, email="luca@rossi.example")
    with pytest.raises(ValidationError):
        checklists.checklist_answer(
            scope=scope_of(luca, org),
            work_order_id=setup.order.pk,
            run_id=run_id,
            key=keys(setup)["Valvola controllata"],
            value="yes",
        )
    assert not Answer.objects.filter(run_id=run_id).exists()


def test_finishing_is_refused_while_a_required_question_is_missing(setup):
    run_id = started(setup)
    with pytest.raises(ValidationError) as refused:
        work_order_move(scope=setup.scope(), work_order_id=setup.order.pk, action="finish")
    assert "Valvola controllata" in refused.value.message_dict["checklist"][0]
    setup.order.refresh_from_db()
    assert setup.order.status == WorkOrderStatus.IN_PROGRESS
    answer(setup, run_id, "Valvola controllata", "yes")
    answer(setup, run_id, "Pressione", "2")
    work_order_move(scope=setup.scope(), work_order_id=setup.order.pk, action="finish")
    setup.order.refresh_from_db()
    assert setup.order.status == WorkOrderStatus.DONE


def _written(s: Setup):
    report = report_draft(scope=s.scope(), work_order_id=s.order.pk)
    return report_update(
        scope=s.scope(), report_id=report.pk, arrived_at=at(9, 5), left_at=at(11), work_done="Controllata la caldaia."
    )


def _sign(s: Setup, report_id: int):
    return report_sign(
        scope=s.scope(),
        report_id=report_id,
        technician_name="Marco Bianchi",
        technician_signature=drawing(),
        customer_name="Anna Verdi",
        customer_signature=drawing(),
    )


def test_signing_waits_for_the_required_questions_and_keeps_the_answers(setup):
    run_id = started(setup)
    answer(setup, run_id, "Valvola controllata", "yes")
    report = _written(setup)
    with pytest.raises(ValidationError) as refused:
        _sign(setup, report.pk)
    assert "Pressione" in refused.value.message_dict["checklist"][0]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not report.content_hash
    answer(setup, run_id, "Pressione", "2.50")
    answer(setup, run_id, "Note", "Bruciatore pulito")
    signed = _sign(setup, report.pk).report
    [checklist] = signed.content["checklists"]
    assert checklist["name"] == "Caldaia"
    given = {q["label"]: q["shown"] for q in checklist["questions"]}
    assert given == {"Valvola controllata": "yes", "Pressione": "2.5 bar", "Note": "Bruciatore pulito"}
    setup.order.refresh_from_db()
    assert setup.order.status == WorkOrderStatus.DONE
    # The answers are frozen with the report: the work order's state no longer lets anyone change them.
    with pytest.raises(Exception):  # noqa: B017 - a Conflict (409): the work order is done
        answer(setup, run_id, "Note", "cambiata")
    assert signed.content["checklists"][0]["questions"][2]["value"] == "Bruciatore pulito"


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


def test_photos_are_checked_and_served_only_to_the_organisation(setup, other_tenant):
    admin_scope = scope_of(setup.admin, setup.order.organisation)
    _question(admin_scope, "Foto targa", CheckType.PHOTO, required=True)
    run_id = started(setup)
    key = keys(setup)["Foto targa"]
    with pytest.raises(ValidationError):
        checklists.checklist_photo_add(
            scope=setup.scope(),
            work_order_id=setup.order.pk,
            run_id=run_id,
            key=key,
            upload=SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
        )
    photo = checklists.checklist_photo_add(
        scope=setup.scope(), work_order_id=setup.order.pk, run_id=run_id, key=key, upload=_png()
    )
    assert "Foto targa" not in checklists.missing_required(setup.order)
    client = signed_in(setup.marco)
    assert client.get(reverse("service:checklist_photo", args=[photo.pk])).status_code == 200
    stranger = signed_in(other_tenant.company_admin)
    assert stranger.get(reverse("service:checklist_photo", args=[photo.pk])).status_code == 404
    with pytest.raises(Http404):
        checklists.photo_for(scope_of(other_tenant.company_admin, other_tenant.company), photo.pk)
    checklists.checklist_photo_delete(scope=setup.scope(), work_order_id=setup.order.pk, photo_id=photo.pk)
    assert "Foto targa" in checklists.missing_required(setup.order)


def test_another_organisation_gets_404(setup, other_tenant):
    run_id = started(setup)
    stranger = other_tenant.company_admin
    outside = scope_of(stranger, other_tenant.company)
    with pytest.raises(WorkOrder.DoesNotExist):
        checklists.checklist_answer(
            scope=outside, work_order_id=setup.order.pk, run_id=run_id, key=keys(setup)["Note"], value="x"
        )
    with pytest.raises(WorkType.DoesNotExist):
        checklists.work_type_checklists_set(scope=outside, work_type_id=setup.work_type.pk, checklist_ids=[])
    client = signed_in(stranger)
    url = reverse("service:checklist_answer", args=[setup.order.pk, run_id])
    assert client.post(url, {"item": keys(setup)["Note"], "value": "x"}).status_code == 404
    api = Api(stranger, other_tenant.company)
    assert api.get(f"/work-orders/{setup.order.pk}/checklist").status_code == 404
    assert (
        api.post(f"/work-orders/{setup.order.pk}/checklist/{run_id}/{keys(setup)['Note']}", {"value": "x"}).status_code
        == 404
    )
    assert api.call("put", f"/work-types/{setup.work_type.pk}/checklists", {"checklist_ids": []}).status_code == 404
    assert not Answer.objects.filter(run_id=run_id).exists()


def test_a_type_of_work_takes_only_the_organisations_work_order_checklists(setup, other_tenant):
    desk = setup.scope(setup.office)
    theirs = Checklist.objects.create(organisation=other_tenant.company, kind=ChecklistKind.WORK_ORDER, name="Loro")
    with pytest.raises(ValidationError) as refused:
        checklists.work_type_checklists_set(scope=desk, work_type_id=setup.work_type.pk, checklist_ids=[theirs.pk])
    assert "checklist_ids" in refused.value.message_dict
    assert list(setup.work_type.checklists.all()) == [setup.checklist]


def test_the_phone_answers_a_yes_no_and_shows_the_lines(setup):
    run_id = started(setup)
    client = signed_in(setup.marco)
    page = client.get(reverse("service:field_order", args=[setup.order.pk]))
    assert page.status_code == 200
    assert b"Valvola controllata" in page.content and b"data-offline" in page.content
    url = reverse("service:checklist_answer", args=[setup.order.pk, run_id])
    sent = client.post(url, {"item": keys(setup)["Valvola controllata"], "value": "yes"})
    assert sent.status_code == 302
    refused = client.post(url, {"item": keys(setup)["Pressione"], "value": "9"})
    assert refused.status_code == 422
    assert Answer.objects.get(run_id=run_id, key=keys(setup)["Valvola controllata"]).value == "yes"
    assert not Answer.objects.filter(run_id=run_id, key=keys(setup)["Pressione"]).exists()
    office = signed_in(setup.office).get(reverse("service:work_order", args=[setup.order.pk]))
    assert b"Valvola controllata" in office.content


def test_api_reads_answers_and_sets_a_types_checklists(setup):
    run_id = started(setup)
    api = Api(setup.marco, setup.order.organisation)
    base = f"/work-orders/{setup.order.pk}/checklist"
    got = api.get(base).json()
    assert got["missing"] == ["Valvola controllata", "Pressione"]
    key = keys(setup)["Pressione"]
    bad = api.post(f"{base}/{run_id}/{key}", {"value": "0.5"})
    assert bad.status_code == 422
    good = api.post(f"{base}/{run_id}/{key}", {"value": "1.5"})
    assert good.status_code == 200
    assert good.json()["missing"] == ["Valvola controllata"]
    office = Api(setup.office, setup.order.organisation)
    url = f"/work-types/{setup.work_type.pk}/checklists"
    assert api.call("put", url, {"checklist_ids": []}).status_code == 403
    assert office.call("put", url, {"checklist_ids": []}).status_code == 200
    assert not setup.work_type.checklists.exists()


def test_the_setup_page_chooses_a_types_checklists(setup):
    other = Checklist.objects.create(organisation=setup.order.organisation, kind=ChecklistKind.WORK_ORDER, name="Fumi")
    office = signed_in(setup.office)
    page = office.get(reverse("service:work_order_setup"))
    assert page.status_code == 200 and b"Fumi" in page.content
    assert b'data-testid="edit-checklists"' not in page.content  # the checklists are written by admins
    url = reverse("service:work_type_checklists", args=[setup.work_type.pk])
    assert office.post(url, {"checklists": [str(other.pk)]}).status_code == 302
    assert list(setup.work_type.checklists.all()) == [other]
    admin = signed_in(setup.admin).get(reverse("service:work_order_setup"))
    assert b'data-testid="edit-checklists"' in admin.content
    marco = signed_in(setup.marco)
    assert marco.post(url, {"checklists": []}).status_code == 403
    assert list(setup.work_type.checklists.all()) == [other]
