"""Removal request files: the header, every row check with its row and column, refused files, sets not loops."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldbox.accounts.choices import PartnershipStatus
from fieldbox.accounts.tests.factories import InstallerCompanyFactory, partnership
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core.tests.sheets import xlsx_bytes
from fieldbox.fleet.models import Subscription, Vehicle
from fieldbox.fleet.tests.factories import registry
from fieldbox.removals import imports
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.models import RemovalDraftLine, RemovalLine, RemovalRequest
from fieldbox.removals.services import requests as services

pytestmark = pytest.mark.django_db

HEADER = list(imports.HEADER)
NOW = "2026-06-10 09:00+02:00"
LATER = "20/06/2026"
_vins = iter(range(1, 10_000))


@pytest.fixture(autouse=True)
def _media_and_clock(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        yield


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes([header, *rows])


def csv_file(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    return "\n".join(";".join(r) for r in [header, *rows]).encode()


def vehicle(tenant: Tenant, *, vin: str | None = None) -> tuple[str, str]:
    """A vehicle of the tenant's fleet with a VIN and an active subscription: (VIN, subscription number)."""
    reg = registry(tenant.provider)
    vin = vin or f"WBA1T5108{next(_vins):08d}"
    Vehicle.objects.filter(pk=reg.vehicle.pk).update(vin=vin, make="BMW", model="SERIE 1")
    return vin, reg.subscription.number


def upload(tenant: Tenant, data: bytes, name: str = "removals.xlsx"):
    return signed_in(tenant.dispatcher).post(
        "/removal-requests/new/", {"file": SimpleUploadedFile(name, data), "follow_up_email": "follow@up.example"}
    )


def errors_of(page: str) -> str:
    return page.split('data-testid="import-errors"')[1].split("</section>")[0]


def test_every_row_check_names_its_row_and_column(tenant, other_tenant):
    code = tenant.company.installer_code
    ok_vin, ok_sub = vehicle(tenant)
    other_vin, other_sub = vehicle(tenant)
    ended_vin, ended_sub = vehicle(tenant)
    Subscription.objects.filter(number=ended_sub).update(status="ended")
    foreign_vin, foreign_sub = vehicle(other_tenant)
    stranger = InstallerCompanyFactory(name="Stranger", installer_code="ZZ999")
    partnership(
        tenant.provider, InstallerCompanyFactory(name="Pending", installer_code="PP001"), PartnershipStatus.PENDING
    )
    rows = [
        [f"  {ok_vin.lower()} ", ok_sub, code.lower(), "Chambery", LATER, "A faire ASAP"],  # 2: fine, normalised
        ["NOT-A-VIN", ok_sub, code, "", LATER, ""],  # 3: VIN
        [foreign_vin, foreign_sub, code, "", LATER, ""],  # 4: another provider's vehicle and subscription
        [other_vin, ok_sub, code, "", LATER, ""],  # 5: subscription of another vehicle
        [ended_vin, ended_sub, code, "", LATER, ""],  # 6: subscription ended
        [other_vin, other_sub, stranger.installer_code, "", LATER, ""],  # 7: not a partner
        [other_vin, other_sub, "PP001", "", LATER, ""],  # 8: partnership not accepted
        [other_vin, other_sub, code, "", "01/06/2026", ""],  # 9: date in the past
        [other_vin, other_sub, code, "", "31/02/2026", ""],  # 10: no such date
        [other_vin, other_sub, code, "", "soon", ""],  # 11: not a date
        [ok_vin, ok_sub, code, "", LATER, ""],  # 12: same vehicle as row 2
        ["", "", "", "", "", "just a comment"],  # 13: nothing but a comment
    ]
    response = upload(tenant, xlsx(rows))
    assert response.status_code == 302
    draft = RemovalRequest.objects.get(provider=tenant.provider)
    page = signed_in(tenant.dispatcher).get(response.url).content.decode()
    listed = errors_of(page)
    expected = [
        (3, "Vin", "A VIN has 17 letters and digits"),
        (4, "Vin", f"No vehicle of your fleet has the VIN {foreign_vin}"),
        (4, "N° Abonnement", f"No subscription of yours has the number {foreign_sub}"),
        (5, "N° Abonnement", f"The subscription {ok_sub} is not the one of the vehicle {other_vin}"),
        (6, "N° Abonnement", f"The subscription {ended_sub} is no longer active"),
        (7, "Code Distributeur", "No installer company that accepted your partnership has the code ZZ999"),
        (8, "Code Distributeur", "has the code PP001"),
        (9, "Date de dépose souhaitée", "The date 01/06/2026 is in the past"),
        (10, "Date de dépose souhaitée", "“31/02/2026” is not a date"),
        (11, "Date de dépose souhaitée", "“soon” is not a date"),
        (12, "Vin", f"The vehicle {ok_vin} is already on row 2"),
        (13, "Vin", "Write the VIN."),
        (13, "N° Abonnement", "Write the subscription number."),
        (13, "Code Distributeur", "Write the installer code"),
        (13, "Date de dépose souhaitée", "Write the wished date"),
    ]
    stored = [(e["row"], e["column"], e["message"]) for e in draft.errors]
    for row, column, text in expected:
        assert any(r == row and c == column and text in m for r, c, m in stored), (row, column, text)
        assert text.replace("“", "&ldquo;")[:20] in listed or text[:20] in listed
    assert draft.error_count == 11
    [line] = RemovalDraftLine.objects.filter(request=draft)
    assert (line.row, line.status, line.vin, line.place) == (2, LineStatus.NEW, ok_vin, "Chambery")
    assert line.wished_on == date(2026, 6, 20) and line.comment == "A faire ASAP"


def test_a_vehicle_already_in_an_open_removal_is_refused(tenant):
    code = tenant.company.installer_code
    vin, sub = vehicle(tenant)
    first = services.request_upload(
        scope=tenant.scope(tenant.dispatcher), stream=io.BytesIO(xlsx([[vin, sub, code, "", LATER, ""]])),
        file_name="a.xlsx", size=None,
    )  # fmt: skip
    services.request_confirm(scope=tenant.scope(tenant.dispatcher), request_id=first.pk)
    response = upload(tenant, xlsx([[vin, sub, code, "", LATER, ""]]))
    assert response.status_code == 422
    first.refresh_from_db()
    assert f"The vehicle {vin} is already in an open removal (request {first.number})" in errors_of(
        response.content.decode()
    )


def test_a_wrong_vin_is_not_matched_to_a_vehicle_without_vin(tenant):
    code = tenant.company.installer_code
    _vin, sub = vehicle(tenant)
    Vehicle.objects.filter(pk=Subscription.objects.get(number=sub).vehicle_id).update(vin="")  # known by its plate
    ok_vin, ok_sub = vehicle(tenant)
    draft = services.request_upload(
        scope=tenant.scope(tenant.dispatcher), file_name="a.xlsx", size=None,
        stream=io.BytesIO(xlsx([["NOT-A-VIN", ok_sub, code, "", LATER, ""], [ok_vin, ok_sub, code, "", LATER, ""]])),
    )  # fmt: skip
    assert [(e["row"], e["column"]) for e in draft.errors] == [(2, "Vin")]
    assert "A VIN has 17 letters and digits" in draft.errors[0]["message"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["N° Abonnement", "Vin", *HEADER[2:]],
            "Column A is “N° Abonnement” but should be “Vin”: keep the columns in the template&#x27;s order.",
        ),
        ([HEADER[0], "Abonnement", *HEADER[2:]], "Column B is “Abonnement” but should be “N° Abonnement”."),
        (HEADER[:5], "Column F should be “Commentaires”: it is missing."),
        ([*HEADER, "Extra"], "Column G “Extra” is not a column of the template: remove it."),
    ],
)
def test_a_wrong_header_is_refused_and_leaves_nothing(tenant, header, message):
    vin, sub = vehicle(tenant)
    response = upload(tenant, xlsx([[vin, sub, tenant.company.installer_code, "", LATER, ""]], header=header))
    assert response.status_code == 422
    assert message in errors_of(response.content.decode())
    assert not RemovalRequest.objects.exists()


def test_header_case_and_spaces_are_forgiven(tenant):
    vin, sub = vehicle(tenant)
    header = [" vin ", "n° abonnement", "CODE DISTRIBUTEUR", "Lieu de  dépose", *HEADER[4:]]
    assert upload(tenant, xlsx([[vin, sub, tenant.company.installer_code, "", LATER, ""]], header)).status_code == 302


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 not a sheet", "removals.xlsx", "This file is not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 400,
         "locked.xlsx", "protected by a password"),
        (_bomb(), "bomb.xlsx", "unpacks into far more data"),
        (b";;;;;\n;;;;;\n\n", "blank.csv", "The file is empty: every row is blank."),
        (csv_file([]), "header.csv", "The file has a header but no vehicle rows."),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_nothing_left_behind(tenant, settings, data, name, message):
    response = upload(tenant, data, name)
    assert response.status_code == 422
    assert message in errors_of(response.content.decode())
    assert not RemovalRequest.objects.exists() and not RemovalLine.objects.exists()
    assert not RemovalDraftLine.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.*"))


def test_places_and_comments_that_look_like_formulas_are_stored_as_text(tenant):
    vin, sub = vehicle(tenant)
    rows = [[vin, sub, tenant.company.installer_code, '=HYPERLINK("http://x")', LATER, "=1+1"]]
    assert upload(tenant, csv_file(rows), "removals.csv").status_code == 302
    line = RemovalDraftLine.objects.get()
    assert (line.place, line.comment) == ('=HYPERLINK("http://x")', "=1+1")


def test_a_formula_saved_without_its_value_keeps_its_text_in_every_column(tenant):
    """A file written by a script (openpyxl here) holds formulas without their value: the reader answered empty
    cells, and the row was saved with an empty comment. Every column reads the formula's text instead, as from a
    CSV: a comment or a place keeps it; a VIN or a date that is a formula is refused, naming its cell."""
    code = tenant.company.installer_code
    vin, sub = vehicle(tenant)
    other_vin, other_sub = vehicle(tenant)
    rows = [
        [vin, sub, code, '=UPPER("chambery")', LATER, '=HYPERLINK("http://tracker.example/7?a=1&b=2","see")'],
        [f'=UPPER("{other_vin.lower()}")', other_sub, code, "", "=TODAY()+7", ""],
    ]
    draft = services.request_upload(
        scope=tenant.scope(tenant.dispatcher), stream=io.BytesIO(xlsx(rows)), file_name="script.xlsx", size=None
    )
    line = RemovalDraftLine.objects.get(request=draft)
    assert (line.row, line.place) == (2, '=UPPER("chambery")')
    assert line.comment == '=HYPERLINK("http://tracker.example/7?a=1&b=2","see")'
    assert [(e["row"], e["column"]) for e in draft.errors] == [(3, "Vin"), (3, "Date de dépose souhaitée")]
    assert draft.errors[0]["message"].startswith("=UPPER(")
    assert draft.errors[1]["message"].startswith("“=TODAY()+7” is not a date")


def test_the_number_of_queries_does_not_grow_with_the_rows(tenant):
    code = tenant.company.installer_code
    scope = tenant.scope(tenant.dispatcher)
    fleet = [vehicle(tenant) for _ in range(50)]

    def queries(n: int) -> int:
        rows = [[vin, sub, code, "Paris", LATER, ""] for vin, sub in fleet[:n]]
        rows.append(["WRONGVIN", "nope", code, "", "01/01/2020", ""])
        with CaptureQueriesContext(connection) as captured:
            draft = services.request_upload(scope=scope, stream=io.BytesIO(xlsx(rows)), file_name="f.xlsx", size=None)
        assert RemovalDraftLine.objects.filter(request=draft).count() == n
        services.request_discard(scope=scope, request_id=draft.pk)
        return len(captured)

    queries(5)  # the first upload loads what the scope caches
    assert queries(5) == queries(50)


def test_template_has_the_exact_header_and_the_manual_rows(tenant):
    response = signed_in(tenant.dispatcher).get("/removal-requests/template/")
    assert response.status_code == 200
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADER
    assert rows[1][:4] == ["0Z2345678901D7893", "121000BBD", "EK004", "Chambery"]
    assert rows[2][5] == "pas de caractère d'urgence"
