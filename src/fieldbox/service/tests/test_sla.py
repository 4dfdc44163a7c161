"""Service levels: working hours on the organisation's calendar, the dues of every ticket, the first answer and the
resolution stamped by the ticket's moves, the admin's settings, and the one at-risk list of tickets and jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core import clock
from fieldbox.core.models import AuditEvent
from fieldbox.jobs.tests.factories import assigned_job
from fieldbox.jobs.tests.test_api import bearer, get
from fieldbox.service import at_risk, services, sla
from fieldbox.service.choices import Priority
from fieldbox.service.models import Mailbox, ServiceLevel, Team, Ticket
from fieldbox.service.services.sla import service_levels_save
from fieldbox.service.tests.conftest import mail

ROME = ZoneInfo("Europe/Rome")
ITALY = SimpleNamespace(time_zone="Europe/Rome")
FRANCE = SimpleNamespace(time_zone="Europe/Paris")


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)  # type: ignore[misc]


# ---- Working hours -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (rome(2026, 3, 3, 10, 0), 3, rome(2026, 3, 3, 14, 30)),  # across the lunch break
        (rome(2026, 3, 3, 17, 0), 1, rome(2026, 3, 3, 18, 0)),  # the end of the day is still that day
        (rome(2026, 3, 3, 19, 0), 1, rome(2026, 3, 4, 9, 30)),  # across a night
        (rome(2026, 3, 6, 17, 0), 2, rome(2026, 3, 9, 9, 30)),  # Friday 17:00 + 2 h: Monday 09:30
        (rome(2026, 3, 7, 11, 0), 1, rome(2026, 3, 9, 9, 30)),  # from a Saturday: Monday's first hour
        (rome(2025, 12, 5, 17, 0), 2, rome(2025, 12, 9, 9, 30)),  # Monday 8 December is a holiday in Italy
        (rome(2025, 4, 24, 17, 0), 2, rome(2025, 4, 28, 9, 30)),  # Friday 25 April too
        (rome(2026, 3, 2, 8, 30), 40, rome(2026, 3, 6, 18, 0)),  # a working week
    ],
)
def test_working_hours_are_added_on_the_organisations_calendar(start, hours, due):
    assert sla.add_working_hours(start, hours, ITALY) == due


def test_holidays_are_those_of_the_organisations_country():
    assert clock.country_of("Europe/Paris") == "FR" and clock.country_of("America/Lima") == "IT"
    assert sla.add_working_hours(rome(2025, 12, 5, 17, 0), 2, FRANCE) == rome(2025, 12, 8, 9, 30)  # a French Monday
    assert sla.add_working_hours(rome(2025, 7, 14, 9, 0), 1, FRANCE) == rome(2025, 7, 15, 9, 30)  # 14 July


def test_a_change_of_daylight_saving_time_moves_no_working_hour():
    # Night of Saturday 28 to Sunday 29 March 2026: clocks go forward; the due stays Monday 09:30 on the wall.
    due = sla.add_working_hours(rome(2026, 3, 27, 17, 0), 2, ITALY)
    assert due == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # 09:30 summer time (the Friday was 16:00 UTC)
    assert sla.working_hours_between(rome(2026, 3, 27, 12, 0), rome(2026, 3, 30, 12, 0), ITALY) == 8
    # Night of 24 to 25 October 2026: clocks go back.
    assert sla.add_working_hours(rome(2026, 10, 23, 17, 0), 2, ITALY) == datetime(2026, 10, 26, 8, 30, tzinfo=UTC)


def test_working_hours_between_two_moments():
    assert sla.working_hours_between(rome(2026, 3, 6, 17, 0), rome(2026, 3, 9, 9, 30), ITALY) == 2
    assert sla.working_hours_between(rome(2026, 3, 9, 9, 30), rome(2026, 3, 6, 17, 0), ITALY) == -2
    assert sla.working_hours_between(rome(2026, 3, 7, 9, 0), rome(2026, 3, 8, 18, 0), ITALY) == 0  # a weekend
    assert sla.working_hours_between(rome(2026, 3, 3, 12, 0), rome(2026, 3, 3, 14, 30), ITALY) == 1


# ---- The stamps on tickets -----------------------------------------------------------------------------------


def _prioritise(ticket: Ticket, priority: str) -> list[str]:
    """What a change of priority does: the new priority's dues."""
    ticket.priority = priority
    changed = sla.restamp(ticket)
    ticket.save(update_fields=["priority", *changed])
    return changed


@pytest.mark.django_db
def test_every_new_ticket_gets_its_dues_and_a_new_priority_its_own(desk, tenant):
    with time_machine.travel(rome(2026, 3, 2, 9, 0), tick=False):  # a Monday
        ticket = services.mail_ingest(mailbox=desk, raw=mail()).ticket
        assert ticket is not None
        ticket.refresh_from_db()
        assert ticket.priority == Priority.NORMAL  # the default promise: 8 h / 40 h
        assert (ticket.response_due_at, ticket.resolution_due_at) == (rome(2026, 3, 3, 9, 0), rome(2026, 3, 9, 9, 0))
        admin = tenant.scope(tenant.company_admin)
        service_levels_save(scope=admin, rows=[{"priority": "urgent", "response_hours": 1, "resolution_hours": 4}])
        assert _prioritise(ticket, Priority.URGENT) == ["resolution_due_at", "response_due_at"]
        ticket.refresh_from_db()
        assert (ticket.response_due_at, ticket.resolution_due_at) == (rome(2026, 3, 2, 10, 0), rome(2026, 3, 2, 14, 30))
        assert sla.restamp(ticket) == []  # nothing moved


@pytest.mark.django_db
def test_the_first_answer_is_stamped_once_and_the_resolution_until_reopened(desk, tenant):
    admin = tenant.scope(tenant.company_admin)
    with time_machine.travel(rome(2026, 3, 2, 9, 0), tick=False) as traveller:
        ticket = services.mail_ingest(mailbox=desk, raw=mail()).ticket
        assert ticket is not None
        traveller.move_to(rome(2026, 3, 2, 10, 0))
        services.ticket_reply(scope=admin, ticket_id=ticket.pk, text="Buongiorno, la richiamiamo.")
        traveller.move_to(rome(2026, 3, 2, 11, 0))
        services.ticket_reply(scope=admin, ticket_id=ticket.pk, text="Ecco il tecnico.")
        ticket.refresh_from_db()
        assert ticket.first_response_at == rome(2026, 3, 2, 10, 0)
        response_due = ticket.response_due_at
        _prioritise(ticket, Priority.HIGH)
        ticket.refresh_from_db()
        assert ticket.response_due_at == response_due  # answered: that promise was kept, it stays as it was
        services.ticket_resolve(scope=admin, ticket_id=ticket.pk)
        ticket.refresh_from_db()
        assert ticket.resolved_at == rome(2026, 3, 2, 11, 0)
        due = sla.due_of(ticket, tenant.company)
        assert due is not None and due.state == "met" and due.text == "Resolved in time"
        services.ticket_reopen(scope=admin, ticket_id=ticket.pk)
        ticket.refresh_from_db()
        assert ticket.resolved_at is None and ticket.first_response_at == rome(2026, 3, 2, 10, 0)


@pytest.mark.django_db
def test_the_desk_shows_when_each_ticket_falls_due(desk, tenant):
    with time_machine.travel(rome(2026, 3, 6, 16, 0), tick=False) as traveller:  # a Friday
        services.mail_ingest(mailbox=desk, raw=mail("Centralina spenta"))
        client = signed_in(tenant.company_admin)
        page = client.get("/desk/").content.decode()
        assert "First answer due in 8 h" in page  # Monday 16:00: 2 h on Friday, 6 on Monday
        traveller.move_to(rome(2026, 3, 9, 15, 0))
        page = client.get("/desk/").content.decode()
        assert 'data-state="soon"' in page and "First answer due in 1 h" in page
        traveller.move_to(rome(2026, 3, 10, 9, 0))
        page = client.get("/desk/").content.decode()
        assert 'data-state="late"' in page and "First answer overdue by 2 h 30 min" in page


# ---- The settings --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_sets_the_service_levels_and_bad_hours_change_nothing(tenant):
    admin = tenant.scope(tenant.company_admin)
    levels = service_levels_save(
        scope=admin,
        rows=[
            {"priority": "urgent", "response_hours": 1, "resolution_hours": 4},
            {"priority": "low", "response_hours": 24, "resolution_hours": 2000},
        ],
    )
    assert [(lv.priority, lv.response_hours, lv.resolution_hours, lv.is_default) for lv in levels] == [
        ("urgent", 1, 4, False),
        ("high", 4, 16, True),
        ("normal", 8, 40, True),
        ("low", 24, 2000, False),
    ]
    event = AuditEvent.objects.get(action="service_levels.save")
    assert event.data["after"] == {"urgent": [1, 4], "low": [24, 2000]}
    for bad, field in (
        ({"priority": "urgent", "response_hours": 0, "resolution_hours": 4}, "urgent_response_hours"),
        ({"priority": "urgent", "response_hours": 1, "resolution_hours": 2001}, "urgent_resolution_hours"),
        ({"priority": "urgent", "response_hours": 5, "resolution_hours": 4}, "urgent_response_hours"),
        ({"priority": "someday", "response_hours": 1, "resolution_hours": 4}, "priority"),
    ):
        with pytest.raises(ValidationError) as refused:
            service_levels_save(
                scope=admin, rows=[{"priority": "high", "response_hours": 2, "resolution_hours": 3}, bad]
            )
        assert field in refused.value.message_dict
    assert ServiceLevel.objects.filter(organisation=tenant.company).count() == 2  # nothing written
    with pytest.raises(PermissionDenied):
        service_levels_save(scope=tenant.scope(tenant.installer), rows=[])


@pytest.mark.django_db
def test_the_service_levels_page(tenant):
    client = signed_in(tenant.company_admin)
    page = client.get("/desk/service-levels/").content.decode()
    assert "Europe/Rome" in page and "08:30\N{EN DASH}12:30 · 14:00\N{EN DASH}18:00" in page and "(default)" in page
    data = {
        f"{p}_{f}": v
        for p, (r, s) in sla.DEFAULT_LEVELS.items()
        for f, v in (("response_hours", r), ("resolution_hours", s))
    }
    wrong = client.post("/desk/service-levels/", {**data, "urgent_response_hours": "9"})
    assert wrong.status_code == 400 and "The first answer cannot come after the resolution." in wrong.content.decode()
    assert not ServiceLevel.objects.exists()
    saved = client.post("/desk/service-levels/", {**data, "urgent_response_hours": "1"})
    assert saved.status_code == 302
    assert ServiceLevel.objects.get(organisation=tenant.company, priority="urgent").response_hours == 1
    assert signed_in(tenant.installer).get("/desk/service-levels/").status_code == 403


@pytest.mark.django_db
def test_the_service_levels_api(tenant):
    admin = bearer(tenant, tenant.company_admin)
    put = Client().put(
        "/api/v1/service-levels",
        {"levels": [{"priority": "high", "response_hours": 3, "resolution_hours": 12}]},
        content_type="application/json",
        **admin,
    )
    assert put.status_code == 200 and put.json()[1] == {
        "priority": "high",
        "response_hours": 3,
        "resolution_hours": 12,
        "is_default": False,
    }
    assert get("/service-levels", admin).json()[0]["priority"] == "urgent"
    bad = Client().put(
        "/api/v1/service-levels",
        {"levels": [{"priority": "high", "response_hours": 13, "resolution_hours": 12}]},
        content_type="application/json",
        **admin,
    )
    assert bad.status_code == 422


# ---- The at-risk list ------------------------------------------------------------------------------------------


def _world(tenant, other_tenant):
    """On Wednesday 4 March 2026 the company's desk promises a first answer within 2 h to urgent tickets; the
    provider gives its jobs 1 day. Three tickets and a job of the company; a ticket and a job of another one."""
    tenant.provider.install_deadline_days = 1
    tenant.provider.save(update_fields=["install_deadline_days"])
    other_tenant.provider.install_deadline_days = 1
    other_tenant.provider.save(update_fields=["install_deadline_days"])
    service_levels_save(
        scope=tenant.scope(tenant.company_admin),
        rows=[{"priority": "normal", "response_hours": 2, "resolution_hours": 16}],
    )
    team = Team.objects.create(organisation=tenant.company, name="Assistenza tecnica")
    desk = Mailbox.objects.create(organisation=tenant.company, team=team, address="assistenza@alpha.example")
    other_team = Team.objects.create(organisation=other_tenant.company, name="Assistenza")
    other_desk = Mailbox.objects.create(organisation=other_tenant.company, team=other_team, address="a@beta.example")
    made = {}
    with time_machine.travel(rome(2026, 3, 4, 9, 0), tick=False) as traveller:
        made["late"] = services.mail_ingest(mailbox=desk, raw=mail("Centralina muta")).ticket  # due 11:00
        traveller.move_to(rome(2026, 3, 4, 16, 0))
        made["job"] = assigned_job(tenant)  # due Thursday 5 March, end of the day
        made["other_job"] = assigned_job(other_tenant)
        tenant.provider.install_deadline_days = 2
        tenant.provider.save(update_fields=["install_deadline_days"])
        made["later_job"] = assigned_job(tenant)  # due Friday 6 March
        traveller.move_to(rome(2026, 3, 5, 8, 45))
        made["soon"] = services.mail_ingest(mailbox=desk, raw=mail("Furgone fermo")).ticket  # due 10:45
        made["far"] = services.mail_ingest(mailbox=desk, raw=mail("Fattura")).ticket
        made["other"] = services.mail_ingest(mailbox=other_desk, raw=mail("Altro cliente")).ticket
    far = made["far"]
    _prioritise(far, Priority.LOW)  # 16 h: due Monday 9 March, 08:45
    return made


@pytest.mark.django_db
def test_the_at_risk_list_warns_before_the_breach_soonest_first_and_only_of_ones_own(tenant, other_tenant):
    made = _world(tenant, other_tenant)
    company = tenant.scope(tenant.company_admin)  # reads the desk and the jobs assigned to the company
    with time_machine.travel(rome(2026, 3, 5, 9, 0), tick=False):
        page = at_risk.at_risk(company)
        assert [(r.kind, r.number) for r in page.rows] == [
            ("ticket", made["late"].number),
            ("ticket", made["soon"].number),
            ("job", made["job"].number),
        ]
        late, soon, job = page.rows
        assert late.late and late.left == "First answer overdue by 6 h" and late.urgency == "late"
        assert not soon.late and soon.left == "First answer due in 1 h 45 min" and soon.urgency == "soon"
        assert job.left.endswith("0 days left") and job.group == tenant.provider.name
        assert [r.kind for r in at_risk.at_risk(company, kind="job").rows] == ["job"]
        wide = at_risk.at_risk(company, hours=16)  # until Monday 09:00: Friday's job and Monday's ticket too
        assert [r.number for r in wide.rows] == [
            made["late"].number,
            made["soon"].number,
            made["job"].number,
            made["later_job"].number,
            made["far"].number,
        ]
        # Keyset pages: every row once, in the same order.
        first = at_risk.at_risk(company, hours=16, limit=2)
        second = at_risk.at_risk(company, hours=16, limit=2, cursor=first.next_cursor or "")
        assert [r.number for r in first.rows + second.rows] == [r.number for r in wide.rows][:4]
        # The provider's customer care sees its job (with the company that has it), the desk of another none.
        care = at_risk.at_risk(tenant.scope(tenant.care))
        assert [(r.kind, r.number, r.group) for r in care.rows] == [("job", made["job"].number, tenant.company.name)]


@pytest.mark.django_db
def test_the_at_risk_page_and_api(tenant, other_tenant):
    made = _world(tenant, other_tenant)
    with time_machine.travel(rome(2026, 3, 5, 9, 0), tick=False):
        client = signed_in(tenant.company_admin)
        page = client.get("/desk/at-risk/").content.decode()
        numbers = [made["late"].number, made["soon"].number, made["job"].number]
        positions = [page.index(n) for n in numbers]
        assert positions == sorted(positions) and "Altro cliente" not in page
        assert 'href="/desk/at-risk/"' in client.get("/desk/").content.decode()  # the menu
        assert (
            "Nothing at risk"
            in client.get("/desk/at-risk/?kind=ticket&hours=1&after=99999999999999999.0.0").content.decode()
        )
        assert signed_in(tenant.installer).get("/desk/at-risk/").status_code == 403
        body = get("/at-risk", bearer(tenant, tenant.company_admin), limit=2).json()
        assert [i["number"] for i in body["items"]] == numbers[:2] and body["next_cursor"]
        rest = get("/at-risk", bearer(tenant, tenant.company_admin), cursor=body["next_cursor"]).json()
        assert [i["number"] for i in rest["items"]] == numbers[2:] and rest["next_cursor"] is None
        other = get("/at-risk", bearer(other_tenant, other_tenant.company_admin)).json()
        assert [i["kind"] for i in other["items"]] == ["job"]  # its own job; its ticket is not due before Friday
        assert get("/at-risk", bearer(tenant, tenant.installer)).status_code == 403
