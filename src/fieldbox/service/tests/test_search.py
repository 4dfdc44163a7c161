"""The call search (SYS "Chiamata"): each filter narrows to the calls it names, on the organisation's days; pages
chain without repeating or skipping a call; exports hold the same rows, formulas as text; another organisation's
calls never appear, on the page, the API or the exports."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.fleet.models import Customer
from fieldbox.fleet.tests.factories import device
from fieldbox.jobs.tests.test_api import PROBLEM, bearer, get
from fieldbox.service import search
from fieldbox.service.models import Equipment, Team, Ticket, WorkOrder

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=ROME)


@dataclass
class Desk:
    """One organisation's calls across statuses, types, days, customers, equipment, interventions and people."""

    org: Organisation
    tech: Team
    office: Team
    rossi: Customer
    bianchi: Customer
    anna: User
    bruno: User
    calls: dict[int, Ticket]


def call(org: Organisation, team: Team, n: int, when: datetime, **fields: object) -> Ticket:
    fields.setdefault("subject", f"Chiamata {n}")
    return Ticket.objects.create(organisation=org, team=team, number=f"T{n:07d}", created_at=when, **fields)


def intervention(ticket: Ticket, n: int, technician: User | None = None) -> WorkOrder:
    return WorkOrder.objects.create(
        organisation_id=ticket.organisation_id,
        ticket=ticket,
        number=f"I{n:07d}",
        description="x",
        technician=technician,
    )


def desk_of(org: Organisation, prefix: str) -> Desk:
    tech = Team.objects.create(organisation=org, name="Assistenza tecnica")
    office = Team.objects.create(organisation=org, name="Amministrazione")
    rossi = Customer.objects.create(organisation=org, kind="company", company_name=f"{prefix} Rossi Impianti")
    bianchi = Customer.objects.create(organisation=org, kind="person", first_name="Mario", last_name="Bianchi")
    anna = member(org, Role.TECHNICIAN, email=f"anna@{prefix}.example", first_name="Anna", last_name="Neri")
    bruno = member(org, Role.TECHNICIAN, email=f"bruno@{prefix}.example", first_name="Bruno", last_name="Galli")
    Equipment.objects.create(organisation=org, customer=rossi, name="Caldaia", serial="Cal-77")
    return Desk(org, tech, office, rossi, bianchi, anna, bruno, {})


@pytest.fixture
def desk(tenant) -> Desk:
    """Six calls of the tenant's provider (Europe/Rome); the fourth on a telematics box (its device's serial)."""
    d = desk_of(tenant.provider, "alpha")
    org, boiler = d.org, Equipment.objects.get(organisation=d.org, serial="Cal-77")
    box = Equipment.objects.create(
        organisation=org, customer=d.bianchi, name="Box", device=device(tenant.provider, serial="TBA0000901")
    )
    c = d.calls
    c[1] = call(org, d.tech, 1, at("2026-03-01"), customer=d.rossi, kind="fault", status="new", equipment=boiler)
    c[2] = call(org, d.tech, 2, at("2026-03-10"), customer=d.rossi, kind="maintenance", status="open")
    c[3] = call(org, d.office, 3, at("2026-03-15"), customer=d.bianchi, kind="admin", status="waiting", assignee=d.anna)
    c[4] = call(org, d.tech, 4, at("2026-03-20"), customer=d.bianchi, kind="fault", status="resolved", equipment=box)
    # 00:30 on 1 April in Rome is still 31 March in UTC: the organisation's day counts.
    c[5] = call(org, d.office, 5, at("2026-04-01", 0, 30), kind="request", status="closed", subject="=cmd()")
    c[6] = call(org, d.tech, 6, at("2026-04-02"), customer=d.rossi, kind="fault", status="cancelled")
    intervention(c[4], 1, d.bruno)
    intervention(c[6], 2, d.anna)
    intervention(c[6], 3)
    return d


@pytest.fixture
def elsewhere(other_tenant) -> Desk:
    """Another organisation with look-alike calls: the same numbers, names, serials and intervention numbers."""
    d = desk_of(other_tenant.provider, "beta")
    boiler = Equipment.objects.get(organisation=d.org, serial="Cal-77")
    first = call(d.org, d.tech, 1, at("2026-03-01"), customer=d.rossi, kind="fault", status="new", equipment=boiler)
    d.calls[1] = first
    intervention(first, 1, d.anna)
    return d


def numbers(qs) -> list[int]:
    return [int(n[1:]) for n in qs.order_by("-pk").values_list("number", flat=True)]


def found(desk: Desk, tenant, **filters: object) -> list[int]:
    return numbers(search.call_search(tenant.scope(tenant.provider_admin), filters))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [6, 5, 4, 3, 2, 1]),
        ({"created_from": date(2026, 3, 10), "created_to": date(2026, 3, 20)}, [4, 3, 2]),
        ({"created_to": date(2026, 3, 31)}, [4, 3, 2, 1]),  # the call of 00:30 on 1 April is not March's
        ({"created_from": date(2026, 4, 1)}, [6, 5]),
        ({"created_from": date(2026, 4, 1), "created_to": date(2026, 4, 1)}, [5]),
        ({"number": "T0000003"}, [3]),
        ({"number": "t 3"}, [3]),
        ({"number": "3"}, [3]),
        ({"number": "T000000"}, [6, 5, 4, 3, 2, 1]),  # the start of a number, zeros typed
        ({"number": "I0000003"}, []),
        ({"intervention": "I0000002"}, [6]),
        ({"intervention": "1"}, [4]),
        ({"status": ["new", "waiting"]}, [3, 1]),
        ({"status": ["closed"]}, [5]),
        ({"kind": "fault"}, [6, 4, 1]),
        ({"team": "office"}, [5, 3]),
        ({"customer": "rossi"}, [6, 2, 1]),
        ({"customer": "mario bianchi"}, [4, 3]),
        ({"customer": "bianchi rossi"}, []),  # every word in the one name
        ({"customer": "bianchi-id"}, [4, 3]),
        ({"technician": "anna"}, [6, 3]),  # an intervention's technician, or the assignee
        ({"technician": "bruno"}, [4]),
        ({"serial": "cal-77"}, [1]),  # the equipment's own serial, any case
        ({"serial": "tba0000901"}, [4]),  # the serial of the equipment's device
        ({"serial": "TBA00009"}, []),  # whole serials only
        ({"kind": "fault", "status": ["new", "resolved"], "team": "tech", "created_to": date(2026, 3, 19)}, [1]),
    ],
)
def test_each_filter_narrows_to_the_calls_it_names(desk, elsewhere, tenant, filters, expected):
    named = {"office": desk.office.pk, "tech": desk.tech.pk, "anna": desk.anna.pk, "bruno": desk.bruno.pk}
    resolved = {k: named.get(v, v) if isinstance(v, str) else v for k, v in filters.items()}
    if resolved.get("customer") == "bianchi-id":
        resolved["customer"] = desk.bianchi.pk
    assert found(desk, tenant, **resolved) == expected


def test_a_date_range_that_ends_before_it_starts_is_refused_with_no_results(desk, tenant):
    scope = tenant.scope(tenant.provider_admin)
    with pytest.raises(ValidationError) as refused:
        search.call_search(scope, {"created_from": date(2026, 3, 20), "created_to": date(2026, 3, 1)})
    assert refused.value.message_dict == {"created_to": ["The end of the date range is before its start."]}
    page = signed_in(tenant.provider_admin).get("/desk/calls/?created_from=2026-03-20&created_to=2026-03-01")
    text = page.content.decode()
    assert page.status_code == 400 and "The end of the date range is before its start." in text
    assert 'data-testid="calls"' not in text and "T0000001" not in text
    api = get("/calls", bearer(tenant, tenant.provider_admin), created_from="2026-03-20", created_to="2026-03-01")
    assert api.status_code == 422 and api["Content-Type"] == PROBLEM
    assert "before its start" in str(api.json())


def test_the_page_shows_the_calls_with_their_interventions_and_keeps_the_filters(desk, tenant):
    client = signed_in(tenant.provider_admin)
    page = client.get("/desk/calls/").content.decode()
    assert page.count('href="/desk/tickets/') == 6 and "Mario Bianchi" in page and "Anna Neri" in page
    row = re.search(r"T0000006</a>.*?</tr>", page, re.S)
    assert row is not None and re.search(r'data-label="Interventions">2<', row.group(0))
    narrowed = client.get(f"/desk/calls/?customer={desk.rossi.pk}&status=new&status=cancelled").content.decode()
    assert 'data-testid="customer-chip"' in narrowed and "alpha Rossi Impianti" in narrowed
    assert re.findall(r">(T000000\d)</a>", narrowed) == ["T0000006", "T0000001"]
    assert 'format=csv" data-testid="export-csv"' in narrowed and f"customer={desk.rossi.pk}" in narrowed
    empty = client.get("/desk/calls/?number=T0000999").content.decode()
    assert 'data-testid="no-calls"' in empty and "No call matches these filters." in empty


def test_pages_chain_without_repeating_or_skipping_a_call(desk, tenant):
    extra = [
        Ticket(organisation=desk.org, team=desk.tech, number=f"T{n:07d}", subject=f"Guasto {n}", status="open")
        for n in range(7, 131)
    ]
    Ticket.objects.bulk_create(extra)
    everything = numbers(Ticket.objects.filter(organisation=desk.org, status="open"))
    assert len(everything) == 125
    client = signed_in(tenant.provider_admin)
    url, seen, pages = "/desk/calls/?status=open", [], []
    while url:
        text = client.get(url).content.decode()
        pages.append(url)
        seen += [int(n) for n in re.findall(r">T(\d{7})</a>", text)]
        older = re.search(r'href="\?([^"]*before=\d+)" data-testid="older"', text)
        url = f"/desk/calls/?{older.group(1).replace('&amp;', '&')}" if older else ""
        assert "status=open" in (older.group(1) if older else "status=open")
    assert seen == everything and len(pages) == 3
    back = client.get(pages[-1]).content.decode()
    newer = re.search(r'href="\?([^"]*after=\d+)" data-testid="newer"', back)
    assert newer is not None
    middle = client.get(f"/desk/calls/?{newer.group(1).replace('&amp;', '&')}").content.decode()
    assert [int(n) for n in re.findall(r">T(\d{7})</a>", middle)] == everything[50:100]

    auth, cursor, by_api = bearer(tenant, tenant.provider_admin), None, []
    while True:
        params = {"status": "open", "limit": 40, **({"cursor": cursor} if cursor else {})}
        body = get("/calls", auth, **params).json()
        by_api += [int(item["number"][1:]) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert by_api == everything


def rows_of_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


def rows_of_xlsx(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_holds_every_match_and_a_formula_stays_text(desk, tenant):
    client = signed_in(tenant.provider_admin)
    csv_rows = rows_of_csv(client.get(f"/desk/calls/?team={desk.office.pk}&format=csv").content)
    assert csv_rows[0][:4] == ["Number", "Created on", "Customer", "Subject"]
    assert [r[0] for r in csv_rows[1:]] == ["T0000005", "T0000003"]
    assert csv_rows[1][1] == "2026-04-01 00:30" and csv_rows[1][3] == "'=cmd()"  # the organisation's clock; text
    assert csv_rows[2][2] == "Mario Bianchi" and csv_rows[2][8] == "Anna Neri"
    xlsx = client.get(f"/desk/calls/?team={desk.office.pk}&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["D2"].value == "'=cmd()" and sheet["D2"].data_type == "s"
    assert [r[0] for r in rows_of_xlsx(xlsx.content)[1:]] == ["T0000005", "T0000003"]
    api = get("/calls/export", bearer(tenant, tenant.provider_admin), format="csv", kind="fault")
    assert api.status_code == 200 and [r[0] for r in rows_of_csv(api.content)[1:]] == [
        "T0000006",
        "T0000004",
        "T0000001",
    ]
    assert rows_of_csv(api.content)[1][10] == "2"  # its two interventions


def test_an_export_beyond_the_maximum_is_refused_with_the_reason(desk, tenant, monkeypatch):
    monkeypatch.setattr(search, "EXPORT_MAX", 5)
    client = signed_in(tenant.provider_admin)
    refused = client.get("/desk/calls/?number=T000000&format=csv", follow=True)  # all six
    assert refused.redirect_chain[-1][0] == "/desk/calls/?number=T000000"
    assert "More than 5 calls match" in refused.content.decode()
    assert client.get("/desk/calls/?kind=fault&format=csv")["Content-Type"].startswith("text/csv")  # 3 of them
    api = get("/calls/export", bearer(tenant, tenant.provider_admin), format="xlsx")
    assert api.status_code == 422 and "More than 5 calls match" in str(api.json())


def test_another_organisations_calls_never_appear(desk, elsewhere, tenant, other_tenant):
    """The other organisation searches by everything that names our calls: its own call only, never ours."""
    theirs = elsewhere.calls[1].pk
    client = signed_in(other_tenant.provider_admin)
    auth = bearer(other_tenant, other_tenant.provider_admin)
    probes = [
        {},
        {"number": "T0000004"},
        {"customer": str(desk.rossi.pk)},
        {"customer": "alpha"},
        {"serial": "TBA0000901"},
        {"intervention": "I0000002"},
        {"technician": str(desk.anna.pk)},
        {"team": str(desk.tech.pk)},
    ]
    for probe in probes:
        page = client.get("/desk/calls/", probe)
        ids = {int(i) for i in re.findall(r'href="/desk/tickets/(\d+)/"', page.content.decode())}
        assert ids <= {theirs}, probe
        api_probe = {
            ("team_id" if k == "team" else "technician_id" if k == "technician" else k): v for k, v in probe.items()
        }
        api = get("/calls", auth, **api_probe).json()
        assert {item["id"] for item in api["items"]} <= {theirs}, probe
        exported = rows_of_csv(get("/calls/export", auth, **api_probe).content)
        assert {row[0] for row in exported[1:]} <= {"T0000001"}, probe
        assert all("alpha" not in cell for row in exported for cell in row), probe
        if page.status_code == 200:  # our team and our people are no choice of theirs (400)
            exported = rows_of_csv(client.get("/desk/calls/", {**probe, "format": "csv"}).content)
            assert {row[0] for row in exported[1:]} <= {"T0000001"}, probe
    assert [c["number"] for c in get("/calls", auth, serial="cal-77").json()["items"]] == ["T0000001"]
    assert get("/calls", auth, serial="cal-77").json()["items"][0]["id"] == theirs


def test_the_back_office_finds_calls_and_other_people_do_not(desk, tenant):
    technician = signed_in(desk.anna)
    assert technician.get("/desk/calls/").status_code == 200
    assert 'href="/desk/calls/"' in signed_in(tenant.care).get("/desk/calls/").content.decode()  # the menu
    installer_company = signed_in(tenant.installer)
    assert installer_company.get("/desk/calls/").status_code == 403
    assert get("/calls", bearer(tenant, tenant.installer)).status_code == 403
    assert get("/calls/export", bearer(tenant, tenant.installer)).status_code == 403
