"""Configurable checklists: every type of question, runs that keep their questions, bad answers that change nothing,
work-order checklists, and the move of the old checklist items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.jobs import runs, services
from fieldbox.jobs.checklist import checklist_of, missing_required
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.choices import ChecklistKind, CheckType, JobKind, JobStatus
from fieldbox.jobs.models import Answer, Checklist, Job, Question, Run, RunPhoto
from fieldbox.jobs.tests.test_checks import image_bytes, item, paired, taken

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_BACKEND = "locmem"


def answer(client, job: Job, question: Question, value: object, **extra: str) -> str:
    data = {"item": question.pk, "value": value, **extra}
    return client.post(f"/jobs/{job.pk}/checks/", data, HTTP_HX_REQUEST="true").content.decode()


def test_every_type_of_question_is_answered_on_the_job_page_and_checked_by_the_server(tenant):
    pressure = item(tenant, "Tyre pressure", CheckType.NUMBER, unit="bar", min_value="1.5", max_value="3")
    notes = item(tenant, "What the owner said", CheckType.TEXT)
    parts = item(tenant, "Parts removed", CheckType.MULTI, options=["box", "antenna", "button"])
    job = taken(tenant, JobKind.REMOVAL)
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/?step=checklist").content.decode()
    assert 'inputmode="decimal"' in page and "From 1.5 to 3 bar" in page
    assert 'type="checkbox" name="value" value="antenna"' in page

    line = answer(client, job, pressure, "4,2")
    assert "Enter a number from 1.5 to 3 bar." in line
    assert "Enter a number, such as 12.5." in answer(client, job, pressure, "a lot")
    assert "Choose among: box, antenna, button." in answer(client, job, parts, ["box", "cable"], multi="1")
    assert not Answer.objects.exists(), "a refused answer writes nothing"
    assert missing_required(job) == ["Tyre pressure", "What the owner said", "Parts removed"]

    answer(client, job, pressure, "2,50")
    answer(client, job, notes, "  Keep the bracket  ")
    line = answer(client, job, parts, ["button", "box"], multi="1")
    assert 'value="box" checked' in line and 'value="button" checked' in line and 'value="antenna">' in line
    values = {a.key: a.value for a in Answer.objects.all()}
    assert values == {pressure.key: "2.5", notes.key: "Keep the bracket", parts.key: ["box", "button"]}
    assert not missing_required(job)
    client.post(f"/jobs/{job.pk}/complete/")
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


def test_the_api_answers_a_number_and_a_multiple_choice_and_refuses_bad_ones(tenant):
    pressure = item(tenant, "Voltage", CheckType.NUMBER, unit="V", min_value=11)
    parts = item(tenant, "Parts removed", CheckType.MULTI, options=["box", "antenna"])
    job = taken(tenant, JobKind.REMOVAL)
    client = signed_in(tenant.installer)
    url = f"/api/v1/jobs/{job.pk}/checklist"
    low = client.put(f"{url}/{pressure.pk}", {"value": "9"}, content_type="application/json")
    assert low.status_code == 422 and "Enter a number of at least 11 V." in low.content.decode()
    unknown = client.put(f"{url}/{parts.pk}", {"value": ["box", "wheel"]}, content_type="application/json")
    assert unknown.status_code == 422 and not Answer.objects.exists() and not Run.objects.exists()
    done = client.put(f"{url}/{parts.pk}", {"value": ["antenna"]}, content_type="application/json").json()
    by_key = {line["key"]: line for line in done["items"]}
    assert by_key[parts.key]["value"] == ["antenna"] and by_key[parts.key]["done"]
    assert by_key[pressure.key]["unit"] == "V" and by_key[pressure.key]["min"] == "11"
    assert done["missing"] == ["Voltage"]


def test_a_started_run_keeps_its_questions_when_the_checklist_changes(tenant):
    fixed = item(tenant, "Box removed")
    led = item(tenant, "LED state", CheckType.CHOICE, options=["off", "red"])
    job = taken(tenant, JobKind.REMOVAL)
    client = signed_in(tenant.installer)
    answer(client, job, fixed, "yes")  # the run starts: a copy of the two questions

    admin = tenant.scope(tenant.provider_admin)
    checks.item_save(scope=admin, item_id=led.pk, label="LED colour", type="choice", kind="removal", options=["a", "b"])
    item(tenant, "Seal intact")
    checks.item_remove(scope=admin, item_id=fixed.pk)

    lines = checklist_of(job)
    assert [(x.item.label, x.item.options) for x in lines] == [("Box removed", []), ("LED state", ["off", "red"])]
    assert "Choose one of: off, red." in answer(client, job, led, "a")
    answer(client, job, led, "red")
    assert not missing_required(job)
    page = client.get(f"/jobs/{job.pk}/?step=checklist").content.decode()
    assert "LED state" in page and "LED colour" not in page and "Seal intact" not in page

    later = taken(tenant, JobKind.REMOVAL)  # a job that starts now gets the checklist as it is now
    assert [x.item.label for x in checklist_of(later)] == ["LED colour", "Seal intact"]


def test_a_work_order_checklist_is_edited_on_the_same_pages_and_run_without_a_job(tenant):
    client = signed_in(tenant.company_admin)  # an installer company runs work orders too
    refused = client.post("/jobs/checklists/new/", {"label": "Filter", "type": "check", "kind": "removal"})
    assert refused.status_code == 200 and not Question.objects.exists()
    for label, type_, extra in (
        ("Filter cleaned", "check", {}),
        ("Pressure", "number", {"unit": "bar", "min_value": "1", "max_value": "2,5"}),
        ("Gas", "choice", {"options": "methane\nLPG"}),
    ):
        data = {"label": label, "type": type_, "kind": "work_order", "checklist": "Boiler service", "required": "on"}
        client.post("/jobs/checklists/new/", {**data, **extra})
    checklist = Checklist.objects.get(organisation=tenant.company, kind=ChecklistKind.WORK_ORDER)
    assert checklist.name == "Boiler service"
    page = client.get("/jobs/checklists/").content.decode()
    assert "Work orders · Boiler service" in page and "≤ 2.5 bar" in page
    pressure = Question.objects.get(label="Pressure")
    assert (pressure.min_value, pressure.max_value, pressure.unit) == (1, 2.5, "bar")

    run = runs.run_start(checklist, actor=tenant.company_admin)
    assert run.job is None and runs.run_missing_required(run) == ["Filter cleaned", "Pressure", "Gas"]
    with pytest.raises(ValidationError) as refused_number:
        runs.run_answer(run, key=pressure.key, value="3", actor=tenant.company_admin)
    assert refused_number.value.message_dict == {"value": ["Enter a number from 1 to 2.5 bar."]}
    client.post(
        f"/jobs/checklists/{pressure.pk}/",
        {"label": "Water pressure", "type": "text", "kind": "work_order", "checklist": "Boiler service"},
    )
    runs.run_answer(run, key=pressure.key, value="1.8")
    assert [line.shown for line in runs.run_lines(run)] == ["", "1.8 bar", ""]
    assert runs.run_lines(run)[1].item.label == "Pressure"
    assert signed_in(tenant.installer).get("/jobs/checklists/").status_code == 403


def test_a_photo_question_of_a_work_order_run_takes_checked_photos(tenant):
    checklist = Checklist.objects.create(organisation=tenant.company, kind=ChecklistKind.WORK_ORDER, name="Visit")
    shot = Question.objects.create(checklist=checklist, label="Nameplate", type=CheckType.PHOTO)
    text = Question.objects.create(checklist=checklist, label="Notes", type=CheckType.TEXT, required=False)
    run = runs.run_start(checklist)
    with pytest.raises(ValidationError):
        runs.run_photo_add(
            run, key=text.key, data=b"x", extension="png", folder="wo", content_type="image/png", width=1, height=1
        )
    assert not RunPhoto.objects.exists()
    runs.run_photo_add(
        run,
        key=shot.key,
        data=image_bytes(),
        extension="png",
        folder="wo",
        content_type="image/png",
        width=40,
        height=30,
    )
    assert runs.run_missing_required(run) == [] and RunPhoto.objects.get().job is None


def test_the_activation_still_waits_for_a_required_number(tenant):
    volts = item(tenant, "Battery voltage", CheckType.NUMBER, kind=JobKind.INSTALLATION, unit="V", max_value=15)
    job, box = paired(tenant)
    services.job_activate(box, datetime(2026, 11, 22, 10, tzinfo=UTC))
    assert Job.objects.get(pk=job.pk).status == JobStatus.PAIRED
    client = signed_in(tenant.installer)
    assert "Enter a number of at most 15 V." in answer(client, job, volts, "24")
    assert Job.objects.get(pk=job.pk).status == JobStatus.PAIRED
    response = client.post(f"/jobs/{job.pk}/checks/", {"item": volts.pk, "value": "12.6"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/jobs/{job.pk}/"
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_the_old_items_answers_and_photos_become_questions_runs_and_answers(tenant):
    job = taken(tenant, JobKind.REMOVAL)
    executor = MigrationExecutor(connection)
    executor.migrate([("jobs", "0006_numbers_columns_one_open_job")])
    old = executor.loader.project_state([("jobs", "0006_numbers_columns_one_open_job")]).apps
    item_model = old.get_model("jobs", "ChecklistItem")
    fixed = item_model.objects.create(provider_id=tenant.provider.pk, kind="removal", label="Box removed")
    photo_item = item_model.objects.create(provider_id=tenant.provider.pk, kind="removal", label="Photo", type="photo")
    gone = item_model.objects.create(
        provider_id=tenant.provider.pk, kind="removal", label="Old", removed_at=timezone.now()
    )
    old.get_model("jobs", "CheckAnswer").objects.create(
        job_id=job.pk, item_id=fixed.pk, value="yes", answered_by_id=tenant.installer.pk, answered_at=timezone.now()
    )
    old.get_model("jobs", "JobPhoto").objects.create(
        job_id=job.pk,
        item_id=photo_item.pk,
        file="job-photos/1/a.png",
        content_type="image/png",
        size=1,
        width=1,
        height=1,
        uploaded_at=timezone.now(),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    question = Question.objects.get(pk=fixed.pk)
    assert question.label == "Box removed" and question.checklist.kind == "removal"
    assert question.checklist.organisation_id == tenant.provider.pk and question.checklist.product_id is None
    assert Question.objects.get(pk=gone.pk).removed_at is not None
    run = Run.objects.get(job=job)
    assert [q["label"] for q in run.questions] == ["Box removed", "Photo"]
    saved = Answer.objects.get(run=run)
    assert (saved.key, saved.value, saved.answered_by_id) == (str(fixed.pk), "yes", tenant.installer.pk)
    photo = RunPhoto.objects.get()
    assert (photo.run_id, photo.key, photo.job_id) == (run.pk, str(photo_item.pk), job.pk)
    lines = checklist_of(job)
    assert [line.done for line in lines] == [True, True] and not missing_required(job)


def test_questions_are_defined_through_the_api_and_bad_definitions_change_nothing(tenant):
    admin = signed_in(tenant.provider_admin)
    bad = [
        ({"type": "number", "min_value": "5", "max_value": "1"}, "max_value"),
        ({"type": "multi", "options": ["only one"]}, "options"),
        ({"kind": "work_order"}, "checklist"),
    ]
    for fields, field in bad:
        sent = admin.post("/api/v1/checklist-items", {"label": "X", **fields}, content_type="application/json")
        assert sent.status_code == 422 and field in sent.content.decode(), sent.content
    assert not Question.objects.exists() and not Checklist.objects.filter(kind=ChecklistKind.WORK_ORDER).exists()
    made = admin.post(
        "/api/v1/checklist-items",
        {
            "label": "Flue gas",
            "type": "number",
            "unit": "°C",
            "max_value": 200,
            "kind": "work_order",
            "checklist": "Boiler service",
        },
        content_type="application/json",
    ).json()
    assert (made["kind"], made["checklist"], made["unit"], made["max_value"]) == (
        "work_order",
        "Boiler service",
        "°C",
        "200",
    )
    listed = admin.get("/api/v1/checklist-items").json()
    assert [(i["label"], i["checklist_id"]) for i in listed] == [("Flue gas", made["checklist_id"])]
    installer = signed_in(tenant.installer)
    assert (
        installer.post(
            "/api/v1/checklist-items",
            {"label": "Mine", "kind": "work_order", "checklist": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
