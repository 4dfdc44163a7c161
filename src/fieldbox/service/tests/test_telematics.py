"""From a provider's ticket to the telematics side: customer care says which subscriber's vehicle the ticket is
about, sends a maintenance or removal job to a partner through the jobs' services, and the ticket follows the job
to its end."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from fieldbox.accounts.choices import PartnershipStatus
from fieldbox.accounts.tests.factories import InstallerCompanyFactory, partnership
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core import transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.choices import SUBSCRIPTION_TABLE
from fieldbox.fleet.models import Subscription
from fieldbox.fleet.tests.factories import Registry, registry
from fieldbox.jobs import services as jobs
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.choices import JobKind, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.tests.factories import draft_job
from fieldbox.jobs.tests.test_api import PROBLEM, bearer, get, post
from fieldbox.service import services
from fieldbox.service.choices import MessageKind, TicketStatus
from fieldbox.service.models import Mailbox, Team, Ticket
from fieldbox.service.services import telematics
from fieldbox.service.tests.conftest import mail

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def care_desk(tenant: Tenant) -> Mailbox:
    """The provider's own desk (its notes in English, so that the test reads them)."""
    tenant.provider.language = "en"
    tenant.provider.save(update_fields=["language"])
    team = Team.objects.create(organisation=tenant.provider, name="Customer care")
    return Mailbox.objects.create(organisation=tenant.provider, team=team, address="care@alpha-provider.example")


def new_ticket(mailbox: Mailbox, subject: str = "Il localizzatore non comunica") -> Ticket:
    ticket = services.mail_ingest(mailbox=mailbox, raw=mail(subject)).ticket
    assert ticket is not None
    return ticket


def about_a_vehicle(tenant: Tenant, mailbox: Mailbox) -> tuple[Ticket, Registry]:
    reg = registry(tenant.provider)
    ticket = new_ticket(mailbox)
    telematics.ticket_vehicle_set(scope=tenant.scope(tenant.care), ticket_id=ticket.pk, vehicle_id=reg.vehicle.pk)
    return Ticket.objects.get(pk=ticket.pk), reg


def send(tenant: Tenant, ticket: Ticket, kind: str = JobKind.MAINTENANCE, company: int | None = None) -> Job:
    return telematics.ticket_job_send(
        scope=tenant.scope(tenant.care),
        ticket_id=ticket.pk,
        kind=kind,
        company_id=company or tenant.company.pk,
        note="Il cliente è disponibile al mattino.",
    )


def notes(ticket: Ticket) -> list[str]:
    return list(ticket.messages.filter(kind=MessageKind.NOTE).order_by("pk").values_list("text", flat=True))


def test_customer_care_sends_a_maintenance_job_from_a_ticket_to_a_partner(tenant, care_desk):
    ticket, reg = about_a_vehicle(tenant, care_desk)
    assert ticket.vehicle == reg.vehicle and ticket.customer == reg.customer  # the subscriber, as it had none
    assert AuditEvent.objects.filter(action="ticket.vehicle_set", object_id=str(ticket.pk)).get().data == {
        "plate": reg.vehicle.plate,
        "customer": reg.customer.pk,
    }

    job = send(tenant, ticket)

    job.refresh_from_db()
    assert (job.kind, job.status, job.company, job.subscription) == (
        JobKind.MAINTENANCE,
        JobStatus.ASSIGNED,
        tenant.company,
        reg.subscription,
    )
    assert job.spec == {"notes": "Il cliente è disponibile al mattino."} and job.deadline_at is not None
    ticket.refresh_from_db()
    assert ticket.job == job and ticket.status == TicketStatus.OPEN  # sending the work takes the ticket up
    [note] = ticket.messages.filter(kind=MessageKind.NOTE)
    assert note.text == f"Job {job.number} (Maintenance) sent to alpha Workshop.\nIl cliente è disponibile al mattino."
    assert note.author == tenant.care
    done = AuditEvent.objects.filter(actor=tenant.care).values_list("action", flat=True)
    assert {"job.create", "job.assign", "ticket.open", "ticket.note", "ticket.vehicle_set"} <= set(done)
    # The installer company sees it among its available jobs, like any other.
    assert Job.objects.visible_to(tenant.scope(tenant.installer)).filter(pk=job.pk).exists()


def test_a_ticket_without_a_vehicle_or_whose_vehicle_has_no_active_subscription_sends_nothing(tenant, care_desk):
    bare = new_ticket(care_desk)
    with pytest.raises(ValidationError) as refused:
        send(tenant, bare)
    assert refused.value.message_dict == {"vehicle": ["Set the vehicle the ticket is about first."]}

    ticket, reg = about_a_vehicle(tenant, care_desk)
    with transitions.atomic():
        sub = SUBSCRIPTION_TABLE.lock(Subscription.objects.all(), reg.subscription.pk)
        SUBSCRIPTION_TABLE.apply(sub, "end", scope=None)
    with pytest.raises(ValidationError) as refused:
        send(tenant, ticket)
    assert "no active subscription" in refused.value.message_dict["vehicle"][0]
    assert not Job.objects.exists() and notes(ticket) == []


def test_a_partner_that_did_not_accept_gets_no_job_and_nothing_is_written(tenant, care_desk):
    ticket, _reg = about_a_vehicle(tenant, care_desk)
    pending = InstallerCompanyFactory(name="Pending Workshop")
    partnership(tenant.provider, pending, PartnershipStatus.PENDING)
    stranger = InstallerCompanyFactory(name="Stranger Workshop")
    for company in (pending, stranger):
        with pytest.raises(ValidationError) as refused:
            send(tenant, ticket, company=company.pk)
        assert refused.value.message_dict == {
            "company": ["Choose an installer company that accepted your partnership."]
        }
    ticket.refresh_from_db()
    assert not Job.objects.exists() and ticket.job is None and ticket.status == TicketStatus.NEW
    assert notes(ticket) == []


def test_a_ticket_sends_one_job_at_a_time_and_only_maintenance_or_removal(tenant, care_desk):
    ticket, _reg = about_a_vehicle(tenant, care_desk)
    with pytest.raises(ValidationError) as refused:
        send(tenant, ticket, kind=JobKind.INSTALLATION)
    assert refused.value.message_dict == {"kind": ["Choose maintenance or removal."]}
    first = send(tenant, ticket, kind=JobKind.REMOVAL)
    with pytest.raises(Conflict) as running:
        send(tenant, ticket)
    assert running.value.message == (
        f"Job {first.number} of this ticket is “Assigned”: wait for its end, or cancel it on its page."
    )
    with pytest.raises(Conflict):  # nor does its vehicle change while the job runs
        telematics.ticket_vehicle_set(
            scope=tenant.scope(tenant.care), ticket_id=ticket.pk, vehicle_id=registry(tenant.provider).vehicle.pk
        )
    assert Job.objects.count() == 1


def test_a_vehicle_with_an_open_job_of_its_own_gets_no_second_one(tenant, care_desk):
    ticket, reg = about_a_vehicle(tenant, care_desk)
    other = jobs.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk)
    with pytest.raises(ValidationError) as refused:
        send(tenant, ticket)
    assert refused.value.message_dict["subscription"] == [
        f"The vehicle {reg.vehicle.plate} already has an open job ({other.number})."
    ]
    assert Job.objects.count() == 1 and Ticket.objects.get(pk=ticket.pk).job is None


def test_only_customer_care_and_the_provider_admin_send_jobs_from_an_open_ticket(tenant, care_desk):
    ticket, reg = about_a_vehicle(tenant, care_desk)
    for user in (tenant.dispatcher, tenant.company_admin):
        with pytest.raises(PermissionDenied):
            telematics.ticket_job_send(
                scope=tenant.scope(user), ticket_id=ticket.pk, kind="maintenance", company_id=tenant.company.pk
            )
        with pytest.raises(PermissionDenied):
            telematics.ticket_vehicle_set(scope=tenant.scope(user), ticket_id=ticket.pk, vehicle_id=reg.vehicle.pk)
    admin = tenant.scope(tenant.provider_admin)
    services.ticket_resolve(scope=admin, ticket_id=ticket.pk)
    with pytest.raises(Conflict) as ended:
        send(tenant, ticket)
    assert ended.value.message == "Not possible while the ticket is “Resolved”."
    services.ticket_reopen(scope=admin, ticket_id=ticket.pk)
    job = telematics.ticket_job_send(scope=admin, ticket_id=ticket.pk, kind="removal", company_id=tenant.company.pk)
    assert job.status == JobStatus.ASSIGNED and job.kind == JobKind.REMOVAL


def test_the_job_done_by_the_installer_resolves_the_ticket_with_a_note(tenant, care_desk):
    ticket, _reg = about_a_vehicle(tenant, care_desk)
    job = send(tenant, ticket)
    installer = tenant.scope(tenant.installer)
    jobs.job_take(scope=installer, job_id=job.pk)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN  # taking it is progress, not an end

    checks.job_complete(scope=installer, job_id=job.pk)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.job == job and ticket.resolved_at is not None
    assert notes(ticket)[-1] == f"Job {job.number} ended: Succeeded. The ticket is resolved."
    last = ticket.messages.order_by("pk").last()
    assert last is not None and last.author is None  # the system wrote it
    resolved = AuditEvent.objects.get(action="ticket.resolve", object_id=str(ticket.pk))
    assert resolved.actor is None and resolved.data == {"job": job.number, "status": "succeeded"}
    # The desk closes it as usual; nothing the job does later touches it again.
    services.ticket_close(scope=tenant.scope(tenant.care), ticket_id=ticket.pk)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def test_a_ticket_resolved_or_cancelled_meanwhile_is_left_alone(tenant, care_desk):
    installer, care = tenant.scope(tenant.installer), tenant.scope(tenant.care)
    resolved, _ = about_a_vehicle(tenant, care_desk)
    cancelled, _ = about_a_vehicle(tenant, care_desk)
    first, second = send(tenant, resolved), send(tenant, cancelled)
    services.ticket_resolve(scope=care, ticket_id=resolved.pk)
    services.ticket_close(scope=care, ticket_id=resolved.pk)
    closed_at = Ticket.objects.get(pk=resolved.pk).closed_at
    services.ticket_cancel(scope=care, ticket_id=cancelled.pk, reason="The customer sold the car")
    for job in (first, second):
        jobs.job_take(scope=installer, job_id=job.pk)
        checks.job_complete(scope=installer, job_id=job.pk)
    after = Ticket.objects.get(pk=resolved.pk)
    assert (after.status, after.closed_at) == (TicketStatus.CLOSED, closed_at)  # never closed twice
    assert Ticket.objects.get(pk=cancelled.pk).status == TicketStatus.CANCELLED
    assert len(notes(resolved)) == len(notes(cancelled)) == 1  # only "sent to"


def test_a_failed_or_cancelled_job_leaves_the_ticket_to_the_desk_which_sends_another(tenant, care_desk):
    ticket, _reg = about_a_vehicle(tenant, care_desk)
    installer = tenant.scope(tenant.installer)
    job = send(tenant, ticket)
    jobs.job_take(scope=installer, job_id=job.pk)
    jobs.job_fail(scope=installer, job_id=job.pk, comment="Vehicle not at the address")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert notes(ticket)[-1] == (
        f"Job {job.number} ended: Failed (Vehicle not at the address). Send another job or resolve the ticket."
    )

    again = send(tenant, ticket)
    jobs.job_cancel(scope=tenant.scope(tenant.dispatcher), job_id=again.pk, reason="Owner unreachable")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.job == again
    assert notes(ticket)[-1] == (
        f"Job {again.number} ended: Cancelled (Owner unreachable). Send another job or resolve the ticket."
    )


def test_a_job_not_sent_by_a_ticket_touches_no_ticket(tenant, care_desk):
    ticket, _reg = about_a_vehicle(tenant, care_desk)
    job = draft_job(tenant, kind=JobKind.MAINTENANCE)
    jobs.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)
    jobs.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    checks.job_complete(scope=tenant.scope(tenant.installer), job_id=job.pk)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW and notes(ticket) == []


def test_another_organisation_finds_neither_the_ticket_nor_the_vehicle(tenant, other_tenant, care_desk):
    ticket, reg = about_a_vehicle(tenant, care_desk)
    stranger = other_tenant.scope(other_tenant.care)
    with pytest.raises(Ticket.DoesNotExist):
        telematics.ticket_vehicle_set(scope=stranger, ticket_id=ticket.pk, vehicle_id=reg.vehicle.pk)
    with pytest.raises(Ticket.DoesNotExist):
        telematics.ticket_job_send(
            scope=stranger, ticket_id=ticket.pk, kind="maintenance", company_id=other_tenant.company.pk
        )
    theirs = registry(other_tenant.provider)
    with pytest.raises(ValidationError) as refused:
        telematics.ticket_vehicle_set(
            scope=tenant.scope(tenant.care), ticket_id=ticket.pk, vehicle_id=theirs.vehicle.pk
        )
    assert refused.value.message_dict == {"vehicle_id": ["Choose one of your vehicles."]}
    client = signed_in(other_tenant.care)
    assert client.get(f"/desk/tickets/{ticket.pk}/job/", **HTMX).status_code == 404
    assert client.get(f"/desk/tickets/{ticket.pk}/job/").status_code == 404
    assert client.post(f"/desk/tickets/{ticket.pk}/vehicle/", {"vehicle-plate": reg.vehicle.plate}).status_code == 404
    sent = client.post(f"/desk/tickets/{ticket.pk}/job/send/", {"job-kind": "maintenance", "job-company": "1"})
    assert sent.status_code == 404
    api = bearer(other_tenant, other_tenant.care)
    assert post(f"/tickets/{ticket.pk}/job", api, {"kind": "removal", "company_id": 1}).status_code == 404
    put = Client().put(
        f"/api/v1/tickets/{ticket.pk}/vehicle", {"vehicle_id": reg.vehicle.pk}, content_type="application/json", **api
    )
    assert put.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).job is None


# ---- The ticket page's panel ---------------------------------------------------------------------------------


def test_the_ticket_page_finds_the_vehicle_by_its_plate_and_sends_the_job(tenant, care_desk):
    reg = registry(tenant.provider, plate="FG456HL")
    registry(tenant.provider, plate="FG456HM")
    ticket = new_ticket(care_desk)
    client = signed_in(tenant.care)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="ticket-job"' in page and f'hx-get="/desk/tickets/{ticket.pk}/job/"' in page
    panel = client.get(f"/desk/tickets/{ticket.pk}/job/", **HTMX).content.decode()
    assert 'data-testid="vehicle-form"' in panel and 'data-testid="job-send-form"' not in panel

    url = f"/desk/tickets/{ticket.pk}/vehicle/"
    several = client.post(url, {"vehicle-plate": "fg456h"}, **HTMX).content.decode()
    assert "Several vehicles match (FG456HL, FG456HM): type the whole plate." in several
    none = client.post(url, {"vehicle-plate": "ZZ999ZZ"}, **HTMX).content.decode()
    assert "None of your vehicles has this plate." in none
    found = client.post(url, {"vehicle-plate": "fg 456-hl"}, **HTMX)
    assert found.status_code == 204 and found["HX-Redirect"] == f"/desk/tickets/{ticket.pk}/"
    assert Ticket.objects.get(pk=ticket.pk).vehicle == reg.vehicle

    panel = client.get(f"/desk/tickets/{ticket.pk}/job/", **HTMX).content.decode()
    assert 'data-testid="job-send-form"' in panel and f'<option value="{tenant.company.pk}">alpha Workshop' in panel
    send_url = f"/desk/tickets/{ticket.pk}/job/send/"
    wrong = client.post(send_url, {"job-kind": "installation", "job-company": tenant.company.pk}, **HTMX)
    assert wrong.status_code == 200 and 'class="errors"' in wrong.content.decode() and not Job.objects.exists()
    sent = client.post(send_url, {"job-kind": "maintenance", "job-company": tenant.company.pk, "job-note": ""})
    assert sent.status_code == 302 and sent["Location"] == f"/desk/tickets/{ticket.pk}/"
    job = Job.objects.get()
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f"Job {job.number} sent." in page
    assert f'data-testid="ticket-job-number">{job.number}</a>' in page and "alpha Workshop" in page
    assert 'data-testid="ticket-job-status">Assigned' in page
    panel = client.get(f"/desk/tickets/{ticket.pk}/job/", **HTMX).content.decode()
    assert 'data-testid="ticket-job-running"' in panel and 'data-testid="job-send-form"' not in panel


def test_the_panel_shows_the_job_to_the_desk_and_nothing_to_an_installer_company(tenant, care_desk, desk):
    ticket, _reg = about_a_vehicle(tenant, care_desk)
    job = send(tenant, ticket)
    admin = signed_in(tenant.provider_admin)
    panel = admin.get(f"/desk/tickets/{ticket.pk}/job/", **HTMX).content.decode()
    assert job.number in panel and 'data-testid="ticket-job-running"' in panel
    workshop_ticket = new_ticket(desk)  # an installer company's own after-sales ticket: no telematics panel
    page = signed_in(tenant.company_admin).get(f"/desk/tickets/{workshop_ticket.pk}/").content.decode()
    assert 'data-testid="ticket-job"' not in page
    assert signed_in(tenant.company_admin).post(f"/desk/tickets/{workshop_ticket.pk}/vehicle/").status_code == 403


# ---- The API ---------------------------------------------------------------------------------------------------


def test_the_api_sets_the_vehicle_and_sends_the_job(tenant, care_desk):
    reg = registry(tenant.provider)
    ticket = new_ticket(care_desk)
    care = bearer(tenant, tenant.care)
    path = f"/api/v1/tickets/{ticket.pk}/vehicle"
    put = Client().put(path, {"vehicle_id": reg.vehicle.pk}, content_type="application/json", **care)
    assert put.status_code == 200
    assert put.json()["vehicle"]["plate"] == reg.vehicle.plate and put.json()["customer_id"] == reg.customer.pk
    assert put.json()["job"] is None

    stranger = InstallerCompanyFactory(name="Stranger Workshop")
    refused = post(f"/tickets/{ticket.pk}/job", care, {"kind": "maintenance", "company_id": stranger.pk})
    assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
    assert refused.json()["errors"][0]["field"] == "company_id"
    wrong_kind = post(f"/tickets/{ticket.pk}/job", care, {"kind": "installation", "company_id": tenant.company.pk})
    assert wrong_kind.status_code == 422

    sent = post(f"/tickets/{ticket.pk}/job", care, {"kind": "removal", "company_id": tenant.company.pk})
    assert sent.status_code == 201
    job = sent.json()["job"]
    assert (job["kind"], job["status"], job["company_name"]) == ("removal", "assigned", "alpha Workshop")
    assert job["deadline_at"] is not None and job["number"] == Job.objects.get().number
    again = post(f"/tickets/{ticket.pk}/job", care, {"kind": "removal", "company_id": tenant.company.pk})
    assert again.status_code == 409
    assert get(f"/tickets/{ticket.pk}", care).status_code == 200
    dispatcher = bearer(tenant, tenant.dispatcher)  # plans jobs, but is not the desk
    assert post(f"/tickets/{ticket.pk}/job", dispatcher, {"kind": "removal", "company_id": 1}).status_code == 403
