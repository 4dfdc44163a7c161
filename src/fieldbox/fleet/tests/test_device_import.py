"""Bulk load of devices: every row checked at once (row and column named), all-or-nothing, sets not loops."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.core.tests.sheets import xlsx_bytes
from fieldbox.core.uploads import numbered
from fieldbox.fleet import imports
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import device, imei, product_of

pytestmark = pytest.mark.django_db


def csv_file(*lines: str, name: str = "devices.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def xlsx_file(rows: list[list[object]]) -> SimpleUploadedFile:
    return SimpleUploadedFile("devices.xlsx", xlsx_bytes(rows))


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_saved(tenant):
    product_of(tenant.provider)
    taken = device(tenant.provider)
    scope = tenant.scope(tenant.dispatcher)
    rows = [
        ["serial", "imei", "product_code"],
        ["TBA9000001", imei(9001), "BOX"],
        ["XYZ9000002", imei(9002), "BOX"],
        ["TBA9000003", "356938035643800", "BOX"],
        ["TBA9000004", imei(9004), "NOPE"],
        ["TBA9000001", imei(9005), "BOX"],
        [taken.serial, imei(9006), "BOX"],
        ["TBA9000007", "", "BOX"],
        ["", imei(9008), "BOX"],
    ]
    checked = imports.check(scope, numbered(rows))
    found = {(e.row, e.column) for e in checked.errors}
    assert found == {
        (2, "serial"),
        (3, "serial"),
        (4, "imei"),
        (5, "product_code"),
        (6, "serial"),
        (7, "serial"),
        (8, "imei"),
        (9, "serial"),
    }
    assert "Row 3, column serial: Serial numbers of IOBox start with TBA." in [str(e) for e in checked.errors]
    assert not checked.ok
    with pytest.raises(Exception, match="Correct the errors"):
        imports.devices_load(scope=scope, checked=checked)
    assert Device.objects.count() == 1


def test_checks_cost_the_same_queries_for_ten_rows_and_a_thousand(tenant):
    product_of(tenant.provider)
    scope = tenant.scope(tenant.dispatcher)
    assert scope.organisation.is_provider  # loaded once, outside the count

    def queries(n: int) -> int:
        rows = [["serial", "imei", "product_code"]] + [[f"TBA8{i:06d}", imei(500000 + i), "BOX"] for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            assert imports.check(scope, numbered(rows)).ok
        return len(ctx.captured_queries)

    assert queries(10) == queries(1000)


def test_a_bad_header_or_a_non_spreadsheet_is_refused(tenant):
    client = signed_in(tenant.dispatcher)
    page = client.post("/devices/import/", {"file": csv_file("serial,imei,code", "TBA1,,BOX")}).content.decode()
    assert "Row 1 must name the columns serial, imei, product_code. Missing: product_code. Unknown: code." in page
    exe = SimpleUploadedFile("devices.exe", b"MZ\x90\x00binary")
    page = client.post("/devices/import/", {"file": exe}).content.decode()
    assert "Upload a spreadsheet: .xlsx, .xls, .ods or .csv." in page
    fake = SimpleUploadedFile("devices.xlsx", b"PK\x03\x04not really a workbook")
    page = client.post("/devices/import/", {"file": fake}).content.decode()
    assert "This file is not a spreadsheet" in page
    assert Device.objects.count() == 0


def test_oversized_files_and_too_many_rows_are_refused(tenant, settings):
    product_of(tenant.provider)
    client = signed_in(tenant.dispatcher)
    settings.DEVICE_IMPORT_MAX_ROWS = 2
    lines = ["serial,imei,product_code"] + [f"TBA{i},{imei(700 + i)},BOX" for i in range(3)]
    page = client.post("/devices/import/", {"file": csv_file(*lines)}).content.decode()
    assert "The file has more than 2 rows" in page
    settings.DEVICE_IMPORT_MAX_BYTES = 20
    page = client.post("/devices/import/", {"file": csv_file(*lines[:2])}).content.decode()
    assert "The file is larger than 20\xa0bytes" in page
    assert Device.objects.count() == 0


def test_the_page_shows_row_errors_then_a_preview_then_loads(tenant):
    product_of(tenant.provider)
    client = signed_in(tenant.dispatcher)
    bad = xlsx_file([["serial", "imei", "product_code"], ["TBA0000001", 356938035643800, "BOX"]])
    page = client.post("/devices/import/", {"file": bad}).content.decode()
    assert "The file has 1 error: nothing was loaded." in page
    assert "An IMEI has 15 digits with a valid check digit." in page
    good = xlsx_file(
        [["serial", "imei", "product_code"], ["tba0000001", int(imei(1)), "box"], ["TBA0000002", imei(2), "BOX"]]
    )
    page = client.post("/devices/import/", {"file": good}).content.decode()
    assert "2 devices are ready to load" in page and "Load 2 devices" in page
    assert Device.objects.count() == 0
    response = client.post("/devices/import/load/", follow=True)
    assert "2 devices loaded into your warehouse." in response.content.decode()
    assert set(Device.objects.values_list("serial", "status", "company")) == {
        ("TBA0000001", "in_stock", None),
        ("TBA0000002", "in_stock", None),
    }
    assert AuditEvent.objects.filter(action="device.import", data__count=2).count() == 1
    again = client.post("/devices/import/load/", follow=True).content.decode()
    assert "Upload the file again" in again and Device.objects.count() == 2


def test_devices_already_on_the_platform_are_refused_even_of_another_provider(tenant, other_tenant):
    product_of(tenant.provider)
    theirs = device(other_tenant.provider)
    assert theirs.imei
    rows = [["serial", "imei", "product_code"], ["TBA5550001", theirs.imei, "BOX"]]
    checked = imports.check(tenant.scope(tenant.dispatcher), numbered(rows))
    assert [(e.row, e.column, e.message) for e in checked.errors] == [
        (2, "imei", "A device with this IMEI is already registered.")
    ]


def test_only_admins_and_dispatchers_load_and_get_the_template(tenant):
    assert signed_in(tenant.care).get("/devices/import/").status_code == 403
    assert signed_in(tenant.installer).get("/devices/import/").status_code == 403
    response = signed_in(tenant.dispatcher).get("/devices/import/template/?format=csv")
    assert response.content.decode().strip() == "serial,imei,product_code"
    xlsx = signed_in(tenant.dispatcher).get("/devices/import/template/?format=xlsx")
    assert xlsx["Content-Disposition"].endswith('devices-template.xlsx"')
